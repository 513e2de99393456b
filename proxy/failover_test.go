package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// member returns a provider that is a member of the route group "grp"
// with the given priority and failover statuses.
func groupMember(key string, typ model.ProviderType, base string, prio int, failoverOn ...int) model.Provider {
	return withMaps(provider(key, typ, base), mm("grp", "up-"+key, prio, failoverOn...))
}

// openaiBase is an OpenAI-type provider's base URL for a fake or address.
func openaiBase(urlOrAddr string) string {
	if !strings.HasPrefix(urlOrAddr, "http") {
		urlOrAddr = "http://" + urlOrAddr
	}
	return urlOrAddr + "/v1"
}

const grpBody = `{"model":"grp","messages":[{"role":"user","content":"hi"}]}`

// rowsOf collects the request.finished rows of one client request: the
// passed-over attempts first, then the final one (the sink's order).
func rowsOf(t *testing.T, hs *harness, n int) []model.LogEntry {
	t.Helper()
	var rows []model.LogEntry
	for range n {
		rows = append(rows, hs.sink.next(t))
	}
	select {
	case e := <-hs.sink.finished:
		t.Errorf("unexpected extra row %+v", e)
	default:
	}
	return rows
}

// checkRows checks ids, client_request_id and attempt n of m.
func checkRows(t *testing.T, rows []model.LogEntry, requestID string, keys ...string) {
	t.Helper()
	for i, e := range rows {
		last := i == len(rows)-1
		if (e.ID == requestID) != last || e.ClientRequestID != requestID || e.Attempt != i+1 || e.Attempts != len(rows) || e.ProviderKey != keys[i] {
			t.Errorf("row %d: id %s (request %s) client_request_id %s attempt %d/%d provider %s, want attempt %d/%d provider %s",
				i, e.ID, requestID, e.ClientRequestID, e.Attempt, e.Attempts, e.ProviderKey, i+1, len(rows), keys[i])
		}
	}
}

