package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
)

// Bounds of a pattern's catches (GET /admin/v1/routes).
const (
	catchesScanRows = 1000 // newest request-log rows looked at
	maxCatches      = 50   // distinct models shown per pattern
)

// Dialects of GET /admin/v1/routes/resolve.
const (
	DialectOpenAI    = "openai"
	DialectAnthropic = "anthropic"
)

// Route is one alias or pattern of the enabled providers and the members
// that serve it (GET /admin/v1/routes).
type Route struct {
	Alias   string `json:"alias"`
	Pattern bool   `json:"pattern"`
	// Group: every member gives the alias a priority (failover applies).
	Group bool `json:"group"`
	// Members in try order for a healthy group (priority, then key);
	// configured order otherwise.
	Members []RouteMember `json:"members"`
	// Catches (patterns only, else empty) are the distinct models of the
	// newest request-log rows this pattern catches, most recent first.
	Catches []string `json:"catches"`
}

// RouteMember is one provider serving a route.
type RouteMember struct {
	ProviderID   int64              `json:"provider_id"`
	ProviderKey  string             `json:"provider_key"`
	ProviderType model.ProviderType `json:"provider_type"`
	// Upstream as configured: may contain "*", "" is the name as sent.
	Upstream   string             `json:"upstream"`
	Priority   int                `json:"priority"`
	FailoverOn []int              `json:"failover_on"`
	Circuit    model.CircuitState `json:"circuit"`
}

// ResolvedRoute says where a model name goes (GET
// /admin/v1/routes/resolve).
type ResolvedRoute struct {
	Model   string `json:"model"`
	Alias   string `json:"alias"`
	Pattern bool   `json:"pattern"`
	Group   bool   `json:"group"`
	// Members in the order a request would try them now (members with an
	// open circuit last).
	Members []ResolvedMember `json:"members"`
}

// ResolvedMember is one provider a request would be sent to, with the
// upstream model it would ask for.
type ResolvedMember struct {
	ProviderKey string `json:"provider_key"`
	Upstream    string `json:"upstream"`
}

// Circuits is what the service uses of the proxy's circuit breakers
// (*proxy.Circuits): health results feed them, routes show them.
type Circuits interface {
	ReportHealth(providerKey string, healthy bool)
	State(providerKey string) model.CircuitState
	States() []model.CircuitState
}

// routeTable is what the service uses of a *proxy.Table for the routes
// endpoints.
type routeTable interface {
	Routes() []proxy.RouteInfo
	Resolve(model string, anthropicClient bool, isOpen func(providerKey string) bool) (proxy.RouteInfo, bool)
}

// circuitsBox holds a Circuits in an atomic.Pointer (an interface value
// cannot be stored there directly).
type circuitsBox struct{ c Circuits }

// SetCircuits connects the proxy's circuit breakers: finished health
// checks report to them, and routes show their states. Without it every
// circuit shows as closed. c may be nil.
func (s *Service) SetCircuits(c Circuits) {
	if c == nil {
		s.circuits.Store(nil)
		return
	}
	s.circuits.Store(&circuitsBox{c})
}

func (s *Service) circuitStates() map[string]model.CircuitState {
	out := map[string]model.CircuitState{}
	if b := s.circuits.Load(); b != nil {
		for _, st := range b.c.States() {
			out[st.ProviderKey] = st
		}
	}
	return out
}

// reportHealth tells the circuits how a finished check found provider
// key. Only a verdict counts: a disabled, unknown (nothing probed) or
// cancelled check says nothing about the provider.
func (s *Service) reportHealth(key, status string) {
	b := s.circuits.Load()
	// Only route group members have circuits (only group traffic counts
	// for them); a plain provider's check says nothing to route.
	if b == nil || !slices.Contains(s.groupMembers(), key) {
		return
	}
	switch status {
	case model.HealthHealthy, model.HealthDegraded:
		b.c.ReportHealth(key, true)
	case model.HealthUnhealthy:
		b.c.ReportHealth(key, false)
	}
}

// The proxy's table is what the routes endpoints read.
var _ routeTable = (*proxy.Table)(nil)

// table is the current route table as the routes endpoints use it.
func (s *Service) table() (routeTable, error) {
	t := s.routes.Table()
	if t == nil {
		// Only before Start has built the first table.
		return nil, ErrNotStarted
	}
	return t, nil
}

// ListRoutes lists every alias and pattern of the enabled providers, sorted by
// alias, with members, circuit states and (for patterns) what they caught
// in the newest request-log rows.
func (s *Service) ListRoutes(ctx context.Context) ([]Route, error) {
	st, err := s.storage()
	if err != nil {
		return nil, err
	}
	t, err := s.table()
	if err != nil {
		return nil, err
	}
	byKey := map[string]model.Provider{}
	for _, p := range s.providerSnapshot() {
		byKey[p.Key] = p
	}
	circuits := s.circuitStates()
	infos := t.Routes()
	out := make([]Route, 0, len(infos))
	for _, ri := range infos {
		r := Route{Alias: ri.Alias, Pattern: ri.Pattern, Group: ri.Group, Members: []RouteMember{}, Catches: []string{}}
		for _, m := range ri.Members {
			p := byKey[m.ProviderKey]
			typ := model.TypeOpenAI
			if m.Anthropic {
				typ = model.TypeAnthropic
			}
			r.Members = append(r.Members, RouteMember{
				ProviderID: p.ID, ProviderKey: m.ProviderKey, ProviderType: typ, Upstream: m.Upstream,
				Priority: m.Priority, FailoverOn: nonNil(m.FailoverOn), Circuit: circuitOf(circuits, m.ProviderKey),
			})
		}
		out = append(out, r)
	}
	index := make(map[string]int, len(out))
	for i := range out {
		index[out[i].Alias] = i
	}
	if err := s.addCatches(ctx, st, t, out, index); err != nil {
		return nil, err
	}
	return out, nil
}

