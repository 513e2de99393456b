package proxy

import (
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

// TestStreamFirstEventEarly: the first SSE event reaches the client while
// the upstream is still holding back the second one.
func TestStreamFirstEventEarly(t *testing.T) {
	release := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {\"n\":1}\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		_, _ = io.WriteString(w, "data: {\"n\":2}\n\ndata: [DONE]\n\n")
	})
	hs := newHarness(t, Settings{}, provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m"))
	resp, err := hs.client.Post(hs.srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m","stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sr := &sseReader{r: resp.Body}
	ev, err := sr.next()
	if err != nil || ev != `data: {"n":1}` {
		t.Fatalf("first event %q, %v", ev, err)
	}
	close(release)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(sr.buf)+string(rest) != "data: {\"n\":2}\n\ndata: [DONE]\n\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
	e := hs.sink.next(t)
	if !e.Stream || e.Status != 200 || e.ErrorSource != nil {
		t.Errorf("log entry %+v", e)
	}
	if got := hs.sink.eventsFor(e.ID); strings.Join(got, ",") != "request.started,request.progress,request.finished" {
		t.Errorf("events %v", got)
	}
}

// TestStreamMidFailure: an upstream that fails after the headers never
// looks like a clean end: SSE clients get one error event in their
// dialect, then a failed read; the log records the failure.
func TestStreamMidFailure(t *testing.T) {
	const first = "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
	chunked := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
		fmt.Sprintf("%x\r\n%s\r\n", len(first), first)
	partial := "data: {\"type\":\"conte"
	chunkedPartial := chunked + fmt.Sprintf("%x\r\n%s\r\n", len(partial), partial)
	cases := []struct {
		name      string
		handler   http.HandlerFunc // nil: use raw
		raw       string           // a raw server's response prefix before RST
		wantType  string
		wantState int
	}{
		{"reset", nil, chunked, ErrTypeStream, 502},
		{"reset inside an event", nil, chunkedPartial, ErrTypeStream, 502},
		{"truncated chunked body", func(w http.ResponseWriter, r *http.Request) {
			sseHandler(0, first)(w, r)
			panic(http.ErrAbortHandler)
		}, "", ErrTypeStream, 502},
		{"idle timeout", func(w http.ResponseWriter, r *http.Request) {
			sseHandler(0, first)(w, r)
			<-r.Context().Done() // stall past the 200 ms idle timeout
		}, "", ErrTypeIdle, 504},
	}
	for _, anthropic := range []bool{false, true} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/anthropic=%v", c.name, anthropic), func(t *testing.T) {
				var base string
				if c.handler != nil {
					base = newFake(t, c.handler).URL
				} else {
					base = "http://" + resetServer(t, c.raw, 50*time.Millisecond)
				}
				typ, path := model.TypeOpenAI, "/v1/chat/completions"
				if anthropic {
					typ, path = model.TypeAnthropic, "/v1/messages"
				} else {
					base += "/v1"
				}
				p := provider("up", typ, base, "m", "m")
				p.StreamIdleTimeoutSecs = 2 // 200 ms
				hs := newHarness(t, Settings{}, p)
				resp, err := hs.client.Post(hs.srv.URL+path, "application/json", strings.NewReader(`{"model":"m","stream":true}`))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("status %d", resp.StatusCode)
				}
				sr := &sseReader{r: resp.Body}
				ev, err := sr.next()
				if err != nil || ev+"\n\n" != first {
					t.Fatalf("first event %q, %v", ev, err)
				}
				var errEv string
				for {
					ev, err = sr.next()
					if err != nil {
						break
					}
					if strings.Contains(ev, `"error"`) {
						errEv = ev
					}
				}
				if err == io.EOF || err == nil {
					t.Fatalf("stream ended cleanly (%v); a failed upstream must fail the client's read", err)
				}
				if anthropic {
					if !strings.HasPrefix(errEv, "event: error\ndata: ") {
						t.Fatalf("anthropic error event %q", errEv)
					}
					var b struct {
						Type  string
						Error struct{ Type, Message string }
					}
					if json.Unmarshal([]byte(strings.TrimPrefix(errEv, "event: error\ndata: ")), &b) != nil || b.Type != "error" || b.Error.Type != "api_error" || !strings.Contains(b.Error.Message, `"up"`) {
						t.Errorf("anthropic error event %q", errEv)
					}
				} else {
					var b struct {
						Error struct{ Type, Code, Message string }
					}
					if !strings.HasPrefix(errEv, "data: ") || json.Unmarshal([]byte(strings.TrimPrefix(errEv, "data: ")), &b) != nil ||
						b.Error.Type != "api_error" || b.Error.Code != c.wantType {
						t.Errorf("openai error event %q", errEv)
					}
				}
				e := hs.sink.next(t)
				if e.Status != c.wantState || e.ErrorType != c.wantType || e.ErrorSource == nil || *e.ErrorSource != "proxy" || e.BytesOut == 0 {
					t.Errorf("log entry %+v", e)
				}
			})
		}
	}
}

