package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegate/sluicegate/health"
	"github.com/sluicegate/sluicegate/model"
)

// Health-check option ranges (API.md §3 "Health checks").
const (
	defaultMaxConcurrent = 2
	maxMaxConcurrent     = 10
	defaultCheckTimeout  = 30
	maxCheckTimeout      = 120
	maxCheckModels       = 200
	defaultHistoryLimit  = 50
	maxHistoryLimit      = 500
	maxSummaryWindow     = 30 * 24 * time.Hour
)

// checkIDs makes time-sortable check IDs: fixed-width hex of the start
// time plus a counter, so "newest first" is "largest ID first".
var checkSeq atomic.Uint32

func newCheckID(t time.Time) string {
	return fmt.Sprintf("hc_%016x%04x", t.UnixNano(), checkSeq.Add(1)&0xffff)
}

// checkParams are validated check options with the defaults filled in.
type checkParams struct {
	models        []string
	maxConcurrent int
	timeout       time.Duration
}

// defaultCheckParams is what a scheduled check uses.
var defaultCheckParams = checkParams{maxConcurrent: defaultMaxConcurrent, timeout: defaultCheckTimeout * time.Second}

// normalizeCheckOptions validates o and fills in defaults. It is the one
// place the options are checked, whichever front door they came through.
func normalizeCheckOptions(o model.CheckOptions) (checkParams, error) {
	p := defaultCheckParams
	if v := o.MaxConcurrent; v != nil {
		if *v < 1 || *v > maxMaxConcurrent {
			return p, model.Invalid("max_concurrent", "must be 1..%d, got %d", maxMaxConcurrent, *v)
		}
		p.maxConcurrent = *v
	}
	if v := o.TimeoutSecs; v != nil {
		if *v < 1 || *v > maxCheckTimeout {
			return p, model.Invalid("timeout_secs", "must be 1..%d seconds, got %d", maxCheckTimeout, *v)
		}
		p.timeout = time.Duration(*v) * time.Second
	}
	if len(o.Models) > maxCheckModels {
		return p, model.Invalid("models", "at most %d models per check, got %d", maxCheckModels, len(o.Models))
	}
	for i, m := range o.Models {
		if err := validateModelName(m); err != nil {
			return p, model.Invalid(fmt.Sprintf("models[%d]", i), "%v", err)
		}
	}
	p.models = o.Models
	return p, nil
}

// targets resolves the models to probe: every mapped model, or the given
// names (an alias of this provider, else a raw upstream name).
func targets(p *model.Provider, names []string) []health.Target {
	if len(names) == 0 {
		out := make([]health.Target, 0, len(p.Models))
		for _, m := range p.Models {
			out = append(out, health.Target{Model: m.Alias, Upstream: m.Upstream})
		}
		return out
	}
	byAlias := make(map[string]string, len(p.Models))
	for _, m := range p.Models {
		byAlias[m.Alias] = m.Upstream
	}
	out := make([]health.Target, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		up, ok := byAlias[n]
		if !ok {
			up = n
		}
		out = append(out, health.Target{Model: n, Upstream: up})
	}
	return out
}

// aggregate sets the provider status and the summary from the models.
func aggregate(r *model.CheckResult, enabled bool) {
	r.Summary = model.CheckSummary{TotalModels: len(r.Models)}
	var total int64
	for _, m := range r.Models {
		total += m.ResponseTimeMs
		switch m.Status {
		case model.HealthHealthy:
			r.Summary.HealthyModels++
		case model.HealthCancelled:
			// Stopped, not failed: it says nothing about the provider.
		default:
			r.Summary.UnhealthyModels++
		}
	}
	if n := len(r.Models); n > 0 {
		r.AvgResponseTimeMs = total / int64(n)
	}
	switch {
	case !enabled:
		r.Status = model.HealthDisabled
	case r.Summary.HealthyModels+r.Summary.UnhealthyModels == 0:
		r.Status = model.HealthUnknown
	case r.Summary.UnhealthyModels == 0:
		r.Status = model.HealthHealthy
	case r.Summary.HealthyModels == 0:
		r.Status = model.HealthUnhealthy
	default:
		r.Status = model.HealthDegraded
	}
}

