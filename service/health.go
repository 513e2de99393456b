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

	"golang.org/x/sync/semaphore"

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
// provider's history and publishes health.started, health.model and
// health.finished. A provider whose check is already running is a
// *model.CheckRunningError naming that check: a second check would only
// double the calls to the provider.
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
	return s.check(ctx, &one[0], params, trigger, nil)
}

// runningCheck is a check in flight: cancel stops its probes, done is
// closed when it has returned, with result and err set.
type runningCheck struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex // guards info.Models; held while health.model is published
	info model.RunningCheck

	result model.CheckResult // set before done is closed
	err    error
	// waiters counts the callers awaiting this check (a CheckAll that
	// found it running); tests use it to know one is waiting.
	waiters atomic.Int32
}

// snapshot is the check as /health/running shows it.
func (rc *runningCheck) snapshot() model.RunningCheck {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.info
	out.Models = append([]model.ModelResult{}, rc.info.Models...)
	return out
}

// startCheck registers info as running and returns its context: detached
// from ctx (a check outlives its caller; a caller that leaves must not
// lose work that is stored and shown in the history) but cancelled by
// CancelCheck or Close. A provider has at most one check in flight: when
// one is running, startCheck returns it as running and registers nothing.
// end must be called when the check returns.
func (s *Service) startCheck(ctx context.Context, info model.RunningCheck) (rc, running *runningCheck, cctx context.Context, err error) {
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rc = &runningCheck{cancel: cancel, done: make(chan struct{}), info: info}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.checksClosed {
		cancel()
		return nil, nil, nil, ErrNotStarted
	}
	if cur := s.byProvider[info.ProviderID]; cur != nil {
		cancel()
		return nil, cur, nil, nil
	}
	s.checks[info.CheckID] = rc
	s.byProvider[info.ProviderID] = rc
	return rc, nil, cctx, nil
}

// endCheck unregisters rc and hands its outcome to whoever awaits it.
func (s *Service) endCheck(rc *runningCheck, r model.CheckResult, err error) {
	s.runMu.Lock()
	delete(s.checks, rc.info.CheckID)
	delete(s.byProvider, rc.info.ProviderID)
	s.runMu.Unlock()
	rc.result, rc.err = r, err
	rc.cancel()
	close(rc.done)
}

