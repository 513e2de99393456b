package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
	"github.com/sluicegate/sluicegate/service"
)

// fakeService answers Status only; the guard tests need nothing else.
type fakeService struct {
	Service
	err error
}

func (f fakeService) Status(context.Context) (model.Status, error) {
	if f.err != nil {
		return model.Status{}, f.err
	}
	return model.Status{Version: "test", OpenAIBaseURL: "http://127.0.0.1:8750/v1"}, nil
}

var testDist = fstest.MapFS{
	"index.html":          {Data: []byte("<!doctype html><title>Sluicegate</title>")},
	"assets/app-abc1.js":  {Data: []byte("console.log(1)")},
	"assets/app-abc1.css": {Data: []byte("body{}")},
	"favicon.svg":         {Data: []byte("<svg/>")},
}

// proxyEcho stands in for the proxy: it says it was reached.
var proxyEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "proxy:"+r.URL.Path)
})

func newTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Service == nil {
		cfg.Service = fakeService{}
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8750"
	}
	if cfg.Proxy == nil {
		cfg.Proxy = proxyEcho
	}
	if cfg.Dashboard == nil {
		cfg.Dashboard = testDist
	}
	if cfg.Refuse == nil {
		cfg.Refuse = proxy.WriteRefusal
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type req struct {
	method, path, host string
	headers            map[string]string
}

func do(h http.Handler, rq req) *httptest.ResponseRecorder {
	r := httptest.NewRequest(rq.method, rq.path, strings.NewReader(""))
	r.Host = rq.host
	if r.Host == "" {
		r.Host = "127.0.0.1:8750"
	}
	for k, v := range rq.headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestGuards(t *testing.T) {
	s := newTestServer(t, Config{})
	h := s.Network()
	for _, tc := range []struct {
		name string
		req  req
		want int
	}{
		// Host allowlist, on every route family.
		{"healthz loopback", req{"GET", "/healthz", "127.0.0.1:8750", nil}, 200},
		{"healthz localhost", req{"GET", "/healthz", "localhost:8750", nil}, 200},
		{"healthz ipv6", req{"GET", "/healthz", "[::1]:8750", nil}, 200},
		{"healthz 127.0.0.2", req{"GET", "/healthz", "127.0.0.2", nil}, 200},
		{"healthz evil", req{"GET", "/healthz", "evil.example", nil}, 403},
		{"admin evil host", req{"GET", "/admin/v1/status", "evil.example:8750", nil}, 403},
		{"proxy evil host", req{"POST", "/v1/chat/completions", "evil.example", nil}, 403},
		{"dashboard evil host", req{"GET", "/", "evil.example", nil}, 403},
		{"localhost lookalike", req{"GET", "/healthz", "localhost.evil.example", nil}, 403},
		{"empty host", req{"GET", "/healthz", " ", nil}, 403},
		// Origin on admin routes.
		{"admin no origin", req{"GET", "/admin/v1/status", "", nil}, 200},
		{"admin own origin", req{"POST", "/admin/v1/status", "", map[string]string{"Origin": "http://127.0.0.1:8750"}}, 405},
		{"admin own origin localhost", req{"GET", "/admin/v1/status", "localhost:8750", map[string]string{"Origin": "http://localhost:8750"}}, 200},
		{"admin wails origin", req{"GET", "/admin/v1/status", "", map[string]string{"Origin": "wails://wails"}}, 200},
		{"admin wails windows origin", req{"GET", "/admin/v1/status", "", map[string]string{"Origin": "http://wails.localhost"}}, 200},
		{"admin cross origin POST", req{"POST", "/admin/v1/status", "", map[string]string{"Origin": "http://evil.example"}}, 403},
		{"admin loopback other port", req{"POST", "/admin/v1/status", "", map[string]string{"Origin": "http://127.0.0.1:3000"}}, 403},
		{"admin https own port", req{"GET", "/admin/v1/status", "", map[string]string{"Origin": "https://127.0.0.1:8750"}}, 403},
		{"admin null origin", req{"GET", "/admin/v1/status", "", map[string]string{"Origin": "null"}}, 403},
		{"admin ws foreign origin", req{"GET", "/admin/v1/ws", "", map[string]string{"Origin": "http://evil.example"}}, 403},
		// /v1 CORS: loopback origins allowed, others refused.
		{"proxy no origin", req{"POST", "/v1/chat/completions", "", nil}, 200},
		{"proxy loopback origin", req{"POST", "/v1/chat/completions", "", map[string]string{"Origin": "http://localhost:5173"}}, 200},
		{"proxy foreign origin", req{"POST", "/v1/chat/completions", "", map[string]string{"Origin": "https://evil.example"}}, 403},
		{"proxy preflight", req{"OPTIONS", "/v1/chat/completions", "", map[string]string{"Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "POST"}}, 204},
		{"proxy preflight foreign", req{"OPTIONS", "/v1/chat/completions", "", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}}, 403},
		{"anthropic evil host", req{"POST", "/v1/messages", "evil.example", nil}, 403},
		{"anthropic foreign origin", req{"POST", "/v1/messages", "", map[string]string{"Origin": "https://evil.example"}}, 403},
		{"unprefixed path evil host", req{"POST", "/chat/completions", "evil.example", nil}, 403},
		// Fetch metadata: a cross-site write is refused even without Origin.
		{"admin cross-site POST", req{"POST", "/admin/v1/status", "", map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403},
		{"admin cross-site PUT", req{"PUT", "/admin/v1/settings", "", map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403},
		{"admin cross-site PATCH", req{"PATCH", "/admin/v1/providers/1", "", map[string]string{"Sec-Fetch-Site": "Cross-Site"}}, 403},
		{"admin cross-site DELETE", req{"DELETE", "/admin/v1/providers/1", "", map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403},
		{"admin cross-site GET", req{"GET", "/admin/v1/status", "", map[string]string{"Sec-Fetch-Site": "cross-site"}}, 200},
		{"admin same-origin POST", req{"POST", "/admin/v1/status", "", map[string]string{"Sec-Fetch-Site": "same-origin"}}, 405},
		{"admin user-typed POST", req{"POST", "/admin/v1/status", "", map[string]string{"Sec-Fetch-Site": "none"}}, 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, tc.req)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.want, w.Body)
			}
			if w.Code != 403 {
				return
			}
			path := tc.req.path
			switch {
			case strings.HasPrefix(path, "/v1/messages"):
				// An SDK reads only its own dialect, marked as the proxy's.
				var body struct {
					Type  string
					Error struct{ Type, Message string }
				}
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Type != "error" || body.Error.Type != "permission_error" || body.Error.Message == "" {
					t.Errorf("403 body %q is not an Anthropic error", w.Body)
				}
			case strings.HasPrefix(path, "/v1/") || path == "/chat/completions":
				var body struct {
					Error struct{ Type, Code, Message string }
				}
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Type != "permission_error" || body.Error.Code == "" || body.Error.Message == "" {
					t.Errorf("403 body %q is not an OpenAI error", w.Body)
				}
			default:
				var body struct{ Error apiError }
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != "forbidden" || body.Error.Message == "" {
					t.Errorf("403 body %q is not a clear JSON error", w.Body)
				}
				return
			}
			if got := w.Header().Get("X-Sluicegate-Error-Source"); got != "proxy" {
				t.Errorf("X-Sluicegate-Error-Source %q, want proxy", got)
			}
		})
	}
}

// TestAdminNosniff: every admin JSON answer, error or not, tells the
// browser not to guess its type.
func TestAdminNosniff(t *testing.T) {
	h := newTestServer(t, Config{AdminToken: "s3cret-token"}).Network()
	for _, rq := range []req{
		{"GET", "/admin/v1/status", "", map[string]string{"Authorization": "Bearer s3cret-token"}},
		{"GET", "/admin/v1/status", "", nil},
		{"GET", "/admin/v1/nope", "", map[string]string{"Authorization": "Bearer s3cret-token"}},
		{"POST", "/admin/v1/status", "", map[string]string{"Authorization": "Bearer s3cret-token"}},
		{"GET", "/admin/v1/status", "", map[string]string{"Origin": "http://evil.example"}},
		{"GET", "/admin/v1/status", "evil.example", nil},
		{"GET", "/healthz", "", nil},
	} {
		w := do(h, rq)
		if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (Host %q): %d with X-Content-Type-Options %q", rq.method, rq.path, rq.host, w.Code, got)
		}
	}
}

func TestCORSHeaders(t *testing.T) {
	cors := []string{"https://app.example.com"}
	s := newTestServer(t, Config{CORSOrigins: func() []string { return cors }})
	w := do(s.Network(), req{"OPTIONS", "/v1/chat/completions", "", map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization, content-type"}})
	if w.Code != 204 {
		t.Fatalf("preflight from cors_origins: %d", w.Code)
	}
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin":  "https://app.example.com",
		"Access-Control-Allow-Headers": "authorization, content-type",
		"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	w = do(s.Network(), req{"POST", "/v1/chat/completions", "", map[string]string{"Origin": "https://app.example.com"}})
	if w.Code != 200 || w.Body.String() != "proxy:/v1/chat/completions" {
		t.Errorf("actual request: %d %q", w.Code, w.Body)
	}
	cors = nil // a settings change is seen at once
	if w := do(s.Network(), req{"POST", "/v1/chat/completions", "", map[string]string{"Origin": "https://app.example.com"}}); w.Code != 403 {
		t.Errorf("after removing the origin: %d, want 403", w.Code)
	}
}

func TestAdminToken(t *testing.T) {
	// live stands in for the WebSocket handler: reaching it means the
	// guards let the request through.
	live := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	s := newTestServer(t, Config{AdminToken: "s3cret-token", Live: live})
	h := s.Network()
	for _, tc := range []struct {
		name string
		req  req
		want int
	}{
		{"no token", req{"GET", "/admin/v1/status", "", nil}, 401},
		{"wrong token", req{"GET", "/admin/v1/status", "", map[string]string{"Authorization": "Bearer nope"}}, 401},
		{"right token", req{"GET", "/admin/v1/status", "", map[string]string{"Authorization": "Bearer s3cret-token"}}, 200},
		{"lowercase scheme", req{"GET", "/admin/v1/status", "", map[string]string{"Authorization": "bearer s3cret-token"}}, 200},
		{"query token not for REST", req{"GET", "/admin/v1/status?token=s3cret-token", "", nil}, 401},
		{"query token for ws", req{"GET", "/admin/v1/ws?token=s3cret-token", "", nil}, http.StatusTeapot},
		{"header token for ws", req{"GET", "/admin/v1/ws", "", map[string]string{"Authorization": "Bearer s3cret-token"}}, http.StatusTeapot},
		{"wrong query token for ws", req{"GET", "/admin/v1/ws?token=nope", "", nil}, 401},
		{"ws without token", req{"GET", "/admin/v1/ws", "", nil}, 401},
		{"healthz needs none", req{"GET", "/healthz", "", nil}, 200},
		{"dashboard needs none", req{"GET", "/", "", nil}, 200},
		{"proxy needs no admin token", req{"POST", "/v1/chat/completions", "", nil}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, tc.req)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.want, w.Body)
			}
			if strings.Contains(w.Body.String(), "s3cret-token") {
				t.Error("response echoes the token")
			}
		})
	}
	// The in-process face (desktop webview) is trusted.
	if w := do(s.InProcess(), req{"GET", "/admin/v1/status", "wails", nil}); w.Code != 200 {
		t.Errorf("in-process status: %d", w.Code)
	}
}

