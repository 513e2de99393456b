package proxy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// Fake upstream answers in each dialect, shaped like the real APIs'.
const (
	oaChatJSON = `{"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"gpt-up","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from OpenAI"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}}`
	anMsgJSON  = `{"id":"msg_9","type":"message","role":"assistant","model":"claude-up","content":[{"type":"text","text":"Hello from Anthropic"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":5}}`
)

var oaStream = []string{
	"data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-up\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n",
	"data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-up\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n",
	"data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-up\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2,\"total_tokens\":13}}\n\n",
	"data: [DONE]\n\n",
}

var anStream = []string{
	"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_9\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-up\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n",
	"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
	"event: ping\ndata: {\"type\":\"ping\"}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n",
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
	"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n",
	"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
}

const (
	anReq = `{"model":"cc","max_tokens":64,"system":"Be brief.","messages":[{"role":"user","content":"Hi"}]}`
	oaReq = `{"model":"gpt","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}`
)

// translating returns an enabled provider with translation on.
func translating(key string, typ model.ProviderType, baseURL string, pairs ...string) model.Provider {
	p := provider(key, typ, baseURL, pairs...)
	p.Translate = true
	return p
}

// xlHarness: provider "oa" (OpenAI-type, alias "cc" → "gpt-up") and "an"
// (Anthropic-type, alias "gpt" → "claude-up"), both on fake f, both with
// keys and translation on, request bodies logged.
func xlHarness(t *testing.T, h http.HandlerFunc) (*harness, *fake) {
	f := newFake(t, h)
	oa := translating("oa", model.TypeOpenAI, f.URL+"/v1", "cc", "gpt-up")
	an := translating("an", model.TypeAnthropic, f.URL, "gpt", "claude-up")
	oa.APIKey, an.APIKey = "sk-oa-upstream", "sk-an-upstream"
	return newHarness(t, Settings{LogBodies: true}, oa, an), f
}

// byDialect answers like an OpenAI or an Anthropic API by path.
func byDialect(oa, an http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/messages") {
			an(w, r)
			return
		}
		oa(w, r)
	}
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return m
}

