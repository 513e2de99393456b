package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/live"
	"github.com/sluicegate/sluicegate/model"
)

// base is the start time of the test entries.
var base = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

// entry builds a LogEntry started sec seconds after base.
func entry(id string, sec int, status int, provider, alias string) model.LogEntry {
	return model.LogEntry{
		ID: id, StartedAt: base.Add(time.Duration(sec) * time.Second), Method: "POST", Path: "/v1/chat/completions",
		Model: alias, ProviderKey: provider, UpstreamModel: alias, Status: status, LatencyMs: int64(100 * sec),
	}
}

// fakeAdmin is a loopback stand-in for a running instance's
// GET /admin/v1/logs: it answers entries (newest first, as the API does)
// and records what each request asked for.
type fakeAdmin struct {
	url     string
	addr    string
	token   string // required as Bearer when set
	status  int    // answered instead of the log when set
	body    string // raw body instead of the entries when set
	entries []model.LogEntry

	mu      sync.Mutex
	queries []url.Values
	auths   []string
}

func newFakeAdmin(t *testing.T, f *fakeAdmin) *fakeAdmin {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.queries = append(f.queries, r.URL.Query())
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method != http.MethodGet || r.URL.Path != "/admin/v1/logs":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":404,"message":"no such route"}}`)
		case f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":401,"message":"admin token required"}}`)
		case f.status != 0:
			w.WriteHeader(f.status)
			fmt.Fprint(w, `{"error":{"code":500,"message":"database is locked"}}`)
		case f.body != "":
			fmt.Fprint(w, f.body)
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"data": f.entries})
		}
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.addr = strings.TrimPrefix(srv.URL, "http://")
	return f
}

// line is formatEntry in the local zone with the default widths, as the
// command prints a history of short names.
func line(e model.LogEntry) string { return formatEntry(e, time.Local, 8, 12) }

func TestFormatLogsEntry(t *testing.T) {
	upstream := model.ErrorSourceUpstream
	for _, tc := range []struct {
		name string
		e    model.LogEntry
		want string
	}{
		{"ok", model.LogEntry{StartedAt: base.Add(1234 * time.Millisecond), Status: 200, LatencyMs: 1234, ProviderKey: "openai", Model: "gpt-4o"},
			"09:30:01.234  200   1234ms  openai     gpt-4o"},
		{"stream", model.LogEntry{StartedAt: base, Status: 200, LatencyMs: 87, ProviderKey: "anthropic", Model: "claude", Stream: true},
			"09:30:00.000  200     87ms  anthropic  claude        (stream)"},
		{"upstream error", model.LogEntry{StartedAt: base, Status: 429, LatencyMs: 5, ProviderKey: "openai", Model: "gpt-4o", ErrorSource: &upstream,
			ErrorType: "rate_limit_error", ErrorMessage: "Too many\nrequests"},
			"09:30:00.000  429      5ms  openai     gpt-4o                  rate_limit_error: Too many requests"},
		{"no route, no model", model.LogEntry{StartedAt: base, Status: 404, ErrorType: "model_not_found"},
			"09:30:00.000  404      0ms  -          -                       model_not_found"},
		{"message without type", model.LogEntry{StartedAt: base, Status: 499, LatencyMs: 30000, ProviderKey: "p", Model: "m", Stream: true, ErrorMessage: "client went away"},
			"09:30:00.000  499  30000ms  p          m             (stream)  client went away"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatEntry(tc.e, time.UTC, 9, 12); got != tc.want {
				t.Errorf("formatEntry =\n%q, want\n%q", got, tc.want)
			}
		})
	}
}

