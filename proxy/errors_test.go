package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

type errorShape struct {
	status        int
	openaiType    string
	openaiCode    string
	anthropicType string
}

// checkProxyError asserts a proxy-made error in the given dialect.
func checkProxyError(t *testing.T, res result, anthropic bool, want errorShape, msgHas ...string) {
	t.Helper()
	if res.Status != want.status {
		t.Fatalf("status %d, want %d: %s", res.Status, want.status, res.Body)
	}
	if res.Header.Get(HeaderErrorSource) != "proxy" || res.Header.Get(HeaderRequestID) == "" {
		t.Errorf("headers: %v", res.Header)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	var msg string
	if anthropic {
		var b struct {
			Type  string `json:"type"`
			Error struct{ Type, Message string }
		}
		if err := json.Unmarshal(res.Body, &b); err != nil || b.Type != "error" || b.Error.Type != want.anthropicType {
			t.Errorf("anthropic body %s (err %v), want type %s", res.Body, err, want.anthropicType)
		}
		msg = b.Error.Message
	} else {
		var b struct {
			Error struct {
				Message, Type, Code string
				Param               *string
			}
		}
		if err := json.Unmarshal(res.Body, &b); err != nil || b.Error.Type != want.openaiType || b.Error.Code != want.openaiCode {
			t.Errorf("openai body %s (err %v), want %s/%s", res.Body, err, want.openaiType, want.openaiCode)
		}
		if !strings.Contains(string(res.Body), `"param":null`) {
			t.Errorf("openai body lacks param: %s", res.Body)
		}
		msg = b.Error.Message
	}
	for _, s := range msgHas {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}
}

var (
	shape400 = errorShape{400, "invalid_request_error", "invalid_request", "invalid_request_error"}
	shape404 = errorShape{404, "invalid_request_error", "model_not_found", "not_found_error"}
	shape401 = errorShape{401, "authentication_error", "invalid_api_key", "authentication_error"}
	shape413 = errorShape{413, "invalid_request_error", "request_too_large", "request_too_large"}
	shape502 = errorShape{502, "api_error", "upstream_connect_error", "api_error"}
	shape504 = errorShape{504, "api_error", "upstream_timeout", "api_error"}
)

// TestProxyErrors covers the 4xx rows of API.md's table in both dialects,
// with the log entry each produces.
func TestProxyErrors(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{}`))
	disabled := provider("off", model.TypeOpenAI, f.URL+"/v1", "sleepy", "s")
	disabled.Enabled = false
	provs := []model.Provider{
		provider("oa", model.TypeOpenAI, f.URL+"/v1", "gpt", "gpt-up"),
		provider("an", model.TypeAnthropic, f.URL, "claude", "claude-up"),
		disabled,
	}
	cases := []struct {
		name      string
		settings  Settings
		anthropic bool
		body      string
		hdr       []string
		want      errorShape
		msgHas    []string
	}{
		{"not json", Settings{}, false, `{"model":`, nil, shape400, []string{"JSON"}},
		{"not json anthropic", Settings{}, true, `hello`, nil, shape400, []string{"JSON"}},
		{"array body", Settings{}, false, `[{"model":"gpt"}]`, nil, shape400, []string{"JSON object"}},
		{"no model", Settings{}, true, `{"messages":[]}`, nil, shape400, []string{`"model"`}},
		{"model not a string", Settings{}, false, `{"model":42}`, nil, shape400, []string{`"model"`}},
		{"unknown model", Settings{}, false, `{"model":"nope"}`, nil, shape404, []string{`"nope"`, "GET /v1/models"}},
		{"unknown model anthropic", Settings{}, true, `{"model":"nope"}`, nil, shape404, []string{`"nope"`}},
		{"disabled provider", Settings{}, false, `{"model":"sleepy"}`, nil, shape404, []string{`"off"`, "disabled"}},
		{"disabled provider key form", Settings{}, true, `{"model":"off/x"}`, nil, shape404, []string{`"off"`}},
		{"unknown provider key", Settings{}, false, `{"model":"zz/x"}`, nil, shape404, nil},
		{"anthropic model on openai path", Settings{}, false, `{"model":"claude"}`, nil, shape400, []string{"/v1/messages", `"an"`}},
		{"openai model on anthropic path", Settings{}, true, `{"model":"gpt"}`, nil, shape400, []string{"/v1/chat/completions", `"oa"`}},
		{"missing local key", Settings{ProxyKeys: []string{"local-1"}}, false, `{"model":"gpt"}`, nil, shape401, []string{"proxy_keys"}},
		{"wrong local key", Settings{ProxyKeys: []string{"local-1"}}, true, `{"model":"claude"}`, []string{"X-Api-Key", "local-2"}, shape401, nil},
		{"too large", Settings{MaxBodyBytes: 64}, false, `{"model":"gpt","pad":"` + strings.Repeat("x", 100) + `"}`, nil, shape413, []string{"64"}},
		{"too large anthropic", Settings{MaxBodyBytes: 64}, true, `{"model":"claude","pad":"` + strings.Repeat("x", 100) + `"}`, nil, shape413, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := newHarness(t, c.settings, provs...)
			path := "/v1/chat/completions"
			if c.anthropic {
				path = "/v1/messages"
			}
			before := f.count()
			res := hs.do("POST", path, c.body, c.hdr...)
			checkProxyError(t, res, c.anthropic, c.want, c.msgHas...)
			if f.count() != before {
				t.Error("a proxy-made error reached the upstream")
			}
			e := hs.sink.next(t)
			if e.Status != c.want.status || e.ErrorSource == nil || *e.ErrorSource != "proxy" || e.ErrorType != c.want.openaiCode || e.ID != res.Header.Get(HeaderRequestID) {
				t.Errorf("log entry %+v", e)
			}
		})
	}
}

// TestTooLargeChunked: a body without Content-Length is cut at the limit too.
func TestTooLargeChunked(t *testing.T) {
	hs := newHarness(t, Settings{MaxBodyBytes: 1000})
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 100; i++ {
			if _, err := pw.Write([]byte(strings.Repeat("x", 100))); err != nil {
				return
			}
		}
		pw.Close()
	}()
	resp, err := hs.client.Post(hs.srv.URL+"/v1/chat/completions", "application/json", pr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	pr.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestLocalKeys: a valid local key (either header) lets the request
// through, and never reaches the upstream, whichever credential headers
// carry it.
func TestLocalKeys(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{}`))
	p := provider("oa", model.TypeOpenAI, f.URL+"/v1", "gpt", "gpt")
	p.APIKey = "sk-up"
	noKey := provider("an", model.TypeAnthropic, f.URL, "claude", "claude")
	noKeyOA := provider("free", model.TypeOpenAI, f.URL+"/v1", "free", "free")
	hs := newHarness(t, Settings{ProxyKeys: []string{"k1", "k2"}}, p, noKey, noKeyOA)
	for _, c := range []struct {
		path, model string
		hdr         []string
		wantAuth    string // upstream Authorization
		wantXKey    string // upstream x-api-key
		wantAPIKey  string // upstream api-key
	}{
		{"/v1/chat/completions", "gpt", []string{"Authorization", "Bearer k2"}, "Bearer sk-up", "", ""},
		{"/v1/chat/completions", "gpt", []string{"X-Api-Key", "k1"}, "Bearer sk-up", "", ""},
		{"/v1/chat/completions", "gpt", []string{"X-Api-Key", "k1", "Api-Key", "k1"}, "Bearer sk-up", "", ""},
		// Provider without a key: the local key is stripped, the client's
		// other credential passes.
		{"/v1/messages", "claude", []string{"Authorization", "Bearer k1", "X-Api-Key", "sk-ant-client"}, "", "sk-ant-client", ""},
		{"/v1/chat/completions", "free", []string{"X-Api-Key", "k2", "Authorization", "Bearer sk-client"}, "Bearer sk-client", "", ""},
		// The local key in every credential header at once: none of them
		// reaches the upstream.
		{"/v1/messages", "claude", []string{"Authorization", "Bearer k1", "X-Api-Key", "k1"}, "", "", ""},
		{"/v1/chat/completions", "free", []string{"Authorization", "bearer  k2", "X-Api-Key", "k2", "Api-Key", "k1"}, "", "", ""},
		{"/v1/chat/completions", "free", []string{"Authorization", "Bearer k2", "Api-Key", "azure-client"}, "", "", "azure-client"},
	} {
		res := hs.do("POST", c.path, `{"model":"`+c.model+`"}`, c.hdr...)
		if res.Status != 200 {
			t.Fatalf("%v: status %d %s", c.hdr, res.Status, res.Body)
		}
		got := f.last(t)
		if got.Header.Get("Authorization") != c.wantAuth || got.Header.Get("X-Api-Key") != c.wantXKey || got.Header.Get("Api-Key") != c.wantAPIKey {
			t.Errorf("%v: upstream auth %q x-api-key %q api-key %q", c.hdr, got.Header.Get("Authorization"), got.Header.Get("X-Api-Key"), got.Header.Get("Api-Key"))
		}
	}
}