// TestFailoverConnectRefused: a member that refuses the connection is
// passed over; the next one's 200 reaches the client with the attempts
// header, and each attempt is one row published as it ends.
func TestFailoverConnectRefused(t *testing.T) {
	ok := newFake(t, jsonHandler(200, `{"id":"c1","choices":[]}`, "X-Request-Id", "req_b"))
	hs := newHarness(t, Settings{LogBodies: true},
		groupMember("a", model.TypeOpenAI, openaiBase(closedPort(t)), 1),
		groupMember("b", model.TypeOpenAI, openaiBase(ok.URL), 2))
	res := hs.do("POST", "/v1/chat/completions", grpBody)
	if res.Status != 200 || string(res.Body) != `{"id":"c1","choices":[]}` || res.Header.Get("X-Request-Id") != "req_b" {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if got := res.Header.Get(HeaderAttempts); got != "a=502(connect), b=200" {
		t.Errorf("attempts header %q", got)
	}
	if got := res.Header.Get(HeaderProvider); got != "b" {
		t.Errorf("provider header %q", got)
	}
	if got := string(ok.last(t).Body); !strings.Contains(got, `"model":"up-b"`) {
		t.Errorf("upstream body %s", got)
	}
	id := res.Header.Get(HeaderRequestID)
	rows := rowsOf(t, hs, 2)
	checkRows(t, rows, id, "a", "b")
	if r := rows[0]; r.Status != 502 || r.ErrorType != ErrTypeConnect || r.ErrorSource == nil || *r.ErrorSource != "proxy" ||
		!strings.Contains(r.ErrorMessage, `"a"`) || r.UpstreamModel != "up-a" || r.Capture == nil || r.Capture.RequestBody == "" {
		t.Errorf("passed-over row %+v", r)
	}
	if r := rows[1]; r.Status != 200 || r.ErrorSource != nil || r.UpstreamModel != "up-b" {
		t.Errorf("final row %+v", r)
	}
	// request.started once per attempt, with the request's id and that
	// attempt's provider.
	var started []string
	hs.sink.mu.Lock()
	for _, e := range hs.sink.events {
		if s, ok := e.Data.(model.RequestStarted); ok && s.ID == id {
			started = append(started, s.ProviderKey)
		}
	}
	hs.sink.mu.Unlock()
	if strings.Join(started, ",") != "a,b" {
		t.Errorf("request.started for %v", started)
	}
	if n := hs.h.buffered.Load(); n != 0 {
		t.Errorf("%d body bytes still reserved", n)
	}
}

// TestFailoverNeverOnOwnAnswer: a provider's own 400/401/500 (not in its
// failover_on) is the client's answer, unchanged; the next member is
// never called.
func TestFailoverNeverOnOwnAnswer(t *testing.T) {
	for _, status := range []int{400, 401, 500} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			body := fmt.Sprintf(`{"error":{"message":"own answer %d","type":"x"}}`, status)
			first := newFake(t, jsonHandler(status, body, "X-Own", "yes"))
			second := newFake(t, jsonHandler(200, `{}`))
			hs := newHarness(t, Settings{},
				groupMember("a", model.TypeOpenAI, openaiBase(first.URL), 1, 429, 529),
				groupMember("b", model.TypeOpenAI, openaiBase(second.URL), 2))
			res := hs.do("POST", "/v1/chat/completions", grpBody)
			if res.Status != status || string(res.Body) != body || res.Header.Get("X-Own") != "yes" {
				t.Errorf("%d %s", res.Status, res.Body)
			}
			if got := res.Header.Get(HeaderAttempts); got != fmt.Sprintf("a=%d", status) {
				t.Errorf("attempts header %q", got)
			}
			if second.count() != 0 {
				t.Errorf("the second member was called %d times", second.count())
			}
			rows := rowsOf(t, hs, 1)
			if rows[0].Attempt != 1 || rows[0].Attempts != 2 || rows[0].Status != status {
				t.Errorf("row %+v", rows[0])
			}
		})
	}
}

// TestFailoverOnStatus: a 429 in the member's failover_on passes the
// request on; its row keeps the provider's error message; its
// Retry-After opens its circuit.
func TestFailoverOnStatus(t *testing.T) {
	limited := newFake(t, jsonHandler(429, `{"error":{"message":"Rate limit reached for groq","type":"tokens","code":"rate_limit_exceeded"}}`, "Retry-After", "30"))
	ok := newFake(t, jsonHandler(200, `{"ok":true}`))
	hs := newHarness(t, Settings{},
		groupMember("groq", model.TypeOpenAI, openaiBase(limited.URL), 1, 429),
		groupMember("openai", model.TypeOpenAI, openaiBase(ok.URL), 2))
	res := hs.do("POST", "/v1/chat/completions", grpBody)
	if res.Status != 200 || string(res.Body) != `{"ok":true}` || res.Header.Get("Retry-After") != "" {
		t.Fatalf("%d %s %v", res.Status, res.Body, res.Header)
	}
	if got := res.Header.Get(HeaderAttempts); got != "groq=429, openai=200" {
		t.Errorf("attempts header %q", got)
	}
	rows := rowsOf(t, hs, 2)
	checkRows(t, rows, res.Header.Get(HeaderRequestID), "groq", "openai")
	if r := rows[0]; r.Status != 429 || r.ErrorMessage != "Rate limit reached for groq" || r.ErrorType != "tokens" || *r.ErrorSource != "upstream" {
		t.Errorf("passed-over row %+v", r)
	}
	st := hs.h.Circuits().States()
	if len(st) != 1 || st[0].ProviderKey != "groq" || st[0].State != CircuitOpen || st[0].Reason != "429 with Retry-After 30s" || st[0].Until == nil {
		t.Errorf("circuits %+v", st)
	}
	// Open: groq is tried last, so openai answers alone.
	if res := hs.do("POST", "/v1/chat/completions", grpBody); res.Header.Get(HeaderAttempts) != "openai=200" || limited.count() != 1 {
		t.Errorf("with groq's circuit open: %q, groq called %d times", res.Header.Get(HeaderAttempts), limited.count())
	}
}

