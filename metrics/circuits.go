package metrics

import (
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicegate/sluicegate/model"
)

// circuitStates are the values of the state label, in exposition order.
var circuitStates = []string{model.CircuitClosed, model.CircuitOpen, model.CircuitHalfOpen}

// circuitCollector exposes sluicegate_circuit_state{provider,state}: a
// one-hot gauge (1 for the current state, 0 for the others) per provider
// that is a route group member (CircuitMembers) or whose circuit changed.
// States come from circuit.changed events; a member never reported is
// closed.
type circuitCollector struct {
	desc *prometheus.Desc

	mu      sync.Mutex
	states  map[string]string // provider key → state
	members func() []string
}

func newCircuitCollector() *circuitCollector {
	return &circuitCollector{
		desc: prometheus.NewDesc("sluicegate_circuit_state",
			"Circuit state of route group members: 1 for the current state (closed, open, half_open), 0 for the others.",
			[]string{"provider", "state"}, nil),
		states: map[string]string{},
	}
}

func (c *circuitCollector) set(s model.CircuitState) {
	if s.ProviderKey == "" || !slices.Contains(circuitStates, s.State) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.states[providerLabel(s.ProviderKey)] = s.State
}

// Describe implements prometheus.Collector.
func (c *circuitCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *circuitCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	members := c.members
	c.mu.Unlock()
	var keys []string
	if members != nil {
		// Called without the lock: it reads the route table.
		keys = members()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	current := make(map[string]string, len(keys)+len(c.states))
	for _, k := range keys {
		current[providerLabel(k)] = model.CircuitClosed
	}
	for k, st := range c.states {
		_, member := current[k]
		// A provider no longer in any group shows only while its circuit
		// is not closed, so removed providers do not linger as series.
		if member || members == nil || st != model.CircuitClosed {
			current[k] = st
		}
	}
	for k, st := range current {
		for _, s := range circuitStates {
			v := 0.0
			if s == st {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, k, s)
		}
	}
}

// CircuitMembers sets where sluicegate_circuit_state finds the route
// group members (provider keys) to show; fn runs at scrape time and must
// be safe for concurrent use. Without it, the gauge shows every provider
// a circuit.changed event named.
func (m *Metrics) CircuitMembers(fn func() []string) {
	m.circuits.mu.Lock()
	defer m.circuits.mu.Unlock()
	m.circuits.members = fn
}