// TestTranslatedRequestAndAnswer: each direction reaches the provider's
// own endpoint, with the provider's credentials and dialect headers only,
// without the client's query string, and the answer comes back in the
// client's dialect, marked, with usage and both untranslated bodies in
// the log.
func TestTranslatedRequestAndAnswer(t *testing.T) {
	hs, f := xlHarness(t, byDialect(jsonHandler(200, oaChatJSON, "X-Request-Id", "req_oa"), jsonHandler(200, anMsgJSON, "Request-Id", "req_an")))
	cases := []struct {
		name, path, body, label       string
		hdr                           []string
		wantPath, wantModel, wantText string
		dropped                       []string // headers the upstream must not get
		wantAuth                      [2]string
		usage                         model.Usage
		upstreamBody                  string
	}{
		{
			name: "anthropic client to openai provider", path: "/v1/messages?beta=true", body: anReq, label: "anthropic->openai",
			hdr:      []string{"Anthropic-Version", "2023-06-01", "Anthropic-Beta", "interleaved-thinking-2025-05-14", "X-Api-Key", "sk-client", "Accept-Encoding", "gzip, br"},
			wantPath: "/v1/chat/completions", wantModel: "gpt-up", wantText: "Hello from OpenAI",
			dropped:  []string{"Anthropic-Version", "Anthropic-Beta", "X-Api-Key"},
			wantAuth: [2]string{"Authorization", "Bearer sk-oa-upstream"},
			usage:    model.Usage{PromptTokens: 11, CompletionTokens: 4}, upstreamBody: oaChatJSON,
		},
		{
			name: "openai client to anthropic provider", path: "/v1/chat/completions", body: oaReq, label: "openai->anthropic",
			hdr:      []string{"Authorization", "Bearer sk-client", "OpenAI-Organization", "org-1", "Accept-Encoding", "gzip"},
			wantPath: "/v1/messages", wantModel: "claude-up", wantText: "Hello from Anthropic",
			dropped:  []string{"Authorization", "Openai-Organization"},
			wantAuth: [2]string{"X-Api-Key", "sk-an-upstream"},
			usage:    model.Usage{PromptTokens: 12, CompletionTokens: 5}, upstreamBody: anMsgJSON,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := hs.do("POST", c.path, c.body, c.hdr...)
			if res.Status != 200 {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			if got := res.Header.Get(HeaderTranslated); got != c.label {
				t.Errorf("%s = %q, want %q", HeaderTranslated, got, c.label)
			}
			if cl := res.Header.Get("Content-Length"); cl != fmt.Sprint(len(res.Body)) {
				t.Errorf("Content-Length %q for a %d-byte body", cl, len(res.Body))
			}
			up := f.last(t)
			if up.Path != c.wantPath || up.RawQuery != "" {
				t.Errorf("upstream got %s?%s, want %s without the client's query", up.Path, up.RawQuery, c.wantPath)
			}
			if got := up.Header.Get(c.wantAuth[0]); got != c.wantAuth[1] {
				t.Errorf("upstream %s = %q, want %q", c.wantAuth[0], got, c.wantAuth[1])
			}
			for _, h := range c.dropped {
				if v := up.Header.Values(h); len(v) > 0 && !(h == c.wantAuth[0]) {
					t.Errorf("upstream got client header %s: %q", h, v)
				}
			}
			if got := up.Header.Get("Accept-Encoding"); got != "identity" {
				t.Errorf("upstream Accept-Encoding %q, want identity", got)
			}
			if c.wantPath == "/v1/messages" && up.Header.Get("Anthropic-Version") != "2023-06-01" {
				t.Errorf("anthropic provider got anthropic-version %q", up.Header.Get("Anthropic-Version"))
			}
			if m := decodeJSON(t, up.Body); m["model"] != c.wantModel {
				t.Errorf("upstream model %v, want %s", m["model"], c.wantModel)
			}
			if !strings.Contains(string(res.Body), c.wantText) {
				t.Errorf("answer lacks %q: %s", c.wantText, res.Body)
			}
			m := decodeJSON(t, res.Body)
			if c.label == "anthropic->openai" && (m["type"] != "message" || m["stop_reason"] != "end_turn") {
				t.Errorf("not an Anthropic message: %s", res.Body)
			}
			if c.label == "openai->anthropic" && m["object"] != "chat.completion" {
				t.Errorf("not a chat.completion: %s", res.Body)
			}
			e := hs.sink.next(t)
			if e.Status != 200 || e.Usage == nil || *e.Usage != c.usage {
				t.Errorf("log entry status %d usage %+v, want %+v", e.Status, e.Usage, c.usage)
			}
			if e.Capture == nil || e.Capture.RequestBody != c.body || e.Capture.ResponseBody != c.upstreamBody {
				t.Errorf("log capture must keep the client's body and the upstream's untranslated body: %+v", e.Capture)
			}
		})
	}
}

// TestTranslatedGzipAnswer: an upstream that compresses although asked for
// identity is decoded before translation; the client gets plain JSON.
func TestTranslatedGzipAnswer(t *testing.T) {
	hs, _ := xlHarness(t, func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = io.WriteString(zw, oaChatJSON)
		_ = zw.Close()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", fmt.Sprint(b.Len()))
		_, _ = w.Write(b.Bytes())
	})
	res := hs.do("POST", "/v1/messages", anReq)
	if res.Status != 200 || res.Header.Get("Content-Encoding") != "" || !strings.Contains(string(res.Body), "Hello from OpenAI") {
		t.Fatalf("status %d encoding %q body %s", res.Status, res.Header.Get("Content-Encoding"), res.Body)
	}
	if e := hs.sink.next(t); e.Capture.ResponseBody != oaChatJSON {
		t.Errorf("log keeps %q, want the decoded upstream body", e.Capture.ResponseBody)
	}
}

