package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sluicegate/sluicegate/live"
	"github.com/sluicegate/sluicegate/model"
)

// liveEvent is one event from the WebSocket and when it arrived.
type liveEvent struct {
	typ  string
	data json.RawMessage
	at   time.Time
}

// followHealth subscribes to the health events over the real WebSocket
// and returns them as they arrive; it returns once subscribed.
func (s *stack) followHealth() <-chan liveEvent {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	subscribed := make(chan struct{})
	evs := make(chan liveEvent, 256)
	done := make(chan error, 1)
	wsURL := "ws" + strings.TrimPrefix(s.url, "http") + "/admin/v1/ws?types=health.started,health.model,health.finished"
	go func() {
		done <- live.Follow(ctx, wsURL, nil, func(ev model.Event) error {
			if ev.Type == model.EventHello {
				close(subscribed)
				return nil
			}
			evs <- liveEvent{ev.Type, ev.Data.(json.RawMessage), time.Now()}
			return nil
		})
	}()
	s.t.Cleanup(func() { cancel(); <-done })
	select {
	case <-subscribed:
	case err := <-done:
		s.t.Fatalf("live stream: %v", err)
	case <-time.After(10 * time.Second):
		s.t.Fatal("no hello on the live stream")
	}
	return evs
}

// nextEvent returns the next event of type typ, skipping others.
func nextEvent(t *testing.T, evs <-chan liveEvent, typ string) liveEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-evs:
			if ev.typ == typ {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", typ)
		}
	}
}

