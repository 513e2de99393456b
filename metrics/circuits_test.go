package metrics

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/sluicegate/sluicegate/model"
)

func gaugeValues(t *testing.T, fams map[string]*dto.MetricFamily, name string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for k, m := range series(t, fams, name) {
		out[k] = m.GetGauge().GetValue()
	}
	return out
}

// oneHot is the circuit gauge's series of provider in state.
func oneHot(provider, state string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range []string{"closed", "open", "half_open"} {
		v := 0.0
		if s == state {
			v = 1
		}
		out["provider="+provider+",state="+s] = v
	}
	return out
}

func merged(ms ...map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestCircuitStateGauge: every route group member shows one-hot in the
// state CircuitStates reports at scrape time; a provider that left every
// group is gone at the next scrape; an unknown state is not shown; without
// CircuitStates there is no series.
func TestCircuitStateGauge(t *testing.T) {
	m := New()
	if f, ok := scrape(t, m)["sluicegate_circuit_state"]; ok {
		t.Errorf("series without CircuitStates: %v", f)
	}
	states := []model.CircuitState{{ProviderKey: "groq", State: model.CircuitClosed}, {ProviderKey: "openai", State: model.CircuitClosed}}
	m.CircuitStates(func() []model.CircuitState { return states })
	equalMaps(t, "circuit_state", gaugeValues(t, scrape(t, m), "sluicegate_circuit_state"),
		merged(oneHot("groq", "closed"), oneHot("openai", "closed")))

	states = []model.CircuitState{{ProviderKey: "groq", State: model.CircuitOpen}, {ProviderKey: "openai", State: model.CircuitHalfOpen}}
	equalMaps(t, "circuit_state", gaugeValues(t, scrape(t, m), "sluicegate_circuit_state"),
		merged(oneHot("groq", "open"), oneHot("openai", "half_open")))

	// groq leaves the group.
	states = []model.CircuitState{{ProviderKey: "openai", State: model.CircuitOpen}, {ProviderKey: "odd", State: "bogus"}}
	equalMaps(t, "circuit_state", gaugeValues(t, scrape(t, m), "sluicegate_circuit_state"), oneHot("openai", "open"))
}

// TestFailoversTotal: only attempts that were passed over (id differs
// from client_request_id) count, with the reason from their error type;
// a request tried once and the attempt the client got do not.
func TestFailoversTotal(t *testing.T) {
	m := New()
	attempt := func(id, crid, provider string, status int, errType string) model.LogEntry {
		return model.LogEntry{ID: id, ClientRequestID: crid, ProviderKey: provider, Model: "m", Status: status, ErrorType: errType, Attempt: 1, Attempts: 3}
	}
	for _, e := range []model.LogEntry{
		attempt("a1", "c1", "dead", 502, "upstream_connect_error"),
		attempt("a2", "c1", "slow", 504, "upstream_timeout"),
		attempt("c1", "c1", "openai", 200, ""), // the client's answer
		attempt("b1", "c2", "groq", 429, "rate_limit_error"),
		attempt("b2", "c2", "groq", 529, ""),
		attempt("c2", "c2", "openai", 429, "rate_limit_error"),
		{ID: "s1", ProviderKey: "openai", Status: 200}, // a writer that knows no attempts
		attempt("s2", "s2", "openai", 502, "upstream_connect_error"),
	} {
		m.Publish(finished(e))
	}
	equalMaps(t, "failovers_total", counterValues(t, scrape(t, m), "sluicegate_failovers_total"), map[string]float64{
		"provider=dead,reason=connect": 1,
		"provider=slow,reason=timeout": 1,
		"provider=groq,reason=status":  2,
	})
}