// TestTranslatedUpstreamErrors: an upstream error keeps its status, the
// provider's message verbatim in the client's error shape, and its
// Retry-After, rate-limit and request-id headers.
func TestTranslatedUpstreamErrors(t *testing.T) {
	const oaMsg = "Rate limit reached for gpt-up on tokens per min (TPM): Limit 30000."
	const anMsg = "Overloaded"
	hs, _ := xlHarness(t, byDialect(
		jsonHandler(429, `{"error":{"message":"`+oaMsg+`","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`,
			"Retry-After", "12", "X-Request-Id", "req_oa_429", "X-Ratelimit-Remaining-Tokens", "0"),
		jsonHandler(529, `{"type":"error","error":{"type":"overloaded_error","message":"`+anMsg+`"}}`,
			"Retry-After", "3", "Request-Id", "req_an_529", "Anthropic-Ratelimit-Requests-Remaining", "0")))
	cases := []struct {
		path, body string
		status     int
		msg        string
		keep       []string
		check      func(m map[string]any) bool
	}{
		{"/v1/messages", anReq, 429, oaMsg, []string{"Retry-After", "X-Request-Id", "X-Ratelimit-Remaining-Tokens"},
			func(m map[string]any) bool {
				return m["type"] == "error" && m["error"].(map[string]any)["type"] == "rate_limit_error"
			}},
		{"/v1/chat/completions", oaReq, 529, anMsg, []string{"Retry-After", "Request-Id", "Anthropic-Ratelimit-Requests-Remaining"},
			func(m map[string]any) bool { _, ok := m["error"].(map[string]any); return ok }},
	}
	for _, c := range cases {
		res := hs.do("POST", c.path, c.body)
		if res.Status != c.status {
			t.Fatalf("%s: status %d, want %d: %s", c.path, res.Status, c.status, res.Body)
		}
		m := decodeJSON(t, res.Body)
		if !c.check(m) || !strings.Contains(string(res.Body), c.msg) {
			t.Errorf("%s: error body %s, want the client's shape with %q", c.path, res.Body, c.msg)
		}
		for _, h := range c.keep {
			if res.Header.Get(h) == "" {
				t.Errorf("%s: header %s lost", c.path, h)
			}
		}
		if res.Header.Get(HeaderErrorSource) != "upstream" || res.Header.Get(HeaderTranslated) == "" {
			t.Errorf("%s: headers %v", c.path, res.Header)
		}
		e := hs.sink.next(t)
		if e.Status != c.status || e.ErrorMessage != c.msg || e.ErrorSource == nil || *e.ErrorSource != "upstream" {
			t.Errorf("%s: log entry %+v", c.path, e)
		}
	}
}

// TestTranslatedStreamNoBuffering: a translated stream delivers the first
// client event while the upstream still holds back the rest, and ends with
// the client dialect's end marker and the usage logged.
func TestTranslatedStreamNoBuffering(t *testing.T) {
	cases := []struct {
		name, path, body string
		events           []string
		firstWant        string // a substring of the client's first events
		end              string
		usage            model.Usage
	}{
		{"openai upstream", "/v1/messages", `{"model":"cc","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hi"}]}`,
			oaStream, "event: message_start", "event: message_stop", model.Usage{PromptTokens: 11, CompletionTokens: 2}},
		{"anthropic upstream", "/v1/chat/completions", `{"model":"gpt","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}`,
			anStream, "chat.completion.chunk", "data: [DONE]", model.Usage{PromptTokens: 12, CompletionTokens: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			release := make(chan struct{})
			hs, _ := xlHarness(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.WriteHeader(200)
				_, _ = io.WriteString(w, c.events[0])
				w.(http.Flusher).Flush()
				select {
				case <-release:
				case <-time.After(5 * time.Second):
				}
				for _, ev := range c.events[1:] {
					_, _ = io.WriteString(w, ev)
					w.(http.Flusher).Flush()
				}
			})
			resp, err := hs.client.Post(hs.srv.URL+c.path, "application/json", strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get(HeaderTranslated) == "" || !isEventStream(resp.Header.Get("Content-Type")) {
				t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
			}
			sr := &sseReader{r: resp.Body}
			ev, err := sr.next()
			if err != nil || !strings.Contains(ev, c.firstWant) {
				t.Fatalf("first event %q, %v; want %q before the upstream goes on", ev, err, c.firstWant)
			}
			close(release)
			rest, err := io.ReadAll(resp.Body)
			all := ev + "\n\n" + string(sr.buf) + string(rest)
			if err != nil || !strings.Contains(all, c.end) || !strings.Contains(all, "lo") {
				t.Fatalf("stream %q, %v", all, err)
			}
			e := hs.sink.next(t)
			if e.Status != 200 || !e.Stream || e.Usage == nil || *e.Usage != c.usage {
				t.Errorf("log entry status %d stream %v usage %+v, want %+v", e.Status, e.Stream, e.Usage, c.usage)
			}
			if !strings.HasPrefix(e.Capture.ResponseBody, c.events[0]) {
				t.Errorf("log keeps %q, want the upstream's untranslated stream", e.Capture.ResponseBody)
			}
		})
	}
}

