package health

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
)

// fakeLLM is a local server that behaves like a provider: per upstream
// model it can answer, fail, hang, or insist on different parameters.
type fakeLLM struct {
	t        *testing.T
	srv      *httptest.Server
	latency  time.Duration
	inFlight atomic.Int32
	peak     atomic.Int32
	mu       sync.Mutex
	bodies   []map[string]any
	headers  []http.Header
	paths    []string
}

func newFakeLLM(t *testing.T, latency time.Duration) *fakeLLM {
	f := &fakeLLM{t: t, latency: latency}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLLM) serve(w http.ResponseWriter, r *http.Request) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.headers = append(f.headers, r.Header.Clone())
	f.paths = append(f.paths, r.URL.Path)
	f.mu.Unlock()
	model, _ := body["model"].(string)

	switch model {
	case "hang":
		<-r.Context().Done()
		return
	case "rate-limited":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(429)
		_, _ = io.WriteString(w, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`)
		return
	case "broken":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		_, _ = io.WriteString(w, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`)
		return
	case "reasoner":
		if _, ok := body["max_tokens"]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}`)
			return
		}
	case "min16":
		if v, _ := body["max_tokens"].(float64); v < 16 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":{"message":"max_tokens must be at least 16","type":"invalid_request_error"}}`)
			return
		}
	}
	time.Sleep(f.latency)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"p"},"finish_reason":"length"}]}`)
}

func provider(typ model.ProviderType, base string) *model.Provider {
	return &model.Provider{ID: 1, Key: "fake", Type: typ, BaseURL: base, APIKey: "sk-test-key", Enabled: true,
		Headers: map[string]string{"X-Custom": "yes"}}
}

func TestConcurrencyIsBounded(t *testing.T) {
	const latency = 150 * time.Millisecond
	f := newFakeLLM(t, latency)
	var targets []Target
	for i := 0; i < 12; i++ {
		targets = append(targets, Target{Model: "m", Upstream: "ok"})
	}
	var finished atomic.Int32
	start := time.Now()
	res := Run(context.Background(), proxy.NewUpstream(proxy.UpstreamConfig{}), provider(model.TypeOpenAI, f.srv.URL+"/v1"),
		targets, Options{MaxConcurrent: 3, Timeout: 5 * time.Second}, func(model.ModelResult) { finished.Add(1) })
	took := time.Since(start)
	if got := f.peak.Load(); got != 3 {
		t.Errorf("peak in-flight probes = %d, want exactly 3", got)
	}
	// 12 probes, 3 at a time: 4 rounds. Fewer would break the bound; many
	// more would mean the probes ran one by one.
	if took < 4*latency || took > 8*latency {
		t.Errorf("12 probes at 3 concurrent took %s, want about 4 × %s", took, latency)
	}
	if finished.Load() != 12 || len(res) != 12 {
		t.Fatalf("callbacks %d, results %d", finished.Load(), len(res))
	}
	for _, r := range res {
		if r.Status != model.HealthHealthy || r.StatusCode == nil || *r.StatusCode != 200 || r.ResponseTimeMs < latency.Milliseconds() {
			t.Errorf("result %+v", r)
		}
	}
}

func TestProbeOutcomes(t *testing.T) {
	f := newFakeLLM(t, 0)
	up := proxy.NewUpstream(proxy.UpstreamConfig{})
	p := provider(model.TypeOpenAI, f.srv.URL+"/v1")
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "http://" + dead.Addr().String() + "/v1"
	dead.Close() // nothing listens there now: connection refused

	for _, tc := range []struct {
		name, upstream string
		base           string
		status         string
		code           int // 0 = no response
		errType        string
		msg            string
		note           string
	}{
		{"healthy", "ok", "", model.HealthHealthy, 200, "", "", ""},
		{"429 keeps the provider's message", "rate-limited", "", model.HealthUnhealthy, 429, model.CheckErrUpstream, "Rate limit reached for requests", ""},
		{"500 anthropic-shaped body", "broken", "", model.HealthUnhealthy, 500, model.CheckErrUpstream, "Internal server error", ""},
		{"refused", "ok", deadURL, model.HealthUnhealthy, 0, model.CheckErrConnect, "could not reach", ""},
		{"reasoning model adapts", "reasoner", "", model.HealthHealthy, 200, "", "", "max_completion_tokens"},
		{"minimum tokens adapts", "min16", "", model.HealthHealthy, 200, "", "", "16 output tokens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pp := *p
			if tc.base != "" {
				pp.BaseURL = tc.base
			}
			r := Probe(context.Background(), up, &pp, Target{Model: "alias", Upstream: tc.upstream}, 5*time.Second)
			if r.Status != tc.status || r.Model != "alias" || r.UpstreamModel != tc.upstream {
				t.Fatalf("result %+v", r)
			}
			if tc.code == 0 && r.StatusCode != nil || tc.code != 0 && (r.StatusCode == nil || *r.StatusCode != tc.code) {
				t.Errorf("status_code %v, want %d", r.StatusCode, tc.code)
			}
			if tc.errType == "" && r.Error != nil {
				t.Errorf("unexpected error %+v", r.Error)
			}
			if tc.errType != "" && (r.Error == nil || r.Error.Type != tc.errType || !strings.Contains(r.Error.Message, tc.msg)) {
				t.Errorf("error %+v, want %s containing %q", r.Error, tc.errType, tc.msg)
			}
			if !strings.Contains(r.Note, tc.note) || (tc.note == "" && r.Note != "") {
				t.Errorf("note %q, want %q", r.Note, tc.note)
			}
		})
	}
}

func TestTimeoutLeavesOthersAlone(t *testing.T) {
	f := newFakeLLM(t, 20*time.Millisecond)
	const timeout = 300 * time.Millisecond
	start := time.Now()
	res := Run(context.Background(), proxy.NewUpstream(proxy.UpstreamConfig{}), provider(model.TypeOpenAI, f.srv.URL+"/v1"),
		[]Target{{"a", "ok"}, {"h", "hang"}, {"b", "ok"}, {"c", "ok"}}, Options{MaxConcurrent: 2, Timeout: timeout}, nil)
	took := time.Since(start)
	if h := res[1]; h.Status != model.HealthUnhealthy || h.Error == nil || h.Error.Type != model.CheckErrTimeout ||
		h.StatusCode != nil || h.ResponseTimeMs < timeout.Milliseconds() || h.ResponseTimeMs > (timeout+time.Second).Milliseconds() {
		t.Errorf("hanging model: %+v %+v", h, h.Error)
	}
	for _, i := range []int{0, 2, 3} {
		if res[i].Status != model.HealthHealthy {
			t.Errorf("model %s: %+v", res[i].Model, res[i])
		}
	}
	if took > timeout+2*time.Second {
		t.Errorf("run took %s with a %s timeout", took, timeout)
	}
}

func TestProbeRequestShape(t *testing.T) {
	f := newFakeLLM(t, 0)
	up := proxy.NewUpstream(proxy.UpstreamConfig{})
	Probe(context.Background(), up, provider(model.TypeOpenAI, f.srv.URL+"/v1"), Target{"x", "ok"}, time.Second)
	Probe(context.Background(), up, provider(model.TypeAnthropic, f.srv.URL), Target{"y", "ok"}, time.Second)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.paths[0] != "/v1/chat/completions" || f.paths[1] != "/v1/messages" {
		t.Errorf("paths %v", f.paths)
	}
	for i, b := range f.bodies {
		if b["model"] != "ok" || b["max_tokens"] != float64(1) {
			t.Errorf("body %d: %v", i, b)
		}
		msgs, _ := b["messages"].([]any)
		if len(msgs) != 1 {
			t.Errorf("body %d: want one short user message: %v", i, b)
		}
	}
	// Same credentials and headers as proxied traffic.
	if got := f.headers[0].Get("Authorization"); got != "Bearer sk-test-key" {
		t.Errorf("openai auth %q", got)
	}
	if got := f.headers[1].Get("X-Api-Key"); got != "sk-test-key" || f.headers[1].Get("Anthropic-Version") == "" {
		t.Errorf("anthropic headers %v", f.headers[1])
	}
	if f.headers[0].Get("X-Custom") != "yes" {
		t.Error("custom header missing")
	}
}

// panicky is an Upstream whose call panics, standing in for a bug.
type panicky struct{}

func (panicky) Do(context.Context, *model.Provider, string, string, []byte) (*http.Response, error) {
	panic("boom")
}

func TestPanicBecomesThatModelsError(t *testing.T) {
	res := Run(context.Background(), panicky{}, provider(model.TypeOpenAI, "http://127.0.0.1:1/v1"),
		[]Target{{"a", "a"}, {"b", "b"}}, Options{MaxConcurrent: 2, Timeout: time.Second}, nil)
	for _, r := range res {
		if r.Status != model.HealthUnhealthy || r.Error == nil || r.Error.Type != model.CheckErrInternal || !strings.Contains(r.Error.Message, "boom") {
			t.Errorf("%+v", r)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		body, want string
	}{
		{`{"error":{"message":"OpenAI says no"}}`, "OpenAI says no"},
		{`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "Overloaded"},
		{`{"error":"plain string"}`, "plain string"},
		{`{"message":"top-level"}`, "top-level"},
		{`{"detail":"fastapi style"}`, "fastapi style"},
		{`<html>Bad Gateway</html>`, "HTTP 502: <html>Bad Gateway</html>"},
		{``, "HTTP 502 Bad Gateway with an empty body"},
	} {
		if got := errorMessage(502, []byte(tc.body)); got != tc.want {
			t.Errorf("errorMessage(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// TestCheckErrTypeMapsProxyTypes: each of proxy.Classify's error types
// maps to one probe error type, directly.
func TestCheckErrTypeMapsProxyTypes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{proxy.ErrTypeClientClosed, model.CheckErrCanceled},
		{proxy.ErrTypeTimeout, model.CheckErrTimeout},
		{proxy.ErrTypeIdle, model.CheckErrTimeout},
		{proxy.ErrTypeConnect, model.CheckErrConnect},
		{proxy.ErrTypeStream, model.CheckErrConnect},
	} {
		if got := checkErrType(tc.in); got != tc.want {
			t.Errorf("checkErrType(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
