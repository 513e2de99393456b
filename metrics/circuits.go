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
// one-hot gauge (1 for the current state, 0 for the others) per route
// group member. The states are read at scrape time from whoever owns the
// circuits (CircuitStates), so an open circuit whose time is up shows
// half_open and a provider that left every group is gone, without
// anything to keep in step here.
type circuitCollector struct {
	desc *prometheus.Desc

	mu     sync.Mutex
	states func() []model.CircuitState
}

func newCircuitCollector() *circuitCollector {
	return &circuitCollector{
		desc: prometheus.NewDesc("sluicegate_circuit_state",
			"Circuit state of route group members: 1 for the current state (closed, open, half_open), 0 for the others.",
			[]string{"provider", "state"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *circuitCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *circuitCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	states := c.states
	c.mu.Unlock()
	if states == nil {
		return
	}
	for _, st := range states() {
		if !slices.Contains(circuitStates, st.State) {
			continue
		}
		for _, s := range circuitStates {
			v := 0.0
			if s == st.State {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, providerLabel(st.ProviderKey), s)
		}
	}
}

// CircuitStates sets where sluicegate_circuit_state reads the current
// circuit of each route group member; fn runs at scrape time and must be
// safe for concurrent use. Without it the gauge has no series.
func (m *Metrics) CircuitStates(fn func() []model.CircuitState) {
	m.circuits.mu.Lock()
	defer m.circuits.mu.Unlock()
	m.circuits.states = fn
}
