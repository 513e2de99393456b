package proxy

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// Circuit breaker states (model.CircuitState.State).
const (
	CircuitClosed   = "closed"
	CircuitOpen     = "open"
	CircuitHalfOpen = "half_open"
)

// Circuit timings (API.md, route groups).
const (
	circuitFailures   = 3                // failures in a row that open a circuit
	circuitCool       = 30 * time.Second // first cool-down
	circuitMaxCool    = 5 * time.Minute  // doubling stops here
	circuitHealthCool = 60 * time.Second // after an unhealthy check
	maxRetryAfter     = time.Hour        // a Retry-After is capped here
)

// Circuits tracks one circuit breaker per provider key for route group
// members: failures in a row (no response, or a failover status) open it
// and move the member to the end of its group's try order until a
// cool-down passes; a success closes it. Only the tries of route group
// requests count (a route that is no group has nothing to reorder, and
// its path stays free of the check); health checks count through
// ReportHealth. It is owned by the Handler, so it survives route table
// swaps. Safe for concurrent use.
type Circuits struct {
	mu sync.Mutex                          // serialises creation of circuits
	m  atomic.Pointer[map[string]*circuit] // copy on write: reads take no lock
	// clock: nil means time.Now; tests set their own (setClock).
	clock atomic.Pointer[func() time.Time]
	emit  func(model.CircuitState) // publishes circuit.changed
}

func newCircuits(emit func(model.CircuitState)) *Circuits {
	c := &Circuits{emit: emit}
	m := map[string]*circuit{}
	c.m.Store(&m)
	return c
}

// circuit is one provider's breaker. hot is 0 while the circuit is closed
// with no failure counted: a success then costs one atomic load.
type circuit struct {
	key      string
	hot      atomic.Uint32
	mu       sync.Mutex
	state    string // closed, open or half_open (stored; open may have expired)
	reason   string
	until    time.Time
	failures int
	cool     time.Duration // the last live cool-down, doubled on a re-open
}

