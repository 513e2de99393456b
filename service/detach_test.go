package service

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// gatedProvider answers each chat completion only when release is closed
// (or the request is cancelled), and says on started when one arrives.
func gatedProvider(t *testing.T) (srv *httptest.Server, started chan struct{}, release chan struct{}) {
	t.Helper()
	started, release = make(chan struct{}, 16), make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Second): // bounds the test if it goes wrong
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"c","object":"chat.completion","choices":[]}`))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return srv, started, release
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

type checkOutcome struct {
	r   model.CheckResult
	err error
}

// TestCheckOutlivesItsCaller: a caller that leaves mid-probe does not stop
// the check; it runs to the end, is stored with its full result, and the
// result is returned without error.
func TestCheckOutlivesItsCaller(t *testing.T) {
	srv, started, release := gatedProvider(t)
	s := startService(t, t.TempDir(), Config{NoScheduler: true})
	p := addProvider(t, s, "gated", srv.URL+"/v1", true, 0, "a", "b")
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan checkOutcome, 1)
	go func() {
		r, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
		out <- checkOutcome{r, err}
	}()
	waitFor(t, started, "the first probe")
	cancel() // the caller leaves mid-probe
	close(release)
	got := waitFor(t, out, "the check")
	if got.err != nil {
		t.Fatalf("check after the caller left: %v", got.err)
	}
	if got.r.Status != model.HealthHealthy || got.r.Summary.HealthyModels != 2 {
		t.Errorf("result %+v", got.r)
	}
	hist, err := s.HealthHistory(context.Background(), p.ID, 10, "")
	if err != nil || len(hist) != 1 || hist[0].CheckID != got.r.CheckID || hist[0].Summary.HealthyModels != 2 {
		t.Fatalf("history %+v %v", hist, err)
	}
}

// TestCancelCheck: CancelCheck stops a running check; its unfinished
// models end as cancelled and the partial result is stored. An unknown
// check is not found.
func TestCancelCheck(t *testing.T) {
	srv, started, _ := gatedProvider(t)
	s := startService(t, t.TempDir(), Config{NoScheduler: true})
	p := addProvider(t, s, "gated", srv.URL+"/v1", true, 0, "a", "b", "c")
	ctx := context.Background()
	if err := s.CancelCheck(ctx, "hc_unknown"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown check: %v, want ErrNotFound", err)
	}
	out := make(chan checkOutcome, 1)
	go func() {
		r, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{MaxConcurrent: ptr(1)}, model.TriggerAPI)
		out <- checkOutcome{r, err}
	}()
	waitFor(t, started, "the first probe")
	s.runMu.Lock()
	var id string
	for k := range s.checks {
		id = k
	}
	s.runMu.Unlock()
	if err := s.CancelCheck(ctx, id); err != nil {
		t.Fatalf("CancelCheck: %v", err)
	}
	got := waitFor(t, out, "the check")
	if got.err != nil || got.r.CheckID != id {
		t.Fatalf("cancelled check: %+v %v", got.r, got.err)
	}
	for _, m := range got.r.Models {
		if m.Status != model.HealthCancelled {
			t.Errorf("model %s: status %s, want cancelled", m.Model, m.Status)
		}
	}
	if got.r.Status != model.HealthUnknown || got.r.Summary.UnhealthyModels != 0 {
		t.Errorf("cancelled check status %s summary %+v", got.r.Status, got.r.Summary)
	}
	hist, err := s.HealthHistory(ctx, p.ID, 10, "")
	if err != nil || len(hist) != 1 || hist[0].CheckID != id || len(hist[0].Models) != 3 {
		t.Fatalf("history %+v %v", hist, err)
	}
	if err := s.CancelCheck(ctx, id); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("finished check: %v, want ErrNotFound", err)
	}
}
