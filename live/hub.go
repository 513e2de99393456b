// Package live fans events out to WebSocket subscribers and keeps the
// server's own error log.
//
// The shape follows gorilla/websocket's chat example: one goroutine (Hub.Run)
// owns the set of subscribers, and each subscriber has a bounded queue that a
// single writer goroutine drains. Unlike the chat example a full queue does
// not drop the client: its events are dropped and counted, and the client
// is told how many it missed with a "dropped" message (API.md §3), because
// the dashboard would rather see a gap than reconnect in a loop.
//
// Publishing never blocks: the proxy calls Publish on its request path.
package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// Defaults for Options. Each is used when the option is zero or negative.
const (
	// DefaultInboundBuffer absorbs bursts between Publish and the hub
	// goroutine; a burst larger than this is dropped and counted.
	DefaultInboundBuffer = 4096
	// DefaultQueueSize bounds each subscriber's queue: about a second of a
	// heavy burst, small enough that a stuck client costs little memory.
	DefaultQueueSize = 1024
	// DefaultBacklog is how many request.finished events a new subscriber
	// gets after hello (API.md: "the last N (≤ 100)").
	DefaultBacklog = 100
)

// gatherDelay is how long the hub lets events collect in the inbound
// buffer after one arrives before it delivers them together.
const gatherDelay = 5 * time.Millisecond

// ErrHubClosed is returned when subscribing to a hub that is not running.
var ErrHubClosed = errors.New("live: hub is closed")

// Options configures a Hub.
type Options struct {
	// InboundBuffer is the capacity of the channel between Publish and the
	// hub goroutine.
	InboundBuffer int
	// QueueSize is each subscriber's queue capacity in events.
	QueueSize int
	// Backlog is how many recent request.finished events are kept for hello.
	Backlog int
}

// Hub fans published events out to subscribers. Create it with NewHub and
// run it with Run; Publish, Subscribers and Dropped are safe for concurrent
// use, before, during and after Run.
type Hub struct {
	queueSize   int
	backlogSize int

	in         chan model.Event
	register   chan *subscriber
	unregister chan *subscriber
	done       chan struct{} // closed when Run returns
	started    atomic.Bool
	closed     atomic.Bool

	// enc encodes events into lines; lines and batch are deliver's
	// scratch. Only the hub goroutine uses them.
	enc   lineEncoder
	lines [][]byte
	batch [][]byte

	inDropped   atomic.Uint64 // events refused by Publish (inbound channel full)
	subDropped  atomic.Uint64 // events a subscriber missed because its queue was full
	subscribers atomic.Int64
}

// NewHub returns a hub that is not yet running; it has no side effects.
func NewHub(opts Options) *Hub {
	if opts.InboundBuffer <= 0 {
		opts.InboundBuffer = DefaultInboundBuffer
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.Backlog <= 0 {
		opts.Backlog = DefaultBacklog
	}
	return &Hub{
		queueSize:   opts.QueueSize,
		backlogSize: opts.Backlog,
		in:          make(chan model.Event, opts.InboundBuffer),
		register:    make(chan *subscriber),
		unregister:  make(chan *subscriber),
		done:        make(chan struct{}),
	}
}

// Publish hands an event to the hub without ever blocking: when the inbound
// buffer is full the event is dropped and counted in Dropped. A zero TS is
// set to now. After the hub has stopped, events are discarded.
func (h *Hub) Publish(ev model.Event) {
	if h.closed.Load() {
		return
	}
	if ev.TS.IsZero() {
		ev.TS = time.Now()
	}
	select {
	case h.in <- ev:
	default:
		h.inDropped.Add(1)
	}
}

// Subscribers is the number of connected subscribers.
func (h *Hub) Subscribers() int {
	return int(h.subscribers.Load())
}

// Dropped counts events that did not reach a subscriber: those Publish
// refused because the hub was behind (once each, since every subscriber
// missed them) plus, per subscriber, those its full queue refused.
func (h *Hub) Dropped() uint64 {
	return h.inDropped.Load() + h.subDropped.Load()
}

// Run owns the subscriber set and delivers events until ctx is done. Then
// every subscriber is closed (its connection gets a "going away" close) and
// Run returns. Run may be called once; a second call returns an error.
func (h *Hub) Run(ctx context.Context) error {
	if !h.started.CompareAndSwap(false, true) {
		return errors.New("live: hub already run")
	}
	subs := make(map[*subscriber]struct{})
	backlog := newBacklog(h.backlogSize)
	var seenInDropped uint64
	defer func() {
		h.closed.Store(true)
		close(h.done)
		for s := range subs {
			s.close(closeGoingAway)
		}
		h.subscribers.Store(0)
	}()
	// take handles events in the order they were published.
	take := func(evs []model.Event) {
		// Events Publish refused were missed by every subscriber; tell
		// them so their count of missed events stays exact.
		if n := h.inDropped.Load(); n != seenInDropped {
			for s := range subs {
				s.queue.addDropped(n - seenInDropped)
			}
			seenInDropped = n
		}
		for _, ev := range evs {
			switch ev.Type {
			case model.EventRequestFinished:
				backlog.add(ev)
			case model.EventLogsCleared:
				// A client that connects after the log was cleared must
				// not be greeted with the cleared entries.
				backlog = newBacklog(h.backlogSize)
			}
		}
		h.deliver(subs, evs)
	}
	// After an event the hub stops receiving for gatherDelay and then
	// takes everything queued meanwhile in one go. Waking for every event
	// cost more than delivering it under load (two events a request);
	// subscribers' writers wait longer than this anyway to fill a frame.
	gather := time.NewTimer(time.Hour)
	gather.Stop()
	defer gather.Stop()
	in := h.in // nil while gathering
	var evs []model.Event
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-h.register:
			subs[s] = struct{}{}
			h.subscribers.Store(int64(len(subs)))
			s.greet(&h.enc, backlog.entries())
		case s := <-h.unregister:
			if _, ok := subs[s]; ok {
				delete(subs, s)
				h.subscribers.Store(int64(len(subs)))
			}
		case ev := <-in:
			evs = append(evs[:0], ev)
			take(evs)
			in = nil
			gather.Reset(gatherDelay)
		case <-gather.C:
			// Only what is queued now: under a sustained stream the loop
			// must come back to register, unregister and ctx.
			evs = evs[:0]
			for n := len(h.in); n > 0; n-- {
				evs = append(evs, <-h.in)
			}
			take(evs)
			in = h.in
		}
		clear(evs) // let delivered events' data be collected
	}
}