func TestWildcardBindHosts(t *testing.T) {
	s := newTestServer(t, Config{Addr: "0.0.0.0:8750", AdminToken: "t"})
	for host, want := range map[string]int{
		"192.168.1.20:8750": 200, // IP literals cannot be rebinding attacks
		"[fe80::1]:8750":    200,
		"localhost:8750":    200,
		"mybox.lan:8750":    403,
	} {
		if w := do(s.Network(), req{"GET", "/healthz", host, nil}); w.Code != want {
			t.Errorf("Host %s: %d, want %d", host, w.Code, want)
		}
	}
	s = newTestServer(t, Config{Addr: "mybox.lan:8750", AdminToken: "t"})
	if w := do(s.Network(), req{"GET", "/healthz", "MyBox.lan:8750", nil}); w.Code != 200 {
		t.Errorf("configured host: %d", w.Code)
	}
}

func TestStatusAndErrors(t *testing.T) {
	s := newTestServer(t, Config{})
	w := do(s.Network(), req{"GET", "/admin/v1/status", "", nil})
	var st model.Status
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || st.OpenAIBaseURL != "http://127.0.0.1:8750/v1" {
		t.Fatalf("status: %d %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}

	w = do(s.Network(), req{"GET", "/admin/v1/nope", "", nil})
	if w.Code != 404 || !strings.Contains(w.Body.String(), `"code":"not_found"`) {
		t.Errorf("unknown admin route: %d %s", w.Code, w.Body)
	}

	s = newTestServer(t, Config{Service: fakeService{err: errors.New("disk on fire at /secret/path")}})
	w = do(s.Network(), req{"GET", "/admin/v1/status", "", nil})
	if w.Code != 500 || strings.Contains(w.Body.String(), "disk on fire") {
		t.Errorf("internal error leaks or wrong status: %d %s", w.Code, w.Body)
	}
	s = newTestServer(t, Config{Service: fakeService{err: fmt.Errorf("status: %w", service.ErrNotStarted)}})
	w = do(s.Network(), req{"GET", "/admin/v1/status", "", nil})
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"code":"unavailable"`) {
		t.Errorf("service not started: %d %s", w.Code, w.Body)
	}
	s = newTestServer(t, Config{Service: fakeService{err: model.Invalid("limit", "must be 1..500, got %d", 0)}})
	w = do(s.Network(), req{"GET", "/admin/v1/status", "", nil})
	if w.Code != 400 || !strings.Contains(w.Body.String(), `"field":"limit"`) {
		t.Errorf("validation error: %d %s", w.Code, w.Body)
	}
}

func TestDashboard(t *testing.T) {
	h := newTestServer(t, Config{}).Network()
	for _, tc := range []struct {
		path, wantType, wantCache, wantBody string
		wantCode                            int
	}{
		{"/", "text/html; charset=utf-8", "no-cache", "<title>Sluicegate</title>", 200},
		{"/index.html", "text/html; charset=utf-8", "no-cache", "<title>Sluicegate</title>", 200},
		{"/providers", "text/html; charset=utf-8", "no-cache", "<title>Sluicegate</title>", 200},
		{"/deep/client/route", "text/html; charset=utf-8", "no-cache", "<title>Sluicegate</title>", 200},
		{"/assets/app-abc1.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "console.log(1)", 200},
		{"/assets/app-abc1.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable", "body{}", 200},
		{"/favicon.svg", "image/svg+xml", "no-cache", "<svg/>", 200},
		{"/assets/missing.js", "", "", "", 404},
		{"/assets", "text/html; charset=utf-8", "no-cache", "<title>Sluicegate</title>", 200}, // a folder is never listed
	} {
		w := do(h, req{"GET", tc.path, "", nil})
		if w.Code != tc.wantCode {
			t.Errorf("%s: status %d, want %d", tc.path, w.Code, tc.wantCode)
			continue
		}
		if tc.wantCode != 200 {
			continue
		}
		if got := w.Header().Get("Content-Type"); got != tc.wantType {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.wantType)
		}
		if got := w.Header().Get("Cache-Control"); got != tc.wantCache {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, got, tc.wantCache)
		}
		if !strings.Contains(w.Body.String(), tc.wantBody) {
			t.Errorf("%s: body %q", tc.path, w.Body)
		}
	}
	if w := do(h, req{"POST", "/", "", nil}); w.Code != 405 {
		t.Errorf("POST /: %d", w.Code)
	}
	// A binary built without the frontend says how to fix it.
	h = newTestServer(t, Config{Dashboard: fstest.MapFS{}}).Network()
	if w := do(h, req{"GET", "/", "", nil}); w.Code != 200 || !strings.Contains(w.Body.String(), "make build") {
		t.Errorf("unbuilt dashboard: %d %s", w.Code, w.Body)
	}
}

// TestUnprefixedAPIPaths: an SDK whose base URL lacks /v1 gets a JSON 404
// in its own dialect that says which base URL to use, not the
// dashboard's 405.
func TestUnprefixedAPIPaths(t *testing.T) {
	s := newStack(t)
	base := s.url // httptest listens on 127.0.0.1:PORT, the service's base URL
	for _, tc := range []struct {
		path      string
		anthropic bool
		wantInMsg []string
	}{
		{"/chat/completions", false, []string{base + "/v1", "OpenAI"}},
		{"/completions", false, []string{base + "/v1"}},
		{"/embeddings", false, []string{base + "/v1"}},
		{"/responses", false, []string{base + "/v1"}},
		{"/messages", true, []string{"to " + base + ";", "Claude Code"}},
		{"/messages/count_tokens", true, []string{base + "/v1/messages/count_tokens", "Anthropic"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := s.request("POST", tc.path, `{"model":"m","messages":[]}`)
			if r.status != http.StatusNotFound {
				t.Fatalf("status %d, want 404; body %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if src := r.header.Get("X-Sluicegate-Error-Source"); src != "proxy" {
				t.Errorf("X-Sluicegate-Error-Source %q", src)
			}
			var msg string
			if tc.anthropic {
				var body struct {
					Type  string
					Error struct{ Type, Message string }
				}
				if err := json.Unmarshal(r.body, &body); err != nil || body.Type != "error" || body.Error.Type != "not_found_error" {
					t.Fatalf("not an Anthropic 404: %s", r.body)
				}
				msg = body.Error.Message
			} else {
				var body struct {
					Error struct{ Type, Code, Message string }
				}
				if err := json.Unmarshal(r.body, &body); err != nil || body.Error.Code != "unknown_url" || body.Error.Type != "invalid_request_error" {
					t.Fatalf("not an OpenAI unknown_url: %s", r.body)
				}
				msg = body.Error.Message
			}
			for _, want := range tc.wantInMsg {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
		})
	}
	// The dashboard still owns GET on those paths (client-side routes).
	if r := s.request("GET", "/messages", nil); r.status != 200 {
		t.Errorf("GET /messages: %d", r.status)
	}
}

func TestDiskFull(t *testing.T) {
	s := newTestServer(t, Config{Service: fakeService{err: fmt.Errorf("save provider: %w", model.ErrDiskFull)}})
	w := do(s.Network(), req{"GET", "/admin/v1/status", "", nil})
	var body struct{ Error apiError }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusInsufficientStorage ||
		body.Error.Code != "disk_full" || !strings.Contains(body.Error.Message, "free some space") {
		t.Errorf("disk full: %d %s", w.Code, w.Body)
	}
}

// TestAdminTokenAttempts: after five wrong tokens a client may try once a
// second, answered 429 with Retry-After in between (without the token
// being looked at); the right token resets the count. Other addresses
// are not affected, and without a token nothing is limited.
func TestAdminTokenAttempts(t *testing.T) {
	s := newTestServer(t, Config{AdminToken: "s3cret-token"})
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	s.guard.attempts.now = func() time.Time { return now }
	srv := httptest.NewServer(s.Network())
	defer srv.Close()
	try := func(token string) (int, string, string) {
		t.Helper()
		rq, _ := http.NewRequest("GET", srv.URL+"/admin/v1/status", nil)
		rq.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(rq)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Error apiError }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), body.Error.Code
	}
	expect := func(step, token string, want int) {
		t.Helper()
		code, retry, errCode := try(token)
		if code != want {
			t.Fatalf("%s: status %d, want %d", step, code, want)
		}
		if want == http.StatusTooManyRequests && (retry != "1" || errCode != "too_many_attempts") {
			t.Errorf("%s: Retry-After %q, code %q", step, retry, errCode)
		}
	}
	// Requests without a token are no guesses (the dashboard asks for the
	// token that way): they are refused but never counted.
	for i := range 10 {
		rq, _ := http.NewRequest("GET", srv.URL+"/admin/v1/status", nil)
		resp, err := http.DefaultClient.Do(rq)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("request %d without a token: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	for i := range 5 {
		expect(fmt.Sprintf("wrong token %d", i+1), "nope", 401)
	}
	expect("sixth attempt, right token, too soon", "s3cret-token", 429)
	now = now.Add(999 * time.Millisecond)
	expect("still too soon", "nope", 429)
	now = now.Add(time.Millisecond)
	expect("a second later", "nope", 401)
	expect("again at once", "nope", 429)

	// Another address has its own count.
	other := do(s.Network(), req{"GET", "/admin/v1/status", "", map[string]string{"Authorization": "Bearer s3cret-token"}})
	if other.Code != 200 {
		t.Errorf("other client: %d", other.Code)
	}

	now = now.Add(time.Second)
	expect("right token after the wait", "s3cret-token", 200)
	for i := range 5 { // the success reset the count
		expect(fmt.Sprintf("wrong token %d after reset", i+1), "nope", 401)
	}
	expect("limited again", "nope", 429)

	open := newTestServer(t, Config{})
	for range 10 {
		if w := do(open.Network(), req{"GET", "/admin/v1/status", "", map[string]string{"Authorization": "Bearer nope"}}); w.Code != 200 {
			t.Fatalf("no admin token configured: %d", w.Code)
		}
	}
}