// TestFailoverAllFail: when every member answers a failover status, the
// client gets the last one's response unchanged (body, Retry-After).
func TestFailoverAllFail(t *testing.T) {
	first := newFake(t, jsonHandler(429, `{"error":{"message":"first"}}`, "Retry-After", "5"))
	last := newFake(t, jsonHandler(429, `{"error":{"message":"last","type":"rate_limit"}}`, "Retry-After", "7", "X-Ratelimit-Remaining", "0"))
	hs := newHarness(t, Settings{},
		groupMember("a", model.TypeOpenAI, openaiBase(first.URL), 1, 429),
		groupMember("b", model.TypeOpenAI, openaiBase(last.URL), 2, 429))
	res := hs.do("POST", "/v1/chat/completions", grpBody)
	if res.Status != 429 || string(res.Body) != `{"error":{"message":"last","type":"rate_limit"}}` ||
		res.Header.Get("Retry-After") != "7" || res.Header.Get("X-Ratelimit-Remaining") != "0" || res.Header.Get(HeaderErrorSource) != "upstream" {
		t.Errorf("%d %s %v", res.Status, res.Body, res.Header)
	}
	if got := res.Header.Get(HeaderAttempts); got != "a=429, b=429" {
		t.Errorf("attempts header %q", got)
	}
	checkRows(t, rowsOf(t, hs, 2), res.Header.Get(HeaderRequestID), "a", "b")

	// Every member gives no response: the usual proxy 502, with the
	// attempts header.
	hs2 := newHarness(t, Settings{},
		groupMember("a", model.TypeOpenAI, openaiBase(closedPort(t)), 1),
		groupMember("b", model.TypeOpenAI, openaiBase(closedPort(t)), 2))
	res = hs2.do("POST", "/v1/chat/completions", grpBody)
	checkProxyError(t, res, false, shape502, `"b"`)
	if got := res.Header.Get(HeaderAttempts); got != "a=502(connect), b=502(connect)" {
		t.Errorf("attempts header %q", got)
	}
}

// TestFailoverStreamResetBeforeHeaders: a stream whose first member
// resets before its response headers is served by the second, byte for
// byte.
func TestFailoverStreamResetBeforeHeaders(t *testing.T) {
	events := []string{
		"data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
		"data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n",
		"data: [DONE]\n\n",
	}
	ok := newFake(t, sseHandler(5*time.Millisecond, events...))
	hs := newHarness(t, Settings{},
		groupMember("a", model.TypeOpenAI, openaiBase(resetServer(t, "", 0)), 1),
		groupMember("b", model.TypeOpenAI, openaiBase(ok.URL), 2))
	res := hs.do("POST", "/v1/chat/completions", `{"model":"grp","stream":true,"messages":[]}`)
	if res.Status != 200 || string(res.Body) != strings.Join(events, "") || res.Err != nil {
		t.Errorf("%d %q %v", res.Status, res.Body, res.Err)
	}
	if got := res.Header.Get(HeaderAttempts); got != "a=502(connect), b=200" {
		t.Errorf("attempts header %q", got)
	}
}

