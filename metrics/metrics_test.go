package metrics

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"github.com/sluicegate/sluicegate/model"
)

func ptr(s string) *string { return &s }

func finished(e model.LogEntry) model.Event {
	return model.Event{Type: model.EventRequestFinished, TS: time.Now(), Data: e}
}

// scrape GETs the handler over real loopback HTTP and parses the text
// exposition format.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := scrapeErr(m)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// scrapeErr is scrape for goroutines other than the test's, which must
// not call t.Fatal.
func scrapeErr(m *Metrics) (map[string]*dto.MetricFamily, error) {
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	// Ask for the plain text format, as curl and Prometheus' fallback do.
	req.Header.Set("Accept", "text/plain")
	resp, err := srv.Client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		return nil, fmt.Errorf("GET /metrics: Content-Type = %q, want text/plain", ct)
	}
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse /metrics: %w", err)
	}
	return fams, nil
}

// series flattens a family into "k=v,k=v" (sorted) → metric.
func series(t *testing.T, fams map[string]*dto.MetricFamily, name string) map[string]*dto.Metric {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("metric %s missing from /metrics", name)
	}
	out := map[string]*dto.Metric{}
	for _, m := range f.GetMetric() {
		var kv []string
		for _, l := range m.GetLabel() {
			kv = append(kv, l.GetName()+"="+l.GetValue())
		}
		sort.Strings(kv)
		out[strings.Join(kv, ",")] = m
	}
	return out
}

func counterValues(t *testing.T, fams map[string]*dto.MetricFamily, name string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for k, m := range series(t, fams, name) {
		out[k] = m.GetCounter().GetValue()
	}
	return out
}

func equalMaps(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s{%s} = %v (present %v), want %v", what, k, g, ok, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s{%s} = %v, unexpected series", what, k, g)
		}
	}
}

