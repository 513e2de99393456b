package service

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// schedulerTick is how often the scheduler looks for due providers; it
// bounds how late a scheduled check may start.
const schedulerTick = time.Second

// schedule checks every enabled provider with health_check_interval_secs
// > 0 on that interval, jittered by up to ±10% so that providers set to
// the same interval do not fire together. A provider whose previous check
// (from any front door) is still running is skipped until the next tick.
// It returns when ctx is done.
func (s *Service) schedule(ctx context.Context) {
	unit := s.cfg.ScheduleUnit
	if unit <= 0 {
		unit = time.Second
	}
	tick := min(schedulerTick, unit)
	t := time.NewTicker(tick)
	defer t.Stop()
	next := map[int64]time.Time{}      // provider → when it is due
	every := map[int64]time.Duration{} // provider → interval it was planned with
	for {
		now := time.Now()
		for _, p := range s.providerSnapshot() {
			interval := time.Duration(p.HealthCheckIntervalSecs) * unit
			if !p.Enabled || interval <= 0 {
				delete(next, p.ID)
				continue
			}
			due, planned := next[p.ID]
			if !planned || every[p.ID] != interval {
				// First sight (or a new interval): the first check comes
				// after a short random delay, not all at start-up.
				next[p.ID], every[p.ID] = now.Add(jitter(interval/10+tick)), interval
				continue
			}
			if now.Before(due) || s.isRunning(p.ID) {
				continue
			}
			next[p.ID] = now.Add(interval + jitter(interval/5) - interval/10)
			s.wg.Add(1)
			go func(p model.Provider) {
				defer s.wg.Done()
				if _, err := s.check(ctx, &p, defaultCheckParams, model.TriggerSchedule); err != nil && ctx.Err() == nil {
					s.log.Error("scheduled health check failed", "provider", p.Key, "err", err)
				}
			}(p)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// jitter is a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
