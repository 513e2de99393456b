// The race detector allocates for its own bookkeeping on channel and
// sync operations (per chunk here), so allocation counts are only
// meaningful without it: this file is left out of -race builds.

//go:build !race

package proxy

import "testing"

// TestStreamNoAllocPerChunk proves the streaming path allocates nothing
// per relayed chunk: a stream of 200 chunks costs no more allocations
// than one of 20 (everything that allocates is per request). It streams
// over real loopback connections (client → proxy → upstream), with the
// request log's body capture on and off.
func TestStreamNoAllocPerChunk(t *testing.T) {
	for _, m := range perfModes {
		t.Run(m.name, func(t *testing.T) {
			l := &lockStep{next: make(chan struct{}), stop: make(chan struct{})}
			c, url := perfSetup(t, m.logBodies, l.handler)
			body := []byte(`{"model":"alias","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
			buf := make([]byte, 4096)
			// Warm up: connections, pools and the capture's buffer.
			for i := 0; i < 3; i++ {
				perfStream(t, c, url, body, l, 200, buf)
			}
			allocs := func(n int) float64 {
				return testing.AllocsPerRun(20, func() { perfStream(t, c, url, body, l, n, buf) })
			}
			few, many := allocs(20), allocs(200)
			perChunk := (many - few) / 180
			t.Logf("allocations per stream: %.1f with 20 chunks, %.1f with 200 chunks (%.3f per chunk)", few, many, perChunk)
			// A little slack for the runtime's own background allocations:
			// one real allocation per chunk anywhere on the path (client,
			// proxy or upstream) shows as at least 1.
			if perChunk > 0.05 {
				t.Errorf("%.3f allocations per streamed chunk; want none (20 chunks: %.1f, 200 chunks: %.1f)", perChunk, few, many)
			}
		})
	}
}
