package proxy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// withMaps returns p with its model map replaced by maps.
func withMaps(p model.Provider, maps ...model.ModelMapping) model.Provider {
	p.Models = maps
	return p
}

// mm is a model mapping; prio and failoverOn make it a group member.
func mm(alias, upstream string, prio int, failoverOn ...int) model.ModelMapping {
	return model.ModelMapping{Alias: alias, Upstream: upstream, Priority: prio, FailoverOn: failoverOn}
}

// routingTable is a table exercising every precedence rule.
func routingTable() *Table {
	off := withMaps(provider("off", model.TypeAnthropic, "http://127.0.0.1:9"), mm("claude-opus-*", "never", 0), mm("gone", "", 0), mm("fast", "", 1))
	off.Enabled = false
	return NewTable([]model.Provider{
		withMaps(provider("a", model.TypeOpenAI, "http://127.0.0.1:1/v1"),
			mm("claude-opus", "opus-exact", 0), mm("gpt-4o*", "gpt-4o*", 0), mm("fast", "fast-a", 2, 429), mm("dup", "dup-a", 0),
			mm("mixed", "mixed-a", 1), mm("x*y", "literal", 0)),
		off,
		withMaps(provider("b", model.TypeAnthropic, "http://127.0.0.1:2"),
			mm("claude-*", "anthropic/claude-*", 0), mm("fast", "", 1), mm("dup", "dup-b", 0), mm("mixed", "mixed-b", 0),
			mm("*", "", 0)),
		withMaps(provider("c", model.TypeOpenAI, "http://127.0.0.1:3/v1"),
			mm("gpt-*", "fixed-gpt", 0), mm("fast", "fast-c", 2), mm("*", "", 0), mm("fast", "second-listing-loses", 9)),
		withMaps(provider("d", model.TypeOpenAI, "http://127.0.0.1:4/v1"), mm("*", "d-loses", 0)),
	}, Settings{})
}

// TestRoutePrecedence: KEY/REST, then exact aliases, then the longest
// pattern, "*" last; disabled providers are never picked; the per-dialect
// pair picks by the client's dialect; "*" in an upstream is what the
// pattern's "*" matched.
func TestRoutePrecedence(t *testing.T) {
	tb := routingTable()
	for _, c := range []struct {
		in        string
		anthropic bool
		key, up   string
		group     bool
	}{
		{"claude-opus", false, "a", "opus-exact", false},                    // exact beats claude-*
		{"claude-opus-5-5", false, "b", "anthropic/claude-opus-5-5", false}, // disabled claude-opus-* never picked
		{"claude-", false, "b", "anthropic/claude-", false},                 // empty suffix
		{"gpt-4o-mini", false, "a", "gpt-4o-mini", false},                   // gpt-4o* is longer than gpt-*
		{"gpt-4", false, "c", "fixed-gpt", false},                           // fixed upstream
		{"llama-3", false, "c", "llama-3", false},                           // * for OpenAI clients: c (first openai type)
		{"llama-3", true, "b", "llama-3", false},                            // * for Anthropic clients: b
		{"a/claude-opus", false, "a", "claude-opus", false},                 // KEY/REST beats every alias and pattern
		{"c/fast", true, "c", "fast", false},                                // KEY/REST is never a group
		{"dup", false, "a", "dup-a", false},                                 // two unprioritised: first wins
		{"mixed", false, "a", "mixed-a", false},                             // mixed priorities: first wins
		{"x*y", false, "a", "literal", false},                               // "*" not at the end: a literal alias
		{"xzy", false, "c", "xzy", false},                                   // ...that matches only itself
		{"gone", false, "c", "gone", false},                                 // a disabled exact alias: "*" catches it
		{"fast", false, "", "", true},
	} {
		rt, ok := tb.lookup(c.in, c.anthropic)
		if !ok {
			t.Errorf("lookup(%q) found nothing", c.in)
			continue
		}
		if c.group {
			if rt.group == nil {
				t.Errorf("lookup(%q): want a group, got %+v", c.in, rt)
			}
			continue
		}
		if rt.group != nil || rt.p.key != c.key || rt.upstream != c.up {
			t.Errorf("lookup(%q, anthropic=%v) = %s %q, want %s %q", c.in, c.anthropic, keyOf(rt), rt.upstream, c.key, c.up)
		}
		ri, ok := tb.Resolve(c.in, c.anthropic, nil)
		if !ok || len(ri.Members) != 1 || ri.Members[0].ProviderKey != c.key || ri.Members[0].Upstream != c.up || ri.Group {
			t.Errorf("Resolve(%q) = %+v, disagrees with lookup", c.in, ri)
		}
	}
	// The group: priority, then key; a provider listing the alias twice
	// keeps its first mapping; the disabled member is no member.
	ri, ok := tb.Resolve("fast", false, nil)
	var got []string
	for _, m := range ri.Members {
		got = append(got, m.ProviderKey+":"+m.Upstream+":"+fmt.Sprint(m.FailoverOn))
	}
	if !ok || !ri.Group || ri.Alias != "fast" || strings.Join(got, " ") != "b:fast:[] a:fast-a:[429] c:fast-c:[]" {
		t.Errorf("Resolve(fast) = %+v %v", ri, got)
	}
	if ri, ok := tb.Resolve("claude-x", false, nil); !ok || ri.Alias != "claude-*" || !ri.Pattern {
		t.Errorf("Resolve(claude-x) = %+v", ri)
	}
	// No "*" without an enabled provider: nothing catches.
	empty := NewTable([]model.Provider{withMaps(provider("p", model.TypeOpenAI, "http://127.0.0.1:1/v1"), mm("one", "", 0))}, Settings{})
	if _, ok := empty.lookup("two", false); ok {
		t.Error("a name no alias matches was routed")
	}
	if _, ok := empty.Resolve("two", true, nil); ok {
		t.Error("Resolve found a route for a name no alias matches")
	}
	// A pattern only on a disabled provider is named in the 404.
	if k, ok := tb.disabledProvider("zzz"); ok {
		t.Errorf("disabledProvider(zzz) = %q", k)
	}
	off := withMaps(provider("off", model.TypeAnthropic, "http://127.0.0.1:9"), mm("claude-*", "", 0))
	off.Enabled = false
	if k, ok := NewTable([]model.Provider{off}, Settings{}).disabledProvider("claude-3"); !ok || k != "off" {
		t.Errorf("disabled pattern: %q %v", k, ok)
	}
}

