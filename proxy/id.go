package proxy

import (
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// idGen makes request ids that are unique and sort as strings in the order
// they were made: 16 hex digits of (unix milliseconds << 20 | counter),
// strictly increasing within a process even if the clock steps back, then
// 4 hex digits fixed per process so two processes never collide. No
// syscall, no lock: one CAS.
type idGen struct {
	state  atomic.Uint64
	suffix [4]byte
}

const idCounterBits = 20 // 1M ids per millisecond before borrowing the next

func newIDGen() *idGen {
	g := &idGen{}
	r := rand.Uint32()
	for i := range g.suffix {
		g.suffix[i] = hexDigits[(r>>(4*i))&0xf]
	}
	return g
}

func (g *idGen) next() string {
	now := uint64(time.Now().UnixMilli()) << idCounterBits
	for {
		old := g.state.Load()
		n := max(old+1, now)
		if g.state.CompareAndSwap(old, n) {
			var b [20]byte
			for i := 15; i >= 0; i-- {
				b[i] = hexDigits[n&0xf]
				n >>= 4
			}
			copy(b[16:], g.suffix[:])
			return string(b[:])
		}
	}
}
