package api

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Origins of the desktop webview (Wails v2 on Linux/macOS and Windows).
var webviewOrigins = map[string]bool{
	"wails://wails":          true,
	"http://wails.localhost": true,
}

// guard holds the network listener's access rules (API.md §3 "Guards").
type guard struct {
	bindHost   string // the host part of --addr
	port       string // the listener's port
	adminToken string
	// corsOrigins returns the user's extra allowed origins for /v1 (the
	// cors_origins setting); nil means none.
	corsOrigins func() []string
}

func newGuard(addr, adminToken string, corsOrigins func() []string) (*guard, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("api: listener address %q: %w", addr, err)
	}
	return &guard{bindHost: strings.ToLower(host), port: port, adminToken: adminToken, corsOrigins: corsOrigins}, nil
}

// IsLoopbackHost reports whether host (no port) names this machine's
// loopback interface: localhost, 127.0.0.0/8 or ::1.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostAllowed is the DNS-rebinding check on the Host header. A web page on
// evil.example whose name resolves to 127.0.0.1 sends "Host: evil.example";
// only names the user chose are accepted.
func (g *guard) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if IsLoopbackHost(host) {
		return true
	}
	if host == "" {
		return false
	}
	if host == g.bindHost {
		return true
	}
	// Bound to every interface (0.0.0.0, ::): any IP literal is fine,
	// because DNS rebinding needs a name. Names still have to be loopback.
	if ip := net.ParseIP(g.bindHost); (g.bindHost == "" || (ip != nil && ip.IsUnspecified())) && net.ParseIP(host) != nil {
		return true
	}
	return false
}

// dashboardOrigin reports whether origin is the dashboard itself (served by
// this listener) or the desktop webview.
func (g *guard) dashboardOrigin(origin string) bool {
	if webviewOrigins[origin] {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "http" || u.Port() != g.port {
		return false
	}
	return g.hostAllowed(u.Host)
}

// proxyOrigin reports whether a browser page at origin may call /v1: any
// loopback origin (local web apps on any port) plus the cors_origins
// setting.
func (g *guard) proxyOrigin(origin string) bool {
	if u, err := url.Parse(origin); err == nil && (u.Scheme == "http" || u.Scheme == "https") && IsLoopbackHost(u.Hostname()) {
		return true
	}
	if g.dashboardOrigin(origin) {
		return true
	}
	if g.corsOrigins != nil {
		for _, o := range g.corsOrigins() {
			if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
				return true
			}
		}
	}
	return false
}

// tokenOK checks the admin token, when one is set. The WebSocket may carry
// it as ?token= because browsers cannot set headers on a WebSocket.
func (g *guard) tokenOK(r *http.Request, allowQuery bool) bool {
	if g.adminToken == "" {
		return true
	}
	got := ""
	if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		got = strings.TrimSpace(auth[7:])
	} else if allowQuery {
		got = r.URL.Query().Get("token")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(g.adminToken)) == 1
}

// checkHost wraps next with the Host check.
func (g *guard) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hostAllowed(r.Host) {
			deny(w, errForbidden.with(fmt.Sprintf(
				"Host %q is not allowed: Sluicegate answers only requests addressed to localhost, 127.0.0.1 or [::1] (or the --addr host); this protects it from DNS rebinding", r.Host)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkAdmin wraps an admin route with the Origin and token checks.
func (g *guard) checkAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !g.dashboardOrigin(o) {
			deny(w, errForbidden.with(fmt.Sprintf(
				"Origin %q may not call the admin API: only the Sluicegate dashboard itself may; this protects it from other web pages", o)))
			return
		}
		if !g.tokenOK(r, r.URL.Path == wsPath) {
			deny(w, errUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkCORS wraps the proxy with the /v1 Origin rules and answers CORS
// preflights, so browser apps on localhost can call the proxy directly.
func (g *guard) checkCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !g.proxyOrigin(origin) {
			deny(w, errForbidden.with(fmt.Sprintf(
				"Origin %q may not call the proxy: allowed are loopback origins and the cors_origins setting", origin)))
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Expose-Headers", "*")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				h.Set("Access-Control-Allow-Headers", req)
			}
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// deny answers a request the guards refused.
func deny(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.HTTPStatus, map[string]*apiError{"error": e})
}
