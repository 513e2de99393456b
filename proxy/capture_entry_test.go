package proxy

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// TestEntryCapture: with log_bodies on, the request.finished entry carries
// the request and response headers with credentials and the provider's
// custom header values redacted, and both bodies as text — an SSE stream
// as received, a gzip body decoded.
func TestEntryCapture(t *testing.T) {
	const secret = "sk-live-CAPTURE-0123456789abcdef"
	const custom = "helicone-CAPTURE-secret-value"
	gz := func() []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(`{"id":"zipped","usage":{"prompt_tokens":1}}`))
		_ = zw.Close()
		return b.Bytes()
	}()
	cases := []struct {
		name     string
		handler  http.HandlerFunc
		body     string
		wantResp string
	}{
		{"json", jsonHandler(200, `{"id":"c1","choices":[]}`, "Set-Cookie", "session=abc"), `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, `{"id":"c1","choices":[]}`},
		{"sse", sseHandler(0, "data: {\"a\":1}\n\n", "data: [DONE]\n\n"), `{"model":"m","stream":true}`, "data: {\"a\":1}\n\ndata: [DONE]\n\n"},
		{"gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz)
		}, `{"model":"m"}`, `{"id":"zipped","usage":{"prompt_tokens":1}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, c.handler)
			p := provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m-up")
			p.Headers = map[string]string{"Helicone-Auth": custom}
			hs := newHarness(t, Settings{LogBodies: true}, p)
			res := hs.do("POST", "/v1/chat/completions", c.body, "Authorization", "Bearer "+secret, "X-Trace", "carries "+custom)
			if res.Status != 200 {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			e := hs.sink.next(t)
			cp := e.Capture
			if cp == nil {
				t.Fatal("no capture")
			}
			if cp.RequestBody != c.body {
				t.Errorf("request body %q, want %q", cp.RequestBody, c.body)
			}
			if cp.ResponseBody != c.wantResp {
				t.Errorf("response body %q, want %q", cp.ResponseBody, c.wantResp)
			}
			if got := cp.RequestHeaders["Authorization"]; len(got) != 1 || got[0] != "Bearer [REDACTED]" {
				t.Errorf("Authorization captured as %q", got)
			}
			if got := cp.RequestHeaders["X-Trace"]; len(got) != 1 || got[0] != "[REDACTED]" {
				t.Errorf("a header carrying the custom header value captured as %q", got)
			}
			all := strings.Join(flatten(cp.RequestHeaders), " ") + strings.Join(flatten(cp.ResponseHeaders), " ")
			if strings.Contains(all, secret) || strings.Contains(all, custom) {
				t.Errorf("a secret reached the captured headers: %s", all)
			}
			if len(cp.ResponseHeaders["Content-Type"]) == 0 {
				t.Errorf("response headers not captured: %v", cp.ResponseHeaders)
			}
		})
	}
}

// TestEntryCaptureTruncates: bodies over 64 KiB are cut and marked.
func TestEntryCaptureTruncates(t *testing.T) {
	big := strings.Repeat("x", maxLogBody+100)
	f := newFake(t, jsonHandler(200, `{"t":"`+big+`"}`))
	hs := newHarness(t, Settings{LogBodies: true}, provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m"))
	body := `{"model":"m","p":"` + big + `"}`
	if res := hs.do("POST", "/v1/chat/completions", body); res.Status != 200 {
		t.Fatalf("status %d", res.Status)
	}
	cp := hs.sink.next(t).Capture
	if len(cp.RequestBody) != maxLogBody || !cp.RequestBodyTruncated || len(cp.ResponseBody) != maxLogBody || !cp.ResponseBodyTruncated {
		t.Errorf("capture sizes %d/%v %d/%v, want %d and truncated", len(cp.RequestBody), cp.RequestBodyTruncated, len(cp.ResponseBody), cp.ResponseBodyTruncated, maxLogBody)
	}
}

func flatten(h map[string][]string) []string {
	var out []string
	for k, vv := range h {
		out = append(out, k+": "+strings.Join(vv, ","))
	}
	return out
}