// TestSizedBodyMidFailure: a sized (non-streamed) body that fails
// mid-way never reaches the client as an empty or truncated reply: it is
// held until complete, so the client gets a proxy-made 502 in its dialect.
func TestSizedBodyMidFailure(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":"
	for _, anthropic := range []bool{false, true} {
		t.Run(fmt.Sprintf("anthropic=%v", anthropic), func(t *testing.T) {
			base, typ, path := "http://"+resetServer(t, raw, 20*time.Millisecond), model.TypeOpenAI, "/v1/chat/completions"
			if anthropic {
				typ, path = model.TypeAnthropic, "/v1/messages"
			} else {
				base += "/v1"
			}
			hs := newHarness(t, Settings{}, provider("up", typ, base, "m", "m"))
			res := hs.do("POST", path, `{"model":"m"}`)
			if res.Err != nil {
				t.Fatalf("body read error %v", res.Err)
			}
			checkProxyError(t, res, anthropic, errorShape{502, "api_error", ErrTypeStream, "api_error"}, `"up"`, "mid-response")
			e := hs.sink.next(t)
			if e.Status != 502 || e.ErrorType != ErrTypeStream || e.ErrorSource == nil || *e.ErrorSource != "proxy" || e.BytesOut != 0 {
				t.Errorf("log entry %+v", e)
			}
		})
	}
}

// TestLargeSizedBodyMidFailure: a sized body above the hold limit streams
// through as it arrives; when it fails, what was relayed reaches the
// client and then its read fails (never a clean end).
func TestLargeSizedBodyMidFailure(t *testing.T) {
	sent := maxHeldBody + 1000
	raw := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n%s", maxHeldBody+5000, strings.Repeat("x", sent))
	hs := newHarness(t, Settings{}, provider("up", model.TypeOpenAI, "http://"+resetServer(t, raw, 200*time.Millisecond)+"/v1", "m", "m"))
	resp, err := hs.client.Post(hs.srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || err == nil || len(b) == 0 {
		t.Fatalf("status %d, %d bytes, err %v", resp.StatusCode, len(b), err)
	}
	if e := hs.sink.next(t); e.Status != 502 || e.ErrorType != ErrTypeStream || e.BytesOut != int64(sent) {
		t.Errorf("log entry %+v", e)
	}
}

// TestLongStreamNotCut: a stream lasting many idle timeouts (and many
// header timeouts) completes as long as chunks keep coming.
func TestLongStreamNotCut(t *testing.T) {
	// 60 × 30 ms = 1.8 s = 6 idle timeouts of 300 ms (and 6 header
	// timeouts); each gap is a tenth of the idle timeout, so a loaded CI
	// machine does not turn a scheduling hiccup into a failure.
	const n = 60
	events := make([]string, n)
	for i := range events {
		events[i] = fmt.Sprintf("data: {\"i\":%d}\n\n", i)
	}
	f := newFake(t, sseHandler(30*time.Millisecond, events...))
	p := provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m")
	p.StreamIdleTimeoutSecs, p.ResponseHeaderTimeoutSecs = 3, 3
	hs := newHarness(t, Settings{}, p)
	res := hs.do("POST", "/v1/chat/completions", `{"model":"m","stream":true}`)
	if res.Err != nil || string(res.Body) != strings.Join(events, "") {
		t.Fatalf("read error %v, body %q", res.Err, res.Body)
	}
	if e := hs.sink.next(t); e.Status != 200 || e.LatencyMs < 1700 {
		t.Errorf("log entry %+v", e)
	}
}

// TestConcurrentStreams: 200 streams at once all complete with every
// chunk, in order.
func TestConcurrentStreams(t *testing.T) {
	const streams, chunks = 200, 20
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		var b struct{ Tag string }
		_ = json.NewDecoder(r.Body).Decode(&b)
		events := make([]string, chunks)
		for i := range events {
			events[i] = fmt.Sprintf("data: {\"tag\":%q,\"i\":%d}\n\n", b.Tag, i)
		}
		sseHandler(5*time.Millisecond, events...)(w, r)
	})
	p := provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m")
	// 200 connections opening at once on 2 busy cores (with -race) can take
	// a while; this test is about concurrency, not timeouts.
	p.ResponseHeaderTimeoutSecs, p.StreamIdleTimeoutSecs, p.ConnectTimeoutSecs = 100, 100, 100
	hs := newHarness(t, Settings{}, p)
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for s := 0; s < streams; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			tag := fmt.Sprintf("s%d", s)
			resp, err := hs.client.Post(hs.srv.URL+"/v1/chat/completions", "application/json",
				strings.NewReader(fmt.Sprintf(`{"model":"m","stream":true,"tag":%q}`, tag)))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				errs <- err
				return
			}
			var want strings.Builder
			for i := 0; i < chunks; i++ {
				fmt.Fprintf(&want, "data: {\"tag\":%q,\"i\":%d}\n\n", tag, i)
			}
			if string(b) != want.String() {
				errs <- fmt.Errorf("stream %s: got %q", tag, b)
			}
		}(s)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := 0; i < streams; i++ {
		if e := hs.sink.next(t); e.Status != 200 {
			t.Errorf("log entry %+v", e)
		}
	}
}

