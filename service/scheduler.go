package service

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// schedulerTick is how often the scheduler looks for due providers; it
// bounds how late a scheduled check may start.
const schedulerTick = time.Second

// maxCatchUpDelay spreads the checks that are already overdue when the
// scheduler first sees them (after a restart) over at most this long.
const maxCatchUpDelay = 30 * time.Second

// plan is one provider's schedule.
type plan struct {
	interval time.Duration
	due      time.Time
}

// schedule checks every enabled provider with health_check_interval_secs
// > 0 on that interval, counted from its last check whatever started it
// (the history makes this survive restarts) and jittered by ±10% so that
// providers on the same interval do not fire together. A provider whose
// check (from any front door) is still running is skipped until it ends.
// It returns when ctx is done.
func (s *Service) schedule(ctx context.Context) {
	unit := s.cfg.ScheduleUnit
	if unit <= 0 {
		unit = time.Second
	}
	tick := min(schedulerTick, unit)
	t := time.NewTicker(tick)
	defer t.Stop()
	plans := map[int64]plan{}
	for {
		now := time.Now()
		seen := map[int64]bool{}
		for _, p := range s.providerSnapshot() {
			interval := time.Duration(p.HealthCheckIntervalSecs) * unit
			if !p.Enabled || interval <= 0 {
				continue
			}
			seen[p.ID] = true
			pl, ok := plans[p.ID]
			if !ok || pl.interval != interval {
				pl = plan{interval: interval, due: s.firstDue(ctx, p.ID, interval, now)}
			}
			// A check from another front door restarts the interval.
			if last := s.lastChecked(p.ID); last.Add(interval).After(pl.due) {
				pl.due = last.Add(spread(interval))
			}
			plans[p.ID] = pl
			if now.Before(pl.due) || s.isRunning(p.ID) {
				continue
			}
			pl.due = now.Add(spread(interval))
			plans[p.ID] = pl
			s.wg.Add(1)
			go func(p model.Provider) {
				defer s.wg.Done()
				_, err := s.check(ctx, &p, defaultCheckParams, model.TriggerSchedule, nil)
				var busy *model.CheckRunningError
				switch {
				case err == nil, ctx.Err() != nil:
				case errors.As(err, &busy):
					// Another front door started a check of it after the
					// isRunning look above: that check is this one's.
				case errors.Is(err, model.ErrNotFound):
					s.log.Info("scheduled health check dropped: the provider was deleted meanwhile", "provider", p.Key)
				default:
					s.log.Error("scheduled health check failed", "provider", p.Key, "err", err)
				}
			}(p)
		}
		for id := range plans {
			if !seen[id] {
				delete(plans, id) // deleted, disabled or unscheduled
			}
		}
		// Checks a full disk refused are retried here too, not only after
		// the next check that stores.
		s.flushPending(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// firstDue is when a newly seen schedule first fires: one interval after
// the provider's last stored check, or after now when it has none. A
// check that is already overdue runs soon, spread over a short delay so a
// restart does not fire every provider at once.
func (s *Service) firstDue(ctx context.Context, id int64, interval time.Duration, now time.Time) time.Time {
	base := now
	if st, err := s.storage(); err == nil {
		if h, err := st.CheckHistory(ctx, id, 1, ""); err == nil && len(h) > 0 {
			base = h[0].CheckedAt
		}
	}
	due := base.Add(spread(interval))
	if due.Before(now) {
		due = now.Add(jitter(min(interval/10, maxCatchUpDelay)))
	}
	return due
}

// spread is interval ±10%.
func spread(interval time.Duration) time.Duration {
	return interval - interval/10 + jitter(interval/5)
}

// jitter is a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