// TestUnknownURL: non-POST requests other than the model list are 404s in
// the client's dialect.
func TestUnknownURL(t *testing.T) {
	hs := newHarness(t, Settings{})
	res := hs.do("GET", "/v1/chat/completions", "")
	checkProxyError(t, res, false, errorShape{404, "invalid_request_error", "unknown_url", "not_found_error"}, "GET /v1/chat/completions")
	res = hs.do("DELETE", "/v1/messages/x", "")
	checkProxyError(t, res, true, errorShape{404, "invalid_request_error", "unknown_url", "not_found_error"})
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// fullBacklog returns a loopback address whose listen queue is full and
// never drained, so a new connection's SYN is dropped and the dial hangs
// until its timeout: a real connect timeout without leaving the machine.
func fullBacklog(t *testing.T) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the queue: dial until one attempt hangs.
	for i := 0; i < 8; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not fill the listen backlog on this kernel")
	return ""
}

// resetServer accepts connections, reads the request head, and resets the
// connection (RST, via SO_LINGER 0) before sending anything, or after
// writing prefix when it is not empty.
func resetServer(t *testing.T, prefix string, pause time.Duration) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				buf := make([]byte, 64<<10)
				var got []byte
				for !strings.Contains(string(got), "\r\n\r\n") {
					n, err := c.Read(buf)
					if err != nil {
						c.Close()
						return
					}
					got = append(got, buf[:n]...)
				}
				if prefix != "" {
					_, _ = io.WriteString(c, prefix)
					time.Sleep(pause)
				}
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			}(c)
		}
	}()
	return l.Addr().String()
}

