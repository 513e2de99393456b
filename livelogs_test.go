package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	dto "github.com/prometheus/client_model/go"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
	"github.com/sluicegate/sluicegate/model"
)

// llRateMessage is the fake's 429 message, which the log must keep verbatim.
const llRateMessage = "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 30000, Requested 12."

// llUpstream is a fake OpenAI API whose behaviour depends on the model:
// "fast" answers at once, "ok" answers after 30 ms with usage, "stream" streams three chunks
// (usage in the last when include_usage is asked), "rate" is a 429,
// "hang" never answers, "wait" answers only when the client leaves
// (reporting that on cancelled), "reset" breaks its stream after one
// event.
type llUpstream struct {
	*httptest.Server
	waitSeen  chan struct{} // closed when the "wait" request arrived
	cancelled chan struct{} // closed when its context was cancelled
	once      sync.Once
	release   chan struct{} // ends "hang" requests at cleanup
}

func newLLUpstream(t *testing.T) *llUpstream {
	u := &llUpstream{waitSeen: make(chan struct{}), cancelled: make(chan struct{}), release: make(chan struct{})}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct {
			Model         string `json:"model"`
			StreamOptions *struct {
				IncludeUsage bool `json:"include_usage"`
			} `json:"stream_options"`
		}
		_ = json.Unmarshal(b, &req)
		sse := func(chunks ...string) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(200)
			for i, c := range chunks {
				if i > 0 {
					time.Sleep(15 * time.Millisecond)
				}
				_, _ = io.WriteString(w, "data: "+c+"\n\n")
				w.(http.Flusher).Flush()
			}
		}
		chunk := func(content string) string {
			return `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"` + content + `"},"finish_reason":null}]}`
		}
		switch req.Model {
		case "fast":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"c1","object":"chat.completion","created":1,"model":"fast","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}`)
		case "ok":
			time.Sleep(30 * time.Millisecond)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"c1","object":"chat.completion","created":1,"model":"ok","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}`)
		case "stream":
			time.Sleep(30 * time.Millisecond)
			last := `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}`
			if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
				last = `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}`
			}
			sse(chunk("Hel"), chunk("lo"), last, "[DONE]")
		case "rate":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "12")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":{"message":"`+llRateMessage+`","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`)
		case "hang":
			select {
			case <-r.Context().Done():
			case <-u.release:
			}
		case "wait":
			close(u.waitSeen)
			select {
			case <-r.Context().Done():
				close(u.cancelled)
			case <-u.release:
			}
		case "reset":
			sse(chunk("Hel"))
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close() // mid-stream: no terminating chunk
			}
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(func() {
		u.once.Do(func() { close(u.release) })
		u.Close()
	})
	return u
}

// TestLiveLogsRequestOutcomes is issue 9's first acceptance test: each
// kind of outcome of an openai-go SDK call through the proxy reaches a
// connected WebSocket as request.finished within 100 ms of the call
// returning, and the request log after the batch flush, with the right
// status, error source and type, latency, TTFB and usage.
func TestLiveLogsRequestOutcomes(t *testing.T) {
	up := newLLUpstream(t)
	in := llStart(t, filepath.Join(t.TempDir(), "data"), "", nil)
	base := llBase(in)
	llProvider(t, base, "", "fk", up.URL+"/v1", "sk-upstream-key", []string{"ok", "stream", "rate", "wait", "reset"}, "")
	llProvider(t, base, "", "dead", "http://"+llClosedPort(t)+"/v1", "sk-upstream-key", []string{"dead"}, "")
	llProvider(t, base, "", "slow", up.URL+"/v1", "sk-upstream-key", []string{"hang"}, `"response_header_timeout_secs":1,"connect_timeout_secs":1`)
	ws := llDialWS(t, base, "?types=request.finished", nil)
	ws.waitFor(t, 2*time.Second, "hello", func(m wsMsg) bool { return m.Type == model.EventHello })

	client := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey("sk-client"), option.WithMaxRetries(0))
	params := func(m string) openai.ChatCompletionNewParams {
		return openai.ChatCompletionNewParams{Model: m, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
	}
	stream := func(ctx context.Context, m string) error {
		p := params(m)
		p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
		s := client.Chat.Completions.NewStreaming(ctx, p)
		for s.Next() {
		}
		return s.Err()
	}
	src := func(s string) *string { return &s }

	for _, tc := range []struct {
		name   string
		alias  string
		call   func(ctx context.Context) error
		status int
		source *string
		typ    string
		msg    string // substring of error_message ("" → must be empty)
		usage  *model.Usage
		stream bool
		// Bounds on latency and TTFB in ms; maxLatency 0 means "no more
		// than the SDK call took".
		minLatency, minTTFB int64
		wantTTFB            bool // a first byte arrived, so TTFB is set
	}{
		{name: "success", alias: "ok", status: 200, usage: &model.Usage{PromptTokens: 9, CompletionTokens: 2},
			call: func(ctx context.Context) error {
				_, err := client.Chat.Completions.New(ctx, params("ok"))
				return err
			}, minLatency: 30, minTTFB: 30, wantTTFB: true},
		{name: "streamed success", alias: "stream", status: 200, stream: true, usage: &model.Usage{PromptTokens: 7, CompletionTokens: 3},
			call:       func(ctx context.Context) error { return stream(ctx, "stream") },
			minLatency: 75, minTTFB: 30, wantTTFB: true},
		{name: "upstream 429", alias: "rate", status: 429, source: src(model.ErrorSourceUpstream), typ: "tokens", msg: llRateMessage,
			call: func(ctx context.Context) error {
				_, err := client.Chat.Completions.New(ctx, params("rate"))
				var ae *openai.Error
				if !errors.As(err, &ae) || ae.StatusCode != 429 || ae.Message != llRateMessage {
					return errors.New("SDK did not see the upstream 429: " + errString(err))
				}
				return nil
			}, wantTTFB: true},
		{name: "connect failure", alias: "dead", status: 502, source: src(model.ErrorSourceProxy), typ: "upstream_connect_error", msg: `provider "dead"`,
			call: func(ctx context.Context) error {
				_, err := client.Chat.Completions.New(ctx, params("dead"))
				var ae *openai.Error
				if !errors.As(err, &ae) || ae.StatusCode != 502 || ae.Code != "upstream_connect_error" {
					return errors.New("SDK did not see the 502: " + errString(err))
				}
				return nil
			}},
		{name: "timeout", alias: "hang", status: 504, source: src(model.ErrorSourceProxy), typ: "upstream_timeout", msg: `provider "slow"`,
			call: func(ctx context.Context) error {
				_, err := client.Chat.Completions.New(ctx, params("hang"))
				var ae *openai.Error
				if !errors.As(err, &ae) || ae.StatusCode != 504 || ae.Code != "upstream_timeout" {
					return errors.New("SDK did not see the 504: " + errString(err))
				}
				return nil
			}, minLatency: 1000},
		{name: "client disconnect", alias: "wait", status: 499, typ: "client_closed_request", msg: "client closed",
			call: func(ctx context.Context) error {
				ctx, cancel := context.WithCancel(ctx)
				defer cancel()
				go func() {
					select {
					case <-up.waitSeen:
						time.Sleep(20 * time.Millisecond)
						cancel()
					case <-ctx.Done():
					}
				}()
				_, err := client.Chat.Completions.New(ctx, params("wait"))
				if !errors.Is(err, context.Canceled) {
					return errors.New("SDK call was not cancelled: " + errString(err))
				}
				select {
				case <-up.cancelled:
				case <-time.After(2 * time.Second):
					return errors.New("the upstream request was not cancelled when the client left")
				}
				return nil
			}, minLatency: 20},
		{name: "mid-stream reset", alias: "reset", status: 502, source: src(model.ErrorSourceProxy), typ: "upstream_stream_error", msg: "mid-response", stream: true,
			call: func(ctx context.Context) error {
				if err := stream(ctx, "reset"); err == nil {
					return errors.New("a stream reset mid-way ended cleanly for the SDK")
				}
				return nil
			}, wantTTFB: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			if err := tc.call(ctx); err != nil {
				t.Fatal(err)
			}
			returned := time.Now()
			took := returned.Sub(start).Milliseconds()

			live, at := ws.finished(t, 2*time.Second, tc.alias)
			if d := at.Sub(returned); d > 100*time.Millisecond {
				t.Errorf("request.finished arrived %v after the SDK call returned, want ≤ 100ms", d)
			}
			stored := llWaitLog(t, base, "", tc.alias)
			for name, e := range map[string]model.LogEntry{"live": live, "stored": stored} {
				if e.Status != tc.status || e.ErrorType != tc.typ || e.Stream != tc.stream {
					t.Errorf("%s: status %d type %q stream %v, want %d %q %v", name, e.Status, e.ErrorType, e.Stream, tc.status, tc.typ, tc.stream)
				}
				if (e.ErrorSource == nil) != (tc.source == nil) || e.ErrorSource != nil && *e.ErrorSource != *tc.source {
					t.Errorf("%s: error_source %v, want %v", name, deref(e.ErrorSource), deref(tc.source))
				}
				if tc.msg == "" && e.ErrorMessage != "" || !strings.Contains(e.ErrorMessage, tc.msg) {
					t.Errorf("%s: error_message %q, want it to contain %q", name, e.ErrorMessage, tc.msg)
				}
				if (e.Usage == nil) != (tc.usage == nil) || e.Usage != nil && *e.Usage != *tc.usage {
					t.Errorf("%s: usage %+v, want %+v", name, e.Usage, tc.usage)
				}
				if e.LatencyMs < tc.minLatency || e.LatencyMs > took+5 {
					t.Errorf("%s: latency %d ms, want %d..%d (the SDK call took %d ms)", name, e.LatencyMs, tc.minLatency, took+5, took)
				}
				if tc.wantTTFB && (e.TTFBMs < tc.minTTFB || e.TTFBMs > e.LatencyMs) || !tc.wantTTFB && e.TTFBMs != 0 {
					t.Errorf("%s: ttfb %d ms (latency %d), want ≥ %d (set: %v)", name, e.TTFBMs, e.LatencyMs, tc.minTTFB, tc.wantTTFB)
				}
				if e.ProviderKey == "" || e.Path != "/v1/chat/completions" || e.Method != "POST" {
					t.Errorf("%s: provider %q path %q method %q", name, e.ProviderKey, e.Path, e.Method)
				}
			}
			if live.ID != stored.ID || live.LatencyMs != stored.LatencyMs || live.TTFBMs != stored.TTFBMs || live.ErrorMessage != stored.ErrorMessage ||
				live.BytesIn != stored.BytesIn || live.BytesOut != stored.BytesOut || !live.StartedAt.Truncate(time.Millisecond).Equal(stored.StartedAt.Truncate(time.Millisecond)) {
				t.Errorf("the live entry and the stored one differ:\nlive   %+v\nstored %+v", live, stored)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// TestLiveLogsWSGuards: the WebSocket's Host, Origin and token guards
// answer before the upgrade (no 101), and the allowed origins and the
// ?token= form connect and get hello first.
func TestLiveLogsWSGuards(t *testing.T) {
	const token = "admin-token-0123456789abcdef"
	in := llStart(t, filepath.Join(t.TempDir(), "data"), token, nil)
	base := llBase(in)
	own := base // http://127.0.0.1:PORT
	bearer := "Bearer " + token

	dial := func(query string, hdr map[string]string) (*websocket.Conn, int, error) {
		h := http.Header{}
		for k, v := range hdr {
			h.Set(k, v)
		}
		conn, resp, err := websocket.DefaultDialer.Dial(llWSURL(base, query), h)
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return conn, status, err
	}
	// Allowed first: more than five wrong tokens would slow this client down.
	for _, tc := range []struct {
		name  string
		query string
		hdr   map[string]string
	}{
		{"own origin", "", map[string]string{"Origin": own, "Authorization": bearer}},
		{"localhost origin", "", map[string]string{"Origin": strings.Replace(own, "127.0.0.1", "localhost", 1), "Authorization": bearer}},
		{"wails://wails", "?token=" + token, map[string]string{"Origin": "wails://wails"}},
		{"http://wails.localhost", "?token=" + token, map[string]string{"Origin": "http://wails.localhost"}},
		{"?token= without origin", "?token=" + token, nil},
	} {
		t.Run("allowed "+tc.name, func(t *testing.T) {
			conn, status, err := dial(tc.query, tc.hdr)
			if err != nil {
				t.Fatalf("dial: %v (HTTP %d)", err, status)
			}
			if status != http.StatusSwitchingProtocols {
				t.Errorf("status %d, want 101", status)
			}
			w := llWatch(t, conn)
			if first := w.waitFor(t, 2*time.Second, "a first message", func(wsMsg) bool { return true }); first.Type != model.EventHello {
				t.Errorf("first message %q, want hello", first.Type)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		query string
		hdr   map[string]string
		want  int
	}{
		{"foreign origin", "", map[string]string{"Origin": "http://evil.example", "Authorization": bearer}, 403},
		{"foreign origin with query token", "?token=" + token, map[string]string{"Origin": "https://evil.example"}, 403},
		{"origin on another port", "", map[string]string{"Origin": "http://127.0.0.1:1", "Authorization": bearer}, 403},
		{"wrong host", "?token=" + token, map[string]string{"Host": "evil.example"}, 403},
		{"missing token", "", nil, 401},
		{"wrong token", "?token=wrong-token-0123456789", nil, 401},
		{"wrong bearer", "", map[string]string{"Authorization": "Bearer wrong-token-0123456789"}, 401},
	} {
		t.Run("refused "+tc.name, func(t *testing.T) {
			conn, status, err := dial(tc.query, tc.hdr)
			if err == nil {
				conn.Close()
				t.Fatal("the upgrade succeeded")
			}
			if !errors.Is(err, websocket.ErrBadHandshake) || status != tc.want {
				t.Errorf("dial: %v, HTTP %d; want a refused handshake with %d (no 101)", err, status, tc.want)
			}
		})
	}
	if n := llMetricSum(llMetrics(t, base, token), "sluicegate_websocket_subscribers", nil); n > 5 {
		t.Errorf("%v subscribers, want at most the 5 allowed ones", n)
	}
}

// TestLiveLogsMetrics: /metrics parses with expfmt's text parser and its
// request counters match the requests sent, by provider, status class
// and error source.
func TestLiveLogsMetrics(t *testing.T) {
	up := newLLUpstream(t)
	in := llStart(t, filepath.Join(t.TempDir(), "data"), "", nil)
	base := llBase(in)
	llProvider(t, base, "", "fk", up.URL+"/v1", "sk-upstream-key", []string{"ok", "rate"}, "")
	llProvider(t, base, "", "dead", "http://"+llClosedPort(t)+"/v1", "", []string{"dead"}, "")
	client := &http.Client{Timeout: 10 * time.Second}
	sent := map[string]int{"ok": 3, "rate": 2, "dead": 1, "nosuch": 2}
	for alias, n := range sent {
		for range n {
			llPost(client, base, alias)
		}
	}
	fams := llMetrics(t, base, "")
	for _, want := range []struct {
		labels map[string]string
		n      int
	}{
		{map[string]string{"provider": "fk", "status_class": "2xx", "error_source": "none"}, 3},
		{map[string]string{"provider": "fk", "status_class": "4xx", "error_source": "upstream"}, 2},
		{map[string]string{"provider": "dead", "status_class": "5xx", "error_source": "proxy"}, 1},
		{map[string]string{"provider": "none", "status_class": "4xx", "error_source": "proxy"}, 2},
		{map[string]string{"model": "ok"}, 3},
		{nil, 8},
	} {
		if got := llMetricSum(fams, "sluicegate_requests_total", want.labels); got != float64(want.n) {
			t.Errorf("sluicegate_requests_total%v = %v, want %d", want.labels, got, want.n)
		}
	}
	if h := fams["sluicegate_request_duration_seconds"]; h == nil || sumHistCount(h) != 8 {
		t.Errorf("duration histogram counts %v requests, want 8", sumHistCount(h))
	}
	for _, name := range []string{"sluicegate_log_queue_dropped_total", "sluicegate_websocket_subscribers", "sluicegate_ws_events_dropped_total"} {
		if fams[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}

// TestGroupMetrics: through the running server, a route group whose first
// member refuses connections counts each pass-over in
// sluicegate_failovers_total, and after three failures in a row
// sluicegate_circuit_state shows that member open and the other closed.
func TestGroupMetrics(t *testing.T) {
	up := newLLUpstream(t)
	in := llStart(t, filepath.Join(t.TempDir(), "data"), "", nil)
	base := llBase(in)
	for _, p := range []struct{ key, url string }{{"gdead", "http://" + llClosedPort(t) + "/v1"}, {"glive", up.URL + "/v1"}} {
		prio := map[string]int{"gdead": 1, "glive": 2}[p.key]
		body := fmt.Sprintf(`{"key":%q,"type":"openai","base_url":%q,"models":[{"alias":"grp","upstream":"ok","priority":%d}]}`, p.key, p.url, prio)
		if code, resp := call(t, "POST", base+"/admin/v1/providers", body, nil); code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", p.key, code, resp)
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range 3 {
		if code := llPost(client, base, "grp"); code != http.StatusOK {
			t.Fatalf("request %d through the group: %d, want 200 from glive", i, code)
		}
	}
	fams := llMetrics(t, base, "")
	if got := llMetricSum(fams, "sluicegate_failovers_total", map[string]string{"provider": "gdead", "reason": "connect"}); got != 3 {
		t.Errorf("sluicegate_failovers_total{gdead,connect} = %v, want 3", got)
	}
	for _, want := range []struct{ provider, state string }{{"gdead", "open"}, {"glive", "closed"}} {
		labels := map[string]string{"provider": want.provider, "state": want.state}
		if got := llMetricSum(fams, "sluicegate_circuit_state", labels); got != 1 {
			t.Errorf("sluicegate_circuit_state%v = %v, want 1", labels, got)
		}
	}
}

func sumHistCount(f *dto.MetricFamily) uint64 {
	var n uint64
	if f == nil {
		return 0
	}
	for _, m := range f.GetMetric() {
		n += m.GetHistogram().GetSampleCount()
	}
	return n
}

// TestLiveLogsRestartAndRetention: the request log survives a restart on
// the same data dir, and the running writer trims it to
// log_retention_rows once it passes the bound.
func TestLiveLogsRestartAndRetention(t *testing.T) {
	up := newLLUpstream(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	in := llStart(t, dataDir, "", nil)
	base := llBase(in)
	llProvider(t, base, "", "fk", up.URL+"/v1", "sk-upstream-key", []string{"ok"}, "")
	client := &http.Client{Timeout: 10 * time.Second}
	for range 3 {
		if code := llPost(client, base, "ok"); code != 200 {
			t.Fatalf("request: %d", code)
		}
	}
	before := llLogs(t, base, "", "limit=100")
	for len(before) < 3 {
		time.Sleep(20 * time.Millisecond)
		before = llLogs(t, base, "", "limit=100")
	}
	if err := in.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	in = llStart(t, dataDir, "", nil)
	base = llBase(in)
	after := llLogs(t, base, "", "limit=100")
	if len(after) != len(before) {
		t.Fatalf("%d entries after the restart, want %d", len(after), len(before))
	}
	for i := range before {
		if after[i].ID != before[i].ID || after[i].Status != before[i].Status || after[i].Usage == nil {
			t.Errorf("entry %d after the restart: %+v, before: %+v", i, after[i], before[i])
		}
	}

	const rows = 100 // the smallest bound the settings accept
	if code, body := call(t, "PUT", base+"/admin/v1/settings", fmt.Sprintf(`{"log_retention_rows":%d}`, rows), nil); code != 200 {
		t.Fatalf("settings: %d %s", code, body)
	}
	if got := llBurst(base, "ok", 140, 8); got != 140 {
		t.Fatalf("%d of 140 requests succeeded", got)
	}
	// The writer trims at most every 5 s, after a batch: keep requests
	// coming until the oldest entries are gone, for at most 10 s. (Counting
	// rows alone would race the writer's batches under load.)
	deadline := time.Now().Add(10 * time.Second)
	var last []model.LogEntry
	for {
		llPost(client, base, "ok")
		time.Sleep(100 * time.Millisecond)
		last = llLogs(t, base, "", "limit=1000")
		if !containsAny(last, before) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the request log still holds its oldest entries (%d entries, log_retention_rows %d)", len(last), rows)
		}
	}
	if len(last) > rows+rows/10 {
		t.Errorf("%d entries after the trim, want at most %d", len(last), rows+rows/10)
	}
}

// containsAny reports whether any entry of want is in entries.
func containsAny(entries, want []model.LogEntry) bool {
	for _, w := range want {
		for _, e := range entries {
			if e.ID == w.ID {
				return true
			}
		}
	}
	return false
}

// TestLiveLogsSlowSubscriber: a WebSocket client that stops reading does
// not slow the proxy down — requests complete about as fast with it stuck
// (its socket buffers full, its events being dropped) as without it — and
// when it reads again it is told how many events it missed.
func TestLiveLogsSlowSubscriber(t *testing.T) {
	up := newLLUpstream(t)
	// A queue of 64 events (not 1,024) fills after a few requests, so
	// the stuck phase is short even under -race on a loaded machine.
	in := llStartOpts(t, options{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"), shutdownGrace: time.Second, wsQueueSize: 64}, nil)
	base := llBase(in)
	llProvider(t, base, "", "fk", up.URL+"/v1", "sk-upstream-key", []string{"fast"}, "")
	const n, conc = 500, 16
	llBurst(base, "fast", 100, conc) // warm up the connection pools
	start := time.Now()
	if got := llBurst(base, "fast", n, conc); got != n {
		t.Fatalf("%d of %d requests succeeded", got, n)
	}
	without := time.Since(start)

	// A client that never reads: once its socket buffers are full the
	// server's writes to it block. (Its receive buffer stays at the
	// default: one set below the loopback MSS would crawl at the pace of
	// delayed ACKs once it reads again.)
	stuck, _, err := websocket.DefaultDialer.Dial(llWSURL(base, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	wsDropped := func() float64 { return llMetricSum(llMetrics(t, base, ""), "sluicegate_ws_events_dropped_total", nil) }
	// The server's write deadline (10 s) would disconnect a client stuck
	// for longer, so this phase is bounded below it (7 s: a loaded CI
	// machine needed more than 5).
	// Requests for an unknown model with a 64 KiB name carry it twice in
	// their request.finished (model and error message): a few of them fill
	// the socket buffers (a few MiB on loopback) fast, then ordinary
	// requests fill the queue. Small rounds, so that the phase ends soon
	// after the first drop.
	huge := "no-such-model-" + strings.Repeat("x", 64<<10)
	stuckSince := time.Now()
	sent := 0
	for ; wsDropped() == 0; sent += 100 {
		if sent >= 6000 || time.Since(stuckSince) > 7*time.Second {
			t.Fatalf("no event was dropped for the stuck client after %d requests", sent)
		}
		llBurst(base, huge, 50, conc)
		llBurst(base, "fast", 50, conc)
	}
	start = time.Now()
	if got := llBurst(base, "fast", n, conc); got != n {
		t.Fatalf("with a stuck subscriber: %d of %d requests succeeded", got, n)
	}
	with := time.Since(start)
	t.Logf("%d requests: %v without a subscriber, %v with a stuck one (stuck for %v; the first drop after %d requests)", n, without, with, time.Since(stuckSince), sent)
	// Compared, not absolute: a machine busy with other work slows both.
	if with > 3*without+250*time.Millisecond {
		t.Errorf("a stuck subscriber slowed the proxy: %v, against %v without it", with, without)
	}

	// Reading again, the client learns how many events it missed.
	w := llWatch(t, stuck)
	m := w.waitFor(t, 5*time.Second, "a dropped message", func(m wsMsg) bool { return m.Type == model.EventDropped })
	var d struct{ Count int }
	if err := json.Unmarshal(m.Data, &d); err != nil || d.Count <= 0 {
		t.Errorf("dropped message %s: %v", m.Data, err)
	}
}

// TestLiveLogsBurst: 5,000 requests at full speed; every one is either
// stored in the request log or counted as dropped by its queue.
func TestLiveLogsBurst(t *testing.T) {
	up := newLLUpstream(t)
	in := llStart(t, filepath.Join(t.TempDir(), "data"), "", nil)
	base := llBase(in)
	llProvider(t, base, "", "fk", up.URL+"/v1", "sk-upstream-key", []string{"fast"}, "")
	const n = 5000
	start := time.Now()
	if got := llBurst(base, "fast", n, 32); got != n {
		t.Fatalf("%d of %d requests succeeded", got, n)
	}
	t.Logf("%d requests in %v", n, time.Since(start))
	in.mu.Lock()
	svc := in.svc
	in.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := svc.FlushLogs(ctx); err != nil {
		t.Fatal(err)
	}
	code, body := call(t, "GET", base+"/admin/v1/stats?window=15m", "", nil)
	if code != 200 {
		t.Fatalf("stats: %d %s", code, body)
	}
	var st model.Stats
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	dropped := llMetricSum(llMetrics(t, base, ""), "sluicegate_log_queue_dropped_total", nil)
	if st.Requests+int64(dropped) != n {
		t.Errorf("stored %d + dropped %v = %v, want exactly %d", st.Requests, dropped, float64(st.Requests)+dropped, n)
	}
	if uint64(dropped) != svc.LogQueueDropped() {
		t.Errorf("/metrics says %v dropped, the service %d", dropped, svc.LogQueueDropped())
	}
	t.Logf("stored %d, dropped %v", st.Requests, dropped)
}

// TestLiveLogsRedaction runs the real binary and sends requests carrying
// real-looking keys in every place a client or provider puts them; then no
// key may appear in the database file (and its WAL), the request-log,
// stats and server-log answers, any WebSocket frame, or stderr.
func TestLiveLogsRedaction(t *testing.T) {
	secrets := map[string]string{
		"authorization":   "sk-proj-LEAKCHECK1234567890abcdef-auth",
		"x-api-key":       "sk-proj-LEAKCHECK1234567890abcdef-xapi",
		"api-key":         "sk-proj-LEAKCHECK1234567890abcdef-azure",
		"query":           "sk-proj-LEAKCHECK1234567890abcdef-query",
		"provider key":    "sk-proj-LEAKCHECK1234567890abcdef-prov",
		"provider header": "sk-proj-LEAKCHECK1234567890abcdef-hdr",
	}
	var sawKey, sawHeader atomic.Bool // what the upstream received
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		auth := r.Header.Get("Authorization")
		if auth == "Bearer "+secrets["provider key"] {
			sawKey.Store(true)
		}
		if r.Header.Get("X-Custom-Auth") == secrets["provider header"] {
			sawHeader.Store(true)
		}
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(string(b), `"model":"echo"`) {
			// Like an upstream that quotes the key it was given.
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided: `+strings.TrimPrefix(auth, "Bearer ")+`. Header: `+r.Header.Get("X-Custom-Auth")+`","type":"invalid_request_error","code":"invalid_api_key"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"id":"c1","object":"chat.completion","created":1,"model":"fast","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}`)
	}))
	defer up.Close()

	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dataDir)
	base := p.base
	llProvider(t, base, "", "rd", up.URL+"/v1", secrets["provider key"], []string{"fast", "echo"},
		fmt.Sprintf(`"headers":{"X-Custom-Auth":%q}`, secrets["provider header"]))
	llProvider(t, base, "", "deadrd", "http://"+llClosedPort(t)+"/v1", secrets["provider key"], []string{"dead"},
		fmt.Sprintf(`"headers":{"X-Custom-Auth":%q}`, secrets["provider header"]))
	ws := llDialWS(t, base, "", nil)

	clientHeaders := map[string]string{
		"Authorization": "Bearer " + secrets["authorization"],
		"X-Api-Key":     secrets["x-api-key"],
		"Api-Key":       secrets["api-key"],
	}
	sent := 0
	for _, alias := range []string{"fast", "echo", "dead"} {
		for _, stream := range []bool{false, true} {
			body := fmt.Sprintf(`{"model":%q,"stream":%v,"messages":[{"role":"user","content":"hi"}]}`, alias, stream)
			call(t, "POST", base+"/v1/chat/completions?key="+secrets["query"]+"&api_key="+secrets["query"], body, clientHeaders)
			sent++
		}
	}
	if !sawKey.Load() || !sawHeader.Load() {
		t.Fatalf("the upstream never got the provider's key (%v) or header (%v): the proxy is broken, the grep would prove nothing", sawKey.Load(), sawHeader.Load())
	}
	ws.waitFor(t, 2*time.Second, "the last request.finished", func(m wsMsg) bool {
		return m.Type == model.EventRequestFinished && strings.Contains(string(m.Data), `"model":"dead"`) && strings.Contains(string(m.Data), `"stream":true`)
	})
	var entries []model.LogEntry
	for deadline := time.Now().Add(2 * time.Second); len(entries) < sent; time.Sleep(20 * time.Millisecond) {
		if entries = llLogs(t, base, "", "limit=100"); time.Now().After(deadline) {
			t.Fatalf("%d log entries, want %d", len(entries), sent)
		}
	}

	var said strings.Builder // everything the server answered
	get := func(path string) {
		code, body := call(t, "GET", base+path, "", nil)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		said.WriteString(body + "\n")
	}
	get("/admin/v1/logs?limit=100")
	for _, e := range entries {
		get("/admin/v1/logs/" + e.ID)
	}
	get("/admin/v1/stats?window=15m")
	get("/admin/v1/server-log?level=warn&limit=1000")
	echoed := false
	for _, e := range entries {
		echoed = echoed || e.Model == "echo" && strings.Contains(e.ErrorMessage, "Incorrect API key provided")
	}
	if !echoed {
		t.Errorf("the upstream's error message was not logged at all, so the grep proves little: %+v", entries)
	}
	if !strings.Contains(said.String(), "upstream request failed") {
		t.Errorf("the server log holds no warning for the connect failures, so the grep proves little")
	}
	files := func() string {
		var b strings.Builder
		for _, name := range []string{"sluicegate.db", "sluicegate.db-wal"} {
			data, err := os.ReadFile(filepath.Join(dataDir, name))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			b.Write(data)
		}
		return b.String()
	}
	dbRunning := files()
	p.stop(t)
	dbStopped := files()

	for where, text := range map[string]string{
		"database file (running)": dbRunning,
		"database file (stopped)": dbStopped,
		"admin API answers":       said.String(),
		"WebSocket frames":        ws.allFrames(),
		"stderr":                  p.stderr.String(),
	} {
		for name, secret := range secrets {
			// The provider's own key and header values are configuration
			// the database has to keep (the providers table); that they
			// stay out of the stored log rows is checked through
			// GET /admin/v1/logs/{id}, which returns each row whole.
			// (The log's entries and captures are stored compressed, so
			// the file grep covers the other tables and SQLite's spare
			// pages; the API answers cover the entries.)
			if strings.HasPrefix(where, "database") && strings.HasPrefix(name, "provider") {
				continue
			}
			if strings.Contains(text, secret) {
				t.Errorf("the %s secret appears in the %s", name, where)
			}
		}
		// The shared prefix catches a key cut short by some truncation.
		if !strings.HasPrefix(where, "database") && strings.Contains(text, "LEAKCHECK") {
			t.Errorf("part of a key appears in the %s", where)
		}
	}
}