// deliver encodes each event once, if any subscriber wants it, and queues
// for each subscriber the events it wants, under one lock of its queue.
func (h *Hub) deliver(subs map[*subscriber]struct{}, evs []model.Event) {
	if len(evs) == 0 || len(subs) == 0 {
		return
	}
	lines := slices.Grow(h.lines[:0], len(evs))[:len(evs)]
	var failed map[int]bool // events that could not be encoded (a publisher bug)
	for s := range subs {
		batch := h.batch[:0]
		for i, ev := range evs {
			if !s.filter.accepts(ev) || failed[i] {
				continue
			}
			if lines[i] == nil {
				line, err := h.enc.encode(ev)
				if err != nil {
					// Data that cannot be encoded is a publisher bug; the
					// event cannot reach anybody, so it counts as dropped,
					// once. (No logging here: a log record is itself an
					// event.)
					if failed == nil {
						failed = map[int]bool{}
					}
					failed[i] = true
					h.inDropped.Add(1)
					continue
				}
				lines[i] = line
			}
			batch = append(batch, lines[i])
		}
		if n := s.queue.push(batch...); n > 0 {
			h.subDropped.Add(uint64(n))
		}
		clear(batch)
		h.batch = batch
	}
	clear(lines)
	h.lines = lines
}

// lineEncoder encodes events into the lines queued for subscribers.
// request.started and request.finished events, the bulk of the stream,
// take a hand-written path that writes the same bytes as json.Marshal at a
// fraction of its cost (issue 9); every other event goes through
// json.Marshal.
type lineEncoder struct {
	buf []byte // scratch, reused from event to event
}

// maxScratch bounds the scratch buffer kept between events, so that one
// huge entry does not pin its memory for the hub's lifetime.
const maxScratch = 64 << 10

// encode returns ev as one JSON line, byte for byte what json.Marshal(ev)
// returns. The line is the caller's: nothing here touches it again.
func (enc *lineEncoder) encode(ev model.Event) ([]byte, error) {
	b := append(enc.buf[:0], `{"type":`...)
	b = model.AppendJSONString(b, ev.Type)
	b = append(b, `,"ts":`...)
	b, ok := model.AppendJSONTime(b, ev.TS)
	if ok {
		b = append(b, `,"data":`...)
		// Each case calls AppendJSON on its own variable: d stays on the
		// stack, where an interface holding &d would move every entry
		// to the heap.
		switch d := ev.Data.(type) {
		case model.LogEntry:
			b, ok = d.AppendJSON(b)
		case *model.LogEntry:
			if d == nil { // encodes as null: json.Marshal handles that
				return json.Marshal(ev)
			}
			b, ok = d.AppendJSON(b)
		case model.RequestStarted:
			b, ok = d.AppendJSON(b)
		default:
			return json.Marshal(ev)
		}
	}
	if !ok {
		// A time json.Marshal refuses (a year past 9999): let it report
		// the error as before.
		return json.Marshal(ev)
	}
	b = append(b, '}')
	// Queued lines are shared by subscribers and read by their writers
	// later, so the line is a copy and the scratch stays the encoder's.
	line := bytes.Clone(b)
	if cap(b) <= maxScratch {
		enc.buf = b
	}
	return line, nil
}