// TestUpstreamFailures: transport failures before response headers become
// 502/504 in the client's dialect, naming provider and host.
func TestUpstreamFailures(t *testing.T) {
	slow := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		select { // past the 200 ms header timeout
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	cases := []struct {
		name string
		base func(t *testing.T) string
		want errorShape
		has  string
	}{
		{"connection refused", func(t *testing.T) string { return "http://" + closedPort(t) }, shape502, "127.0.0.1"},
		{"unknown host", func(t *testing.T) string { return "http://no-such-host.invalid:8080" }, shape502, "no-such-host.invalid"},
		{"reset before headers", func(t *testing.T) string { return "http://" + resetServer(t, "", 0) }, shape502, "127.0.0.1"},
		{"garbage instead of http", func(t *testing.T) string { return "http://" + resetServer(t, "SSH-2.0-OpenSSH\r\n\r\n", 0) }, shape502, "127.0.0.1"},
		{"tls to plain server", func(t *testing.T) string { return strings.Replace(slow.URL, "http:", "https:", 1) }, shape502, "127.0.0.1"},
		{"header timeout", func(t *testing.T) string { return slow.URL }, shape504, "timed out"},
		{"connect timeout", func(t *testing.T) string { return "http://" + fullBacklog(t) }, shape504, "timed out"},
	}
	for _, anthropic := range []bool{false, true} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/anthropic=%v", c.name, anthropic), func(t *testing.T) {
				typ, path, base := model.TypeOpenAI, "/v1/chat/completions", c.base(t)
				if anthropic {
					typ, path = model.TypeAnthropic, "/v1/messages"
				}
				p := provider("up", typ, base, "m", "m")
				p.ConnectTimeoutSecs, p.ResponseHeaderTimeoutSecs = 2, 2 // 200 ms
				hs := newHarness(t, Settings{}, p)
				start := time.Now()
				res := hs.do("POST", path, `{"model":"m"}`)
				checkProxyError(t, res, anthropic, c.want, `"up"`, c.has)
				if res.Header.Get(HeaderProvider) != "up" {
					t.Errorf("provider header %q", res.Header.Get(HeaderProvider))
				}
				if d := time.Since(start); d > 1500*time.Millisecond {
					t.Errorf("took %v", d)
				}
				e := hs.sink.next(t)
				if e.Status != c.want.status || e.ErrorType != c.want.openaiCode || *e.ErrorSource != "proxy" {
					t.Errorf("log entry %+v", e)
				}
			})
		}
	}
}

