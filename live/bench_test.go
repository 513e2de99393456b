package live

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sluicegate/sluicegate/model"
)

// BenchmarkPublish measures Publish with five subscribers, each drained by
// its own goroutine like a writer would, and reports how many events did
// not reach a subscriber. A tight loop publishes far faster than the hub
// can encode and fan out, so most are dropped: that is the point, Publish
// stays cheap whatever the hub's backlog.
func BenchmarkPublish(b *testing.B) {
	hub := NewHub(Options{})
	ctx := b.Context()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hub.Run(ctx)
	}()
	b.Cleanup(func() { <-done }) // ctx is canceled before cleanups run
	for range 5 {
		s := newSubscriber(filter{}, DefaultQueueSize, "bench")
		if err := hub.subscribe(s, time.Minute); err != nil {
			b.Fatal(err)
		}
		go func() {
			var buf [][]byte
			for {
				select {
				case <-s.stop:
					return
				case <-s.queue.notify:
					for {
						if buf, _ = s.queue.drain(buf[:0], DefaultMaxBatch); len(buf) == 0 {
							break
						}
					}
				}
			}
		}()
	}
	ev := finished("bench", 200)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		hub.Publish(ev)
	}
	b.StopTimer()
	b.ReportMetric(float64(hub.Dropped())/float64(b.N), "drops/op")
}

// typicalEntry is a request.finished entry of the size the request log
// usually holds (a line of about 600 bytes once encoded).
func typicalEntry() model.LogEntry {
	src := model.ErrorSourceUpstream
	return model.LogEntry{
		ID:              "01JQ8Z6W3V6K9N2B4C7D8E9F0A",
		StartedAt:       time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CET", 3600)),
		Method:          "POST",
		Path:            "/v1/chat/completions",
		Model:           "gpt-4o-mini",
		ProviderKey:     "openai-main",
		UpstreamModel:   "gpt-4o-mini-2024-07-18",
		Stream:          true,
		Status:          429,
		ErrorSource:     &src,
		ErrorType:       "rate_limit_exceeded",
		ErrorMessage:    "Rate limit reached for gpt-4o-mini in organization org-xxxx on tokens per min (TPM): Limit 200000, Used 199000, Requested 1500. Please try again in 150ms.",
		LatencyMs:       1234,
		TTFBMs:          321,
		BytesIn:         2048,
		BytesOut:        8192,
		Usage:           &model.Usage{PromptTokens: 1234, CompletionTokens: 567},
		ClientRequestID: "01JQ8Z6W3V6K9N2B4C7D8E9F0A",
		Attempt:         1,
		Attempts:        2,
	}
}

// BenchmarkDeliverRequestFinished measures the hub's work for
// request.finished events with five unfiltered subscribers: encoding each
// line once and queueing it five times, for one event alone (a quiet
// stream) and for a burst the hub gathered.
func BenchmarkDeliverRequestFinished(b *testing.B) {
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprint(n, " events"), func(b *testing.B) {
			hub := NewHub(Options{})
			subs := make(map[*subscriber]struct{})
			for range 5 {
				subs[newSubscriber(filter{}, DefaultQueueSize, "bench")] = struct{}{}
			}
			evs := make([]model.Event, n)
			for i := range evs {
				evs[i] = model.Event{Type: model.EventRequestFinished, TS: time.Now(), Data: typicalEntry()}
			}
			b.ReportAllocs()
			for b.Loop() {
				hub.deliver(subs, evs)
				// Empty the queues the way a writer would, so that none fills.
				for s := range subs {
					s.queue.mu.Lock()
					clear(s.queue.items)
					s.queue.items = s.queue.items[:0]
					s.queue.mu.Unlock()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
			if hub.Dropped() != 0 {
				b.Fatalf("%d events dropped", hub.Dropped())
			}
		})
	}
}

// BenchmarkWriteFrame measures writing one frame of 64 typical lines over
// a real loopback WebSocket connection to a client that reads everything.
func BenchmarkWriteFrame(b *testing.B) {
	h := NewHandler(NewHub(Options{}), HandlerConfig{})
	conn, client := loopbackConns(b, h)

	readDone := make(chan int)
	go func() {
		frames := 0
		defer func() { readDone <- frames }()
		for {
			_, rd, err := client.NextReader()
			if err != nil {
				return
			}
			if _, err := io.Copy(io.Discard, rd); err != nil {
				return
			}
			frames++
		}
	}()

	line := mustEncode(model.Event{Type: model.EventRequestFinished, TS: time.Now(), Data: typicalEntry()})
	lines := make([][]byte, 64)
	for i := range lines {
		lines[i] = line
	}
	var frame []byte
	b.SetBytes(int64(64*len(line) + 63))
	b.ReportAllocs()
	cpu0 := processCPU(b)
	for b.Loop() {
		var err error
		if frame, err = h.writeFrame(conn, frame, lines); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// Wall time on a busy machine says little; the CPU the process spent
	// (writer, reader and the kernel's share on their behalf) is the cost.
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
	conn.Close()
	<-readDone
}

// processCPU is the user plus system CPU time this process has used.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopbackConns upgrades a loopback connection with h's upgrader and
// returns the server's end and the client's. Both close when tb ends.
func loopbackConns(tb testing.TB, h *Handler) (server, client *websocket.Conn) {
	tb.Helper()
	conns := make(chan *websocket.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := h.upgrader.Upgrade(w, r, nil)
		if err != nil {
			tb.Errorf("upgrade: %v", err)
			close(conns)
			return
		}
		conns <- conn
	}))
	tb.Cleanup(srv.Close)
	client, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { client.Close() })
	server, ok := <-conns
	if !ok {
		tb.FailNow()
	}
	tb.Cleanup(func() { server.Close() })
	return server, client
}

// BenchmarkDecodeFrame measures a follower's decoding of a frame of 60
// typical request.finished lines (as the hub writes them), per event:
// decodeFrame's fast path against encoding/json alone.
func BenchmarkDecodeFrame(b *testing.B) {
	var enc lineEncoder
	lines := make([]string, 60)
	for i := range lines {
		line, err := enc.encode(model.Event{Type: model.EventRequestFinished, TS: time.Now(), Data: typicalEntry()})
		if err != nil {
			b.Fatal(err)
		}
		lines[i] = string(line)
	}
	frame := []byte(strings.Join(lines, "\n"))
	for _, bc := range []struct {
		name   string
		decode func([]byte, func(model.Event) error) error
	}{{"decodeFrame", decodeFrame}, {"encoding/json", decodeJSON}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if err := bc.decode(frame, func(model.Event) error { n++; return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
		})
	}
}