// RunningChecks returns every check in flight, whoever started it, oldest
// first, each with the model results it has so far.
func (s *Service) RunningChecks(ctx context.Context) ([]model.RunningCheck, error) {
	s.runMu.Lock()
	all := make([]*runningCheck, 0, len(s.checks))
	for _, rc := range s.checks {
		all = append(all, rc)
	}
	s.runMu.Unlock()
	out := make([]model.RunningCheck, 0, len(all))
	for _, rc := range all {
		out = append(out, rc.snapshot())
	}
	// Check IDs sort by start time.
	sort.Slice(out, func(i, j int) bool { return out[i].CheckID < out[j].CheckID })
	return out, nil
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
		return fmt.Errorf("check %q is not running (it finished, or never existed): %w", checkID, model.ErrNotFound)
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
// has gone. shared, when set, bounds the probes in flight across the
// checks that share it. A provider that is already being checked is a
// *model.CheckRunningError.
func (s *Service) check(ctx context.Context, p *model.Provider, params checkParams, trigger string, shared *semaphore.Weighted) (model.CheckResult, error) {
	start := s.now()
	r := model.CheckResult{
		CheckID: newCheckID(start), ProviderID: p.ID, ProviderKey: p.Key, ProviderType: p.Type,
		StartedAt: start, Trigger: trigger, Models: []model.ModelResult{},
	}
	var tg []health.Target
	// A disabled provider is reported, not called.
	if p.Enabled {
		tg = targets(p, params.models)
	}
	rc, running, ctx, err := s.startCheck(ctx, model.RunningCheck{CheckID: r.CheckID, ProviderID: p.ID,
		ProviderKey: p.Key, Trigger: trigger, StartedAt: start, ModelsTotal: len(tg), Models: []model.ModelResult{}})
	if err != nil {
		return r, err
	}
	if running != nil {
		return model.CheckResult{}, &model.CheckRunningError{CheckID: running.info.CheckID, ProviderKey: p.Key}
	}
	r, err = s.runCheck(ctx, rc, p, r, tg, params, shared)
	s.endCheck(rc, r, err)
	return r, err
}

// runCheck is check's work once rc is registered.
func (s *Service) runCheck(ctx context.Context, rc *runningCheck, p *model.Provider, r model.CheckResult, tg []health.Target, params checkParams, shared *semaphore.Weighted) (model.CheckResult, error) {
	s.Publish(model.Event{Type: model.EventHealthStarted, TS: s.now(), Data: model.HealthStartedEvent{
		CheckID: r.CheckID, ProviderID: p.ID, ProviderKey: p.Key, Trigger: r.Trigger, ModelsTotal: len(tg)}})
	// An upstream may echo the credential it got in its error text.
	red := s.redactorWith(p)
	if p.Enabled {
		r.Models = health.Run(ctx, s.upstream, p, tg,
			health.Options{MaxConcurrent: params.maxConcurrent, Timeout: params.timeout, Shared: shared},
			func(m model.ModelResult) {
				m = redactResult(red, m)
				if e := m.Error; ctx.Err() != nil && e != nil && e.Type == model.CheckErrCanceled {
					m.Status = model.HealthCancelled
				}
				// onResult runs on the probes' goroutines.
				rc.mu.Lock()
				defer rc.mu.Unlock()
				rc.info.Models = append(rc.info.Models, m)
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
	r.CheckedAt = s.now()
	// Route groups order their members by the verdict, whatever started
	// the check (and whether or not it can be stored).
	s.reportHealth(p.Key, r.Status)
	r.DurationMs = r.CheckedAt.Sub(r.StartedAt).Milliseconds()
	s.runMu.Lock()
	s.lastCheck[p.ID] = r.StartedAt
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
	s.log.Info("health check finished", "provider", p.Key, "status", r.Status, "trigger", r.Trigger,
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

// maxCheckAllInFlight bounds the model calls in flight across all the
// providers of one CheckAll, on top of each check's max_concurrent, so
// that checking many providers at once neither floods the network nor
// skews the latencies it measures.
const maxCheckAllInFlight = 8

// CheckAll checks the given providers (every provider when ids is empty)
// concurrently, each with opts, so that one hanging provider does not
// hold up the others; at most maxCheckAllInFlight model calls are in
// flight in all. A provider whose check is already running is not
// checked twice: that check is awaited and its result reported.
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
	shared := semaphore.NewWeighted(maxCheckAllInFlight)
	results := make([]model.CheckResult, len(ps))
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i := range ps {
		wg.Go(func() { results[i], errs[i] = s.checkOrAwait(ctx, &ps[i], params, trigger, shared) })
	}
	wg.Wait()
	out := model.CheckAllResult{Providers: []model.CheckResult{}}
	for i, r := range results {
		if errs[i] != nil {
			return out, errs[i]
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

// checkOrAwait checks p, or, when p is already being checked, waits for
// that check and returns its outcome (it may have been started with other
// options). Waiting ends early only when ctx is done.
func (s *Service) checkOrAwait(ctx context.Context, p *model.Provider, params checkParams, trigger string, shared *semaphore.Weighted) (model.CheckResult, error) {
	for {
		r, err := s.check(ctx, p, params, trigger, shared)
		var busy *model.CheckRunningError
		if !errors.As(err, &busy) {
			return r, err
		}
		s.runMu.Lock()
		rc := s.checks[busy.CheckID]
		s.runMu.Unlock()
		if rc == nil {
			continue // it ended in between: check again
		}
		rc.waiters.Add(1)
		select {
		case <-rc.done:
			return rc.result, rc.err
		case <-ctx.Done():
			return model.CheckResult{}, ctx.Err()
		}
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
	return s.byProvider[id] != nil
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