// TestTranslatedStreamFailures: a translated stream that fails mid-way
// (reset, idle timeout, malformed upstream events, an end without the end
// marker) ends with one error event in the client's dialect and an
// aborted connection; the log records the failure.
func TestTranslatedStreamFailures(t *testing.T) {
	type side struct {
		typ                 model.ProviderType
		path, body, errMark string
		first               string
	}
	sides := []side{
		{model.TypeOpenAI, "/v1/messages", `{"model":"m","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hi"}]}`, "event: error", oaStream[0]},
		{model.TypeAnthropic, "/v1/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"Hi"}]}`, `data: {"error"`, anStream[0]},
	}
	for _, s := range sides {
		chunked := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n", len(s.first), s.first)
		cases := []struct {
			name     string
			handler  http.HandlerFunc
			raw      string
			wantType string
			status   int
		}{
			{"reset", nil, chunked, ErrTypeStream, 502},
			{"idle timeout", func(w http.ResponseWriter, r *http.Request) {
				sseHandler(0, s.first)(w, r)
				<-r.Context().Done()
			}, "", ErrTypeIdle, 504},
			{"malformed event", sseHandler(0, s.first, "data: {\"choices\":[{\"delta\":{\"content\": nope\n\nevent: message_delta\ndata: {nope\n\n"), "", ErrTypeTranslate, 502},
			{"end without end marker", sseHandler(0, s.first), "", ErrTypeTranslate, 502},
		}
		for _, c := range cases {
			t.Run(string(s.typ)+"/"+c.name, func(t *testing.T) {
				var base string
				if c.handler != nil {
					base = newFake(t, c.handler).URL
				} else {
					base = "http://" + resetServer(t, c.raw, 50*time.Millisecond)
				}
				if s.typ == model.TypeOpenAI {
					base += "/v1"
				}
				p := translating("up", s.typ, base, "m", "m")
				p.StreamIdleTimeoutSecs = 2 // 200 ms
				hs := newHarness(t, Settings{}, p)
				resp, err := hs.client.Post(hs.srv.URL+s.path, "application/json", strings.NewReader(s.body))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("status %d", resp.StatusCode)
				}
				b, rerr := io.ReadAll(resp.Body)
				if rerr == nil {
					t.Errorf("the stream ended cleanly; want an aborted connection")
				}
				if n := strings.Count(string(b), s.errMark); n != 1 {
					t.Errorf("want one client-dialect error event (%q), got %d in %q", s.errMark, n, b)
				}
				e := hs.sink.next(t)
				if e.Status != c.status || e.ErrorType != c.wantType {
					t.Errorf("log entry status %d type %q, want %d %q (%s)", e.Status, e.ErrorType, c.status, c.wantType, e.ErrorMessage)
				}
			})
		}
	}
}