func TestLogsHistoryNewestLast(t *testing.T) {
	// The API answers newest first.
	e3, e2, e1 := entry("r3", 3, 200, "openai", "gpt-4o"), entry("r2", 2, 502, "anthropic", "claude"), entry("r1", 1, 200, "openai", "gpt-4o")
	e2.ErrorType, e2.ErrorMessage = "upstream_unreachable", "connection refused"
	f := newFakeAdmin(t, &fakeAdmin{entries: []model.LogEntry{e3, e2, e1}})

	var out, errOut bytes.Buffer
	code := run([]string{"logs", "--addr", f.addr}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}
	want := strings.Join([]string{
		formatEntry(e1, time.Local, 9, 12), formatEntry(e2, time.Local, 9, 12), formatEntry(e3, time.Local, 9, 12),
	}, "\n") + "\n"
	if out.String() != want {
		t.Errorf("stdout =\n%s\nwant\n%s", out.String(), want)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", errOut.String())
	}
}

func TestLogsJSON(t *testing.T) {
	// An unknown field survives: --json prints what the API sent.
	body := `{"data":[{"id":"r2","status":500,"future_field":true},` + "\n" + `{"id":"r1","status":200}]}`
	f := newFakeAdmin(t, &fakeAdmin{body: body})
	var out, errOut bytes.Buffer
	if code := run([]string{"logs", "--json", "--addr", f.addr}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}
	want := `{"id":"r1","status":200}` + "\n" + `{"id":"r2","status":500,"future_field":true}` + "\n"
	if out.String() != want {
		t.Errorf("stdout =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestLogsQueryAndToken(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		env       string // SLUICEGATE_ADMIN_TOKEN
		wantQuery string
		wantAuth  string
	}{
		{"defaults", nil, "", "limit=100", ""},
		{"filters", []string{"--errors", "--provider", "openai", "--model", "gpt 4o", "--limit", "5"}, "", "errors=1&limit=5&model=gpt+4o&provider=openai", ""},
		{"token flag", []string{"--admin-token", "tok-flag"}, "", "limit=100", "Bearer tok-flag"},
		{"token env", nil, "tok-env", "limit=100", "Bearer tok-env"},
		{"flag beats env", []string{"--admin-token", "tok-flag"}, "tok-env", "limit=100", "Bearer tok-flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envToken, tc.env)
			f := newFakeAdmin(t, &fakeAdmin{})
			t.Setenv(envAddr, f.addr) // the address comes from the environment here
			var out, errOut bytes.Buffer
			if code := run(append([]string{"logs"}, tc.args...), &out, &errOut); code != exitOK {
				t.Fatalf("exit %d, stderr %s", code, errOut.String())
			}
			if len(f.queries) != 1 {
				t.Fatalf("%d requests, want 1", len(f.queries))
			}
			if got := f.queries[0].Encode(); got != tc.wantQuery {
				t.Errorf("query = %q, want %q", got, tc.wantQuery)
			}
			if f.auths[0] != tc.wantAuth {
				t.Errorf("Authorization = %q, want %q", f.auths[0], tc.wantAuth)
			}
		})
	}
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestLogsFailures(t *testing.T) {
	t.Setenv(envToken, "")
	down := closedAddr(t)
	locked := newFakeAdmin(t, &fakeAdmin{token: "tok-right"})
	broken := newFakeAdmin(t, &fakeAdmin{status: http.StatusInternalServerError})
	stranger := newFakeAdmin(t, &fakeAdmin{body: "<html>hello</html>"})
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		wantErr []string
	}{
		{"no instance", []string{"--addr", down}, exitUsage, []string{"no Sluicegate answers at " + down, "connection refused"}},
		{"no instance with --follow", []string{"--follow", "--addr", down}, exitUsage, []string{"no Sluicegate answers at " + down}},
		{"token missing", []string{"--addr", locked.addr}, exitUsage, []string{"has an admin token", "--admin-token"}},
		{"token wrong", []string{"--addr", locked.addr, "--admin-token", "tok-wrong"}, exitUsage, []string{"refused the admin token", "--admin-token"}},
		{"server error", []string{"--addr", broken.addr}, exitError, []string{"HTTP 500: database is locked"}},
		{"not sluicegate", []string{"--addr", stranger.addr}, exitUsage, []string{"not a Sluicegate admin API"}},
		{"bad limit", []string{"--limit", "0"}, exitUsage, []string{"--limit must be at least 1"}},
		{"bad addr", []string{"--addr", "8750"}, exitUsage, []string{"--addr must be HOST:PORT"}},
		{"stray argument", []string{"now"}, exitUsage, []string{`unexpected argument "now"`}},
		{"unknown flag", []string{"--tail"}, exitUsage, []string{"-tail"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(append([]string{"logs"}, tc.args...), &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut.String())
			}
			msg := errOut.String()
			for _, w := range tc.wantErr {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr %q lacks %q", msg, w)
				}
			}
			if strings.Count(strings.TrimSpace(msg), "\n") > 0 {
				t.Errorf("errors are one line; got:\n%s", msg)
			}
			if strings.Contains(msg, "tok-wrong") {
				t.Errorf("stderr shows the token: %s", msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", out.String())
			}
		})
	}
}

