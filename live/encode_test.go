package live

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sluicegate/sluicegate/model"
)

// TestDeliveredLinesEqualJSONMarshal: the lines the hub queues, live and
// in the hello backlog, are byte for byte json.Marshal(ev), whether the
// event takes the hand-written request.finished path or not.
func TestDeliveredLinesEqualJSONMarshal(t *testing.T) {
	src := model.ErrorSourceProxy
	entry := typicalEntry()
	odd := model.LogEntry{
		ID:           "odd",
		StartedAt:    time.Date(2024, 2, 29, 23, 59, 59, 100, time.FixedZone("", -(3*3600+30*60))),
		Path:         "/v1/x?<script>&\u2028",
		ErrorSource:  &src,
		ErrorMessage: "bad\xffutf8 \"quoted\" \n\t\x01",
		Capture:      &model.LogCapture{RequestBody: "secret body"},
	}
	ts := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	events := []model.Event{
		{Type: model.EventRequestFinished, TS: ts, Data: entry},
		{Type: model.EventRequestFinished, TS: ts.In(time.FixedZone("", 7200)), Data: &entry},
		{Type: model.EventRequestFinished, TS: ts, Data: odd},
		{Type: model.EventRequestFinished, TS: ts, Data: model.LogEntry{}},
		{Type: model.EventRequestFinished, TS: ts, Data: (*model.LogEntry)(nil)},
		{Type: model.EventRequestStarted, TS: ts, Data: model.RequestStarted{ID: "s<1>"}},
		{Type: model.EventRequestStarted, TS: ts, Data: model.RequestStarted{ID: "s2", Method: "POST", Path: "/v1/messages",
			Model: "claude-*\u2028", ProviderKey: "anthropic", Stream: true}},
		{Type: model.EventLog, TS: ts, Data: LogEventData{Message: "hello & bye"}},
	}
	var want [][]byte
	for _, ev := range events {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
	}

	hub, _ := startHub(t, Options{})
	live := newSubscriber(filter{}, 1024, "test")
	if err := hub.subscribe(live, testTimeout); err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		hub.Publish(ev)
	}
	got := drainN(t, live, 1+len(events))[1:] // after hello
	for i := range events {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("event %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}

	// A later subscriber gets the request.finished ones as its backlog.
	late := newSubscriber(filter{}, 1024, "test")
	if err := hub.subscribe(late, testTimeout); err != nil {
		t.Fatal(err)
	}
	backlog := drainN(t, late, 1+5)[1:]
	for i := range backlog {
		if !bytes.Equal(backlog[i], want[i]) {
			t.Errorf("backlog %d:\n got %s\nwant %s", i, backlog[i], want[i])
		}
	}
}

// TestEncodeFallsBackForTimesJSONRefuses: an entry whose time
// json.Marshal cannot encode is refused (and counted) exactly as before.
func TestEncodeFallsBackForTimesJSONRefuses(t *testing.T) {
	var enc lineEncoder
	for _, ev := range []model.Event{
		{Type: model.EventRequestFinished, TS: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Data: model.LogEntry{}},
		{Type: model.EventRequestFinished, TS: time.Now(), Data: model.LogEntry{StartedAt: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		if _, err := json.Marshal(ev); err == nil {
			t.Fatal("json.Marshal accepted the event; the premise of this test is gone")
		}
		if line, err := enc.encode(ev); err == nil {
			t.Fatalf("encode accepted what json.Marshal refuses: %s", line)
		}
	}
}

// TestEncodedLinesAreNotReused: a line handed out stays as it was while
// the encoder goes on to other events.
func TestEncodedLinesAreNotReused(t *testing.T) {
	var enc lineEncoder
	first, err := enc.encode(model.Event{Type: model.EventRequestFinished, TS: time.Now(), Data: model.LogEntry{ID: "first"}})
	if err != nil {
		t.Fatal(err)
	}
	kept := bytes.Clone(first)
	for range 10 {
		if _, err := enc.encode(model.Event{Type: model.EventRequestFinished, TS: time.Now(), Data: typicalEntry()}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(first, kept) {
		t.Fatalf("first line changed to %s", first)
	}
}

// drainN waits until s's queue has handed out n lines and returns them.
func drainN(t *testing.T, s *subscriber, n int) [][]byte {
	t.Helper()
	deadline := time.After(testTimeout)
	var got [][]byte
	for len(got) < n {
		got, _ = s.queue.drain(got, n-len(got))
		if len(got) >= n {
			break
		}
		select {
		case <-s.queue.notify:
		case <-deadline:
			t.Fatalf("got %d lines, want %d", len(got), n)
		}
	}
	return got
}

// TestWriteFrameBytes: a frame is the lines joined by "\n" with no
// trailing newline, and a reused buffer leaves nothing of a longer frame
// before it.
func TestWriteFrameBytes(t *testing.T) {
	h := NewHandler(NewHub(Options{}), HandlerConfig{})
	server, client := loopbackConns(t, h)
	long := bytes.Repeat([]byte("x"), 70<<10) // larger than the write buffer
	frames := [][][]byte{
		{[]byte(`{"a":1}`), long, []byte(`{"b":2}`)},
		{[]byte(`{"c":3}`)},
		{[]byte(`{"d":4}`), []byte(`{"e":5}`)},
	}
	var buf []byte
	for _, lines := range frames {
		var err error
		if buf, err = h.writeFrame(server, buf, lines); err != nil {
			t.Fatal(err)
		}
		if err := client.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
			t.Fatal(err)
		}
		typ, got, err := client.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if want := bytes.Join(lines, []byte("\n")); typ != websocket.TextMessage || !bytes.Equal(got, want) {
			t.Fatalf("frame type %d, %d bytes %.80q; want text, %d bytes %.80q", typ, len(got), got, len(want), want)
		}
	}
}

// TestDeliverSkipsAnUnencodableEvent: in a gathered burst, an event that
// cannot be encoded reaches nobody and counts as dropped once, however
// many subscribers wanted it; every subscriber gets the others in order,
// and a filtered subscriber only those it asked for.
func TestDeliverSkipsAnUnencodableEvent(t *testing.T) {
	hub := NewHub(Options{})
	all1 := newSubscriber(filter{}, DefaultQueueSize, "test")
	all2 := newSubscriber(filter{}, DefaultQueueSize, "test")
	onlyStarted := newSubscriber(filter{types: map[string]bool{model.EventRequestStarted: true}}, DefaultQueueSize, "test")
	subs := map[*subscriber]struct{}{all1: {}, all2: {}, onlyStarted: {}}
	bad := model.Event{Type: model.EventRequestFinished, TS: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Data: model.LogEntry{ID: "bad"}}
	hub.deliver(subs, []model.Event{started("a"), finished("b", 200), bad, started("c")})
	if got := hub.Dropped(); got != 1 {
		t.Fatalf("Dropped() = %d, want 1", got)
	}
	for s, want := range map[*subscriber][]string{
		all1:        {"request.started:a", "request.finished:b", "request.started:c"},
		all2:        {"request.started:a", "request.finished:b", "request.started:c"},
		onlyStarted: {"request.started:a", "request.started:c"},
	} {
		lines, rest := s.queue.drain(nil, 100)
		if got := lineLabels(t, lines); rest != 0 || !slices.Equal(got, want) {
			t.Errorf("queued %v (%d left), want %v", got, rest, want)
		}
	}
}