// CheckProvider runs a health check of one provider, stores it in the
// provider's history and publishes health.model and health.finished.
func (s *Service) CheckProvider(ctx context.Context, id int64, opts model.CheckOptions, trigger string) (model.CheckResult, error) {
	params, err := normalizeCheckOptions(opts)
	if err != nil {
		return model.CheckResult{}, err
	}
	st, err := s.storage()
	if err != nil {
		return model.CheckResult{}, err
	}
	p, err := st.GetProvider(ctx, id)
	if err != nil {
		return model.CheckResult{}, err
	}
	one := []model.Provider{p}
	s.markBroken(one) // a broken provider is reported as disabled, not called
	return s.check(ctx, &one[0], params, trigger)
}

// runningCheck is a check in flight: cancel stops its probes, done is
// closed when it has returned.
type runningCheck struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// startCheck registers a check under id and returns its context: detached
// from ctx (a check outlives its caller; a caller that leaves must not
// lose work that is stored and shown in the history) but cancelled by
// CancelCheck or Close. finish must be called when the check returns.
func (s *Service) startCheck(ctx context.Context, id string) (context.Context, func(), error) {
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rc := &runningCheck{cancel: cancel, done: make(chan struct{})}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.checksClosed {
		cancel()
		return nil, nil, ErrNotStarted
	}
	s.checks[id] = rc
	return cctx, func() {
		s.runMu.Lock()
		delete(s.checks, id)
		s.runMu.Unlock()
		cancel()
		close(rc.done)
	}, nil
}