func TestLogsHelp(t *testing.T) {
	t.Setenv(envToken, "tok-secret")
	var out, errOut bytes.Buffer
	if code := run([]string{"logs", "--help"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, w := range []string{"--follow", "--errors", "--admin-token TOKEN", "currently set"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("help lacks %q", w)
		}
	}
	if strings.Contains(out.String(), "tok-secret") {
		t.Error("help shows the token")
	}
	out.Reset()
	_ = run([]string{"help"}, &out, &errOut)
	if !strings.Contains(out.String(), "sluicegate logs [flags]") {
		t.Error("the main help does not list logs")
	}
}

func TestLogsFollowTarget(t *testing.T) {
	for _, tc := range []struct {
		name     string
		o        logsOptions
		wantURL  string
		wantAuth string
	}{
		{"requests only", logsOptions{addr: "127.0.0.1:8750"}, "ws://127.0.0.1:8750/admin/v1/ws?types=request.finished", ""},
		{"errors add the server log", logsOptions{addr: "127.0.0.1:8750", errorsOnly: true}, "ws://127.0.0.1:8750/admin/v1/ws?types=request.finished%2Clog", ""},
		{"token", logsOptions{addr: "[::1]:9", adminToken: "a b&c"}, "ws://[::1]:9/admin/v1/ws?token=a+b%26c&types=request.finished", "Bearer a b&c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, h := followTarget(tc.o)
			if u != tc.wantURL {
				t.Errorf("url = %q, want %q", u, tc.wantURL)
			}
			if got := h.Get("Authorization"); got != tc.wantAuth {
				t.Errorf("Authorization = %q, want %q", got, tc.wantAuth)
			}
		})
	}
}

// event builds a live message the way live.Follow hands it over: data as
// raw JSON.
func event(t *testing.T, typ string, data any) model.Event {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return model.Event{Type: typ, TS: base.Add(time.Minute), Data: json.RawMessage(raw)}
}

// scriptedFollow fakes live.Follow: each call plays the next connection's
// events and then returns its end (nil end: the connection drops). When
// the script runs out it cancels the command's context, like Ctrl-C.
type scriptedFollow struct {
	t     *testing.T
	conns []scriptedConn
	calls int
}

type scriptedConn struct {
	events []model.Event
	end    error
}

func (s *scriptedFollow) follow(cancel context.CancelFunc) followFunc {
	return func(ctx context.Context, fn func(model.Event) error) error {
		if s.calls == len(s.conns) {
			cancel()
			return ctx.Err()
		}
		c := s.conns[s.calls]
		s.calls++
		for _, e := range c.events {
			if err := fn(e); err != nil {
				return err
			}
		}
		if c.end == nil {
			return errors.New("live stream: websocket: close 1006 (abnormal closure): unexpected EOF")
		}
		return c.end
	}
}