// errHubBusy is returned when the hub did not take a subscriber in time,
// which means Run has not been called (yet).
var errHubBusy = errors.New("live: hub is not running")

// subscribe registers s with the running hub, which queues hello and the
// backlog for it before any later event. It waits at most timeout for the
// hub: a hub that is about to run gets the chance, one never run does not
// hang the caller.
func (h *Hub) subscribe(s *subscriber, timeout time.Duration) error {
	if h.closed.Load() {
		return ErrHubClosed
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case h.register <- s:
		return nil
	case <-h.done:
		return ErrHubClosed
	case <-t.C:
		return errHubBusy
	}
}

// unsubscribe removes s; it is a no-op once the hub has stopped.
func (h *Hub) unsubscribe(s *subscriber) {
	select {
	case h.unregister <- s:
	case <-h.done:
	}
}

// backlog is a ring of the most recent request.finished events, oldest
// first. Only the hub goroutine touches it.
type backlog struct {
	buf  []model.Event
	next int
	full bool
}

func newBacklog(size int) *backlog {
	return &backlog{buf: make([]model.Event, size)}
}

func (b *backlog) add(ev model.Event) {
	b.buf[b.next] = ev
	b.next = (b.next + 1) % len(b.buf)
	if b.next == 0 {
		b.full = true
	}
}

// entries returns the kept events, oldest first.
func (b *backlog) entries() []model.Event {
	if !b.full {
		return b.buf[:b.next]
	}
	out := make([]model.Event, 0, len(b.buf))
	out = append(out, b.buf[b.next:]...)
	return append(out, b.buf[:b.next]...)
}

// queue is one subscriber's bounded queue of encoded messages. The hub
// goroutine pushes; the subscriber's writer drains. It holds at most limit
// events plus one "dropped" marker.
type queue struct {
	mu      sync.Mutex
	items   [][]byte
	limit   int
	dropped uint64 // missed since the last marker was queued
	notify  chan struct{}
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, notify: make(chan struct{}, 1)}
}

// push queues lines in order, counting each that finds the queue full as
// dropped, and returns how many were dropped.
func (q *queue) push(lines ...[]byte) (dropped int) {
	if len(lines) == 0 {
		return 0
	}
	q.mu.Lock()
	for _, line := range lines {
		if len(q.items) >= q.limit {
			q.dropped++
			dropped++
			continue
		}
		// Room again after a gap: the subscriber learns about the gap
		// before the events that follow it.
		if q.dropped > 0 {
			q.items = append(q.items, droppedLine(q.dropped))
			q.dropped = 0
		}
		q.items = append(q.items, line)
	}
	q.mu.Unlock()
	if dropped < len(lines) {
		q.wake()
	}
	return dropped
}

// addDropped counts n events this subscriber missed upstream of its queue.
func (q *queue) addDropped(n uint64) {
	q.mu.Lock()
	q.dropped += n
	q.mu.Unlock()
	q.wake()
}

func (q *queue) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// len is the number of queued messages.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// drain appends up to max queued messages to dst, removes them and
// reports how many stay queued. When that empties the queue and events
// were dropped since, the "dropped" marker is appended too: the gap came
// after everything drained.
func (q *queue) drain(dst [][]byte, max int) ([][]byte, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.items), max)
	dst = append(dst, q.items[:n]...)
	rest := copy(q.items, q.items[n:])
	clear(q.items[rest:]) // let the drained lines be collected
	q.items = q.items[:rest]
	if rest == 0 && q.dropped > 0 {
		dst = append(dst, droppedLine(q.dropped))
		q.dropped = 0
	}
	return dst, rest
}

// droppedLine encodes a "dropped" message for n missed events.
func droppedLine(n uint64) []byte {
	return mustEncode(model.Event{Type: model.EventDropped, TS: time.Now(), Data: droppedData{Count: n}})
}

// droppedData is the data of a "dropped" message.
type droppedData struct {
	Count uint64 `json:"count"`
}

// helloData is the data of the "hello" message.
type helloData struct {
	Version string `json:"version"`
	Backlog int    `json:"backlog"`
}

// mustEncode marshals messages whose data types are this package's own and
// always encode.
func mustEncode(ev model.Event) []byte {
	b, err := json.Marshal(ev)
	if err != nil {
		panic("live: encoding " + ev.Type + ": " + err.Error())
	}
	return b
}
