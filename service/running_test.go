package service

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// splitProvider answers upstream model "ok" at once and holds "hang"
// until the request is cancelled (the probe's timeout or a cancel).
func splitProvider(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		if body.Model == "hang" {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second): // bounds the test if it goes wrong
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"c","object":"chat.completion","choices":[]}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// poll calls cond until it holds, failing the test after 10 s.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHealthStartedRunningAndConflict: a check publishes health.started,
// shows in RunningChecks with the results so far, refuses a second check
// of the same provider with its own check_id, and, cancelled, stores
// started_at and checked_at (the end).
func TestHealthStartedRunningAndConflict(t *testing.T) {
	srv := splitProvider(t)
	rec := &recorder{}
	s := startService(t, t.TempDir(), Config{NoScheduler: true, Events: rec})
	p := addProvider(t, s, "split", srv.URL+"/v1", true, 0, "ok", "hang")
	ctx := context.Background()
	out := make(chan checkOutcome, 1)
	go func() {
		r, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
		out <- checkOutcome{r, err}
	}()
	var run model.RunningCheck
	poll(t, "the ok model's result in RunningChecks", func() bool {
		rs, err := s.RunningChecks(ctx)
		if err != nil || len(rs) != 1 || len(rs[0].Models) != 1 {
			return false
		}
		run = rs[0]
		return true
	})
	if run.ProviderID != p.ID || run.ProviderKey != "split" || run.Trigger != model.TriggerAPI || run.ModelsTotal != 2 ||
		run.StartedAt.IsZero() || run.Models[0].Model != "split-ok" || run.Models[0].Status != model.HealthHealthy {
		t.Errorf("running check %+v", run)
	}
	started := rec.ofType(model.EventHealthStarted)
	want := model.HealthStartedEvent{CheckID: run.CheckID, ProviderID: p.ID, ProviderKey: "split", Trigger: model.TriggerAPI, ModelsTotal: 2}
	if len(started) != 1 || started[0].Data != want {
		t.Errorf("health.started events %+v, want one with %+v", started, want)
	}

	_, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
	var busy *model.CheckRunningError
	if !errors.As(err, &busy) || busy.CheckID != run.CheckID {
		t.Fatalf("second check: %v, want CheckRunningError naming %s", err, run.CheckID)
	}
	if !strings.Contains(err.Error(), run.CheckID) {
		t.Errorf("message %q does not name the running check", err)
	}

	if err := s.CancelCheck(ctx, run.CheckID); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, out, "the cancelled check")
	if got.err != nil || got.r.CheckID != run.CheckID {
		t.Fatalf("check %+v %v", got.r, got.err)
	}
	if got.r.StartedAt.IsZero() || !got.r.StartedAt.Equal(run.StartedAt) || got.r.CheckedAt.Before(got.r.StartedAt) ||
		got.r.DurationMs != got.r.CheckedAt.Sub(got.r.StartedAt).Milliseconds() {
		t.Errorf("started_at %v checked_at %v duration %d", got.r.StartedAt, got.r.CheckedAt, got.r.DurationMs)
	}
	hist, err := s.HealthHistory(ctx, p.ID, 10, "")
	if err != nil || len(hist) != 1 || !hist[0].StartedAt.Equal(got.r.StartedAt) || !hist[0].CheckedAt.Equal(got.r.CheckedAt) {
		t.Fatalf("history %+v %v", hist, err)
	}
	if rs, _ := s.RunningChecks(ctx); len(rs) != 0 {
		t.Errorf("still running after the end: %+v", rs)
	}
}

// countingProviders starts n fake OpenAI providers that share one count
// of requests in flight; each request is held until release is closed.
type countingProviders struct {
	urls     []string
	inFlight atomic.Int32
	peak     atomic.Int32
	release  chan struct{}
	once     sync.Once
}