func TestRequestAndHealthMetrics(t *testing.T) {
	m := New()
	events := []model.Event{
		// Two plain successes and one stream on openai.
		finished(model.LogEntry{ProviderKey: "openai", Model: "gpt-4o", Status: 200, LatencyMs: 120, TTFBMs: 100}),
		finished(model.LogEntry{ProviderKey: "openai", Model: "gpt-4o", Status: 200, LatencyMs: 3000, TTFBMs: 40}),
		finished(model.LogEntry{ProviderKey: "openai", Model: "gpt-4o", Stream: true, Status: 200, LatencyMs: 45000, TTFBMs: 700}),
		// Upstream rate limit: the upstream answered, so TTFB counts.
		finished(model.LogEntry{ProviderKey: "anthropic", Model: "claude", Status: 429, ErrorSource: ptr(model.ErrorSourceUpstream), LatencyMs: 50, TTFBMs: 45}),
		// Proxy failure (connect refused): no upstream byte, no TTFB.
		finished(model.LogEntry{ProviderKey: "anthropic", Model: "claude", Status: 502, ErrorSource: ptr(model.ErrorSourceProxy), LatencyMs: 8}),
		// Client left before the first byte: no TTFB.
		finished(model.LogEntry{ProviderKey: "anthropic", Model: "claude", Stream: true, Status: model.StatusClientClosed, LatencyMs: 900}),
		// Client left mid-stream: the first byte had arrived.
		finished(model.LogEntry{ProviderKey: "anthropic", Model: "claude", Stream: true, Status: model.StatusClientClosed, LatencyMs: 2000, TTFBMs: 300}),
		// No provider matched the model.
		finished(model.LogEntry{Model: "nope", Status: 404, ErrorSource: ptr(model.ErrorSourceProxy), LatencyMs: 1}),
		// Pointer data is counted too.
		{Type: model.EventRequestFinished, Data: &model.LogEntry{ProviderKey: "openai", Status: 301, LatencyMs: 10, TTFBMs: 10}},
		// Ignored: other event types, wrong data types.
		{Type: model.EventRequestStarted, Data: model.RequestStarted{ProviderKey: "openai", Model: "gpt-4o"}},
		{Type: model.EventRequestFinished, Data: "garbage"},
		{Type: model.EventRequestFinished, Data: (*model.LogEntry)(nil)},
		{Type: model.EventHealthFinished, Data: model.CheckResult{ProviderKey: "openai", Status: model.HealthHealthy}},
		{Type: model.EventHealthFinished, Data: model.CheckResult{ProviderKey: "openai", Status: model.HealthHealthy}},
		{Type: model.EventHealthFinished, Data: &model.CheckResult{ProviderKey: "anthropic", Status: model.HealthUnhealthy}},
		{Type: model.EventHealthFinished, Data: model.CheckResult{ProviderKey: "anthropic", Status: "weird"}},
		{Type: model.EventHealthModel, Data: model.HealthModelEvent{}},
	}
	for _, ev := range events {
		m.Publish(ev)
	}
	fams := scrape(t, m)

	equalMaps(t, "sluicegate_requests_total", counterValues(t, fams, "sluicegate_requests_total"), map[string]float64{
		"error_source=none,model=gpt-4o,provider=openai,status_class=2xx":        3,
		"error_source=none,model=none,provider=openai,status_class=3xx":          1,
		"error_source=upstream,model=claude,provider=anthropic,status_class=4xx": 1,
		"error_source=proxy,model=claude,provider=anthropic,status_class=5xx":    1,
		"error_source=none,model=claude,provider=anthropic,status_class=499":     2,
		"error_source=proxy,model=nope,provider=none,status_class=4xx":           1,
	})
	equalMaps(t, "sluicegate_health_checks_total", counterValues(t, fams, "sluicegate_health_checks_total"), map[string]float64{
		"provider=openai,status=healthy":      2,
		"provider=anthropic,status=unhealthy": 1,
		"provider=anthropic,status=other":     1,
	})

	type hist struct {
		count uint64
		sum   float64
		// le → cumulative count, for the buckets checked.
		buckets map[float64]uint64
	}
	checkHist := func(name string, want map[string]hist) {
		t.Helper()
		got := series(t, fams, name)
		if len(got) != len(want) {
			t.Errorf("%s: %d series %v, want %d", name, len(got), keys(got), len(want))
		}
		for k, w := range want {
			mm, ok := got[k]
			if !ok {
				t.Errorf("%s{%s} missing", name, k)
				continue
			}
			h := mm.GetHistogram()
			if h.GetSampleCount() != w.count {
				t.Errorf("%s{%s} count = %d, want %d", name, k, h.GetSampleCount(), w.count)
			}
			if math.Abs(h.GetSampleSum()-w.sum) > 1e-9 {
				t.Errorf("%s{%s} sum = %v, want %v", name, k, h.GetSampleSum(), w.sum)
			}
			bs := map[float64]uint64{}
			for _, b := range h.GetBucket() {
				bs[b.GetUpperBound()] = b.GetCumulativeCount()
			}
			for le, c := range w.buckets {
				if bs[le] != c {
					t.Errorf("%s{%s} bucket le=%v = %d, want %d", name, k, le, bs[le], c)
				}
			}
		}
	}
	checkHist("sluicegate_request_duration_seconds", map[string]hist{
		"provider=openai":    {count: 4, sum: 0.12 + 3 + 45 + 0.01, buckets: map[float64]uint64{0.005: 0, 0.01: 1, 0.25: 2, 5: 3, 60: 4, 600: 4}},
		"provider=anthropic": {count: 4, sum: 0.05 + 0.008 + 0.9 + 2, buckets: map[float64]uint64{0.01: 1, 0.05: 2, 1: 3, 2.5: 4}},
		"provider=none":      {count: 1, sum: 0.001, buckets: map[float64]uint64{0.005: 1}},
	})
	checkHist("sluicegate_request_ttfb_seconds", map[string]hist{
		"provider=openai":    {count: 4, sum: 0.1 + 0.04 + 0.7 + 0.01, buckets: map[float64]uint64{0.01: 1, 0.05: 2, 0.1: 3, 1: 4}},
		"provider=anthropic": {count: 2, sum: 0.045 + 0.3, buckets: map[float64]uint64{0.05: 1, 0.5: 2}},
	})

	// The Go and process collectors are registered on the own registry.
	for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("%s missing: Go/process collectors not registered", name)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestModelCardinalityCap(t *testing.T) {
	const limit = 5
	m := newMetrics(limit)
	// Twice as many names as the cap, each sent twice: the first `limit`
	// names keep their label, all later ones pile onto "other".
	for round := 0; round < 2; round++ {
		for i := 0; i < 2*limit; i++ {
			m.Publish(finished(model.LogEntry{ProviderKey: "p", Model: fmt.Sprintf("m%d", i), Status: 200}))
		}
	}
	// Known-first names still keep their label after the cap is hit.
	m.Publish(finished(model.LogEntry{ProviderKey: "p", Model: "m0", Status: 200}))
	// Invalid UTF-8 (Prometheus would panic on it) and absurdly long names
	// never become label values.
	m.Publish(finished(model.LogEntry{ProviderKey: "p", Model: "bad\xff", Status: 200}))
	m.Publish(finished(model.LogEntry{ProviderKey: "p", Model: strings.Repeat("x", maxModelLen+1), Status: 200}))

	want := map[string]float64{"error_source=none,model=other,provider=p,status_class=2xx": 2*limit + 2}
	for i := 0; i < limit; i++ {
		want[fmt.Sprintf("error_source=none,model=m%d,provider=p,status_class=2xx", i)] = 2
	}
	want["error_source=none,model=m0,provider=p,status_class=2xx"] = 3
	equalMaps(t, "sluicegate_requests_total", counterValues(t, scrape(t, m), "sluicegate_requests_total"), want)

	if New().maxModels != DefaultMaxModels {
		t.Errorf("New() cap = %d, want %d", New().maxModels, DefaultMaxModels)
	}
}

func TestModelLabelInvalidBeforeCap(t *testing.T) {
	// A rejected name must not use up a slot of the cap.
	m := newMetrics(1)
	m.Publish(finished(model.LogEntry{ProviderKey: "p", Model: "bad\xff", Status: 200}))
	m.Publish(finished(model.LogEntry{ProviderKey: "p", Model: "good", Status: 200}))
	equalMaps(t, "sluicegate_requests_total", counterValues(t, scrape(t, m), "sluicegate_requests_total"), map[string]float64{
		"error_source=none,model=other,provider=p,status_class=2xx": 1,
		"error_source=none,model=good,provider=p,status_class=2xx":  1,
	})
}

func TestStatusClass(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{200, "2xx"}, {204, "2xx"}, {299, "2xx"},
		{301, "3xx"}, {304, "3xx"},
		{400, "4xx"}, {429, "4xx"}, {498, "4xx"},
		{499, "499"},
		{500, "5xx"}, {502, "5xx"}, {504, "5xx"}, {599, "5xx"},
		{0, "other"}, {101, "other"}, {600, "other"},
	}
	for _, tt := range tests {
		if got := statusClass(tt.status); got != tt.want {
			t.Errorf("statusClass(%d) = %q, want %q", tt.status, got, tt.want)
		}
	}
}