func keyOf(rt route) string {
	if rt.p == nil {
		return "<nil>"
	}
	return rt.p.key
}

// TestRoutesList: Routes lists every alias and pattern of the enabled
// providers, sorted, members in configured order (a group's in try order).
func TestRoutesList(t *testing.T) {
	var got []string
	for _, r := range routingTable().Routes() {
		var ms []string
		for _, m := range r.Members {
			ms = append(ms, fmt.Sprintf("%s/%d/%v", m.ProviderKey, m.Priority, m.Anthropic))
		}
		got = append(got, fmt.Sprintf("%s p=%v g=%v [%s]", r.Alias, r.Pattern, r.Group, strings.Join(ms, " ")))
	}
	want := []string{
		"* p=true g=false [b/0/true c/0/false]",
		"claude-* p=true g=false [b/0/true]",
		"claude-opus p=false g=false [a/0/false]",
		"dup p=false g=false [a/0/false]",
		"fast p=false g=true [b/1/true a/2/false c/2/false]", // a group: its try order
		"gpt-* p=true g=false [c/0/false]",
		"gpt-4o* p=true g=false [a/0/false]",
		"mixed p=false g=false [a/1/false]",
		"x*y p=false g=false [a/0/false]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Routes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestModelsListPatterns: exact aliases once each (a group's owned_by is
// its first member), patterns described in the OpenAI shape only, and
// models.retrieve answers for a name a pattern catches.
func TestModelsListPatterns(t *testing.T) {
	hs := newHarness(t, Settings{},
		withMaps(provider("a", model.TypeOpenAI, "http://127.0.0.1:1/v1"), mm("fast", "", 2), mm("gpt-*", "", 0)),
		withMaps(provider("b", model.TypeAnthropic, "http://127.0.0.1:2"), mm("fast", "", 1), mm("claude-*", "anthropic/claude-*", 0), mm("*", "", 0)),
	)
	var list struct {
		Data []map[string]any `json:"data"`
	}
	res := hs.do("GET", "/v1/models", "")
	if err := json.Unmarshal(res.Body, &list); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range list.Data {
		got = append(got, fmt.Sprintf("%v owned_by=%v pattern=%v %v", m["id"], m["owned_by"], m["pattern"], m["description"]))
	}
	want := []string{
		"fast owned_by=a pattern=<nil> <nil>",
		"gpt-* owned_by=a pattern=true any model starting with gpt- → a",
		"claude-* owned_by=b pattern=true any model starting with claude- → b",
		"* owned_by=b pattern=true any model → b",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("models:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ares := hs.do("GET", "/v1/models", "", "Anthropic-Version", "2023-06-01")
	if !strings.Contains(string(ares.Body), `"id":"fast"`) || strings.Contains(string(ares.Body), "*") {
		t.Errorf("anthropic models list %s", ares.Body)
	}
	for _, h := range [][]string{nil, {"Anthropic-Version", "2023-06-01"}} {
		one := hs.do("GET", "/v1/models/claude-opus-5-5", "", h...)
		var m map[string]any
		if err := json.Unmarshal(one.Body, &m); err != nil || one.Status != 200 || m["id"] != "claude-opus-5-5" {
			t.Errorf("retrieve a pattern-caught model (%v): %d %s", h, one.Status, one.Body)
		}
	}
	if r := hs.do("GET", "/v1/models/", ""); r.Status != 404 {
		t.Errorf("GET /v1/models/ with a \"*\" route: %d %s", r.Status, r.Body)
	}
	pair := newHarness(t, Settings{},
		withMaps(provider("o", model.TypeOpenAI, "http://127.0.0.1:1/v1"), mm("*", "", 0)),
		withMaps(provider("n", model.TypeAnthropic, "http://127.0.0.1:2"), mm("*", "", 0)))
	if r := pair.do("GET", "/v1/models", ""); !strings.Contains(string(r.Body), `"description":"any model → o (OpenAI clients), n (Anthropic clients)"`) {
		t.Errorf("pair description: %s", r.Body)
	}
}

// FuzzRouteTable: no alias set (disabled providers, duplicates, patterns,
// priorities, stars anywhere) makes routing panic or pick a disabled
// provider, and Resolve agrees with the request path's lookup.
func FuzzRouteTable(f *testing.F) {
	f.Add("claude-*,a,0;claude-opus,b,0;*,c,1", "claude-opus-5", byte(0b101))
	f.Add("fast,a,1;fast,b,2;fast,c,0;x*,a,0", "fast", byte(0b010))
	f.Add("*,a,0;*,b,0;**,c,3;a/x,b,0", "a/x", byte(0b111))
	f.Add(",a,0;*x*,b,-1;/,c,1001", "", byte(0))
	f.Fuzz(func(t *testing.T, spec, name string, bits byte) {
		keys := []string{"a", "b", "c"}
		ps := make([]model.Provider, 3)
		for i, k := range keys {
			typ := model.TypeOpenAI
			if i == 1 {
				typ = model.TypeAnthropic
			}
			ps[i] = provider(k, typ, "http://127.0.0.1:1/v1")
			ps[i].Enabled = bits&(1<<i) != 0
			ps[i].Translate = bits&(1<<(i+3)) != 0
		}
		for _, item := range strings.Split(spec, ";") {
			parts := strings.Split(item, ",")
			if len(parts) < 3 {
				continue
			}
			idx := strings.IndexAny(parts[1], "abc")
			if idx < 0 || len(parts[1]) != 1 {
				continue
			}
			var prio int
			_, _ = fmt.Sscan(parts[2], &prio)
			i := int(parts[1][0] - 'a')
			ps[i].Models = append(ps[i].Models, model.ModelMapping{Alias: parts[0], Upstream: parts[0], Priority: prio, FailoverOn: []int{prio}})
		}
		tb := NewTable(ps, Settings{})
		enabled := map[string]bool{}
		for _, p := range ps {
			if p.Enabled {
				enabled[p.Key] = true
			}
		}
		_ = tb.Routes()
		for _, anthropic := range []bool{false, true} {
			rt, ok := tb.lookup(name, anthropic)
			ri, rok := tb.Resolve(name, anthropic, nil)
			if ok != rok {
				t.Fatalf("lookup %v, Resolve %v for %q", ok, rok, name)
			}
			if !ok {
				continue
			}
			var keys []string
			if rt.group != nil {
				for _, m := range rt.group.order {
					keys = append(keys, m.p.key)
				}
			} else {
				keys = []string{rt.p.key}
			}
			var rkeys []string
			for _, m := range ri.Members {
				rkeys = append(rkeys, m.ProviderKey)
			}
			if strings.Join(keys, ",") != strings.Join(rkeys, ",") || ri.Group != (rt.group != nil) {
				t.Fatalf("%q: lookup picks %v (group %v), Resolve %v (group %v)", name, keys, rt.group != nil, rkeys, ri.Group)
			}
			for _, k := range keys {
				if !enabled[k] {
					t.Fatalf("%q routed to disabled provider %q", name, k)
				}
			}
		}
		_, _ = tb.modelJSONFor(name, bits&1 != 0)
		_, _ = tb.disabledProvider(name)
	})
}

// TestTryOrder: members whose circuit is open go last, keeping their
// order among themselves; with none open (or no isOpen) the configured
// slice itself comes back.
func TestTryOrder(t *testing.T) {
	var ms []member
	for _, k := range []string{"a", "b", "c", "d"} {
		ms = append(ms, member{p: &upProvider{key: k}})
	}
	keys := func(ms []member) string {
		var out []string
		for _, m := range ms {
			out = append(out, m.p.key)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		open string
		want string
	}{
		{"", "a b c d"},
		{"a", "b c d a"},
		{"a c", "b d a c"},
		{"b d", "a c b d"},
		{"a b c d", "a b c d"},
	} {
		isOpen := func(k string) bool { return slices.Contains(strings.Fields(tc.open), k) }
		if got := keys(tryOrder(ms, isOpen)); got != tc.want {
			t.Errorf("open %q: order %q, want %q", tc.open, got, tc.want)
		}
	}
	if got := tryOrder(ms, nil); &got[0] != &ms[0] {
		t.Error("tryOrder without isOpen copied the members")
	}
	if got := tryOrder(ms, func(string) bool { return false }); &got[0] != &ms[0] {
		t.Error("tryOrder with none open copied the members")
	}
}
