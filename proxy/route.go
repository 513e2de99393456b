package proxy

import (
	"sort"
	"strings"

	"github.com/sluicegate/sluicegate/model"
)

// Routing by model (API.md §"Routing by model"): a client's model name is
// resolved in this order: (1) KEY/REST with KEY an enabled provider's key,
// (2) an exact alias, (3) the longest matching pattern ("claude-*"), "*"
// last. The entry that catches the name holds its members: one provider,
// the per-dialect pattern pair, or a route group tried in priority order.

// member is one provider serving an alias (or pattern).
type member struct {
	p          *upProvider
	upstream   string // as configured; "" means the client's model name
	priority   int
	failoverOn []int // statuses (400..599) that pass the request on
	// attemptOK is the attempts header's value when this member is tried
	// first and answers 200 ("key=200"), built once.
	attemptOK []string
}

// failsOverOn reports whether status passes the request on to the next
// member.
func (m *member) failsOverOn(status int) bool {
	for _, s := range m.failoverOn {
		if s == status {
			return true
		}
	}
	return false
}

// entry is one alias or pattern with its members.
type entry struct {
	alias   string
	prefix  string // a pattern's alias without its trailing "*"
	pattern bool
	// group: every member gave the alias a priority; order is then the
	// try order (priority, provider key).
	group bool
	// pair: the per-dialect pattern pair (two unprioritised members of
	// different types); order[0] is the OpenAI-type one.
	pair bool
	// members in configured (provider) order, as routed.
	members []member
	// order: the try order of a group, the pair (OpenAI-type first), or
	// the one member.
	order []member
}

// patternPrefix reports whether alias is a pattern (one "*", at its end)
// and returns the text before the "*". An alias with a "*" elsewhere is no
// pattern: it only matches itself.
func patternPrefix(alias string) (string, bool) {
	i := strings.IndexByte(alias, '*')
	if i < 0 || i != len(alias)-1 {
		return "", false
	}
	return alias[:i], true
}

// add records provider p's mapping m for the entry. A provider that lists
// the alias twice keeps its first mapping.
func (e *entry) add(p *upProvider, m model.ModelMapping) {
	for _, have := range e.members {
		if have.p == p || have.p.key == p.key {
			return
		}
	}
	mb := member{p: p, upstream: m.Upstream, priority: m.Priority, attemptOK: []string{p.key + "=200"}}
	for _, s := range m.FailoverOn {
		// Only error statuses: a 2xx or 3xx is an answer, never passed on.
		if s >= 400 && s <= 599 {
			mb.failoverOn = append(mb.failoverOn, s)
		}
	}
	e.members = append(e.members, mb)
}

// finish decides what kind of entry e is, once every provider was added.
// Where the collected members break the rules the service enforces, the
// first member wins.
func (e *entry) finish() {
	ms := e.members
	allPrio := true
	for _, m := range ms {
		if m.priority <= 0 {
			allPrio = false
		}
	}
	switch {
	case allPrio:
		e.group = true
		e.order = append([]member(nil), ms...)
		sort.SliceStable(e.order, func(i, j int) bool {
			a, b := e.order[i], e.order[j]
			if a.priority != b.priority {
				return a.priority < b.priority
			}
			return a.p.key < b.p.key
		})
		return
	case len(ms) > 1 && e.pattern && !anyPriority(ms):
		// The per-dialect default pair: the first member of each type.
		var oa, an *member
		for i := range ms {
			if ms[i].p.anthropic && an == nil {
				an = &ms[i]
			} else if !ms[i].p.anthropic && oa == nil {
				oa = &ms[i]
			}
		}
		if oa != nil && an != nil {
			e.pair = true
			e.order = []member{*oa, *an}
			e.members = e.members[:0:0]
			for _, m := range ms {
				if m.p == oa.p || m.p == an.p {
					e.members = append(e.members, m)
				}
			}
			return
		}
	}
	e.members = ms[:1:1]
	e.members[0].failoverOn = nil
	e.order = e.members
}

func anyPriority(ms []member) bool {
	for _, m := range ms {
		if m.priority > 0 {
			return true
		}
	}
	return false
}

// describe is a pattern's description in GET /v1/models.
func (e *entry) describe() string {
	var b strings.Builder
	if e.prefix == "" {
		b.WriteString("any model")
	} else {
		b.WriteString("any model starting with ")
		b.WriteString(e.prefix)
	}
	b.WriteString(" → ")
	switch {
	case e.pair:
		b.WriteString(e.order[0].p.key + " (OpenAI clients), " + e.order[1].p.key + " (Anthropic clients)")
	default:
		for i, m := range e.order {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.p.key)
		}
	}
	return b.String()
}

// route is a resolved client model. A route that is no group has p and
// upstream (the upstream model name) set; a group has group set, and each
// member's upstream is resolved per attempt from name and suffix.
type route struct {
	p        *upProvider
	upstream string
	group    *entry
	name     string // the client's model name
	suffix   string // the text a pattern's "*" matched
	pattern  bool
}

// upstreamOf is the upstream model member m is sent for the client's name:
// its upstream, with "*" replaced by what the pattern's "*" matched, or
// the client's name when the upstream is empty.
func upstreamOf(m *member, name, suffix string, pattern bool) string {
	switch {
	case m.upstream == "":
		return name
	case pattern && strings.IndexByte(m.upstream, '*') >= 0:
		return strings.Replace(m.upstream, "*", suffix, 1)
	}
	return m.upstream
}

