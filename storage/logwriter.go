package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// LogWriter defaults, each with its reason.
const (
	// 4096 entries absorb a burst of several seconds of heavy traffic while
	// the disk is slow; beyond that the proxy drops entries, never waits.
	defaultLogQueueSize = 4096
	// 256 rows per transaction amortise the fsync-free WAL commit well and
	// keep each write lock short.
	defaultLogBatchSize = 256
	// 200 ms keeps the log page and the WebSocket backlog close to live.
	defaultLogFlushInterval = 200 * time.Millisecond
	// logGatherDelay is how long the writer lets entries collect in its
	// queue after one arrives; see run.
	logGatherDelay = 10 * time.Millisecond
	// Trimming counts the table; every 5 s is plenty for a bound that has
	// 10% slack.
	defaultLogTrimInterval = 5 * time.Second
	// logTrimSlackPercent lets the log grow this far past its row bound
	// before it is trimmed back, so that most checks delete nothing.
	logTrimSlackPercent = 10
)

// LogWriterConfig configures a LogWriter. Zero fields take the defaults.
type LogWriterConfig struct {
	// QueueSize bounds the entries waiting to be written (default 4096).
	QueueSize int
	// BatchSize is the most entries written in one transaction (default 256).
	BatchSize int
	// FlushInterval is the longest an entry waits for its batch to fill
	// (default 200ms).
	FlushInterval time.Duration
	// TrimInterval is the least time between two retention trims
	// (default 5s).
	TrimInterval time.Duration
	// Retention returns the bounds to trim to: entries older than days and
	// beyond the newest rows go (0 = no bound). It is asked at every trim,
	// so that a settings change applies without a restart. Nil: no trim.
	Retention func() (days, rows int)
	// Redact, when set, is applied in the writer's goroutine (off the
	// request path) to each entry's captured header values and bodies
	// before they are stored. (The error message is already redacted: it
	// is also published live.)
	Redact func(string) string
	// Logger receives write and trim failures (default slog.Default()).
	Logger *slog.Logger
	// OnCommit, when set, is called from the writer goroutine after each
	// batch is committed, with the batch's size and its last entry's ID.
	OnCommit func(n int, lastID string)
}

// LogWriter stores request-log entries in batches from one goroutine, so
// that the proxy never waits for the disk: Enqueue only hands an entry
// over, or drops it when the queue is full.
type LogWriter struct {
	store *Store
	cfg   LogWriterConfig
	log   *slog.Logger

	// mu orders Enqueue against Close: every send happens under the read
	// lock before closed is set, so the close marker, sent after, is the
	// last item the goroutine receives.
	mu     sync.RWMutex
	closed bool

	queue chan logItem
	abort chan struct{} // closed when Close gives up waiting
	done  chan struct{} // closed when the goroutine has returned

	written atomic.Uint64
	dropped atomic.Uint64

	// Owned by the goroutine.
	failedBatches int   // in the current streak of failed batches
	failedEntries int   // in the current streak
	flushErr      error // first failure since the last Flush marker
	lastTrim      time.Time
}

// logItem is an entry or, when marker is set, a request to write what came
// before it and report on marker.
type logItem struct {
	entry  model.LogEntry
	marker chan error
	stop   bool
}

// NewLogWriter starts a writer that stores into store.
func NewLogWriter(store *Store, cfg LogWriterConfig) *LogWriter {
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = defaultLogQueueSize
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = defaultLogBatchSize
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = defaultLogFlushInterval
	}
	if cfg.TrimInterval <= 0 {
		cfg.TrimInterval = defaultLogTrimInterval
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	w := &LogWriter{
		store: store,
		cfg:   cfg,
		log:   logger,
		queue: make(chan logItem, cfg.QueueSize),
		abort: make(chan struct{}),
		done:  make(chan struct{}),
	}
	go w.run()
	return w
}

// Enqueue hands e to the writer and reports whether it was accepted. It
// never blocks: when the queue is full, or the writer is closed, e is
// dropped and counted.
func (w *LogWriter) Enqueue(e model.LogEntry) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if !w.closed {
		select {
		case w.queue <- logItem{entry: e}:
			return true
		default:
		}
	}
	w.dropped.Add(1)
	return false
}

// Written is how many entries have been stored.
func (w *LogWriter) Written() uint64 { return w.written.Load() }

// Dropped is how many entries were not stored: refused by Enqueue, or in a
// batch that failed to write.
func (w *LogWriter) Dropped() uint64 { return w.dropped.Load() }

// Flush waits until every entry enqueued before the call has been written
// (or dropped by a failed batch). It returns the first write error since
// the previous Flush, or ctx's error if it ends first.
func (w *LogWriter) Flush(ctx context.Context) error {
	return w.sendMarker(ctx, false)
}

// Close writes what is queued, then stops the writer; later entries are
// dropped. If ctx ends first, the writer stops after its current batch and
// the entries still queued are counted as dropped. Close is idempotent.
func (w *LogWriter) Close(ctx context.Context) error {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if already {
		select {
		case <-w.done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("storage: close request log writer: %w", ctx.Err())
		}
	}
	err := w.sendMarker(ctx, true)
	if err != nil && ctx.Err() != nil {
		close(w.abort)
		<-w.done
	}
	return err
}