func newCountingProviders(t *testing.T, n int) *countingProviders {
	t.Helper()
	c := &countingProviders{release: make(chan struct{})}
	for range n {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			now := c.inFlight.Add(1)
			defer c.inFlight.Add(-1)
			for {
				old := c.peak.Load()
				if now <= old || c.peak.CompareAndSwap(old, now) {
					break
				}
			}
			select {
			case <-c.release:
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Second):
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"c","object":"chat.completion","choices":[]}`))
		}))
		t.Cleanup(srv.Close)
		c.urls = append(c.urls, srv.URL)
	}
	t.Cleanup(c.open)
	return c
}

func (c *countingProviders) open() { c.once.Do(func() { close(c.release) }) }

// TestCheckAllBoundsInFlight: three providers of five models each, each
// check allowed five at once, never have more than eight model calls in
// flight together; and the eight come from several providers at once.
func TestCheckAllBoundsInFlight(t *testing.T) {
	c := newCountingProviders(t, 3)
	s := startService(t, t.TempDir(), Config{NoScheduler: true})
	for i, u := range c.urls {
		addProvider(t, s, "p"+string(rune('a'+i)), u+"/v1", true, 0, "m1", "m2", "m3", "m4", "m5")
	}
	out := make(chan struct {
		r   model.CheckAllResult
		err error
	}, 1)
	go func() {
		r, err := s.CheckAll(context.Background(), nil, model.CheckOptions{MaxConcurrent: ptr(5)}, model.TriggerAPI)
		out <- struct {
			r   model.CheckAllResult
			err error
		}{r, err}
	}()
	poll(t, "eight calls in flight", func() bool { return c.inFlight.Load() >= maxCheckAllInFlight })
	// Give a ninth call the time to arrive if the bound does not hold:
	// without it all fifteen are sent at once.
	time.Sleep(150 * time.Millisecond)
	c.open()
	got := waitFor(t, out, "the check of all")
	if got.err != nil || got.r.TotalProviders != 3 || got.r.HealthyProviders != 3 {
		t.Fatalf("check all %+v %v", got.r, got.err)
	}
	if peak := c.peak.Load(); peak != maxCheckAllInFlight {
		t.Errorf("most calls in flight: %d, want %d", peak, maxCheckAllInFlight)
	}
}

// finishTimes records when each provider's health.finished arrives.
type finishTimes struct {
	mu sync.Mutex
	at map[string]time.Time
	ch chan string
}

func (f *finishTimes) Publish(ev model.Event) {
	if ev.Type != model.EventHealthFinished {
		return
	}
	r := ev.Data.(model.CheckResult)
	f.mu.Lock()
	f.at[r.ProviderKey] = time.Now()
	f.mu.Unlock()
	f.ch <- r.ProviderKey
}

// TestCheckAllHangingProviderDoesNotHoldUpOthers: the providers run at
// once, so a fast provider's result is published long before a provider
// that hangs until its timeout, even when the slow one comes first.
func TestCheckAllHangingProviderDoesNotHoldUpOthers(t *testing.T) {
	srv := splitProvider(t)
	ft := &finishTimes{at: map[string]time.Time{}, ch: make(chan string, 4)}
	s := startService(t, t.TempDir(), Config{NoScheduler: true, Events: ft})
	addProvider(t, s, "slow", srv.URL+"/v1", true, 0, "hang")
	addProvider(t, s, "fast", srv.URL+"/v1", true, 0, "ok")
	start := time.Now()
	res, err := s.CheckAll(context.Background(), nil, model.CheckOptions{TimeoutSecs: ptr(1)}, model.TriggerAPI)
	if err != nil {
		t.Fatal(err)
	}
	if first := waitFor(t, ft.ch, "the first health.finished"); first != "fast" {
		t.Errorf("first finished: %s, want fast", first)
	}
	ft.mu.Lock()
	fast, slow := ft.at["fast"].Sub(start), ft.at["slow"].Sub(start)
	ft.mu.Unlock()
	if slow-fast < 500*time.Millisecond {
		t.Errorf("fast finished at %v, slow at %v: the fast one waited", fast, slow)
	}
	if len(res.Providers) != 2 || res.Providers[0].ProviderKey != "slow" || res.Providers[0].Status != model.HealthUnhealthy ||
		res.Providers[0].Models[0].Error == nil || res.Providers[0].Models[0].Error.Type != model.CheckErrTimeout ||
		res.Providers[1].Status != model.HealthHealthy || res.HealthyProviders != 1 || res.UnhealthyProviders != 1 {
		t.Errorf("result %+v", res)
	}
}

// TestCheckAllAwaitsARunningCheck: a provider that is already being
// checked is not checked twice; its running check's result is reported.
func TestCheckAllAwaitsARunningCheck(t *testing.T) {
	srv, started, release := gatedProvider(t)
	s := startService(t, t.TempDir(), Config{NoScheduler: true})
	p := addProvider(t, s, "gated", srv.URL+"/v1", true, 0, "a")
	ctx := context.Background()
	first := make(chan checkOutcome, 1)
	go func() {
		r, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
		first <- checkOutcome{r, err}
	}()
	waitFor(t, started, "the first probe")
	s.runMu.Lock()
	rc := s.byProvider[p.ID]
	s.runMu.Unlock()
	all := make(chan model.CheckAllResult, 1)
	go func() {
		r, err := s.CheckAll(ctx, []int64{p.ID}, model.CheckOptions{}, model.TriggerAPI)
		if err != nil {
			t.Error(err)
		}
		all <- r
	}()
	poll(t, "CheckAll to await the running check", func() bool { return rc.waiters.Load() == 1 })
	close(release)
	one := waitFor(t, first, "the first check")
	got := waitFor(t, all, "the check of all")
	if len(got.Providers) != 1 || got.Providers[0].CheckID != one.r.CheckID {
		t.Errorf("check all reported %+v, want the running check %s", got.Providers, one.r.CheckID)
	}
	if n := len(started); n != 0 {
		t.Errorf("%d more probes were sent", n)
	}
}
