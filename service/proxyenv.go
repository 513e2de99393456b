package service

import (
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/sluicegate/sluicegate/model"
)

// lookupEither returns the value of the upper- or lower-case variable name
// (clients differ in which they read; curl reads only http_proxy in lower
// case, Python and Node read both).
func lookupEither(getenv func(string) string, name string) string {
	if v := strings.TrimSpace(getenv(strings.ToUpper(name))); v != "" {
		return v
	}
	return strings.TrimSpace(getenv(strings.ToLower(name)))
}

// proxyEnvFor reports the proxy variables of an environment and whether
// NO_PROXY exempts the host of baseURL (the URL clients are told to use).
func proxyEnvFor(getenv func(string) string, baseURL string) model.ProxyEnv {
	env := model.ProxyEnv{
		HTTPProxy:  lookupEither(getenv, "http_proxy") != "",
		HTTPSProxy: lookupEither(getenv, "https_proxy") != "",
		AllProxy:   lookupEither(getenv, "all_proxy") != "",
	}
	host := "127.0.0.1"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	env.NoProxyCoversLoopback = noProxyCovers(lookupEither(getenv, "no_proxy"), host)
	env.LoopbackProxied = (env.HTTPProxy || env.HTTPSProxy || env.AllProxy) && !env.NoProxyCoversLoopback
	return env
}

// noProxyCovers reports whether the NO_PROXY list noProxy exempts host.
// It accepts what the common clients agree on: "*", an exact host or IP
// (with or without a port), a CIDR range, and a domain suffix (".example"
// or "example" matching sub.example). Entries only some clients honour
// count too; the warning exists for the case where none would.
func noProxyCovers(noProxy, host string) bool {
	host = strings.ToLower(strings.Trim(host, "[]"))
	ip, ipErr := netip.ParseAddr(host)
	for entry := range strings.FieldsFuncSeq(noProxy, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		entry = strings.ToLower(entry)
		if entry == "*" {
			return true
		}
		if prefix, err := netip.ParsePrefix(entry); err == nil {
			if ipErr == nil && prefix.Contains(ip) {
				return true
			}
			continue
		}
		if h, _, err := net.SplitHostPort(entry); err == nil {
			entry = h
		}
		entry = strings.Trim(entry, "[]")
		name := strings.TrimPrefix(strings.TrimPrefix(entry, "*"), ".")
		if name == "" {
			continue
		}
		if host == name || (ipErr != nil && strings.HasSuffix(host, "."+name)) {
			return true
		}
	}
	return false
}