// TestFailoverNeverAfterFirstByte: a stream that breaks after its first
// byte ends with an error event and an abort; the next member is never
// called.
func TestFailoverNeverAfterFirstByte(t *testing.T) {
	second := newFake(t, jsonHandler(200, `{}`))
	prefix := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"1a\r\ndata: {\"choices\":[\"x\"]}\n\n\r\n"
	hs := newHarness(t, Settings{},
		groupMember("a", model.TypeOpenAI, openaiBase(resetServer(t, prefix, 20*time.Millisecond)), 1),
		groupMember("b", model.TypeOpenAI, openaiBase(second.URL), 2))
	res := hs.do("POST", "/v1/chat/completions", `{"model":"grp","stream":true,"messages":[]}`)
	if res.Status != 200 || res.Err == nil || !strings.Contains(string(res.Body), `data: {"choices":["x"]}`) ||
		!strings.Contains(string(res.Body), ErrTypeStream) {
		t.Errorf("%d %q %v", res.Status, res.Body, res.Err)
	}
	if got := res.Header.Get(HeaderAttempts); got != "a=200" {
		t.Errorf("attempts header %q", got)
	}
	if second.count() != 0 {
		t.Error("the second member was called after the first byte")
	}
	if e := hs.sink.next(t); e.Status != 502 || e.ErrorType != ErrTypeStream || e.Attempt != 1 || e.Attempts != 2 {
		t.Errorf("row %+v", e)
	}
}