// TestTranslationRefusals: endpoints and fields with no equivalent are a
// 400 in the client's dialect naming the path or field and the provider;
// an invalid body is a 400 invalid_request; nothing reaches the upstream.
func TestTranslationRefusals(t *testing.T) {
	hs, f := xlHarness(t, jsonHandler(200, oaChatJSON))
	cases := []struct {
		name, path, body string
		anthropic        bool
		code             string // OpenAI error.code, or "" for Anthropic
		mention          []string
		param            string
	}{
		{"embeddings to anthropic", "/v1/embeddings", `{"model":"gpt","input":"x"}`, false, "unsupported_parameter", []string{"/v1/embeddings", `"an"`}, ""},
		{"responses to anthropic", "/v1/responses", `{"model":"gpt","input":"x"}`, false, "unsupported_parameter", []string{"/v1/responses", `"an"`}, ""},
		{"message batches to openai", "/v1/messages/batches", `{"model":"cc","requests":[]}`, true, "", []string{"/v1/messages/batches", `"oa"`}, ""},
		{"n > 1", "/v1/chat/completions", `{"model":"gpt","n":2,"messages":[{"role":"user","content":"Hi"}]}`, false, "unsupported_parameter", []string{`"n"`, `"an"`}, "n"},
		{"logprobs", "/v1/chat/completions", `{"model":"gpt","logprobs":true,"messages":[{"role":"user","content":"Hi"}]}`, false, "unsupported_parameter", []string{"logprobs", `"an"`}, "logprobs"},
		{"invalid body", "/v1/messages", `{"model":"cc","max_tokens":1,"messages":"nope"}`, true, "", []string{`"oa"`}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := hs.do("POST", c.path, c.body)
			if res.Status != 400 || res.Header.Get(HeaderErrorSource) != "proxy" {
				t.Fatalf("status %d source %q: %s", res.Status, res.Header.Get(HeaderErrorSource), res.Body)
			}
			m := decodeJSON(t, res.Body)
			em, _ := m["error"].(map[string]any)
			if c.anthropic {
				if m["type"] != "error" || em["type"] != "invalid_request_error" {
					t.Errorf("not an Anthropic error: %s", res.Body)
				}
			} else if em["code"] != c.code || em["type"] != "invalid_request_error" {
				t.Errorf("error %s, want code %s", res.Body, c.code)
			}
			if c.param != "" && em["param"] != c.param {
				t.Errorf("param %v, want %s", em["param"], c.param)
			}
			msg, _ := em["message"].(string)
			for _, s := range c.mention {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not mention %s", msg, s)
				}
			}
		})
	}
	if n := f.count(); n != 0 {
		t.Errorf("the upstream got %d requests", n)
	}
}

