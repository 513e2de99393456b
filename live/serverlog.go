package live

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// DefaultLogRingSize is how many server log records are kept (API.md §3
// "Error log": the last 1,000).
const DefaultLogRingSize = 1000

// captureLevel is the lowest level kept in the ring and published.
const captureLevel = slog.LevelWarn

// maxInFlightPublishes bounds concurrent publish calls from the log
// handler. Publish is non-blocking, so in practice only a publish func that
// itself logs a warning reaches this depth; the bound turns that recursion
// into a dropped live message instead of a stack overflow.
const maxInFlightPublishes = 64

// LogRing keeps the most recent server log records. It is safe for
// concurrent use.
type LogRing struct {
	mu   sync.Mutex
	buf  []ringRecord
	next int
	full bool
}

// ringRecord is a kept record with its level for filtering.
type ringRecord struct {
	level slog.Level
	rec   model.ServerLogRecord
}

// NewLogRing returns a ring of size records (DefaultLogRingSize if size <= 0).
func NewLogRing(size int) *LogRing {
	if size <= 0 {
		size = DefaultLogRingSize
	}
	return &LogRing{buf: make([]ringRecord, size)}
}

func (r *LogRing) add(level slog.Level, rec model.ServerLogRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf[r.next] = ringRecord{level: level, rec: rec}
	r.next = (r.next + 1) % len(r.buf)
	if r.next == 0 {
		r.full = true
	}
}

// Records returns up to limit kept records at minLevel or above, newest
// first; limit <= 0 means all. The Attrs maps are shared: read-only.
func (r *LogRing) Records(minLevel slog.Level, limit int) []model.ServerLogRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	out := []model.ServerLogRecord{}
	for i := range n {
		if limit > 0 && len(out) >= limit {
			break
		}
		// Walk backwards from the newest slot.
		rr := r.buf[(r.next-1-i+len(r.buf))%len(r.buf)]
		if rr.level >= minLevel {
			out = append(out, rr.rec)
		}
	}
	return out
}

// LogEventData is the data of a "log" event: {level, message, attrs}.
type LogEventData struct {
	Level   string         `json:"level"`
	Message string         `json:"message"`
	Attrs   map[string]any `json:"attrs"`
}

// logShared is the state every handler derived by WithAttrs/WithGroup
// shares.
type logShared struct {
	ring     *LogRing
	publish  func(model.Event)
	redact   func(string) string
	inFlight atomic.Int32
}

// LogHandler is a slog.Handler that passes every record to the next
// handler unchanged and also keeps WARN and ERROR records in a LogRing and
// publishes them as "log" events. It is safe for concurrent use.
type LogHandler struct {
	next   slog.Handler
	shared *logShared
	prefix string   // "g1.g2." from WithGroup, for the attrs that follow
	attrs  []kvPair // flattened and redacted attrs from WithAttrs
}

// kvPair is one flattened attribute.
type kvPair struct {
	key   string
	value any
}

var _ slog.Handler = (*LogHandler)(nil)

// NewLogHandler wraps next. publish (may be nil) receives each kept record
// as a "log" event; it is called without any lock held, so it may log.
// redact (nil: identity) is applied to the message and every string value.
func NewLogHandler(next slog.Handler, ring *LogRing, publish func(model.Event), redact func(string) string) *LogHandler {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	return &LogHandler{next: next, shared: &logShared{ring: ring, publish: publish, redact: redact}}
}

// Enabled reports whether next wants the level or the ring does.
func (h *LogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= captureLevel || h.next.Enabled(ctx, level)
}

// Handle passes r to next (if next is enabled for its level) and keeps it
// when it is a warning or an error.
func (h *LogHandler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	// Enabled says yes to WARN for the ring even when next would not; only
	// give next what it asked for.
	if h.next.Enabled(ctx, r.Level) {
		err = h.next.Handle(ctx, r)
	}
	if r.Level >= captureLevel {
		h.capture(r)
	}
	return err
}

// capture flattens r into a ServerLogRecord, keeps it and publishes it.
func (h *LogHandler) capture(r slog.Record) {
	sh := h.shared
	attrs := make(map[string]any, len(h.attrs)+r.NumAttrs())
	for _, kv := range h.attrs {
		attrs[kv.key] = kv.value
	}
	r.Attrs(func(a slog.Attr) bool {
		for _, kv := range flatten(nil, h.prefix, a, sh.redact) {
			attrs[kv.key] = kv.value
		}
		return true
	})
	ts := r.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	rec := model.ServerLogRecord{
		TS:      ts,
		Level:   strings.ToLower(r.Level.String()),
		Message: sh.redact(r.Message),
		Attrs:   attrs,
	}
	if sh.ring != nil {
		sh.ring.add(r.Level, rec)
	}
	if sh.publish == nil {
		return
	}
	if sh.inFlight.Add(1) > maxInFlightPublishes {
		sh.inFlight.Add(-1)
		return
	}
	defer sh.inFlight.Add(-1)
	sh.publish(model.Event{
		Type: model.EventLog,
		TS:   ts,
		Data: LogEventData{Level: rec.Level, Message: rec.Message, Attrs: attrs},
	})
}

// WithAttrs returns a handler whose records carry attrs as well.
func (h *LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := *h
	c.next = h.next.WithAttrs(attrs)
	c.attrs = append([]kvPair(nil), h.attrs...)
	for _, a := range attrs {
		c.attrs = flatten(c.attrs, h.prefix, a, h.shared.redact)
	}
	return &c
}

// WithGroup returns a handler that qualifies later attrs with name.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h // slog: an empty group name changes nothing
	}
	c := *h
	c.next = h.next.WithGroup(name)
	c.prefix = h.prefix + name + "."
	return &c
}

// flatten appends a, with key prefix, to dst as key/value pairs: groups
// become "group.key" names (an unnamed group is inlined, as slog does),
// empty attrs are skipped, values are resolved and made JSON-safe.
func flatten(dst []kvPair, prefix string, a slog.Attr, redact func(string) string) []kvPair {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return dst
	}
	if a.Value.Kind() == slog.KindGroup {
		inner := prefix
		if a.Key != "" {
			inner = prefix + a.Key + "."
		}
		for _, ga := range a.Value.Group() {
			dst = flatten(dst, inner, ga, redact)
		}
		return dst
	}
	return append(dst, kvPair{key: prefix + a.Key, value: plainValue(a.Value, redact)})
}

// plainValue turns v into a value that encodes to JSON and carries no
// secret: numbers and bools as they are, everything else as a redacted
// string.
func plainValue(v slog.Value, redact func(string) string) any {
	switch v.Kind() {
	case slog.KindBool:
		return v.Bool()
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return v.Uint64()
	case slog.KindFloat64:
		if f := v.Float64(); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
		return fmt.Sprint(v.Float64()) // JSON has no NaN or Inf
	case slog.KindDuration:
		return v.Duration().String()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	case slog.KindString:
		return redact(v.String())
	default:
		// Errors, structs and the like: their text, redacted.
		return redact(fmt.Sprint(v.Any()))
	}
}