// TestLogsFollowAcrossRestart: `sluicegate logs --follow` against the
// real `serve` prints a request's line within a second, keeps following
// when serve restarts on the same port, and exits 0 on SIGINT.
func TestLogsFollowAcrossRestart(t *testing.T) {
	up := newLLUpstream(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	addr := freePort(t)
	srv := serveAt(t, addr, dataDir)
	llProvider(t, srv.base, "", "fk", up.URL+"/v1", "sk-upstream-key", []string{"fast", "rate"}, "")

	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "logs", "--follow", "--addr", addr)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr desktoptest.SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := newLineWatcher(stdout)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	// The follower is live once the server counts its WebSocket.
	for deadline := time.Now().Add(5 * time.Second); llMetricSum(llMetrics(t, srv.base, ""), "sluicegate_websocket_subscribers", nil) < 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("logs --follow did not connect: %s", stderr.String())
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	if code := llPost(client, srv.base, "fast"); code != 200 {
		t.Fatalf("request: %d", code)
	}
	lines.waitLine(t, time.Second, "fast")

	srv.stop(t)
	srv = serveAt(t, addr, dataDir)
	if code := llPost(client, srv.base, "rate"); code != 429 {
		t.Fatalf("request after the restart: %d", code)
	}
	// Reconnection backs off from 250 ms; the line comes with the backlog
	// or live, well within 10 s.
	lines.waitLine(t, 10*time.Second, "rate")
	lines.waitLine(t, time.Second, llRateMessage)

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Fatalf("logs --follow after SIGINT: %v, want exit 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("logs --follow did not exit after SIGINT")
	}
	lines.mu.Lock()
	defer lines.mu.Unlock()
	if n := strings.Count(strings.Join(lines.lines, "\n"), "fast"); n != 1 {
		t.Errorf("the first request printed %d times, want once (the backlog after reconnecting is not repeated):\n%s", n, strings.Join(lines.lines, "\n"))
	}
}