// TestFailoverClientGone: the client leaving while the first member
// stalls on its headers stops everything: no further attempt, a 499 row.
func TestFailoverClientGone(t *testing.T) {
	arrived := make(chan struct{}, 1)
	stall := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	second := newFake(t, jsonHandler(200, `{}`))
	a := groupMember("a", model.TypeOpenAI, openaiBase(stall.URL), 1)
	a.ResponseHeaderTimeoutSecs = 100 // 10 s: the client must be what ends it
	hs := newHarness(t, Settings{}, a, groupMember("b", model.TypeOpenAI, openaiBase(second.URL), 2))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", hs.srv.URL+"/v1/chat/completions", strings.NewReader(grpBody))
	done := make(chan error, 1)
	go func() {
		resp, err := hs.client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	select {
	case <-arrived:
	case <-time.After(3 * time.Second):
		t.Fatal("the first member got no request")
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("the request succeeded")
	}
	e := hs.sink.next(t)
	if e.Status != model.StatusClientClosed || e.ProviderKey != "a" || e.Attempt != 1 || e.Attempts != 2 {
		t.Errorf("row %+v", e)
	}
	if second.count() != 0 {
		t.Error("a further attempt after the client left")
	}
	if n := hs.h.buffered.Load(); n != 0 {
		t.Errorf("%d body bytes still reserved", n)
	}
}

// TestFailoverHeaderTimeout: a member that sends no headers within its
// response header timeout is passed over.
func TestFailoverHeaderTimeout(t *testing.T) {
	slow := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	ok := newFake(t, jsonHandler(200, `{"ok":1}`))
	a := groupMember("a", model.TypeOpenAI, openaiBase(slow.URL), 1)
	a.ResponseHeaderTimeoutSecs = 2 // 200 ms
	hs := newHarness(t, Settings{}, a, groupMember("b", model.TypeOpenAI, openaiBase(ok.URL), 2))
	res := hs.do("POST", "/v1/chat/completions", grpBody)
	if res.Status != 200 || res.Header.Get(HeaderAttempts) != "a=504(timeout), b=200" {
		t.Errorf("%d %s %q", res.Status, res.Body, res.Header.Get(HeaderAttempts))
	}
	if r := rowsOf(t, hs, 2)[0]; r.Status != 504 || r.ErrorType != ErrTypeTimeout {
		t.Errorf("passed-over row %+v", r)
	}
}

// TestFailoverTranslatedMember: members of either dialect in one group;
// each gets the client's body in its own dialect, and the translation
// header belongs to the member that answered.
func TestFailoverTranslatedMember(t *testing.T) {
	oa := newFake(t, jsonHandler(200, `{"id":"c1","object":"chat.completion","created":1,"model":"up-o","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`))
	an := newFake(t, jsonHandler(200, `{"id":"msg_1","type":"message","role":"assistant","model":"up-n","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}`))
	body := `{"model":"grp","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`

	// An Anthropic client: the native member refuses, the OpenAI-type one
	// answers through translation.
	n1 := groupMember("n", model.TypeAnthropic, "http://"+closedPort(t), 1)
	o1 := groupMember("o", model.TypeOpenAI, openaiBase(oa.URL), 2)
	o1.Translate = true
	hs := newHarness(t, Settings{}, n1, o1)
	res := hs.do("POST", "/v1/messages", body, "Anthropic-Version", "2023-06-01")
	var msg struct {
		Type    string                  `json:"type"`
		Content []struct{ Text string } `json:"content"`
	}
	if err := json.Unmarshal(res.Body, &msg); err != nil || res.Status != 200 || msg.Type != "message" || msg.Content[0].Text != "Hi" {
		t.Errorf("%d %s", res.Status, res.Body)
	}
	if res.Header.Get(HeaderAttempts) != "n=502(connect), o=200" || res.Header.Get(HeaderTranslated) != "anthropic->openai" {
		t.Errorf("headers %v", res.Header)
	}
	if got := oa.last(t); got.Path != "/v1/chat/completions" || !strings.Contains(string(got.Body), `"model":"up-o"`) {
		t.Errorf("translated request %s %s", got.Path, got.Body)
	}

	// The other way: the translated member refuses, the native one
	// answers, and no translation header is left from the first try.
	o2 := groupMember("o", model.TypeOpenAI, openaiBase(closedPort(t)), 1)
	o2.Translate = true
	hs.setProviders(Settings{}, o2, groupMember("n", model.TypeAnthropic, an.URL, 2))
	res = hs.do("POST", "/v1/messages", body, "Anthropic-Version", "2023-06-01")
	if res.Status != 200 || res.Header.Get(HeaderAttempts) != "o=502(connect), n=200" || res.Header.Get(HeaderTranslated) != "" ||
		string(res.Body) != `{"id":"msg_1","type":"message","role":"assistant","model":"up-n","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}` {
		t.Errorf("%d %s %v", res.Status, res.Body, res.Header)
	}
	if got := an.last(t); !strings.Contains(string(got.Body), `"model":"up-n"`) || got.Path != "/v1/messages" {
		t.Errorf("native request %s %s", got.Path, got.Body)
	}
}

// TestFailoverRefusingMemberAnswers: a member that cannot take the
// request at all (another dialect with translate off) answers for the
// group with its 400; the members after it are not tried.
func TestFailoverRefusingMemberAnswers(t *testing.T) {
	an := newFake(t, jsonHandler(200, `{"id":"msg_1","type":"message"}`))
	o := groupMember("o", model.TypeOpenAI, openaiBase(closedPort(t)), 1) // translate off
	hs := newHarness(t, Settings{}, o, groupMember("n", model.TypeAnthropic, an.URL, 2))
	res := hs.do("POST", "/v1/messages", `{"model":"grp","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`,
		"Anthropic-Version", "2023-06-01")
	if res.Status != 400 || res.Header.Get(HeaderAttempts) != "o=400" || !strings.Contains(string(res.Body), "POST /v1/chat/completions") {
		t.Errorf("%d %s %q", res.Status, res.Body, res.Header.Get(HeaderAttempts))
	}
	if n := an.count(); n != 0 {
		t.Errorf("the member after the refusing one got %d requests, want 0", n)
	}
}

// TestNotAGroup: a route that is no group has no attempts header and a
// row of attempt 1 of 1.
func TestNotAGroup(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{}`))
	hs := newHarness(t, Settings{}, withMaps(provider("a", model.TypeOpenAI, openaiBase(f.URL)), mm("m*", "", 0)))
	res := hs.do("POST", "/v1/chat/completions", `{"model":"mine"}`)
	if res.Status != 200 || res.Header.Get(HeaderAttempts) != "" {
		t.Errorf("%d %v", res.Status, res.Header)
	}
	if e := hs.sink.next(t); e.ClientRequestID != e.ID || e.Attempt != 1 || e.Attempts != 1 || e.UpstreamModel != "mine" {
		t.Errorf("row %+v", e)
	}
}

// fakeClock is a settable clock for the circuits.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// circuitEvents returns the circuit.changed events so far as
// "key:state:reason".
func circuitEvents(s *capSink) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.events {
		if e.Type == model.EventCircuitChanged {
			c := e.Data.(model.CircuitState)
			out = append(out, c.ProviderKey+":"+c.State+":"+c.Reason)
		}
	}
	return out
}

// TestCircuits: three failures in a row open a member's circuit (tried
// last); after the cool-down it is half open (back in order); a success
// closes it; a failure while half open re-opens it for twice as long;
// health reports open and close it.
func TestCircuits(t *testing.T) {
	var mu sync.Mutex
	status := 503
	flaky := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		s := status
		mu.Unlock()
		jsonHandler(s, `{"error":{"message":"flaky"}}`)(w, r)
	})
	setStatus := func(s int) { mu.Lock(); status = s; mu.Unlock() }
	ok := newFake(t, jsonHandler(200, `{}`))
	hs := newHarness(t, Settings{},
		groupMember("a", model.TypeOpenAI, openaiBase(flaky.URL), 1, 503),
		groupMember("b", model.TypeOpenAI, openaiBase(ok.URL), 2))
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	hs.h.Circuits().setClock(clock.now)
	try := func() string {
		t.Helper()
		res := hs.do("POST", "/v1/chat/completions", grpBody)
		if res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		return res.Header.Get(HeaderAttempts)
	}
	for i := 1; i <= 3; i++ {
		if got := try(); got != "a=503, b=200" {
			t.Fatalf("try %d: %q", i, got)
		}
		if st := hs.h.Circuits().State("a"); st.Failures != i {
			t.Errorf("after %d failures: %+v", i, st)
		}
	}
	st := hs.h.Circuits().States()
	if len(st) != 1 || st[0].State != CircuitOpen || st[0].Reason != "3 failures in a row: 503" || !st[0].Until.Equal(clock.now().Add(30*time.Second)) {
		t.Fatalf("states %+v", st)
	}
	if !hs.h.Circuits().isOpen("a") || hs.h.Circuits().isOpen("b") {
		t.Error("IsOpen disagrees with the states")
	}
	if got := try(); got != "b=200" {
		t.Errorf("open: %q", got)
	}
	// Cool-down over: half open, back in order; a failure re-opens for
	// 60 s.
	clock.add(31 * time.Second)
	if st := hs.h.Circuits().State("a"); st.State != CircuitHalfOpen {
		t.Errorf("after the cool-down: %+v", st)
	}
	if got := try(); got != "a=503, b=200" {
		t.Errorf("half open: %q", got)
	}
	if st := hs.h.Circuits().State("a"); st.State != CircuitOpen || !st.Until.Equal(clock.now().Add(60*time.Second)) {
		t.Errorf("re-opened: %+v", st)
	}
	clock.add(61 * time.Second)
	setStatus(200)
	if got := try(); got != "a=200" {
		t.Errorf("recovered: %q", got)
	}
	if st := hs.h.Circuits().States(); len(st) != 0 {
		t.Errorf("closed circuits listed: %+v", st)
	}
	// Health: unhealthy opens for 60 s (tried last), healthy closes.
	hs.h.Circuits().ReportHealth("a", false)
	if st := hs.h.Circuits().State("a"); st.State != CircuitOpen || st.Reason != "health check unhealthy" || !st.Until.Equal(clock.now().Add(60*time.Second)) {
		t.Errorf("unhealthy: %+v", st)
	}
	if got := try(); got != "b=200" {
		t.Errorf("unhealthy member tried first: %q", got)
	}
	hs.h.Circuits().ReportHealth("a", true)
	if got := try(); got != "a=200" {
		t.Errorf("healthy again: %q", got)
	}
	want := []string{
		// Half open keeps the reason it was opened for.
		"a:open:3 failures in a row: 503", "a:half_open:3 failures in a row: 503", "a:open:failed again after the cool-down: 503",
		"a:half_open:failed again after the cool-down: 503", "a:closed:", "a:open:health check unhealthy", "a:closed:",
	}
	if got := circuitEvents(hs.sink); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("circuit events\n%v\nwant\n%v", got, want)
	}
	// The circuits survive a table swap.
	hs.h.Circuits().ReportHealth("a", false)
	hs.setProviders(Settings{},
		groupMember("a", model.TypeOpenAI, openaiBase(flaky.URL), 1, 503),
		groupMember("b", model.TypeOpenAI, openaiBase(ok.URL), 2))
	if got := try(); got != "b=200" {
		t.Errorf("after a table swap: %q", got)
	}
}

// TestCircuitSuccessNoAlloc: a success on a closed circuit with no
// failures takes no lock and allocates nothing.
func TestCircuitSuccessNoAlloc(t *testing.T) {
	c := newCircuits(nil)
	c.getOrCreate("a")
	if n := testing.AllocsPerRun(100, func() { c.success("a"); c.success("b") }); n != 0 {
		t.Errorf("%v allocations per success", n)
	}
}

// TestRetryAfter: seconds or an HTTP date, capped at an hour.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"30", 30 * time.Second}, {"0", 0}, {"-4", 0}, {"junk", 0}, {"999999", time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(5 * time.Hour).Format(http.TimeFormat), time.Hour},
	} {
		if got := retryAfter(http.Header{"Retry-After": {c.v}}, now); got != c.want {
			t.Errorf("Retry-After %q: %v, want %v", c.v, got, c.want)
		}
	}
}

// TestFailoverLiveRows: a passed-over attempt's row is published the
// moment it fails, while the next member is still answering, and the
// body reservation is gone once the answering member has the body (while
// its stream goes on).
func TestFailoverLiveRows(t *testing.T) {
	proceed := make(chan struct{})
	streaming := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		<-proceed // until the test saw the first attempt's row
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "data: {\"n\":1}\n\n")
		w.(http.Flusher).Flush()
		<-proceed // until the test checked the reservation mid-stream
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	})
	hs := newHarness(t, Settings{},
		groupMember("a", model.TypeOpenAI, openaiBase(closedPort(t)), 1),
		groupMember("b", model.TypeOpenAI, openaiBase(streaming.URL), 2))
	type reply struct {
		resp *http.Response
		err  error
	}
	replies := make(chan reply, 1)
	go func() {
		req, _ := http.NewRequest("POST", hs.srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"grp","stream":true}`))
		resp, err := hs.client.Do(req)
		replies <- reply{resp, err}
	}()
	first := hs.sink.next(t) // published while b has not answered yet
	if first.ProviderKey != "a" || first.Status != 502 || first.Attempt != 1 {
		t.Errorf("first row %+v", first)
	}
	proceed <- struct{}{}
	rp := <-replies
	if rp.err != nil {
		t.Fatal(rp.err)
	}
	defer rp.resp.Body.Close()
	ev, err := (&sseReader{r: rp.resp.Body}).next()
	if err != nil || ev != `data: {"n":1}` {
		t.Fatalf("first event %q %v", ev, err)
	}
	if n := hs.h.buffered.Load(); n != 0 {
		t.Errorf("%d body bytes still reserved while the answer streams", n)
	}
	close(proceed)
	_, _ = io.ReadAll(rp.resp.Body)
	if last := hs.sink.next(t); last.ID != rp.resp.Header.Get(HeaderRequestID) || last.ClientRequestID != first.ClientRequestID || last.Status != 200 {
		t.Errorf("final row %+v", last)
	}
	if rp.resp.Header.Get(HeaderAttempts) != "a=502(connect), b=200" {
		t.Errorf("attempts header %q", rp.resp.Header.Get(HeaderAttempts))
	}
}
