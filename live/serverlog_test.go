package live

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// recorder collects published events.
type recorder struct {
	mu     sync.Mutex
	events []model.Event
}

func (r *recorder) publish(ev model.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) all() []model.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]model.Event(nil), r.events...)
}

const secret = "sk-live-SECRET123"

func redactSecret(s string) string { return strings.ReplaceAll(s, secret, "[REDACTED]") }

// newTestLogger wires a LogHandler over a JSON handler writing to out at
// level.
func newTestLogger(level slog.Level, out *bytes.Buffer, ring *LogRing, rec *recorder) *slog.Logger {
	next := slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level})
	var publish func(model.Event)
	if rec != nil {
		publish = rec.publish
	}
	return slog.New(NewLogHandler(next, ring, publish, redactSecret))
}

func TestLogHandlerKeepsWarningsAndErrors(t *testing.T) {
	var out bytes.Buffer
	ring, rec := NewLogRing(0), &recorder{}
	log := newTestLogger(slog.LevelDebug, &out, ring, rec)

	log.Debug("debugging", "n", 1)
	log.Info("informing", "n", 2)
	log.Warn("upstream failed", "provider", "openai", "status", 502)
	log.Error("storage fault", "err", errors.New("disk full"))

	// next got every record, unchanged.
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("next got %d records, want 4:\n%s", len(lines), out.String())
	}
	for i, want := range []string{"debugging", "informing", "upstream failed", "storage fault"} {
		if !strings.Contains(lines[i], `"msg":"`+want+`"`) {
			t.Fatalf("next record %d = %s, want %q", i, lines[i], want)
		}
	}

	got := ring.Records(slog.LevelWarn, 0)
	if len(got) != 2 {
		t.Fatalf("ring has %d records, want 2: %+v", len(got), got)
	}
	// Newest first.
	if got[0].Level != "error" || got[0].Message != "storage fault" || got[0].Attrs["err"] != "disk full" {
		t.Fatalf("newest = %+v", got[0])
	}
	if got[1].Level != "warn" || got[1].Message != "upstream failed" ||
		got[1].Attrs["provider"] != "openai" || got[1].Attrs["status"] != int64(502) || got[1].TS.IsZero() {
		t.Fatalf("oldest = %+v", got[1])
	}
	if errs := ring.Records(slog.LevelError, 0); len(errs) != 1 || errs[0].Message != "storage fault" {
		t.Fatalf("errors only = %+v", errs)
	}

	events := rec.all()
	if len(events) != 2 {
		t.Fatalf("published %d events, want 2", len(events))
	}
	for i, want := range []string{"upstream failed", "storage fault"} {
		ev := events[i]
		d, ok := ev.Data.(LogEventData)
		if ev.Type != model.EventLog || !ok || d.Message != want || ev.TS.IsZero() {
			t.Fatalf("event %d = %+v, want log %q", i, ev, want)
		}
	}
	b, err := json.Marshal(events[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"data":{"level":"warn","message":"upstream failed","attrs":{`) {
		t.Fatalf("log event JSON = %s", b)
	}
}

func TestLogHandlerRespectsNextLevel(t *testing.T) {
	var out bytes.Buffer
	ring := NewLogRing(0)
	// next only wants errors; the ring still wants warnings.
	log := newTestLogger(slog.LevelError, &out, ring, nil)
	log.Info("quiet")
	log.Warn("kept for the ring")
	if out.Len() != 0 {
		t.Fatalf("next got %s, want nothing below ERROR", out.String())
	}
	if got := ring.Records(slog.LevelWarn, 0); len(got) != 1 || got[0].Message != "kept for the ring" {
		t.Fatalf("ring = %+v", got)
	}
}

func TestLogHandlerRedactsSecrets(t *testing.T) {
	var out bytes.Buffer
	ring, rec := NewLogRing(0), &recorder{}
	log := newTestLogger(slog.LevelInfo, &out, ring, rec).
		With("key", secret).
		WithGroup("req").
		With("auth", "Bearer "+secret)
	log.Warn("call with "+secret+" failed",
		"err", fmt.Errorf("upstream said: bad key %s", secret),
		slog.Group("headers", "x-api-key", secret),
		"any", struct{ Token string }{secret},
	)

	recs := ring.Records(slog.LevelWarn, 0)
	b, err := json.Marshal(map[string]any{"ring": recs, "events": rec.all()})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secret) {
		t.Fatalf("secret leaked: %s", b)
	}
	want := map[string]any{
		"key":                   "[REDACTED]",
		"req.auth":              "Bearer [REDACTED]",
		"req.err":               "upstream said: bad key [REDACTED]",
		"req.headers.x-api-key": "[REDACTED]",
		"req.any":               "{[REDACTED]}",
	}
	if len(recs) != 1 || !maps.Equal(recs[0].Attrs, want) || recs[0].Message != "call with [REDACTED] failed" {
		t.Fatalf("record = %+v\nwant attrs %v", recs, want)
	}
}

// lazyValue is a slog.LogValuer, which the handler must resolve.
type lazyValue struct{}

func (lazyValue) LogValue() slog.Value { return slog.IntValue(7) }

func TestLogHandlerFlattensGroupsAndAttrs(t *testing.T) {
	var out bytes.Buffer
	ring := NewLogRing(0)
	base := newTestLogger(slog.LevelInfo, &out, ring, nil)
	log := base.WithGroup("svc").With("a", 1).WithGroup("").WithGroup("check")
	log.Warn("m",
		slog.Group("h", "b", 2, slog.Group("deep", "c", true)),
		"d", 1.5,
		slog.Group("", "inline", "yes"),
		slog.Group("empty"),
		slog.Attr{},
		"lazy", lazyValue{},
		"dur", 1500*time.Millisecond,
	)
	// The parent logger is unaffected by the derived ones.
	base.Warn("plain", "x", "y")

	recs := ring.Records(slog.LevelWarn, 0)
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	want := map[string]any{
		"svc.a":              int64(1),
		"svc.check.h.b":      int64(2),
		"svc.check.h.deep.c": true,
		"svc.check.d":        1.5,
		"svc.check.inline":   "yes",
		"svc.check.lazy":     int64(7),
		"svc.check.dur":      "1.5s",
	}
	if !maps.Equal(recs[1].Attrs, want) {
		t.Fatalf("attrs = %v\nwant  %v", recs[1].Attrs, want)
	}
	if !maps.Equal(recs[0].Attrs, map[string]any{"x": "y"}) {
		t.Fatalf("parent attrs = %v", recs[0].Attrs)
	}
	// next saw the same structure (its own JSON nesting).
	if !strings.Contains(out.String(), `"svc":{"a":1,"check":{"h":{"b":2,"deep":{"c":true}}`) {
		t.Fatalf("next output = %s", out.String())
	}
}

func TestLogRingWrapsNewestFirst(t *testing.T) {
	ring := NewLogRing(5)
	log := slog.New(NewLogHandler(slog.DiscardHandler, ring, nil, nil))
	for i := range 12 {
		if i%2 == 0 {
			log.Error(fmt.Sprint("e", i))
		} else {
			log.Warn(fmt.Sprint("w", i))
		}
	}
	tests := []struct {
		level slog.Level
		limit int
		want  []string
	}{
		{slog.LevelWarn, 0, []string{"w11", "e10", "w9", "e8", "w7"}},
		{slog.LevelWarn, 2, []string{"w11", "e10"}},
		{slog.LevelError, 0, []string{"e10", "e8"}},
		{slog.LevelError + 4, 0, []string{}},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range ring.Records(tt.level, tt.limit) {
			got = append(got, r.Message)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Fatalf("Records(%v, %d) = %v, want %v", tt.level, tt.limit, got, tt.want)
		}
	}
	if got := NewLogRing(0).Records(slog.LevelWarn, 10); got == nil || len(got) != 0 {
		t.Fatalf("empty ring = %#v, want an empty non-nil slice (JSON [])", got)
	}
}

func TestLogHandlerPublishThatLogsDoesNotDeadlock(t *testing.T) {
	ring := NewLogRing(10)
	var log *slog.Logger
	var calls int
	publish := func(model.Event) {
		calls++
		// A publisher that warns every time it is called: recursion that
		// must end, and no lock may be held here.
		log.Warn("publish is complaining")
		_ = ring.Records(slog.LevelWarn, 1)
	}
	log = slog.New(NewLogHandler(slog.DiscardHandler, ring, publish, nil))

	done := make(chan struct{})
	go func() {
		defer close(done)
		log.Error("first")
	}()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("logging from publish deadlocked")
	}
	if calls != maxInFlightPublishes {
		t.Fatalf("publish called %d times, want the bound %d", calls, maxInFlightPublishes)
	}
	// Every record still reached the ring.
	if got := ring.Records(slog.LevelWarn, 0); len(got) != 10 {
		t.Fatalf("ring has %d records", len(got))
	}
	// The bound was released: the next record is published again.
	calls = 0
	log = slog.New(NewLogHandler(slog.DiscardHandler, ring, func(model.Event) { calls++ }, nil))
	log.Warn("again")
	if calls != 1 {
		t.Fatalf("publish after recursion called %d times", calls)
	}
}

func TestLogHandlerConcurrent(t *testing.T) {
	ring, rec := NewLogRing(100), &recorder{}
	var out syncBuffer
	next := slog.NewTextHandler(&out, nil)
	log := slog.New(NewLogHandler(next, ring, rec.publish, redactSecret))

	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			l := log.With("worker", w).WithGroup("g")
			for i := range each {
				l.Warn("tick", "i", i, "key", secret)
				_ = ring.Records(slog.LevelWarn, 5)
			}
		})
	}
	wg.Wait()
	if got := len(rec.all()); got != workers*each {
		t.Fatalf("published %d, want %d", got, workers*each)
	}
	if got := len(ring.Records(slog.LevelWarn, 0)); got != 100 {
		t.Fatalf("ring has %d, want 100", got)
	}
	if !strings.Contains(out.String(), "tick") {
		t.Fatal("next got nothing")
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLogEventsReachSubscribers(t *testing.T) {
	hub, _ := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{})
	c := dial(t, srv, "errors=1")
	c.hello()
	log := slog.New(NewLogHandler(slog.DiscardHandler, NewLogRing(0), hub.Publish, redactSecret))
	log.Info("not an error")
	log.Warn("check could not run", "key", secret)
	m := c.next()
	var d LogEventData
	if err := json.Unmarshal(m.Data, &d); err != nil {
		t.Fatal(err)
	}
	if m.Type != model.EventLog || d.Level != "warn" || d.Message != "check could not run" || d.Attrs["key"] != "[REDACTED]" {
		t.Fatalf("got %s %+v", m.Type, d)
	}
}
