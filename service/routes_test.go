package service

import (
	"context"
	"slices"
	"testing"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
)

// TestHealthChecksFeedCircuits: with the proxy's circuits set, an
// unhealthy check opens the provider's circuit, a healthy one closes it,
// a check without a verdict (a disabled provider) leaves it alone, and a
// provider in no group gets no circuit.
func TestHealthChecksFeedCircuits(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	px := proxy.New(s.Routes(), s)
	s.SetCircuits(px.Circuits())
	f := newFakeProvider(t)
	in := input("groq")
	in.BaseURL = ptr(f.srv.URL + "/v1")
	in.Models = &[]model.ModelMapping{{Alias: "llama", Upstream: "bad", Priority: 1}}
	p, err := s.CreateProvider(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	state := func() model.CircuitState {
		for _, c := range px.Circuits().States() {
			if c.ProviderKey == "groq" {
				return c
			}
		}
		return model.CircuitState{ProviderKey: "groq", State: model.CircuitClosed}
	}
	check := func(want string) {
		t.Helper()
		r, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
		if err != nil || r.Status != want {
			t.Fatalf("check: status %q %v, want %q", r.Status, err, want)
		}
	}

	check(model.HealthUnhealthy)
	if c := state(); c.State != model.CircuitOpen || c.Reason != "health check unhealthy" || c.Until == nil {
		t.Fatalf("after an unhealthy check the circuit is %+v, want open for the health check", c)
	}
	// Disabled: the check says nothing about the provider.
	if _, err := s.PatchProvider(ctx, p.ID, model.ProviderInput{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	check(model.HealthDisabled)
	if c := state(); c.State != model.CircuitOpen {
		t.Fatalf("a disabled provider's check changed the circuit: %+v", c)
	}
	if _, err := s.PatchProvider(ctx, p.ID, model.ProviderInput{Enabled: ptr(true),
		Models: &[]model.ModelMapping{{Alias: "llama", Upstream: "ok", Priority: 1}}}); err != nil {
		t.Fatal(err)
	}
	check(model.HealthHealthy)
	if c := state(); c.State != model.CircuitClosed {
		t.Fatalf("after a healthy check the circuit is %+v, want closed", c)
	}

	// A provider in no route group has no circuit: its failed check
	// opens nothing.
	plainIn := input("plain")
	plainIn.BaseURL = ptr(f.srv.URL + "/v1")
	plainIn.Models = &[]model.ModelMapping{{Alias: "other", Upstream: "bad"}}
	plain, err := s.CreateProvider(ctx, plainIn)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.CheckProvider(ctx, plain.ID, model.CheckOptions{}, model.TriggerAPI); err != nil || r.Status != model.HealthUnhealthy {
		t.Fatalf("plain check: %q %v", r.Status, err)
	}
	for _, c := range px.Circuits().States() {
		if c.ProviderKey == "plain" {
			t.Errorf("a provider in no group got a circuit: %+v", c)
		}
	}
}

// TestRoutesWithoutCircuits: without SetCircuits every member shows a
// closed circuit, and a group resolves in priority order.
func TestRoutesWithoutCircuits(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	for _, e := range []struct {
		key string
		pri int
	}{{"b", 1}, {"a", 2}, {"c", 1}} {
		in := input(e.key)
		in.Models = &[]model.ModelMapping{{Alias: "g", Upstream: "up-" + e.key, Priority: e.pri}}
		if _, err := s.CreateProvider(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	routes, err := s.ListRoutes(ctx)
	if err != nil || len(routes) != 1 {
		t.Fatalf("routes %+v %v", routes, err)
	}
	var keys []string
	for _, m := range routes[0].Members {
		keys = append(keys, m.ProviderKey)
		if m.Circuit.State != model.CircuitClosed || m.Circuit.ProviderKey != m.ProviderKey {
			t.Errorf("%s: circuit %+v, want closed", m.ProviderKey, m.Circuit)
		}
	}
	if got, want := keys, []string{"b", "c", "a"}; !slices.Equal(got, want) {
		t.Errorf("members %v, want %v (priority, then key)", got, want)
	}
	var circuitKeys []string
	for _, c := range s.GroupCircuits() {
		circuitKeys = append(circuitKeys, c.ProviderKey)
		if c.State != model.CircuitClosed {
			t.Errorf("%s: circuit %+v, want closed", c.ProviderKey, c)
		}
	}
	if !slices.Equal(circuitKeys, []string{"a", "b", "c"}) {
		t.Errorf("GroupCircuits for %v, want a, b, c", circuitKeys)
	}
	r, err := s.ResolveRoute(ctx, "g", "")
	if err != nil || len(r.Members) != 3 || r.Members[0].ProviderKey != "b" || r.Members[0].Upstream != "up-b" {
		t.Errorf("resolve g: %+v %v", r, err)
	}
}
