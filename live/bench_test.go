package live

import (
	"testing"
	"time"
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
						if buf = s.queue.drain(buf[:0], DefaultMaxBatch); len(buf) == 0 {
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