// TestRunningCheckOverHTTP: a check publishes health.started, shows in
// GET /health/running with its results so far, makes a second POST for
// the same provider a 409 check_running naming it, and DELETE
// /health/checks/{id} cancels it: its unfinished model ends cancelled and
// the partial result, with started_at and checked_at, is in the history.
func TestRunningCheckOverHTTP(t *testing.T) {
	s := newStack(t)
	doc := loadOpenAPI(t, s)
	up := newLogUpstream(t)
	p := s.create(providerBody("alpha", map[string]any{"base_url": up + "/v1",
		"models": []map[string]any{{"alias": "fast", "upstream": "ok-up"}, {"alias": "slow", "upstream": "hang-up"}}}))
	base := fmt.Sprintf("/admin/v1/providers/%d", p.ID)
	evs := s.followHealth()

	r := s.request("GET", "/admin/v1/health/running", nil)
	validateExchange(t, doc, "GET", "/admin/v1/health/running", "/admin/v1/health/running", nil, r)
	if r.status != 200 || strings.TrimSpace(string(r.body)) != `{"data":[]}` {
		t.Fatalf("nothing running: %d %s", r.status, r.body)
	}

	first := make(chan response, 1)
	go func() { first <- s.request("POST", base+"/health", map[string]any{"timeout_secs": 60}) }()

	var st model.HealthStartedEvent
	if err := json.Unmarshal(nextEvent(t, evs, model.EventHealthStarted).data, &st); err != nil {
		t.Fatal(err)
	}
	if st.CheckID == "" || st.ProviderID != p.ID || st.ProviderKey != "alpha" || st.Trigger != model.TriggerAPI || st.ModelsTotal != 2 {
		t.Errorf("health.started %+v", st)
	}
	nextEvent(t, evs, model.EventHealthModel) // the fast model

	var running struct{ Data []model.RunningCheck }
	r = s.must(200, "GET", "/admin/v1/health/running", nil, &running)
	validateExchange(t, doc, "GET", "/admin/v1/health/running", "/admin/v1/health/running", nil, r)
	if len(running.Data) != 1 {
		t.Fatalf("running %s", r.body)
	}
	rc := running.Data[0]
	if rc.CheckID != st.CheckID || rc.ProviderID != p.ID || rc.ModelsTotal != 2 || rc.StartedAt.IsZero() ||
		len(rc.Models) != 1 || rc.Models[0].Model != "fast" || rc.Models[0].Status != model.HealthHealthy {
		t.Errorf("running check %+v", rc)
	}

	// A second check of the same provider is refused, naming the first.
	r = s.request("POST", base+"/health", nil)
	validateExchange(t, doc, "POST", "/admin/v1/providers/{id}/health", base+"/health", nil, r)
	var conflict struct {
		Error struct {
			Code    string `json:"code"`
			CheckID string `json:"check_id"`
		}
	}
	_ = json.Unmarshal(r.body, &conflict)
	if r.status != http.StatusConflict || conflict.Error.CheckID != st.CheckID || conflict.Error.Code != "check_running" {
		t.Errorf("second check: %d %s", r.status, r.body)
	}

	// Cancel it: 204 once it has ended and been stored.
	r = s.request("DELETE", "/admin/v1/health/checks/"+st.CheckID, nil)
	validateExchange(t, doc, "DELETE", "/admin/v1/health/checks/{check_id}", "/admin/v1/health/checks/"+st.CheckID, nil, r)
	if r.status != http.StatusNoContent {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	var hist struct{ Data []model.CheckResult }
	s.must(200, "GET", base+"/health/history", nil, &hist)
	if len(hist.Data) != 1 || hist.Data[0].CheckID != st.CheckID || hist.Data[0].StartedAt.IsZero() ||
		hist.Data[0].CheckedAt.Before(hist.Data[0].StartedAt) {
		t.Fatalf("history %+v", hist.Data)
	}
	var res model.CheckResult
	select {
	case got := <-first:
		validateExchange(t, doc, "POST", "/admin/v1/providers/{id}/health", base+"/health", []byte(`{"timeout_secs":60}`), got)
		if err := json.Unmarshal(got.body, &res); err != nil || got.status != 200 {
			t.Fatalf("cancelled check: %d %s", got.status, got.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled check did not answer")
	}
	if res.CheckID != st.CheckID || len(res.Models) != 2 || res.Models[0].Status != model.HealthHealthy ||
		res.Models[1].Status != model.HealthCancelled || !res.StartedAt.Equal(hist.Data[0].StartedAt) {
		t.Errorf("cancelled result %+v", res)
	}

	// Finished and unknown checks are 404s.
	for _, id := range []string{st.CheckID, "hc_nope"} {
		r = s.request("DELETE", "/admin/v1/health/checks/"+id, nil)
		validateExchange(t, doc, "DELETE", "/admin/v1/health/checks/{check_id}", "/admin/v1/health/checks/"+id, nil, r)
		if r.status != http.StatusNotFound || decodeErr(t, r.body).Error.Code != "not_found" {
			t.Errorf("cancel %s: %d %s", id, r.status, r.body)
		}
	}
	s.must(200, "GET", "/admin/v1/health/running", nil, &running)
	if len(running.Data) != 0 {
		t.Errorf("still running: %+v", running.Data)
	}
}

// TestCheckAllConcurrentOverHTTP: POST /health/check runs the providers
// at once: a provider that hangs until its timeout does not hold up one
// that answers, whose health.finished arrives long before.
func TestCheckAllConcurrentOverHTTP(t *testing.T) {
	s := newStack(t)
	doc := loadOpenAPI(t, s)
	up := newLogUpstream(t)
	s.create(providerBody("slow", map[string]any{"base_url": up + "/v1",
		"models": []map[string]any{{"alias": "slow-m", "upstream": "hang-up"}}}))
	s.create(providerBody("fast", map[string]any{"base_url": up + "/v1",
		"models": []map[string]any{{"alias": "fast-m", "upstream": "ok-up"}}}))
	evs := s.followHealth()
	body := map[string]any{"timeout_secs": 1}
	r := s.request("POST", "/admin/v1/health/check", body)
	validateExchange(t, doc, "POST", "/admin/v1/health/check", "/admin/v1/health/check", mustJSON(t, body), r)
	var res model.CheckAllResult
	if err := json.Unmarshal(r.body, &res); err != nil || r.status != 200 {
		t.Fatalf("check all: %d %s", r.status, r.body)
	}
	if res.TotalProviders != 2 || res.HealthyProviders != 1 || res.UnhealthyProviders != 1 || res.Providers[0].ProviderKey != "slow" {
		t.Errorf("result %+v", res)
	}
	finished := map[string]time.Time{}
	for len(finished) < 2 {
		ev := nextEvent(t, evs, model.EventHealthFinished)
		var cr model.CheckResult
		if err := json.Unmarshal(ev.data, &cr); err != nil {
			t.Fatal(err)
		}
		if len(finished) == 0 && cr.ProviderKey != "fast" {
			t.Errorf("first health.finished is %s, want fast", cr.ProviderKey)
		}
		finished[cr.ProviderKey] = ev.at
	}
	if gap := finished["slow"].Sub(finished["fast"]); gap < 500*time.Millisecond {
		t.Errorf("fast finished only %v before slow: it waited for it", gap)
	}
}

// TestCheckAllBoundOverHTTP: three providers × five models, five at once
// each, never have more than eight model calls in flight together.
func TestCheckAllBoundOverHTTP(t *testing.T) {
	s := newStack(t)
	var inFlight, peak atomicMax
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peak.see(inFlight.add(1))
		defer inFlight.add(-1)
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"c","object":"chat.completion","choices":[]}`)
	}))
	t.Cleanup(srv.Close)
	opened := false
	open := func() {
		if !opened {
			opened = true
			close(release)
		}
	}
	t.Cleanup(open)
	for _, key := range []string{"pa", "pb", "pc"} {
		var ms []map[string]any
		for i := range 5 {
			ms = append(ms, map[string]any{"alias": fmt.Sprintf("%s-%d", key, i), "upstream": "m"})
		}
		s.create(providerBody(key, map[string]any{"base_url": srv.URL + "/v1", "models": ms}))
	}
	done := make(chan response, 1)
	go func() { done <- s.request("POST", "/admin/v1/health/check", map[string]any{"max_concurrent": 5}) }()
	deadline := time.Now().Add(10 * time.Second)
	for inFlight.get() < 8 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d calls in flight", inFlight.get())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Room for a ninth call to arrive if the bound did not hold.
	time.Sleep(150 * time.Millisecond)
	open()
	r := <-done
	var res model.CheckAllResult
	if err := json.Unmarshal(r.body, &res); err != nil || r.status != 200 || res.HealthyProviders != 3 {
		t.Fatalf("check all: %d %s", r.status, r.body)
	}
	if got := peak.get(); got != 8 {
		t.Errorf("most model calls in flight: %d, want 8", got)
	}
}

// atomicMax is a counter that can also keep the largest value it saw.
type atomicMax struct{ v atomic.Int64 }

func (a *atomicMax) add(d int64) int64 { return a.v.Add(d) }
func (a *atomicMax) get() int64        { return a.v.Load() }
func (a *atomicMax) see(n int64) {
	for {
		old := a.v.Load()
		if n <= old || a.v.CompareAndSwap(old, n) {
			return
		}
	}
}

// discoverCase runs one discover request and checks it against the
// document.
func (s *stack) discover(doc *openapi3.T, body any) (response, model.DiscoverResult) {
	s.t.Helper()
	r := s.request("POST", "/admin/v1/providers/discover", body)
	validateExchange(s.t, doc, "POST", "/admin/v1/providers/discover", "/admin/v1/providers/discover", mustJSON(s.t, body), r)
	var res model.DiscoverResult
	if r.status == 200 {
		if err := json.Unmarshal(r.body, &res); err != nil {
			s.t.Fatalf("decode %s: %v", r.body, err)
		}
	}
	return r, res
}
