package proxy

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// TestStreamEndThenClientLeaves: an SDK that closes the connection as soon
// as it has read the stream's end marker (openai-go does on "data:
// [DONE]") got the whole answer. Even when the upstream's end of body has
// not arrived yet, the request is a 200 with its usage, not a 499.
func TestStreamEndThenClientLeaves(t *testing.T) {
	for _, tc := range []struct {
		name, path, final string
		typ               model.ProviderType
		usage             model.Usage
		// split sends the marker's line start in its own chunk.
		split bool
	}{
		{name: "openai [DONE]", path: "/v1/chat/completions", typ: model.TypeOpenAI,
			final: "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}\n\ndata: [DONE]\n\n",
			usage: model.Usage{PromptTokens: 7, CompletionTokens: 3}},
		{name: "openai [DONE] in its own chunk", path: "/v1/chat/completions", typ: model.TypeOpenAI, split: true,
			final: "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}\n\ndata: [DONE]\n\n",
			usage: model.Usage{PromptTokens: 7, CompletionTokens: 3}},
		{name: "anthropic message_stop", path: "/v1/messages", typ: model.TypeAnthropic,
			final: "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"input_tokens\":5,\"output_tokens\":2}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
			usage: model.Usage{PromptTokens: 5, CompletionTokens: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upstreamDone := make(chan struct{})
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				defer close(upstreamDone)
				w.Header().Set("Content-Type", "text/event-stream")
				if tc.split {
					i := strings.LastIndex(tc.final, "data: [DONE]")
					_, _ = io.WriteString(w, tc.final[:i])
					w.(http.Flusher).Flush()
					time.Sleep(20 * time.Millisecond)
					_, _ = io.WriteString(w, tc.final[i:])
				} else {
					_, _ = io.WriteString(w, tc.final)
				}
				w.(http.Flusher).Flush()
				// The end of body comes only after the client has left, as
				// when it races the SDK's close.
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			})
			baseURL := f.URL
			if tc.typ == model.TypeOpenAI {
				baseURL += "/v1"
			}
			hs := newHarness(t, Settings{}, provider("up", tc.typ, baseURL, "m", "m"))
			resp, err := hs.client.Post(hs.srv.URL+tc.path, "application/json", strings.NewReader(`{"model":"m","stream":true}`))
			if err != nil {
				t.Fatal(err)
			}
			sr := &sseReader{r: resp.Body}
			for {
				ev, err := sr.next()
				if err != nil {
					t.Fatalf("stream ended before its end marker: %q %v", ev, err)
				}
				if ev == "data: [DONE]" || strings.HasPrefix(ev, "event: message_stop") {
					break
				}
			}
			resp.Body.Close() // mid-body: the connection is closed, like the SDK does
			e := hs.sink.next(t)
			if e.Status != 200 || e.ErrorSource != nil || e.ErrorType != "" || e.Usage == nil || *e.Usage != tc.usage {
				t.Errorf("log entry: status %d source %v type %q usage %+v, want 200 with usage %+v", e.Status, e.ErrorSource, e.ErrorType, e.Usage, tc.usage)
			}
			select {
			case <-upstreamDone:
			case <-time.After(3 * time.Second):
				t.Error("the upstream request was not cancelled")
			}
		})
	}
}

// TestHasStreamEnd pins the marker rule: a line start, not text inside an
// event.
func TestHasStreamEnd(t *testing.T) {
	for _, tc := range []struct {
		last byte
		p    string
		want bool
	}{
		{0, "data: [DONE]\n\n", true},
		{'\n', "data: [DONE]\n\n", true},
		{'}', "data: [DONE]\n\n", false},
		{'\n', "data: {\"x\":1}\n\ndata: [DONE]\n\n", true},
		{'\n', "event: message_stop\ndata: {}\n\n", true},
		{'\n', "data: {\"text\":\"event: message_stop data: [DONE]\"}\n\n", false},
		{'\n', "data: {\"x\":1}\n\n", false},
	} {
		if got := hasStreamEnd(tc.last, []byte(tc.p)); got != tc.want {
			t.Errorf("hasStreamEnd(%q, %q) = %v, want %v", tc.last, tc.p, got, tc.want)
		}
	}
}