// CancelCheck stops the running check checkID: its unfinished models end
// as "cancelled", and the partial result is stored and returned to the
// check's own caller. It returns once the check has ended (or ctx is
// done); an unknown or finished check is model.ErrNotFound.
func (s *Service) CancelCheck(ctx context.Context, checkID string) error {
	s.runMu.Lock()
	rc := s.checks[checkID]
	s.runMu.Unlock()
	if rc == nil {
		return fmt.Errorf("check %q is not running: %w", checkID, model.ErrNotFound)
	}
	rc.cancel()
	select {
	case <-rc.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cancelAllChecks stops every running check, refuses new ones and waits
// for them to end.
func (s *Service) cancelAllChecks() {
	s.runMu.Lock()
	s.checksClosed = true
	all := make([]*runningCheck, 0, len(s.checks))
	for _, rc := range s.checks {
		all = append(all, rc)
	}
	s.runMu.Unlock()
	for _, rc := range all {
		rc.cancel()
	}
	for _, rc := range all {
		<-rc.done
	}
}

// check runs, aggregates, stores and publishes one provider's check. It
// runs to its end whatever happens to ctx (only CancelCheck and Close stop
// it) and then returns its result without error, also to a caller that
// has gone.
func (s *Service) check(ctx context.Context, p *model.Provider, params checkParams, trigger string) (model.CheckResult, error) {
	release := s.markRunning(p.ID)
	defer release()
	start := s.now()
	r := model.CheckResult{
		CheckID: newCheckID(start), ProviderID: p.ID, ProviderKey: p.Key, ProviderType: p.Type,
		CheckedAt: start, Trigger: trigger, Models: []model.ModelResult{},
	}
	ctx, finish, err := s.startCheck(ctx, r.CheckID)
	if err != nil {
		return r, err
	}
	defer finish()
	// An upstream may echo the credential it got in its error text.
	red := s.redactorWith(p)
	// A disabled provider is reported, not called.
	if p.Enabled {
		var mu sync.Mutex // onResult runs on the probes' goroutines
		r.Models = health.Run(ctx, s.upstream, p, targets(p, params.models),
			health.Options{MaxConcurrent: params.maxConcurrent, Timeout: params.timeout},
			func(m model.ModelResult) {
				m = redactResult(red, m)
				mu.Lock()
				defer mu.Unlock()
				s.Publish(model.Event{Type: model.EventHealthModel, TS: s.now(),
					Data: model.HealthModelEvent{CheckID: r.CheckID, ProviderID: p.ID, ModelResult: m}})
			})
		for i := range r.Models {
			r.Models[i] = redactResult(red, r.Models[i])
			// Only a cancel reaches the detached ctx: the probes it cut
			// short did not fail, they were stopped.
			if e := r.Models[i].Error; ctx.Err() != nil && e != nil && e.Type == model.CheckErrCanceled {
				r.Models[i].Status = model.HealthCancelled
			}
		}
	}
	aggregate(&r, p.Enabled)
	r.DurationMs = time.Since(start).Milliseconds()
	s.runMu.Lock()
	s.lastCheck[p.ID] = start
	s.runMu.Unlock()

	// Store also a cancelled check: the work done so far is history.
	saveCtx := context.WithoutCancel(ctx)
	set, err := s.loadSettings(saveCtx)
	if err != nil {
		return r, err
	}
	st, err := s.storage()
	if err != nil {
		return r, err
	}
	retention := time.Duration(set.HistoryRetentionDays) * 24 * time.Hour
	if err := st.SaveCheck(saveCtx, r, retention); err != nil {
		if !errors.Is(err, model.ErrDiskFull) {
			return r, err
		}
		// The probes' work is not lost to a full disk: the result is
		// answered now and written once there is space again.
		s.keepPending(r, retention)
		s.log.Warn("health check kept in memory until the database can take it", "provider", p.Key, "check_id", r.CheckID, "err", err)
	} else {
		s.flushPending(saveCtx)
	}
	s.Publish(model.Event{Type: model.EventHealthFinished, TS: s.now(), Data: r})
	s.log.Info("health check finished", "provider", p.Key, "status", r.Status, "trigger", trigger,
		"healthy", r.Summary.HealthyModels, "total", r.Summary.TotalModels, "duration_ms", r.DurationMs)
	return r, nil
}

// redactResult is m with secrets removed from its error message and note.
// The error is copied: m shares it with the probe's own result slice.
func redactResult(red *model.Redactor, m model.ModelResult) model.ModelResult {
	if m.Error != nil {
		e := *m.Error
		e.Message = red.Redact(e.Message)
		m.Error = &e
	}
	m.Note = red.Redact(m.Note)
	return m
}

// maxPendingChecks bounds the checks kept in memory while the database
// is full; beyond it the oldest is dropped.
const maxPendingChecks = 100

// pendingCheck is a finished check waiting to be stored.
type pendingCheck struct {
	r         model.CheckResult
	retention time.Duration
}

// keepPending holds r until the database can take it.
func (s *Service) keepPending(r model.CheckResult, retention time.Duration) {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	if len(s.pending) >= maxPendingChecks {
		s.log.Warn("health check dropped: too many waiting for a full database", "check_id", s.pending[0].r.CheckID)
		s.pending = s.pending[1:]
	}
	s.pending = append(s.pending, pendingCheck{r: r, retention: retention})
}

// flushPending writes the checks kept in memory, oldest first, and stops
// at the first that still finds the disk full.
func (s *Service) flushPending(ctx context.Context) {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	if len(s.pending) == 0 {
		return
	}
	st, err := s.storage()
	if err != nil {
		return
	}
	for len(s.pending) > 0 {
		pc := s.pending[0]
		err := st.SaveCheck(ctx, pc.r, pc.retention)
		switch {
		case errors.Is(err, model.ErrDiskFull), err != nil && ctx.Err() != nil:
			return // kept for the next try
		case errors.Is(err, model.ErrNotFound):
			// The provider was deleted meanwhile; its history went with it.
		case err != nil:
			s.log.Error("health check kept in memory could not be stored; dropped", "check_id", pc.r.CheckID, "err", err)
		}
		s.pending = s.pending[1:]
	}
}

// CheckAll checks the given providers (every provider when ids is empty)
// one after another, each with opts.
func (s *Service) CheckAll(ctx context.Context, ids []int64, opts model.CheckOptions, trigger string) (model.CheckAllResult, error) {
	params, err := normalizeCheckOptions(opts)
	if err != nil {
		return model.CheckAllResult{}, err
	}
	st, err := s.storage()
	if err != nil {
		return model.CheckAllResult{}, err
	}
	var ps []model.Provider
	if len(ids) == 0 {
		if ps, err = st.ListProviders(ctx); err != nil {
			return model.CheckAllResult{}, err
		}
	}
	for i, id := range ids {
		p, err := st.GetProvider(ctx, id)
		if err != nil {
			return model.CheckAllResult{}, fmt.Errorf("provider_ids[%d]: %w", i, err)
		}
		ps = append(ps, p)
	}
	s.markBroken(ps)
	out := model.CheckAllResult{Providers: []model.CheckResult{}}
	for i := range ps {
		r, err := s.check(ctx, &ps[i], params, trigger)
		if err != nil {
			return out, err
		}
		out.Providers = append(out.Providers, r)
		// Disabled and unknown providers count in neither: nothing failed.
		switch r.Status {
		case model.HealthHealthy:
			out.HealthyProviders++
		case model.HealthUnhealthy, model.HealthDegraded:
			out.UnhealthyProviders++
		}
	}
	out.TotalProviders = len(out.Providers)
	return out, nil
}

// markRunning records a running check of provider id; the scheduler skips
// providers that are being checked.
func (s *Service) markRunning(id int64) (release func()) {
	s.runMu.Lock()
	s.running[id]++
	s.runMu.Unlock()
	return func() {
		s.runMu.Lock()
		if s.running[id]--; s.running[id] <= 0 {
			delete(s.running, id)
		}
		s.runMu.Unlock()
	}
}

// lastChecked is when the newest check of provider id started in this
// process (zero if none).
func (s *Service) lastChecked(id int64) time.Time {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	return s.lastCheck[id]
}

func (s *Service) isRunning(id int64) bool {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	return s.running[id] > 0
}

// HealthHistory returns a provider's checks, newest first.
func (s *Service) HealthHistory(ctx context.Context, id int64, limit int, before string) ([]model.CheckResult, error) {
	if limit == 0 {
		limit = defaultHistoryLimit
	}
	if limit < 1 || limit > maxHistoryLimit {
		return nil, model.Invalid("limit", "must be 1..%d, got %d", maxHistoryLimit, limit)
	}
	if before != "" && !strings.HasPrefix(before, "hc_") {
		return nil, model.Invalid("before", "must be a check_id from an earlier page (hc_…), got %q", before)
	}
	st, err := s.storage()
	if err != nil {
		return nil, err
	}
	if _, err := st.GetProvider(ctx, id); err != nil {
		return nil, err
	}
	return st.CheckHistory(ctx, id, limit, before)
}

// LastChecks returns the newest check of every provider that has one.
func (s *Service) LastChecks(ctx context.Context) ([]model.CheckResult, error) {
	st, err := s.storage()
	if err != nil {
		return nil, err
	}
	return st.LastChecks(ctx)
}

// HealthSummary summarises a provider's probes per model over a window
// such as "24h" (1m..720h).
func (s *Service) HealthSummary(ctx context.Context, id int64, window string) (model.HealthSummary, error) {
	if window == "" {
		window = "24h"
	}
	d, err := time.ParseDuration(window)
	if err != nil || d < time.Minute || d > maxSummaryWindow {
		return model.HealthSummary{}, model.Invalid("window", "must be a duration from 1m to 720h such as 1h, 24h or 168h, got %q", window)
	}
	st, err := s.storage()
	if err != nil {
		return model.HealthSummary{}, err
	}
	if _, err := st.GetProvider(ctx, id); err != nil {
		return model.HealthSummary{}, err
	}
	to := s.now()
	from := to.Add(-d)
	rows, err := st.ModelResults(ctx, id, from)
	if err != nil {
		return model.HealthSummary{}, err
	}
	byModel := map[string]*model.ModelHealthSummary{}
	var order []string
	lat := map[string][]int64{}
	ok := map[string]int{}
	for _, r := range rows {
		if r.Status == model.HealthCancelled {
			continue // a stopped probe measured nothing
		}
		m := byModel[r.Model]
		if m == nil {
			m = &model.ModelHealthSummary{Model: r.Model, Series: []model.LatencyPoint{}}
			byModel[r.Model] = m
			order = append(order, r.Model)
		}
		m.Checks++
		m.LastStatus, m.LastCheckedAt = r.Status, r.CheckedAt
		m.Series = append(m.Series, model.LatencyPoint{At: r.CheckedAt, ResponseTimeMs: r.ResponseTimeMs, Status: r.Status})
		lat[r.Model] = append(lat[r.Model], r.ResponseTimeMs)
		if r.Status == model.HealthHealthy {
			ok[r.Model]++
		}
	}
	out := model.HealthSummary{ProviderID: id, Window: window, From: from, To: to, Models: []model.ModelHealthSummary{}}
	sort.Strings(order)
	for _, name := range order {
		m := byModel[name]
		m.UptimePercent = math.Round(float64(ok[name])*10000/float64(m.Checks)) / 100
		m.P50Ms, m.P95Ms = percentile(lat[name], 50), percentile(lat[name], 95)
		out.Models = append(out.Models, *m)
	}
	return out, nil
}

// percentile is the nearest-rank percentile of vs.
func percentile(vs []int64, p int) int64 {
	if len(vs) == 0 {
		return 0
	}
	s := append([]int64(nil), vs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(float64(p) / 100 * float64(len(s))))
	return s[max(0, rank-1)]
}