func TestErrorSourceLabel(t *testing.T) {
	tests := []struct {
		src  *string
		want string
	}{
		{nil, "none"},
		{ptr(""), "none"},
		{ptr("upstream"), "upstream"},
		{ptr("proxy"), "proxy"},
		{ptr("martian"), "other"},
	}
	for _, tt := range tests {
		if got := errorSourceLabel(tt.src); got != tt.want {
			t.Errorf("errorSourceLabel(%v) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestFuncMetrics(t *testing.T) {
	m := New()
	var mu sync.Mutex
	subscribers, dropped := 3.0, 7.0
	m.GaugeFunc("sluicegate_websocket_subscribers", "Open WebSocket subscribers.", func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return subscribers
	})
	m.CounterFunc("sluicegate_log_queue_dropped_total", "Request-log entries dropped.", func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return dropped
	})

	check := func(wantSubs, wantDropped float64) {
		t.Helper()
		fams := scrape(t, m)
		g := fams["sluicegate_websocket_subscribers"]
		if g == nil || g.GetType() != dto.MetricType_GAUGE || g.GetMetric()[0].GetGauge().GetValue() != wantSubs {
			t.Errorf("sluicegate_websocket_subscribers = %v, want gauge %v", g, wantSubs)
		}
		c := fams["sluicegate_log_queue_dropped_total"]
		if c == nil || c.GetType() != dto.MetricType_COUNTER || c.GetMetric()[0].GetCounter().GetValue() != wantDropped {
			t.Errorf("sluicegate_log_queue_dropped_total = %v, want counter %v", c, wantDropped)
		}
	}
	check(3, 7)
	// The functions are read at scrape time, not at registration.
	mu.Lock()
	subscribers, dropped = 1, 9
	mu.Unlock()
	check(1, 9)

	// A duplicate name is a wiring bug and panics at registration.
	defer func() {
		if recover() == nil {
			t.Error("registering a duplicate metric name did not panic")
		}
	}()
	m.GaugeFunc("sluicegate_websocket_subscribers", "again", func() float64 { return 0 })
}

func TestInstancesAreIndependent(t *testing.T) {
	// Each New has its own registry: two instances (and the same func
	// names on both) never collide, which a global registry would.
	a, b := New(), New()
	a.GaugeFunc("sluicegate_ws_events_dropped_total_gauge", "x", func() float64 { return 1 })
	b.GaugeFunc("sluicegate_ws_events_dropped_total_gauge", "x", func() float64 { return 2 })
	a.Publish(finished(model.LogEntry{ProviderKey: "p", Model: "m", Status: 200}))
	if _, ok := scrape(t, b)["sluicegate_requests_total"]; ok {
		t.Error("an event published to one instance shows in another")
	}
}

func TestConcurrentPublishAndScrape(t *testing.T) {
	m := newMetrics(50)
	const workers, perWorker = 8, 500
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				// 100 distinct names over all workers, against a cap of 50.
				m.Publish(finished(model.LogEntry{ProviderKey: "p", Model: fmt.Sprintf("m%d", (w*perWorker+i)%100), Status: 200, LatencyMs: 5, TTFBMs: 1}))
				if i%100 == 0 {
					m.Publish(model.Event{Type: model.EventHealthFinished, Data: model.CheckResult{ProviderKey: "p", Status: model.HealthHealthy}})
				}
			}
		}()
	}
	// Scrape while publishing.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 3; i++ {
			if _, err := scrapeErr(m); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	<-done

	fams := scrape(t, m)
	var total float64
	models := map[string]bool{}
	for _, mm := range fams["sluicegate_requests_total"].GetMetric() {
		total += mm.GetCounter().GetValue()
		for _, l := range mm.GetLabel() {
			if l.GetName() == "model" {
				models[l.GetValue()] = true
			}
		}
	}
	if total != workers*perWorker {
		t.Errorf("requests total = %v, want %d", total, workers*perWorker)
	}
	// 50 admitted names plus "other", never more.
	if len(models) != 51 || !models["other"] {
		t.Errorf("distinct model labels = %d (other present %v), want 51 including other", len(models), models["other"])
	}
	if got := m.nModels.Load(); got != 50 {
		t.Errorf("admitted models = %d, want 50", got)
	}
	h := series(t, fams, "sluicegate_request_duration_seconds")["provider=p"].GetHistogram()
	if h.GetSampleCount() != workers*perWorker {
		t.Errorf("duration count = %d, want %d", h.GetSampleCount(), workers*perWorker)
	}
	if got := counterValues(t, fams, "sluicegate_health_checks_total")["provider=p,status=healthy"]; got != workers*perWorker/100 {
		t.Errorf("health checks = %v, want %d", got, workers*perWorker/100)
	}
}

func BenchmarkPublish(b *testing.B) {
	m := New()
	evs := make([]model.Event, 16)
	for i := range evs {
		evs[i] = finished(model.LogEntry{ProviderKey: fmt.Sprintf("p%d", i%3), Model: fmt.Sprintf("model-%d", i), Status: 200, LatencyMs: int64(i * 37), TTFBMs: int64(i * 11)})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			m.Publish(evs[i%len(evs)])
			i++
		}
	})
}