// followRun runs `sluicegate logs --follow` with opts against the fake
// admin (history) and the scripted live stream, recording backoff waits.
func followRun(t *testing.T, o logsOptions, f *fakeAdmin, s *scriptedFollow) (code int, stdout, stderr string, waits []time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o.addr, o.follow = f.addr, true
	if o.limit == 0 {
		o.limit = 100
	}
	var out, errOut bytes.Buffer
	r := newLogsRun(o, &out, &errOut, s.follow(cancel))
	r.sleep = func(ctx context.Context, d time.Duration) bool {
		waits = append(waits, d)
		return ctx.Err() == nil
	}
	code = r.run(ctx)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("the follow loop did not stop before the test deadline")
	}
	return code, out.String(), errOut.String(), waits
}

func hello(t *testing.T, backlog int) model.Event {
	return event(t, model.EventHello, map[string]any{"version": "1.0", "backlog": backlog})
}

func finished(t *testing.T, e model.LogEntry) model.Event {
	return event(t, model.EventRequestFinished, e)
}

func TestLogsFollowReconnects(t *testing.T) {
	h1, h2 := entry("h1", 1, 200, "openai", "gpt-4o"), entry("h2", 2, 200, "openai", "gpt-4o")
	n1, n2, n3 := entry("n1", 3, 200, "openai", "gpt-4o"), entry("n2", 4, 200, "openai", "gpt-4o"), entry("n3", 5, 200, "openai", "gpt-4o")
	f := newFakeAdmin(t, &fakeAdmin{entries: []model.LogEntry{h2, h1}})
	refused := errors.New("connect to live stream: dial tcp 127.0.0.1:8750: connect: connection refused")
	s := &scriptedFollow{t: t, conns: []scriptedConn{
		// The first backlog repeats the history and brings n1, finished
		// between the GET and the connection; then n2 live; then a drop.
		{events: []model.Event{hello(t, 3), finished(t, h1), finished(t, h2), finished(t, n1), finished(t, n2)}},
		// The instance restarts: refused for a while.
		{end: refused}, {end: refused}, {end: refused}, {end: refused}, {end: refused}, {end: refused},
		// Back: the backlog repeats everything, n3 finished while it was away.
		{events: []model.Event{hello(t, 4), finished(t, h2), finished(t, n1), finished(t, n2), finished(t, n3)}},
		// And it drops once more, which starts again from the short wait.
		{end: refused},
	}}
	code, out, errOut, waits := followRun(t, logsOptions{}, f, s)
	if code != exitOK {
		t.Fatalf("exit %d, want 0 after the interrupt; stderr %s", code, errOut)
	}
	want := strings.Join([]string{line(h1), line(h2), line(n1), line(n2), line(n3)}, "\n") + "\n"
	if out != want {
		t.Errorf("stdout =\n%s\nwant each request once, in order:\n%s", out, want)
	}
	lost := "sluicegate logs: connection lost, reconnecting… (live stream: websocket: close 1006 (abnormal closure): unexpected EOF)\n"
	wantErr := lost + "sluicegate logs: reconnected\n" + lost
	if errOut != wantErr {
		t.Errorf("stderr =\n%s\nwant one line per outage:\n%s", errOut, wantErr)
	}
	ms := time.Millisecond
	wantWaits := []time.Duration{250 * ms, 500 * ms, 1000 * ms, 2000 * ms, 4000 * ms, 5000 * ms, 5000 * ms, 250 * ms, 500 * ms}
	if fmt.Sprint(waits) != fmt.Sprint(wantWaits) {
		t.Errorf("backoff = %v, want %v", waits, wantWaits)
	}
}