// TestNoEarlyHeaders: the client gets nothing until the upstream's headers
// arrive (no optimistic 200).
func TestNoEarlyHeaders(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
		w.WriteHeader(503)
	})
	hs := newHarness(t, Settings{}, provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m"))
	start := time.Now()
	resp, err := hs.client.Post(hs.srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m","stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(start); d < 150*time.Millisecond || resp.StatusCode != 503 {
		t.Fatalf("headers after %v with status %d", d, resp.StatusCode)
	}
}

// TestClientCancel: a client that goes away (before the headers, or
// mid-stream) cancels the upstream request within 100 ms, and the log
// records a 499.
func TestClientCancel(t *testing.T) {
	for _, midStream := range []bool{false, true} {
		t.Run(fmt.Sprintf("midstream=%v", midStream), func(t *testing.T) {
			upstreamDone := make(chan time.Time, 1)
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				if midStream {
					w.Header().Set("Content-Type", "text/event-stream")
					w.WriteHeader(200)
					for {
						_, _ = io.WriteString(w, "data: {\"x\":1}\n\n")
						w.(http.Flusher).Flush()
						select {
						case <-time.After(20 * time.Millisecond):
							continue
						case <-r.Context().Done():
						}
						break
					}
				} else {
					<-r.Context().Done()
				}
				upstreamDone <- time.Now()
			})
			p := provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m")
			p.ResponseHeaderTimeoutSecs = 50 // 5 s: the client must be what ends it
			hs := newHarness(t, Settings{}, p)
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "POST", hs.srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"m","stream":true}`))
			var cancelled time.Time
			if midStream {
				resp, err := hs.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 100)
				if _, err := resp.Body.Read(buf); err != nil {
					t.Fatal(err)
				}
				cancelled = time.Now()
				cancel()
				resp.Body.Close()
			} else {
				go func() {
					time.Sleep(100 * time.Millisecond)
					cancelled = time.Now()
					cancel()
				}()
				if _, err := hs.client.Do(req); err == nil {
					t.Fatal("request succeeded")
				}
			}
			select {
			case at := <-upstreamDone:
				if d := at.Sub(cancelled); d > 100*time.Millisecond {
					t.Errorf("upstream cancelled %v after the client", d)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("upstream request never cancelled")
			}
			e := hs.sink.next(t)
			if e.Status != 499 || e.ErrorType != ErrTypeClientClosed || e.ErrorSource != nil {
				t.Errorf("log entry %+v", e)
			}
			if midStream && e.BytesOut == 0 {
				t.Error("bytes_out not counted")
			}
		})
	}
}