func (w *LogWriter) sendMarker(ctx context.Context, stop bool) error {
	marker := make(chan error, 1)
	select {
	case w.queue <- logItem{marker: marker, stop: stop}:
	case <-w.done:
		return nil // closed: nothing is left to write
	case <-ctx.Done():
		return fmt.Errorf("storage: flush request log: %w", ctx.Err())
	}
	select {
	case err := <-marker:
		return err
	case <-w.done:
		// Close stopped the writer first; everything before the marker
		// was handled.
		return nil
	case <-ctx.Done():
		return fmt.Errorf("storage: flush request log: %w", ctx.Err())
	}
}

func (w *LogWriter) run() {
	defer close(w.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	batch := make([]model.LogEntry, 0, w.cfg.BatchSize)
	caps := captureBatch{redact: w.cfg.Redact}
	var blocks blockWriter
	write := func() {
		timer.Stop()
		w.writeBatch(batch, &caps, &blocks)
		clear(batch)
		batch = batch[:0]
		caps.reset()
	}
	// take handles one queued item; it reports false when the writer
	// must stop.
	take := func(it logItem) bool {
		if it.marker != nil {
			write()
			it.marker <- w.flushErr
			w.flushErr = nil
			return !it.stop
		}
		// Redacted and encoded as soon as it is taken, so that the
		// capture's strings can go.
		caps.add(it.entry.Capture)
		it.entry.Capture = nil
		batch = append(batch, it.entry)
		if len(batch) >= w.cfg.BatchSize {
			write()
		} else if len(batch) == 1 {
			timer.Reset(w.cfg.FlushInterval)
		}
		return true
	}
	// After an item the writer stops receiving for logGatherDelay and
	// then takes everything queued meanwhile: waking for every entry cost
	// more than encoding it under load. The queue holds seconds of heavy
	// traffic, far more than arrives in the delay.
	gather := time.NewTimer(time.Hour)
	gather.Stop()
	defer gather.Stop()
	in := w.queue // nil while gathering
	for {
		select {
		case it := <-in:
			if !take(it) {
				return
			}
			in = nil
			gather.Reset(logGatherDelay)
		case <-gather.C:
			// Only what is queued now, so that the flush timer and abort
			// are looked at between bursts.
			for n := len(w.queue); n > 0; n-- {
				if !take(<-w.queue) {
					return
				}
			}
			in = w.queue
		case <-timer.C:
			write()
		case <-w.abort:
			// Close gave up waiting: count what will never be written.
			// Nothing is enqueued any more, so draining ends.
			w.dropped.Add(uint64(len(batch)))
			for {
				select {
				case it := <-w.queue:
					if it.marker == nil {
						w.dropped.Add(1)
					}
				default:
					return
				}
			}
		}
	}
}

// writeBatch stores batch in one transaction, then trims when it is time.
// A failure drops the batch; only the first of a streak is logged, so a
// full disk does not flood the log.
func (w *LogWriter) writeBatch(batch []model.LogEntry, caps *captureBatch, blocks *blockWriter) {
	if len(batch) == 0 {
		return
	}
	// Background: the writer outlives any request, and a write that was
	// begun should finish (it is bounded by the busy timeout).
	ctx := context.Background()
	if err := w.store.insertLogs(ctx, batch, caps, blocks); err != nil {
		w.dropped.Add(uint64(len(batch)))
		if w.flushErr == nil {
			w.flushErr = err
		}
		if w.failedBatches == 0 {
			w.log.Error("request log: batch not stored; entries dropped until writes succeed again",
				"entries", len(batch), "err", err, "disk_full", errors.Is(err, model.ErrDiskFull))
		}
		w.failedBatches++
		w.failedEntries += len(batch)
		return
	}
	w.written.Add(uint64(len(batch)))
	if w.failedBatches > 0 {
		w.log.Warn("request log: writes recovered", "failed_batches", w.failedBatches,
			"dropped_entries", w.failedEntries)
		w.failedBatches, w.failedEntries = 0, 0
	}
	if w.cfg.OnCommit != nil {
		w.cfg.OnCommit(len(batch), batch[len(batch)-1].ID)
	}
	w.maybeTrim(ctx)
}

func (w *LogWriter) maybeTrim(ctx context.Context) {
	if w.cfg.Retention == nil {
		return
	}
	now := time.Now()
	if !w.lastTrim.IsZero() && now.Sub(w.lastTrim) < w.cfg.TrimInterval {
		return
	}
	w.lastTrim = now
	days, rows := w.cfg.Retention()
	if days <= 0 && rows <= 0 {
		return
	}
	if _, err := w.store.TrimLogs(ctx, now, days, rows, rows*logTrimSlackPercent/100); err != nil {
		w.log.Error("request log: retention trim failed", "err", err)
	}
}