// TestUsage: token usage is read from JSON bodies and from SSE streams in
// both dialects, without changing what the client gets.
func TestUsage(t *testing.T) {
	cases := []struct {
		name     string
		typ      model.ProviderType
		handler  http.HandlerFunc
		wantP    int64
		wantC    int64
		noUsage  bool
		chunkAll bool
	}{
		{"openai json", model.TypeOpenAI, jsonHandler(200, `{"id":"c","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}`), 11, 7, false, false},
		{"anthropic json", model.TypeAnthropic, jsonHandler(200, `{"id":"msg","type":"message","usage":{"input_tokens":5,"output_tokens":9}}`), 5, 9, false, false},
		{"openai sse final chunk", model.TypeOpenAI, sseHandler(time.Millisecond,
			"data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n",
			"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n",
			"data: [DONE]\n\n"), 3, 2, false, false},
		{"anthropic sse", model.TypeAnthropic, sseHandler(time.Millisecond,
			"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n",
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"usage\"}}\n\n",
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":15}}\n\n",
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"), 25, 15, false, false},
		{"sse split mid-line", model.TypeOpenAI, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			for _, part := range []string{"data: {\"choices\":[],\"us", "age\":{\"prompt_tokens\":4,", "\"completion_tokens\":6}}\r\n", "\r\ndata: [DONE]\n\n"} {
				_, _ = io.WriteString(w, part)
				w.(http.Flusher).Flush()
				time.Sleep(2 * time.Millisecond)
			}
		}, 4, 6, false, false},
		{"no usage", model.TypeOpenAI, jsonHandler(200, `{"id":"c"}`), 0, 0, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, c.handler)
			base, path := f.URL+"/v1", "/v1/chat/completions"
			if c.typ == model.TypeAnthropic {
				base, path = f.URL, "/v1/messages"
			}
			hs := newHarness(t, Settings{}, provider("up", c.typ, base, "m", "m"))
			res := hs.do("POST", path, `{"model":"m"}`)
			if res.Status != 200 || res.Err != nil {
				t.Fatalf("status %d err %v", res.Status, res.Err)
			}
			e := hs.sink.next(t)
			if c.noUsage {
				if e.Usage != nil {
					t.Errorf("usage %+v, want none", e.Usage)
				}
				return
			}
			if e.Usage == nil || e.Usage.PromptTokens != c.wantP || e.Usage.CompletionTokens != c.wantC {
				t.Errorf("usage %+v, want %d/%d", e.Usage, c.wantP, c.wantC)
			}
		})
	}
}

// TestFinishedEvent checks the fields of a successful request's log entry
// and that started/finished come exactly once.
func TestFinishedEvent(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{"ok":true}`))
	hs := newHarness(t, Settings{}, provider("up", model.TypeOpenAI, f.URL+"/v1", "fast", "fast-2024"))
	body := `{"model":"fast","messages":[]}`
	res := hs.do("POST", "/v1/chat/completions?x=1", body)
	e := hs.sink.next(t)
	id := res.Header.Get(HeaderRequestID)
	want := model.LogEntry{ID: id, Method: "POST", Path: "/v1/chat/completions", Model: "fast",
		ProviderKey: "up", UpstreamModel: "fast-2024", Status: 200, BytesIn: int64(len(body)), BytesOut: 11,
		ClientRequestID: id, Attempt: 1, Attempts: 1}
	got := e
	got.StartedAt, got.LatencyMs, got.TTFBMs, got.Capture = time.Time{}, 0, 0, nil
	if c := e.Capture; c == nil || c.RequestHeaders["Content-Type"] == nil || c.ResponseHeaders["Content-Type"] == nil || c.RequestBody != "" || c.ResponseBody != "" {
		t.Errorf("capture with log_bodies off: want headers and no bodies, got %+v", e.Capture)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("entry\n got %+v\nwant %+v", got, want)
	}
	if e.StartedAt.IsZero() || e.TTFBMs > e.LatencyMs {
		t.Errorf("times: %+v", e)
	}
	if got := hs.sink.eventsFor(e.ID); strings.Join(got, ",") != "request.started,request.finished" {
		t.Errorf("events %v", got)
	}
}
