package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/storage"
)

// statsWindows are the windows GET /admin/v1/stats accepts (API.md §3).
var statsWindows = map[string]time.Duration{
	"15m": 15 * time.Minute,
	"1h":  time.Hour,
	"24h": 24 * time.Hour,
	"7d":  7 * 24 * time.Hour,
}

// startLogWriter opens the batching request-log writer on st; retention
// follows the settings as they change.
func (s *Service) startLogWriter(st *storage.Store) *storage.LogWriter {
	return storage.NewLogWriter(st, storage.LogWriterConfig{
		Logger: s.log,
		Redact: s.Redact,
		Retention: func() (int, int) {
			if r := s.logRetention.Load(); r != nil {
				return r[0], r[1]
			}
			return defaultLogRetentionDays, defaultLogRetentionRows
		},
	})
}

// recordRequest queues a finished request for the request log. It runs on
// the proxy's request path: it never blocks (a full queue drops and
// counts). Captured headers and bodies were redacted (or left out, with
// log_bodies off) by the proxy.
func (s *Service) recordRequest(e model.LogEntry) {
	if w := s.logw.Load(); w != nil {
		w.Enqueue(e)
	}
}

// LogQueueDropped is how many finished requests the request log dropped
// because its queue was full (or a batch failed).
func (s *Service) LogQueueDropped() uint64 {
	if w := s.logw.Load(); w != nil {
		return w.Dropped()
	}
	return 0
}

// FlushLogs waits until every request finished so far is stored.
func (s *Service) FlushLogs(ctx context.Context) error {
	if w := s.logw.Load(); w != nil {
		return w.Flush(ctx)
	}
	return ErrNotStarted
}

// ListLogs returns request-log entries, newest first.
func (s *Service) ListLogs(ctx context.Context, f model.LogFilter) ([]model.LogEntry, error) {
	st, err := s.storage()
	if err != nil {
		return nil, err
	}
	if f.Limit < 0 || f.Limit > 1000 {
		return nil, model.Invalid("limit", "must be from 1 to 1000, got %d", f.Limit)
	}
	return st.ListLogs(ctx, f)
}

// GetLog returns one entry with its captured headers and bodies.
func (s *Service) GetLog(ctx context.Context, id string) (model.LogDetail, error) {
	st, err := s.storage()
	if err != nil {
		return model.LogDetail{}, err
	}
	d, err := st.GetLog(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		// The entry of a request that just finished may still be queued
		// for the batch writer (the dashboard asks as soon as the live
		// row appears): store what is queued and look again.
		if w := s.logw.Load(); w != nil && w.Flush(ctx) == nil {
			d, err = st.GetLog(ctx, id)
		}
	}
	if err != nil {
		return d, fmt.Errorf("request log entry %q: %w", id, err)
	}
	return d, nil
}

// DeleteLogs clears the request log; it waits for queued entries first so
// that nothing finished before the call reappears after it.
func (s *Service) DeleteLogs(ctx context.Context) error {
	st, err := s.storage()
	if err != nil {
		return err
	}
	if w := s.logw.Load(); w != nil {
		_ = w.Flush(ctx)
	}
	if _, err = st.DeleteLogs(ctx); err != nil {
		return err
	}
	s.Publish(model.Event{Type: model.EventLogsCleared, TS: s.now(), Data: struct{}{}})
	return nil
}

// Stats summarises the request log over window ("15m", "1h", "24h", "7d").
func (s *Service) Stats(ctx context.Context, window string) (model.Stats, error) {
	if window == "" {
		window = "1h"
	}
	d, ok := statsWindows[window]
	if !ok {
		return model.Stats{}, model.Invalid("window", "must be one of 15m, 1h, 24h, 7d, got %q", window)
	}
	st, err := s.storage()
	if err != nil {
		return model.Stats{}, err
	}
	stats, err := st.LogStats(ctx, s.now().Add(-d))
	if err != nil {
		return stats, err
	}
	stats.Window = window
	return stats, nil
}