func TestLogsFollowBacklogOutsideLimit(t *testing.T) {
	// --limit 2 printed h1 and h2; the backlog also holds old, which the
	// limit left out on purpose, and must not print now. A live entry that
	// started even earlier (a long stream finishing now) is new and prints.
	old, h1, h2 := entry("old", 1, 200, "p", "m"), entry("h1", 2, 200, "p", "m"), entry("h2", 3, 200, "p", "m")
	long := entry("long", 0, 200, "p", "m")
	long.Stream = true
	f := newFakeAdmin(t, &fakeAdmin{entries: []model.LogEntry{h2, h1}})
	s := &scriptedFollow{t: t, conns: []scriptedConn{
		{events: []model.Event{hello(t, 3), finished(t, old), finished(t, h1), finished(t, h2), finished(t, long)}},
	}}
	code, out, _, _ := followRun(t, logsOptions{limit: 2}, f, s)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	want := strings.Join([]string{line(h1), line(h2), line(long)}, "\n") + "\n"
	if out != want {
		t.Errorf("stdout =\n%s\nwant\n%s", out, want)
	}
}

func TestLogsFollowFiltersAndServerLog(t *testing.T) {
	ok, bad, other := entry("ok", 1, 200, "openai", "gpt-4o"), entry("bad", 2, 503, "openai", "gpt-4o"), entry("other", 3, 500, "anthropic", "claude")
	bad.ErrorType, bad.ErrorMessage = "upstream_error", "overloaded"
	warn := event(t, "log", map[string]any{"level": "WARN", "message": "upstream failed",
		"attrs": map[string]any{"provider": "openai", "status": 503, "error": "read tcp: reset"}})
	f := newFakeAdmin(t, &fakeAdmin{})
	s := &scriptedFollow{t: t, conns: []scriptedConn{
		{events: []model.Event{hello(t, 0), finished(t, ok), finished(t, bad), warn, finished(t, other), event(t, model.EventDropped, map[string]int{"count": 7})}},
	}}

	t.Run("text", func(t *testing.T) {
		s.calls = 0
		code, out, errOut, _ := followRun(t, logsOptions{errorsOnly: true, provider: "openai"}, f, s)
		if code != exitOK {
			t.Fatalf("exit %d", code)
		}
		ts := base.Add(time.Minute).In(time.Local).Format("15:04:05.000")
		want := line(bad) + "\n" + ts + `  WARN   upstream failed error="read tcp: reset" provider=openai status=503` + "\n"
		if out != want {
			t.Errorf("stdout =\n%s\nwant\n%s", out, want)
		}
		if !strings.Contains(errOut, "missed 7 events") {
			t.Errorf("stderr %q does not report the dropped events", errOut)
		}
	})
	t.Run("json", func(t *testing.T) {
		s.calls = 0
		_, out, _, _ := followRun(t, logsOptions{errorsOnly: true, provider: "openai", asJSON: true}, f, s)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 {
			t.Fatalf("stdout =\n%s\nwant 2 NDJSON lines", out)
		}
		var e model.LogEntry
		if err := json.Unmarshal([]byte(lines[0]), &e); err != nil || e.ID != "bad" {
			t.Errorf("line 1 = %s (%v), want the failed request", lines[0], err)
		}
		var rec struct {
			TS      time.Time      `json:"ts"`
			Level   string         `json:"level"`
			Message string         `json:"message"`
			Attrs   map[string]any `json:"attrs"`
		}
		if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil || rec.Level != "WARN" || rec.Attrs["provider"] != "openai" || !rec.TS.Equal(base.Add(time.Minute)) {
			t.Errorf("line 2 = %s (%v), want the server-log record", lines[1], err)
		}
	})
}

func TestLogsFollowTokenRefused(t *testing.T) {
	// The instance restarted with another token: retrying cannot help.
	f := newFakeAdmin(t, &fakeAdmin{})
	s := &scriptedFollow{t: t, conns: []scriptedConn{
		{events: []model.Event{hello(t, 0)}},
		{end: &live.HandshakeError{StatusCode: http.StatusUnauthorized}},
	}}
	code, _, errOut, _ := followRun(t, logsOptions{adminToken: "tok-old"}, f, s)
	if code != exitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut, "refused the admin token") || strings.Contains(errOut, "tok-old") {
		t.Errorf("stderr = %q", errOut)
	}
}