// now reads the circuits' clock.
func (c *Circuits) now() time.Time {
	if f := c.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

// setClock replaces the clock (tests: cool-downs without sleeping).
func (c *Circuits) setClock(now func() time.Time) { c.clock.Store(&now) }

// get returns key's circuit, or nil when there is none yet.
func (c *Circuits) get(key string) *circuit {
	return (*c.m.Load())[key]
}

// getOrCreate returns key's circuit, creating it closed.
func (c *Circuits) getOrCreate(key string) *circuit {
	if cc := c.get(key); cc != nil {
		return cc
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.m.Load()
	if cc := old[key]; cc != nil {
		return cc
	}
	next := make(map[string]*circuit, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	cc := &circuit{key: key, state: CircuitClosed}
	next[key] = cc
	c.m.Store(&next)
	return cc
}

// isOpen reports whether a provider's circuit is open now, i.e. whether a
// route group tries it after its other members (an open circuit whose
// cool-down passed is half_open: back in order).
func (c *Circuits) isOpen(key string) bool {
	cc := c.get(key)
	if cc == nil || cc.hot.Load() == 0 {
		return false
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return c.current(cc) == CircuitOpen
}

// current is cc's state now, moving an expired open circuit to half_open
// (and announcing it). cc.mu is held.
func (c *Circuits) current(cc *circuit) string {
	if cc.state == CircuitOpen && !c.now().Before(cc.until) {
		cc.state, cc.until = CircuitHalfOpen, time.Time{}
		c.announce(cc)
	}
	return cc.state
}

// success records an answer that was no failure: the circuit closes.
func (c *Circuits) success(key string) {
	cc := c.get(key)
	if cc == nil || cc.hot.Load() == 0 {
		return // closed with no failures: the common case, lock free
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	c.closeLocked(cc)
}

func (c *Circuits) closeLocked(cc *circuit) {
	was := cc.state
	cc.state, cc.reason, cc.until, cc.failures, cc.cool = CircuitClosed, "", time.Time{}, 0, 0
	cc.hot.Store(0)
	if was != CircuitClosed {
		c.announce(cc)
	}
}

// failure records a failed try of key: what (connect, timeout, or the
// status) says why. retryAfter > 0 (a failover status with Retry-After)
// opens the circuit for that long at once.
func (c *Circuits) failure(key, what string, retryAfter time.Duration) {
	cc := c.getOrCreate(key)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.hot.Store(1)
	cc.failures++
	now := c.now()
	switch st := c.current(cc); {
	case retryAfter > 0:
		c.openLocked(cc, now.Add(retryAfter), fmt.Sprintf("%s with Retry-After %s", what, retryAfter.Round(time.Second)))
	case st == CircuitHalfOpen:
		// The trial after the cool-down failed: open again, for longer.
		cc.cool = min(max(cc.cool*2, circuitCool), circuitMaxCool)
		c.openLocked(cc, now.Add(cc.cool), fmt.Sprintf("failed again after the cool-down: %s", what))
	case st == CircuitClosed && cc.failures >= circuitFailures:
		cc.cool = circuitCool
		c.openLocked(cc, now.Add(cc.cool), fmt.Sprintf("%d failures in a row: %s", cc.failures, what))
	default:
		// Still closed below the threshold, or already open: only the
		// count changes (no event: the state did not).
	}
}

func (c *Circuits) openLocked(cc *circuit, until time.Time, reason string) {
	cc.state, cc.until, cc.reason = CircuitOpen, until, reason
	cc.hot.Store(1)
	c.announce(cc)
}

// ReportHealth feeds a health check's result for a provider: unhealthy
// opens its circuit for 60 s; healthy (or degraded) closes it.
func (c *Circuits) ReportHealth(providerKey string, healthy bool) {
	if healthy {
		cc := c.get(providerKey)
		if cc == nil {
			return
		}
		cc.mu.Lock()
		defer cc.mu.Unlock()
		c.closeLocked(cc)
		return
	}
	cc := c.getOrCreate(providerKey)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	c.openLocked(cc, c.now().Add(circuitHealthCool), "health check unhealthy")
}

// States returns every provider whose circuit is not closed or has
// failures counted, sorted by key.
func (c *Circuits) States() []model.CircuitState {
	m := *c.m.Load()
	out := []model.CircuitState{}
	for _, cc := range m {
		if cc.hot.Load() == 0 {
			continue
		}
		cc.mu.Lock()
		c.current(cc)
		s := cc.snapshot()
		cc.mu.Unlock()
		if s.State != CircuitClosed || s.Failures > 0 {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ProviderKey < out[j].ProviderKey })
	return out
}

// State returns one provider's circuit state (closed when it has none).
func (c *Circuits) State(providerKey string) model.CircuitState {
	cc := c.get(providerKey)
	if cc == nil {
		return model.CircuitState{ProviderKey: providerKey, State: CircuitClosed}
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	c.current(cc)
	return cc.snapshot()
}

// snapshot is cc as a model.CircuitState. cc.mu is held.
func (cc *circuit) snapshot() model.CircuitState {
	s := model.CircuitState{ProviderKey: cc.key, State: cc.state, Reason: cc.reason, Failures: cc.failures}
	if cc.state == CircuitOpen {
		u := cc.until
		s.Until = &u
	}
	return s
}

// announce publishes cc's state. cc.mu is held; emit must not block.
func (c *Circuits) announce(cc *circuit) {
	if c.emit != nil {
		c.emit(cc.snapshot())
	}
}

// order returns the try order of a group's members now (tryOrder with
// the open circuits).
func (c *Circuits) order(e *entry) []member {
	return tryOrder(e.order, c.isOpen)
}

// tryOrder is members (in their configured try order) with those isOpen
// reports moved to the end, keeping their order among themselves. It
// returns members itself (no allocation) when none is open or isOpen is
// nil.
func tryOrder(members []member, isOpen func(providerKey string) bool) []member {
	if isOpen == nil {
		return members
	}
	open := -1
	for i := range members {
		if isOpen(members[i].p.key) {
			open = i
			break
		}
	}
	if open < 0 {
		return members
	}
	out := make([]member, 0, len(members))
	var last []member
	for i := range members {
		if i >= open && isOpen(members[i].p.key) {
			last = append(last, members[i])
		} else {
			out = append(out, members[i])
		}
	}
	return append(out, last...)
}

// retryAfter parses a Retry-After header (seconds or an HTTP date),
// capped at an hour; 0 when absent or unusable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}
