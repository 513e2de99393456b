package service

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

func TestNoProxyCovers(t *testing.T) {
	for _, tc := range []struct {
		noProxy, host string
		want          bool
	}{
		{"", "127.0.0.1", false},
		{"*", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.1", true},
		{"example.com,127.0.0.1", "127.0.0.1", true},
		{"example.com, localhost", "127.0.0.1", false},
		{"localhost", "localhost", true},
		{"LOCALHOST", "localhost", true},
		{"127.0.0.0/8", "127.0.0.1", true},
		{"10.0.0.0/8", "127.0.0.1", false},
		{"127.0.0.1:8750", "127.0.0.1", true},
		{"::1", "::1", true},
		{"[::1]", "[::1]", true},
		{".internal", "api.internal", true},
		{"internal", "api.internal", true},
		{".0.0.1", "127.0.0.1", false}, // a suffix never matches an IP
		{"127.0.0.10", "127.0.0.1", false},
	} {
		if got := noProxyCovers(tc.noProxy, tc.host); got != tc.want {
			t.Errorf("noProxyCovers(%q, %q) = %v, want %v", tc.noProxy, tc.host, got, tc.want)
		}
	}
}

func TestProxyEnvFor(t *testing.T) {
	const base = "http://127.0.0.1:8750"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want model.ProxyEnv
	}{
		{"nothing set", nil, model.ProxyEnv{}},
		{"https proxy without no_proxy",
			map[string]string{"HTTPS_PROXY": "http://proxy:3128"},
			model.ProxyEnv{HTTPSProxy: true, LoopbackProxied: true}},
		{"lower-case http proxy, no_proxy covers",
			map[string]string{"http_proxy": "http://proxy:3128", "no_proxy": "localhost,127.0.0.1"},
			model.ProxyEnv{HTTPProxy: true, NoProxyCoversLoopback: true}},
		{"all_proxy, NO_PROXY covers localhost only",
			map[string]string{"ALL_PROXY": "socks5://proxy:1080", "NO_PROXY": "localhost"},
			model.ProxyEnv{AllProxy: true, LoopbackProxied: true}},
		{"blank value is not set",
			map[string]string{"HTTP_PROXY": "  "},
			model.ProxyEnv{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := proxyEnvFor(func(k string) string { return tc.env[k] }, base)
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The status reports the server's own environment, and never the proxy
// URL, which may carry credentials.
func TestStatusProxyEnv(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://alice:s3cret@proxy.corp:3128")
	t.Setenv("https_proxy", "")
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	s := newTestService(t)
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !st.ProxyEnv.HTTPSProxy || st.ProxyEnv.NoProxyCoversLoopback || !st.ProxyEnv.LoopbackProxied {
		t.Errorf("proxy_env = %+v, want https_proxy set and loopback proxied", st.ProxyEnv)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cret", "alice", "proxy.corp"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("status JSON %s contains %q from the proxy URL", b, secret)
		}
	}

	t.Setenv("NO_PROXY", "127.0.0.1,localhost")
	st, err = s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !st.ProxyEnv.NoProxyCoversLoopback || st.ProxyEnv.LoopbackProxied {
		t.Errorf("with NO_PROXY: proxy_env = %+v, want covered", st.ProxyEnv)
	}
}