// matchPattern returns the longest pattern that catches name.
func (t *Table) matchPattern(name string) (*entry, string, bool) {
	for _, e := range t.patterns {
		if strings.HasPrefix(name, e.prefix) {
			return e, name[len(e.prefix):], true
		}
	}
	return nil, "", false
}

// match finds the entry that catches name (KEY/REST aside).
func (t *Table) match(name string) (e *entry, suffix string, ok bool) {
	if e, ok := t.aliases[name]; ok {
		return e, "", true
	}
	return t.matchPattern(name)
}

// lookup resolves a client model for a client of the given dialect. A name
// KEY/REST whose KEY is an enabled provider's key always goes to that
// provider, never to a group: to REST as is, or through the alias KEY/REST
// when that provider itself defines it. So an alias "mock/x" on another
// provider never captures provider "mock"'s traffic (the provider wins;
// the service refuses such aliases anyway). Any other name is an exact
// alias, else the longest pattern that matches it, which is how
// OpenRouter-style names like "anthropic/claude-sonnet-4" route while no
// provider has the key "anthropic".
func (t *Table) lookup(m string, anthropicClient bool) (route, bool) {
	if i := strings.IndexByte(m, '/'); i > 0 && i < len(m)-1 {
		if p, ok := t.byKey[m[:i]]; ok {
			if e, ok := t.aliases[m]; ok {
				for j := range e.members {
					if mb := &e.members[j]; mb.p == p {
						return route{p: p, upstream: upstreamOf(mb, m, "", false), name: m}, true
					}
				}
			}
			return route{p: p, upstream: m[i+1:], name: m}, true
		}
	}
	e, suffix, ok := t.match(m)
	if !ok {
		return route{}, false
	}
	if e.group {
		return route{group: e, name: m, suffix: suffix, pattern: e.pattern}, true
	}
	mb := &e.order[0]
	if e.pair && anthropicClient {
		mb = &e.order[1]
	}
	return route{p: mb.p, upstream: upstreamOf(mb, m, suffix, e.pattern), name: m, suffix: suffix, pattern: e.pattern}, true
}

// RouteMember is one provider of a route, as the admin API shows it.
type RouteMember struct {
	ProviderKey string
	Anthropic   bool // the provider is of type anthropic
	// Upstream is the configured upstream in Routes ("" = the model as
	// sent), the resolved upstream model name in Resolve.
	Upstream   string
	Priority   int
	FailoverOn []int
}

// RouteInfo is one alias or pattern and the providers that serve it.
type RouteInfo struct {
	Alias   string
	Pattern bool
	Group   bool
	// Members: in configured (provider) order in Routes, a group's in its
	// try order; in try order now in Resolve.
	Members []RouteMember
}

func routeMember(m *member, upstream string) RouteMember {
	return RouteMember{
		ProviderKey: m.p.key, Anthropic: m.p.anthropic, Upstream: upstream,
		Priority: m.priority, FailoverOn: append([]int(nil), m.failoverOn...),
	}
}

// Routes returns every alias and pattern of the enabled providers, sorted
// by alias, with their members in configured order (a group's: its try
// order while every circuit is closed).
func (t *Table) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(t.entries))
	for _, e := range t.entries {
		ri := RouteInfo{Alias: e.alias, Pattern: e.pattern, Group: e.group}
		members := e.members
		if e.group {
			members = e.order
		}
		for i := range members {
			ri.Members = append(ri.Members, routeMember(&members[i], members[i].upstream))
		}
		out = append(out, ri)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	return out
}

// Resolve says which route catches model for a client of the given
// dialect, exactly as a request would be routed: the members (with their
// resolved upstream model) in try order, those isOpen reports (a nil
// isOpen: none) moved last as the handler does with open circuits, or for
// a route that is no group the one member the request goes to. A KEY/REST
// name is reported with Alias set to the name itself. ok is false when no
// enabled provider serves it.
func (t *Table) Resolve(model string, anthropicClient bool, isOpen func(providerKey string) bool) (RouteInfo, bool) {
	rt, ok := t.lookup(model, anthropicClient)
	if !ok {
		return RouteInfo{}, false
	}
	if rt.group != nil {
		e := rt.group
		ri := RouteInfo{Alias: e.alias, Pattern: e.pattern, Group: true}
		order := tryOrder(e.order, isOpen)
		for i := range order {
			m := &order[i]
			ri.Members = append(ri.Members, routeMember(m, upstreamOf(m, rt.name, rt.suffix, rt.pattern)))
		}
		return ri, true
	}
	ri := RouteInfo{Alias: model}
	var mb *member
	if e, _, ok := t.match(model); ok && !isKeyRoute(t, model) {
		ri.Alias, ri.Pattern = e.alias, e.pattern
		for i := range e.order {
			if e.order[i].p == rt.p {
				mb = &e.order[i]
				break
			}
		}
	}
	if mb != nil {
		ri.Members = []RouteMember{routeMember(mb, rt.upstream)}
	} else {
		ri.Members = []RouteMember{{ProviderKey: rt.p.key, Anthropic: rt.p.anthropic, Upstream: rt.upstream}}
	}
	return ri, true
}

// isKeyRoute reports whether name is routed as KEY/REST.
func isKeyRoute(t *Table, name string) bool {
	if i := strings.IndexByte(name, '/'); i > 0 && i < len(name)-1 {
		_, ok := t.byKey[name[:i]]
		return ok
	}
	return false
}
