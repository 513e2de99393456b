package service

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// recorder is a Publisher that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []model.Event
}

func (r *recorder) Publish(ev model.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) ofType(typ string) []model.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []model.Event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// fakeProvider answers chat completions: model "bad" gets a 503 with a
// message, "slow" takes delay, anything else a 200. It counts calls and
// the most concurrent ones.
type fakeProvider struct {
	srv     *httptest.Server
	calls   atomic.Int32
	now     atomic.Int32
	peak    atomic.Int32
	delay   time.Duration
	slowFor string
}

func newFakeProvider(t *testing.T) *fakeProvider {
	f := &fakeProvider{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		n := f.now.Add(1)
		defer f.now.Add(-1)
		if n > f.peak.Load() {
			f.peak.Store(n)
		}
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.Contains(string(b), `"bad"`):
			w.WriteHeader(503)
			_, _ = io.WriteString(w, `{"error":{"message":"model bad is overloaded","type":"server_error"}}`)
		default:
			if f.delay > 0 {
				time.Sleep(f.delay)
			}
			_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","choices":[]}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func startService(t *testing.T, dir string, cfg Config) *Service {
	t.Helper()
	cfg.DataDir = dir
	s := New(cfg)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func addProvider(t *testing.T, s *Service, key, base string, enabled bool, interval int, models ...string) model.Provider {
	t.Helper()
	var ms []model.ModelMapping
	for _, m := range models {
		ms = append(ms, model.ModelMapping{Alias: key + "-" + m, Upstream: m})
	}
	typ := model.TypeOpenAI
	in := model.ProviderInput{Key: ptr(key), Type: &typ, BaseURL: ptr(base), Enabled: &enabled, Models: &ms, HealthCheckIntervalSecs: &interval}
	p, err := s.CreateProvider(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAggregate(t *testing.T) {
	h := model.ModelResult{Status: model.HealthHealthy, ResponseTimeMs: 100}
	u := model.ModelResult{Status: model.HealthUnhealthy, ResponseTimeMs: 300}
	for _, tc := range []struct {
		name    string
		models  []model.ModelResult
		enabled bool
		want    string
		avg     int64
	}{
		{"all healthy", []model.ModelResult{h, h}, true, model.HealthHealthy, 100},
		{"some", []model.ModelResult{h, u}, true, model.HealthDegraded, 200},
		{"none", []model.ModelResult{u, u}, true, model.HealthUnhealthy, 300},
		{"no models", nil, true, model.HealthUnknown, 0},
		{"disabled", nil, false, model.HealthDisabled, 0},
	} {
		r := model.CheckResult{Models: tc.models}
		aggregate(&r, tc.enabled)
		if r.Status != tc.want || r.AvgResponseTimeMs != tc.avg || r.Summary.TotalModels != len(tc.models) {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
}

func TestCheckProvider(t *testing.T) {
	f := newFakeProvider(t)
	rec := &recorder{}
	s := startService(t, t.TempDir(), Config{Events: rec})
	p := addProvider(t, s, "fake", f.srv.URL+"/v1", true, 0, "good", "bad")
	ctx := context.Background()

	r, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != model.HealthDegraded || len(r.Models) != 2 || r.Summary.HealthyModels != 1 || r.Trigger != model.TriggerAPI {
		t.Fatalf("result %+v", r)
	}
	bad := r.Models[1]
	if bad.Model != "fake-bad" || bad.UpstreamModel != "bad" || *bad.StatusCode != 503 ||
		bad.Error.Type != model.CheckErrUpstream || bad.Error.Message != "model bad is overloaded" {
		t.Errorf("bad model %+v %+v", bad, bad.Error)
	}
	if got := len(rec.ofType(model.EventHealthModel)); got != 2 {
		t.Errorf("%d health.model events, want 2", got)
	}
	fin := rec.ofType(model.EventHealthFinished)
	if len(fin) != 1 || fin[0].Data.(model.CheckResult).CheckID != r.CheckID {
		t.Errorf("health.finished events %+v", fin)
	}

	// Raw upstream names and aliases can be asked for.
	r, err = s.CheckProvider(ctx, p.ID, model.CheckOptions{Models: []string{"fake-good", "some-raw-model"}}, model.TriggerAPI)
	if err != nil || len(r.Models) != 2 || r.Models[0].UpstreamModel != "good" || r.Models[1].UpstreamModel != "some-raw-model" {
		t.Fatalf("named models: %+v %v", r, err)
	}

	hist, err := s.HealthHistory(ctx, p.ID, 0, "")
	if err != nil || len(hist) != 2 || hist[0].CheckID != r.CheckID {
		t.Fatalf("history newest first: %v %v", hist, err)
	}
	page, err := s.HealthHistory(ctx, p.ID, 1, hist[0].CheckID)
	if err != nil || len(page) != 1 || page[0].CheckID != hist[1].CheckID {
		t.Errorf("paging with before: %v %v", page, err)
	}
}

func TestCheckDisabledProviderCallsNothing(t *testing.T) {
	f := newFakeProvider(t)
	s := startService(t, t.TempDir(), Config{})
	p := addProvider(t, s, "off", f.srv.URL+"/v1", false, 0, "good")
	r, err := s.CheckProvider(context.Background(), p.ID, model.CheckOptions{}, model.TriggerAPI)
	if err != nil || r.Status != model.HealthDisabled || len(r.Models) != 0 {
		t.Fatalf("%+v %v", r, err)
	}
	if f.calls.Load() != 0 {
		t.Errorf("a disabled provider was called %d times", f.calls.Load())
	}
	p2 := addProvider(t, s, "empty", f.srv.URL+"/v1", true, 0)
	if r, _ := s.CheckProvider(context.Background(), p2.ID, model.CheckOptions{}, model.TriggerAPI); r.Status != model.HealthUnknown {
		t.Errorf("no models: %s", r.Status)
	}
}

func TestCheckValidation(t *testing.T) {
	s := startService(t, t.TempDir(), Config{})
	p := addProvider(t, s, "v", "http://127.0.0.1:9/v1", true, 0, "m")
	ctx := context.Background()
	for _, tc := range []struct {
		opts  model.CheckOptions
		field string
	}{
		{model.CheckOptions{MaxConcurrent: ptr(11)}, "max_concurrent"},
		{model.CheckOptions{MaxConcurrent: ptr(-1)}, "max_concurrent"},
		{model.CheckOptions{MaxConcurrent: ptr(0)}, "max_concurrent"}, // explicit 0 is out of range, not "default"
		{model.CheckOptions{TimeoutSecs: ptr(0)}, "timeout_secs"},
		{model.CheckOptions{TimeoutSecs: ptr(121)}, "timeout_secs"},
		{model.CheckOptions{TimeoutSecs: ptr(-5)}, "timeout_secs"},
		{model.CheckOptions{Models: []string{""}}, "models[0]"},
		{model.CheckOptions{Models: []string{"ok", "has space"}}, "models[1]"},
	} {
		_, err := s.CheckProvider(ctx, p.ID, tc.opts, model.TriggerAPI)
		var ve *model.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%+v: err %v, want a validation error on %s", tc.opts, err, tc.field)
		}
		_, err = s.CheckAll(ctx, nil, tc.opts, model.TriggerAPI)
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("CheckAll %+v: err %v, want a validation error on %s", tc.opts, err, tc.field)
		}
	}
	if _, err := s.CheckProvider(ctx, 999, model.CheckOptions{}, model.TriggerAPI); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown provider: %v", err)
	}
	if _, err := s.CheckAll(ctx, []int64{p.ID, 999}, model.CheckOptions{}, model.TriggerAPI); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown provider in CheckAll: %v", err)
	}
	for _, w := range []string{"0s", "30s", "721h", "yesterday"} {
		var ve *model.ValidationError
		if _, err := s.HealthSummary(ctx, p.ID, w); !errors.As(err, &ve) || ve.Field != "window" {
			t.Errorf("window %q: %v", w, err)
		}
	}
	for _, l := range []int{-1, 501} {
		var ve *model.ValidationError
		if _, err := s.HealthHistory(ctx, p.ID, l, ""); !errors.As(err, &ve) || ve.Field != "limit" {
			t.Errorf("limit %d: %v", l, err)
		}
	}
}

func TestHistorySurvivesRestartAndSummary(t *testing.T) {
	f := newFakeProvider(t)
	dir := t.TempDir()
	ctx := context.Background()
	s := startService(t, dir, Config{})
	p := addProvider(t, s, "keep", f.srv.URL+"/v1", true, 0, "good", "bad")
	for i := 0; i < 3; i++ {
		if _, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s2 := startService(t, dir, Config{})
	hist, err := s2.HealthHistory(ctx, p.ID, 10, "")
	if err != nil || len(hist) != 3 {
		t.Fatalf("history after restart: %d %v", len(hist), err)
	}
	sum, err := s2.HealthSummary(ctx, p.ID, "1h")
	if err != nil || len(sum.Models) != 2 {
		t.Fatalf("summary: %+v %v", sum, err)
	}
	for _, m := range sum.Models {
		want := map[string]float64{"keep-good": 100, "keep-bad": 0}[m.Model]
		if m.Checks != 3 || m.UptimePercent != want || len(m.Series) != 3 || m.P95Ms < m.P50Ms {
			t.Errorf("model summary %+v", m)
		}
	}
	// Deleting the provider takes its history with it.
	if err := s2.DeleteProvider(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	last, err := s2.LastChecks(ctx)
	if err != nil || len(last) != 0 {
		t.Errorf("history of a deleted provider: %v %v", last, err)
	}
}

func TestPercentile(t *testing.T) {
	vs := []int64{50, 10, 40, 20, 30}
	if percentile(vs, 50) != 30 || percentile(vs, 95) != 50 || percentile(nil, 50) != 0 || percentile([]int64{7}, 95) != 7 {
		t.Errorf("percentiles wrong")
	}
}

// TestSchedulerRunsAndNeverOverlaps: with one "second" shortened to 10 ms,
// a provider on a 30 s interval is checked every ~300 ms; probes that take
// longer than the interval never make two checks of it run at once.
func TestSchedulerRunsAndNeverOverlaps(t *testing.T) {
	f := newFakeProvider(t)
	f.delay = 450 * time.Millisecond // longer than the interval
	rec := &recorder{}
	s := startService(t, t.TempDir(), Config{Events: rec, ScheduleUnit: 10 * time.Millisecond})
	addProvider(t, s, "sched", f.srv.URL+"/v1", true, 30, "good")
	addProvider(t, s, "manual", f.srv.URL+"/v1", true, 0, "good")

	deadline := time.Now().Add(5 * time.Second)
	for len(rec.ofType(model.EventHealthFinished)) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	fin := rec.ofType(model.EventHealthFinished)
	if len(fin) < 3 {
		t.Fatalf("%d scheduled checks in 5s, want ≥ 3", len(fin))
	}
	for _, e := range fin {
		r := e.Data.(model.CheckResult)
		if r.ProviderKey != "sched" || r.Trigger != model.TriggerSchedule || r.Status != model.HealthHealthy {
			t.Errorf("scheduled check %+v", r)
		}
	}
	if p := f.peak.Load(); p != 1 {
		t.Errorf("%d probes of the one scheduled model ran at once; checks overlapped", p)
	}
	// Close stops the scheduler: nothing runs after it.
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := f.calls.Load()
	time.Sleep(400 * time.Millisecond)
	if f.calls.Load() != n {
		t.Error("the scheduler kept calling after Close")
	}
}

// TestSchedulerCountsFromLastCheck: a schedule fires one interval after
// the provider's last check, whatever started it, also across a restart;
// never at once just because the schedule was switched on.
func TestSchedulerCountsFromLastCheck(t *testing.T) {
	f := newFakeProvider(t)
	dir := t.TempDir()
	ctx := context.Background()
	const unit = 10 * time.Millisecond
	const interval = 100 * unit // "100 s" = 1 s
	rec := &recorder{}
	s := startService(t, dir, Config{Events: rec, ScheduleUnit: unit})
	p := addProvider(t, s, "later", f.srv.URL+"/v1", true, 0, "good")
	manual, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PatchProvider(ctx, p.ID, model.ProviderInput{HealthCheckIntervalSecs: ptr(100)}); err != nil {
		t.Fatal(err)
	}
	firstScheduled := func(rec *recorder, within time.Duration) model.CheckResult {
		t.Helper()
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			for _, e := range rec.ofType(model.EventHealthFinished) {
				if r := e.Data.(model.CheckResult); r.Trigger == model.TriggerSchedule {
					return r
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("no scheduled check within %s", within)
		return model.CheckResult{}
	}
	r := firstScheduled(rec, 5*time.Second)
	if gap := r.CheckedAt.Sub(manual.CheckedAt); gap < interval*9/10 {
		t.Errorf("first scheduled check came %s after the manual one; want ≥ 0.9 × %s", gap, interval)
	}

	// After a restart the interval still counts from the stored history.
	last := r.CheckedAt
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rec2 := &recorder{}
	startService(t, dir, Config{Events: rec2, ScheduleUnit: unit})
	r2 := firstScheduled(rec2, 5*time.Second)
	if gap := r2.CheckedAt.Sub(last); gap < interval*9/10 {
		t.Errorf("after a restart the next scheduled check came %s after the last one; want ≥ 0.9 × %s", gap, interval)
	}
}