// TestTranslateOff: with the provider's translate setting off, a request
// of the other dialect is today's 400 naming the endpoint to call.
func TestTranslateOff(t *testing.T) {
	f := newFake(t, jsonHandler(200, oaChatJSON))
	hs := newHarness(t, Settings{}, provider("oa", model.TypeOpenAI, f.URL+"/v1", "cc", "gpt-up"))
	res := hs.do("POST", "/v1/messages", anReq)
	if res.Status != 400 || !strings.Contains(string(res.Body), "POST /v1/chat/completions") || res.Header.Get(HeaderTranslated) != "" {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	hs.setProviders(Settings{}, translating("oa", model.TypeOpenAI, f.URL+"/v1", "cc", "gpt-up"))
	if res := hs.do("POST", "/v1/messages", anReq); res.Status != 200 {
		t.Fatalf("with translate on: status %d: %s", res.Status, res.Body)
	}
	if f.count() != 1 {
		t.Errorf("upstream requests %d, want 1", f.count())
	}
}

// TestCountTokensEstimate: count_tokens for an OpenAI-type provider is
// answered locally with a tokenizer estimate, marked as such; more text
// counts more tokens; tools count.
func TestCountTokensEstimate(t *testing.T) {
	hs, f := xlHarness(t, jsonHandler(500, `{}`))
	count := func(body string) int {
		t.Helper()
		res := hs.do("POST", "/v1/messages/count_tokens?beta=true", body, "Anthropic-Version", "2023-06-01")
		if res.Status != 200 || res.Header.Get(HeaderEstimated) != "true" {
			t.Fatalf("status %d headers %v: %s", res.Status, res.Header, res.Body)
		}
		var v struct {
			InputTokens *int `json:"input_tokens"`
		}
		if err := json.Unmarshal(res.Body, &v); err != nil || v.InputTokens == nil {
			t.Fatalf("body %s", res.Body)
		}
		if e := hs.sink.next(t); e.Status != 200 {
			t.Errorf("log status %d", e.Status)
		}
		return *v.InputTokens
	}
	short := count(`{"model":"cc","messages":[{"role":"user","content":"Hello"}]}`)
	long := count(`{"model":"cc","system":"You are a helpful assistant who answers in French.","messages":[{"role":"user","content":"Hello there, how are you doing on this fine day?"}]}`)
	tools := count(`{"model":"cc","messages":[{"role":"user","content":"Hello"}],"tools":[{"name":"get_weather","description":"Get the weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}`)
	if short <= 0 || long <= short || tools <= short {
		t.Errorf("estimates short=%d long=%d tools=%d; want 0 < short < long, short < tools", short, long, tools)
	}
	if res := hs.do("POST", "/v1/messages/count_tokens", `{"model":"cc","messages":5}`); res.Status != 400 {
		t.Errorf("invalid count_tokens body: status %d", res.Status)
	}
	hs.sink.next(t)
	if f.count() != 0 {
		t.Errorf("count_tokens reached the upstream")
	}
}

// TestModelsAnthropicShape: GET /v1/models with anthropic-version answers
// in Anthropic's list shape, and a missing model is an Anthropic 404.
func TestModelsAnthropicShape(t *testing.T) {
	hs, _ := xlHarness(t, jsonHandler(200, `{}`))
	res := hs.do("GET", "/v1/models", "", "Anthropic-Version", "2023-06-01")
	var list struct {
		Data    []map[string]any `json:"data"`
		HasMore *bool            `json:"has_more"`
		FirstID *string          `json:"first_id"`
		LastID  *string          `json:"last_id"`
		Object  *string          `json:"object"`
	}
	if err := json.Unmarshal(res.Body, &list); err != nil || res.Status != 200 {
		t.Fatalf("status %d %v: %s", res.Status, err, res.Body)
	}
	if len(list.Data) != 2 || list.HasMore == nil || *list.HasMore || list.FirstID == nil || *list.FirstID != "cc" || list.LastID == nil || *list.LastID != "gpt" || list.Object != nil {
		t.Errorf("list %s", res.Body)
	}
	for _, m := range list.Data {
		if m["type"] != "model" || m["display_name"] == nil || m["created_at"] == nil || len(m) != 4 {
			t.Errorf("model %v: want exactly type, id, display_name, created_at", m)
		}
	}
	if res := hs.do("GET", "/v1/models/cc", "", "Anthropic-Version", "2023-06-01"); res.Status != 200 || decodeJSON(t, res.Body)["type"] != "model" {
		t.Errorf("retrieve: %d %s", res.Status, res.Body)
	}
	res = hs.do("GET", "/v1/models/nope", "", "Anthropic-Version", "2023-06-01")
	if m := decodeJSON(t, res.Body); res.Status != 404 || m["type"] != "error" || m["error"].(map[string]any)["type"] != "not_found_error" {
		t.Errorf("missing model: %d %s", res.Status, res.Body)
	}
	if res := hs.do("GET", "/v1/models", ""); decodeJSON(t, res.Body)["object"] != "list" {
		t.Errorf("without anthropic-version the OpenAI shape stays: %s", res.Body)
	}
}

// TestTranslatedClientCredentials: a provider without a key of its own
// gets the client's key in its own dialect's auth header; the local access
// key is never sent.
func TestTranslatedClientCredentials(t *testing.T) {
	f := newFake(t, byDialect(jsonHandler(200, oaChatJSON), jsonHandler(200, anMsgJSON)))
	hs := newHarness(t, Settings{ProxyKeys: []string{"local-key"}},
		translating("oa", model.TypeOpenAI, f.URL+"/v1", "cc", "gpt-up"),
		translating("an", model.TypeAnthropic, f.URL, "gpt", "claude-up"))
	if res := hs.do("POST", "/v1/messages", anReq, "Authorization", "Bearer local-key", "X-Api-Key", "sk-ollama"); res.Status != 200 {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	if up := f.last(t); up.Header.Get("Authorization") != "Bearer sk-ollama" || up.Header.Get("X-Api-Key") != "" {
		t.Errorf("openai provider got Authorization %q x-api-key %q", up.Header.Get("Authorization"), up.Header.Get("X-Api-Key"))
	}
	if res := hs.do("POST", "/v1/chat/completions", oaReq, "Authorization", "Bearer sk-ant-client", "X-Api-Key", "local-key"); res.Status != 200 {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	if up := f.last(t); up.Header.Get("X-Api-Key") != "sk-ant-client" || up.Header.Get("Authorization") != "" {
		t.Errorf("anthropic provider got x-api-key %q Authorization %q", up.Header.Get("X-Api-Key"), up.Header.Get("Authorization"))
	}
}
