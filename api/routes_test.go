package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
	"github.com/sluicegate/sluicegate/service"
)

// TestRoutesOverHTTP: GET /admin/v1/routes lists aliases and patterns
// with members in try order, provider ids and types, circuits and what
// patterns caught; /routes/resolve answers where a name goes (circuits
// included), 400 for a bad dialect and 404 for a name nothing serves; a
// request a group passed on has its attempts under ?client_request_id.
// Every answer is checked against openapi.json.
func TestRoutesOverHTTP(t *testing.T) {
	s := newStack(t)
	doc := loadOpenAPI(t, s)
	up := newLogUpstream(t)
	groq := s.create(providerBody("groq", map[string]any{"base_url": up + "/v1", "models": []map[string]any{
		{"alias": "fast", "upstream": "busy-up", "priority": 1, "failover_on": []int{429}},
		{"alias": "claude-*", "upstream": "", "priority": 0},
	}}))
	openai := s.create(providerBody("openai", map[string]any{"base_url": up + "/v1", "models": []map[string]any{
		{"alias": "fast", "upstream": "ok-up", "priority": 2},
	}}))

	resolve := func(query string, status int) (service.ResolvedRoute, response) {
		t.Helper()
		var out service.ResolvedRoute
		r := s.request("GET", "/admin/v1/routes/resolve?"+query, nil)
		if r.status != status {
			t.Fatalf("resolve %s: %d, want %d: %s", query, r.status, status, r.body)
		}
		validateExchange(t, doc, "GET", "/admin/v1/routes/resolve", "/admin/v1/routes/resolve?"+query, nil, r)
		if status == http.StatusOK {
			s.must(http.StatusOK, "GET", "/admin/v1/routes/resolve?"+query, nil, &out)
		}
		return out, r
	}
	// Nothing serves gpt-9 yet.
	_, r := resolve("model=gpt-9", http.StatusNotFound)
	if e := decodeErr(t, r.body); e.Error.Code != "not_found" || !strings.Contains(e.Error.Message, `"gpt-9"`) {
		t.Errorf("404: %+v", e)
	}
	_, r = resolve("model=fast&dialect=gemini", http.StatusBadRequest)
	if e := decodeErr(t, r.body); e.Error.Field != "dialect" || !strings.Contains(e.Error.Message, `"openai" or "anthropic"`) {
		t.Errorf("bad dialect: %+v", e)
	}
	_, r = resolve("dialect=openai", http.StatusBadRequest)
	if e := decodeErr(t, r.body); e.Error.Field != "model" {
		t.Errorf("no model: %+v", e)
	}

	// The default route per client dialect.
	s.create(providerBody("oai-default", map[string]any{"base_url": up + "/v1", "models": []map[string]any{{"alias": "*"}}}))
	s.create(providerBody("anth-default", map[string]any{"type": "anthropic", "base_url": up, "models": []map[string]any{{"alias": "*"}}}))

	// A group of two: groq answers 429 (failover on), openai 200.
	c := s.chat("fast")
	if c.status != http.StatusOK || c.header.Get(proxy.HeaderAttempts) != "groq=429, openai=200" {
		t.Fatalf("chat fast: %d %q: %s", c.status, c.header.Get(proxy.HeaderAttempts), c.body)
	}
	clientID := requestID(t, c)
	// Two names caught by patterns, most recent last.
	ids := []string{clientID}
	for _, name := range []string{"claude-opus-5-5", "gpt-9", "claude-opus-5-5"} {
		ids = append(ids, requestID(t, s.chat(name)))
	}
	// The passed-over attempt was published before the response it
	// passed to, so it is queued by the time these have finished.
	s.flushLogs(ids...)

	// The attempts of the request.
	got := s.listLogIDs(doc, "?client_request_id="+url.QueryEscape(clientID))
	if len(got) != 2 || got[0] != clientID || got[1] == clientID {
		t.Fatalf("client_request_id=%s lists %v, want [%s, the passed-over attempt]", clientID, got, clientID)
	}
	var l struct{ Data []model.LogEntry }
	s.must(http.StatusOK, "GET", "/admin/v1/logs?client_request_id="+url.QueryEscape(clientID), nil, &l)
	for i, want := range []struct {
		provider        string
		attempt, status int
	}{{"openai", 2, 200}, {"groq", 1, 429}} {
		e := l.Data[i]
		if e.ProviderKey != want.provider || e.Attempt != want.attempt || e.Attempts != 2 || e.Status != want.status || e.ClientRequestID != clientID {
			t.Errorf("attempt row %d: %s attempt %d of %d status %d client %s; want %s %d of 2 status %d client %s",
				i, e.ProviderKey, e.Attempt, e.Attempts, e.Status, e.ClientRequestID, want.provider, want.attempt, want.status, clientID)
		}
	}
	if one := s.listLogIDs(doc, "?client_request_id="+ids[2]); !slices.Equal(one, []string{ids[2]}) {
		t.Errorf("a request tried once lists %v", one)
	}

	// The route list.
	routes := func() []service.Route {
		t.Helper()
		var out struct{ Data []service.Route }
		r := s.must(http.StatusOK, "GET", "/admin/v1/routes", nil, &out)
		validateExchange(t, doc, "GET", "/admin/v1/routes", "/admin/v1/routes", nil, r)
		return out.Data
	}
	list := routes()
	var aliases []string
	byAlias := map[string]service.Route{}
	for _, rt := range list {
		aliases = append(aliases, rt.Alias)
		byAlias[rt.Alias] = rt
	}
	if want := []string{"*", "claude-*", "fast", "groq-m", "openai-m"}; !slices.Equal(aliases[:3], want[:3]) {
		t.Fatalf("aliases %v, want them sorted, starting %v", aliases, want[:3])
	}
	fast := byAlias["fast"]
	if !fast.Group || fast.Pattern || len(fast.Members) != 2 || len(fast.Catches) != 0 {
		t.Fatalf("fast: %+v", fast)
	}
	m0, m1 := fast.Members[0], fast.Members[1]
	if m0.ProviderKey != "groq" || m0.ProviderID != groq.ID || m0.ProviderType != model.TypeOpenAI || m0.Upstream != "busy-up" ||
		m0.Priority != 1 || !slices.Equal(m0.FailoverOn, []int{429}) || m0.Circuit.State != model.CircuitClosed {
		t.Errorf("fast member 1: %+v", m0)
	}
	if m1.ProviderKey != "openai" || m1.ProviderID != openai.ID || m1.Priority != 2 || m1.FailoverOn == nil {
		t.Errorf("fast member 2: %+v", m1)
	}
	if c := byAlias["claude-*"]; !c.Pattern || c.Group || !slices.Equal(c.Catches, []string{"claude-opus-5-5"}) {
		t.Errorf("claude-*: %+v", c)
	}
	star := byAlias["*"]
	if !star.Pattern || star.Group || len(star.Members) != 2 || !slices.Equal(star.Catches, []string{"gpt-9"}) {
		t.Errorf("*: %+v", star)
	}

	// Resolution, per dialect and with circuits.
	for _, tc := range []struct {
		query, alias string
		members      []service.ResolvedMember
	}{
		{"model=fast", "fast", []service.ResolvedMember{{ProviderKey: "groq", Upstream: "busy-up"}, {ProviderKey: "openai", Upstream: "ok-up"}}},
		{"model=claude-x&dialect=anthropic", "claude-*", []service.ResolvedMember{{ProviderKey: "groq", Upstream: "claude-x"}}},
		{"model=gpt-9", "*", []service.ResolvedMember{{ProviderKey: "oai-default", Upstream: "gpt-9"}}},
		{"model=gpt-9&dialect=anthropic", "*", []service.ResolvedMember{{ProviderKey: "anth-default", Upstream: "gpt-9"}}},
	} {
		got, _ := resolve(tc.query, http.StatusOK)
		if got.Alias != tc.alias || !slices.Equal(got.Members, tc.members) {
			t.Errorf("resolve %s: %+v, want alias %q members %+v", tc.query, got, tc.alias, tc.members)
		}
	}
	// A failed health check opens groq's circuit: it moves last, and the
	// route list shows why.
	s.px.Circuits().ReportHealth("groq", false)
	if got, _ := resolve("model=fast", http.StatusOK); !slices.Equal(got.Members, []service.ResolvedMember{{ProviderKey: "openai", Upstream: "ok-up"}, {ProviderKey: "groq", Upstream: "busy-up"}}) || !got.Group {
		t.Errorf("resolve fast with groq open: %+v", got)
	}
	fast = routes()[2]
	if c := fast.Members[0].Circuit; fast.Members[0].ProviderKey != "groq" || c.State != model.CircuitOpen || c.Reason != "health check unhealthy" || c.Until == nil {
		t.Errorf("routes: groq's circuit %+v, want open by the health check (members stay in priority order)", c)
	}
}