// addCatches fills the catches of the pattern routes from the newest
// request-log rows: each distinct model (per dialect, which the row's path
// tells) is resolved as a request would be.
func (s *Service) addCatches(ctx context.Context, st interface {
	ListLogs(context.Context, model.LogFilter) ([]model.LogEntry, error)
}, t routeTable, routes []Route, index map[string]int) error {
	if !slices.ContainsFunc(routes, func(r Route) bool { return r.Pattern }) {
		return nil
	}
	if w := s.logw.Load(); w != nil {
		// Rows of requests that just finished may still be queued.
		_ = w.Flush(ctx)
	}
	rows, err := st.ListLogs(ctx, model.LogFilter{Limit: catchesScanRows})
	if err != nil {
		return err
	}
	type seenKey struct {
		model     string
		anthropic bool
	}
	seen := map[seenKey]bool{}
	for _, e := range rows {
		if e.Model == "" {
			continue
		}
		k := seenKey{e.Model, isAnthropicPath(e.Path)}
		if seen[k] {
			continue
		}
		seen[k] = true
		ri, ok := t.Resolve(e.Model, k.anthropic, nil)
		if !ok || !ri.Pattern {
			continue
		}
		i, ok := index[ri.Alias]
		if !ok {
			continue
		}
		r := &routes[i]
		if len(r.Catches) < maxCatches && !slices.Contains(r.Catches, e.Model) {
			r.Catches = append(r.Catches, e.Model)
		}
	}
	return nil
}

// isAnthropicPath reports whether a proxied path is of the Anthropic
// dialect (/v1/messages and below).
func isAnthropicPath(path string) bool {
	return path == "/v1/messages" || strings.HasPrefix(path, "/v1/messages/")
}

// ResolveRoute says which route model takes for a client of dialect
// ("openai" when empty, or "anthropic") and the members a request would
// try now, in order.
func (s *Service) ResolveRoute(ctx context.Context, name, dialect string) (ResolvedRoute, error) {
	if _, err := s.storage(); err != nil {
		return ResolvedRoute{}, err
	}
	if name == "" {
		return ResolvedRoute{}, model.Invalid("model", "is required: the model name a client would send")
	}
	var anthropic bool
	switch dialect {
	case "", DialectOpenAI:
	case DialectAnthropic:
		anthropic = true
	default:
		return ResolvedRoute{}, model.Invalid("dialect", "must be %q or %q (the client's API dialect), got %q", DialectOpenAI, DialectAnthropic, dialect)
	}
	t, err := s.table()
	if err != nil {
		return ResolvedRoute{}, err
	}
	ri, ok := t.Resolve(name, anthropic, s.circuitOpen)
	if !ok {
		return ResolvedRoute{}, fmt.Errorf("model %q: no enabled provider serves it (no alias or pattern matches, and it is not PROVIDER_KEY/MODEL): %w", name, model.ErrNotFound)
	}
	out := ResolvedRoute{Model: name, Alias: ri.Alias, Pattern: ri.Pattern, Group: ri.Group, Members: []ResolvedMember{}}
	for _, m := range ri.Members {
		out.Members = append(out.Members, ResolvedMember{ProviderKey: m.ProviderKey, Upstream: m.Upstream})
	}
	return out, nil
}

// circuitOpen reports whether key's circuit is open now (never, without
// circuits): such a group member is tried last.
func (s *Service) circuitOpen(key string) bool {
	b := s.circuits.Load()
	return b != nil && b.c.State(key).State == model.CircuitOpen
}

// circuitOf is key's circuit, closed when the circuits do not list it.
func circuitOf(circuits map[string]model.CircuitState, key string) model.CircuitState {
	if c, ok := circuits[key]; ok {
		return c
	}
	return model.CircuitState{ProviderKey: key, State: model.CircuitClosed}
}

func nonNil(v []int) []int {
	if v == nil {
		return []int{}
	}
	return slices.Clone(v)
}

// GroupCircuits is the circuit of every route group member now, by
// provider key (for the circuit gauge of /metrics): closed when no
// circuits are connected.
func (s *Service) GroupCircuits() []model.CircuitState {
	keys := s.groupMembers()
	out := make([]model.CircuitState, 0, len(keys))
	b := s.circuits.Load()
	for _, k := range keys {
		if b == nil {
			out = append(out, model.CircuitState{ProviderKey: k, State: model.CircuitClosed})
			continue
		}
		out = append(out, b.c.State(k))
	}
	return out
}

// groupMembers are the keys of the providers that are members of a route
// group, sorted.
func (s *Service) groupMembers() []string {
	t, err := s.table()
	if err != nil {
		return nil
	}
	var keys []string
	for _, ri := range t.Routes() {
		if !ri.Group {
			continue
		}
		for _, m := range ri.Members {
			keys = append(keys, m.ProviderKey)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}
