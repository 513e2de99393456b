package api

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
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
	// refuse answers a refused /v1 request in the client's dialect.
	refuse RefusalWriter
	// attempts slows down guessing the admin token.
	attempts *attemptLimiter
}

func newGuard(addr, adminToken string, corsOrigins func() []string, refuse RefusalWriter) (*guard, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("api: listener address %q: %w", addr, err)
	}
	return &guard{bindHost: strings.ToLower(host), port: port, adminToken: adminToken, corsOrigins: corsOrigins,
		refuse: refuse, attempts: newAttemptLimiter(time.Now)}, nil
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

// presentedToken returns the admin token the request carries, if any. The
// WebSocket may carry it as ?token= because browsers cannot set headers on
// a WebSocket.
func presentedToken(r *http.Request, allowQuery bool) string {
	if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	if allowQuery {
		return r.URL.Query().Get("token")
	}
	return ""
}

// tokenMatches compares a presented token with the admin token in
// constant time.
func (g *guard) tokenMatches(got string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(g.adminToken)) == 1
}

// checkHost wraps next with the Host check.
func (g *guard) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hostAllowed(r.Host) {
			msg := fmt.Sprintf("Host %q is not allowed: Sluicegate answers only requests addressed to localhost, 127.0.0.1 or [::1] (or the --addr host); this protects it from DNS rebinding", r.Host)
			if isProxyPath(r.URL.Path) {
				// An SDK reads errors in its own dialect only.
				g.refuse(w, r, http.StatusForbidden, "host_not_allowed", msg)
				return
			}
			deny(w, errForbidden.with(msg))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isProxyPath reports whether path is answered in an LLM API's dialect:
// /v1 and the unprefixed API paths of a base URL without /v1.
func isProxyPath(path string) bool {
	return path == "/v1" || strings.HasPrefix(path, "/v1/") || unprefixedAPIPaths[path]
}

// unsafeMethod reports whether method may change something.
func unsafeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// checkAdmin wraps an admin route with the Origin, fetch-metadata, rate
// limit and token checks.
func (g *guard) checkAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !g.dashboardOrigin(o) {
			deny(w, errForbidden.with(fmt.Sprintf(
				"Origin %q may not call the admin API: only the Sluicegate dashboard itself may; this protects it from other web pages", o)))
			return
		}
		// A browser marks a request another site started even when it
		// sends no Origin (e.g. some form posts); such a write is never
		// the dashboard's.
		if unsafeMethod(r.Method) && strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") {
			deny(w, errForbidden.with("a cross-site request may not change Sluicegate's configuration: only the Sluicegate dashboard itself may; this protects it from other web pages"))
			return
		}
		if g.adminToken != "" {
			got := presentedToken(r, r.URL.Path == wsPath)
			if got == "" {
				// No token is not a guess: the dashboard asks for one
				// this way, so it is not counted against the client.
				deny(w, errUnauthorized)
				return
			}
			client := clientIP(r)
			if wait, ok := g.attempts.allow(client); !ok {
				// The token is not even compared, so guessing gains nothing.
				secs := int((wait + time.Second - 1) / time.Second)
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				deny(w, errTooManyAttempts)
				return
			}
			if !g.tokenMatches(got) {
				g.attempts.fail(client)
				deny(w, errUnauthorized)
				return
			}
			g.attempts.succeed(client)
		}
		next.ServeHTTP(w, r)
	})
}

// clientIP is the host part of the peer's address.
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// Admin token attempt limits: after maxFreeFailures wrong tokens a client
// gets one attempt per attemptInterval until it sends the right one. A
// client quiet for attemptForget starts afresh (and is forgotten, which
// bounds the table).
const (
	maxFreeFailures = 5
	attemptInterval = time.Second
	attemptForget   = 10 * time.Minute
)

// attemptLimiter counts failed admin authentications per client IP.
type attemptLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	clients map[string]*attempts
}

type attempts struct {
	failures int
	last     time.Time // the last attempt that was let through
}

func newAttemptLimiter(now func() time.Time) *attemptLimiter {
	return &attemptLimiter{now: now, clients: map[string]*attempts{}}
}

// allow reports whether client may try a token now, and if not, how long
// it has to wait. An allowed attempt beyond the free ones uses up the
// client's slot for attemptInterval.
func (l *attemptLimiter) allow(client string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.clients[client]
	now := l.now()
	if a == nil {
		return 0, true
	}
	if now.Sub(a.last) >= attemptForget {
		delete(l.clients, client)
		return 0, true
	}
	if a.failures < maxFreeFailures {
		return 0, true
	}
	if wait := attemptInterval - now.Sub(a.last); wait > 0 {
		return wait, false
	}
	a.last = now
	return 0, true
}

// fail records a wrong token from client.
func (l *attemptLimiter) fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.clients) >= 10000 {
		for k, a := range l.clients {
			if now.Sub(a.last) >= attemptForget {
				delete(l.clients, k)
			}
		}
	}
	a := l.clients[client]
	if a == nil {
		a = &attempts{}
		l.clients[client] = a
	}
	a.failures++
	a.last = now
}

// succeed forgets client's failures.
func (l *attemptLimiter) succeed(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, client)
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
			g.refuse(w, r, http.StatusForbidden, "origin_not_allowed", fmt.Sprintf(
				"Origin %q may not call the proxy: allowed are loopback origins and the cors_origins setting", origin))
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
