package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// modelsUpstream is a fake provider's model list: it answers GET
// /v1/models (OpenAI, base URL with /v1) and GET /v1/models?limit=…
// (Anthropic) with an unsorted list, or status with an error that echoes
// the credential it got. It records the headers it saw.
type modelsUpstream struct {
	url    string
	status int
	mu     sync.Mutex
	seen   []*http.Request
}

func newModelsUpstream(t *testing.T, status int) *modelsUpstream {
	u := &modelsUpstream{status: status}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.seen = append(u.seen, r.Clone(r.Context()))
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet || r.URL.Path != "/v1/models" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if u.status != http.StatusOK {
			w.WriteHeader(u.status)
			key := r.Header.Get("Authorization") + r.Header.Get("X-Api-Key")
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error"}}`, key)
			return
		}
		if r.Header.Get("X-Api-Key") != "" {
			fmt.Fprint(w, `{"data":[{"type":"model","id":"claude-b","display_name":"B","created_at":"2025-02-19T00:00:00Z"},{"type":"model","id":"claude-a","created_at":"2024-10-22T00:00:00Z"}],"has_more":false}`)
			return
		}
		fmt.Fprint(w, `{"object":"list","data":[{"id":"gpt-z","object":"model","created":1700000000,"owned_by":"openai"},{"id":"gpt-a","object":"model","created":1600000000,"owned_by":"system"}]}`)
	}))
	t.Cleanup(srv.Close)
	u.url = srv.URL
	return u
}

func (u *modelsUpstream) last(t *testing.T) *http.Request {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.seen) == 0 {
		t.Fatal("the upstream saw no request")
	}
	return u.seen[len(u.seen)-1]
}

// TestDiscoverOverHTTP: POST /providers/discover lists an upstream's own
// models, sorted, for OpenAI and Anthropic types, stored and unsaved
// providers, with their credentials and headers; an error status and a
// closed port are 200s that say what happened, never with the key.
func TestDiscoverOverHTTP(t *testing.T) {
	s := newStack(t)
	doc := loadOpenAPI(t, s)
	ok := newModelsUpstream(t, http.StatusOK)
	denied := newModelsUpstream(t, http.StatusUnauthorized)
	const key = "sk-discover-secret-1234"

	// Unsaved OpenAI provider: GET base_url/models with its key and headers.
	r, res := s.discover(doc, map[string]any{"type": "openai", "base_url": ok.url + "/v1", "api_key": key,
		"headers": map[string]string{"X-Custom": "c1"}})
	if r.status != 200 || !res.Reachable || res.StatusCode == nil || *res.StatusCode != 200 || res.Error != nil ||
		len(res.Models) != 2 || res.Models[0] != (model.DiscoveredModel{ID: "gpt-a", OwnedBy: "system", Created: 1600000000}) ||
		res.Models[1].ID != "gpt-z" {
		t.Errorf("openai: %d %s", r.status, r.body)
	}
	if got := ok.last(t); got.Header.Get("Authorization") != "Bearer "+key || got.Header.Get("X-Custom") != "c1" {
		t.Errorf("openai upstream saw %v", got.Header)
	}

	// Unsaved Anthropic provider: GET base_url/v1/models with x-api-key.
	r, res = s.discover(doc, map[string]any{"type": "anthropic", "base_url": ok.url, "api_key": key})
	if r.status != 200 || !res.Reachable || len(res.Models) != 2 || res.Models[0].ID != "claude-a" || res.Models[0].Created != 1729555200 {
		t.Errorf("anthropic: %d %s", r.status, r.body)
	}
	if got := ok.last(t); got.Header.Get("X-Api-Key") != key || got.Header.Get("Anthropic-Version") == "" {
		t.Errorf("anthropic upstream saw %v", got.Header)
	}

	// A stored provider by id uses its stored key.
	p := s.create(providerBody("stored", map[string]any{"base_url": ok.url + "/v1", "api_key": key}))
	r, res = s.discover(doc, map[string]any{"id": p.ID})
	if r.status != 200 || len(res.Models) != 2 || ok.last(t).Header.Get("Authorization") != "Bearer "+key {
		t.Errorf("stored: %d %s", r.status, r.body)
	}

	// An error status: reachable, with the provider's message, key redacted.
	r, res = s.discover(doc, map[string]any{"type": "openai", "base_url": denied.url + "/v1", "api_key": key})
	if r.status != 200 || !res.Reachable || res.StatusCode == nil || *res.StatusCode != 401 || res.Error == nil ||
		res.Error.Type != model.CheckErrUpstream || !strings.Contains(res.Error.Message, "Incorrect API key") || len(res.Models) != 0 {
		t.Errorf("401: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), key) || strings.Contains(string(r.body), "discover-secret") {
		t.Errorf("the key leaked: %s", r.body)
	}

	// A closed port: not reachable, no status.
	r, res = s.discover(doc, map[string]any{"type": "openai", "base_url": closedURL(t)})
	if r.status != 200 || res.Reachable || res.StatusCode != nil || res.Error == nil || res.Error.Type != model.CheckErrConnect {
		t.Errorf("closed port: %d %s", r.status, r.body)
	}

	// Bad input is a 400 naming the field; an unknown id a 404.
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"no type", map[string]any{"base_url": ok.url + "/v1"}, 400, "type"},
		{"no base_url", map[string]any{"type": "openai"}, 400, "base_url"},
		{"bad type", map[string]any{"type": "gemini", "base_url": ok.url}, 400, "type"},
		{"endpoint base_url", map[string]any{"type": "openai", "base_url": ok.url + "/v1/chat/completions"}, 400, "base_url"},
		{"unknown field", map[string]any{"type": "openai", "base_url": ok.url, "model": "x"}, 400, "model"},
		{"masked key", map[string]any{"type": "openai", "base_url": ok.url, "api_key": "…1234"}, 400, "api_key"},
		{"unknown id", map[string]any{"id": 999}, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := s.discover(doc, tc.body)
			if r.status != tc.status || decodeErr(t, r.body).Error.Field != tc.field {
				t.Errorf("%d %s, want %d on %q", r.status, r.body, tc.status, tc.field)
			}
		})
	}
}

// TestBaseURLEndpointRefused: a base_url that ends in an endpoint path is
// a 400 on base_url whose message gives the base URL to use (openai keeps
// /v1; anthropic stops before it).
func TestBaseURLEndpointRefused(t *testing.T) {
	s := newStack(t)
	for _, tc := range []struct{ typ, base, suggest string }{
		{"openai", "https://api.openai.com/v1/chat/completions", `"https://api.openai.com/v1"`},
		{"openai", "https://api.openai.com/v1/chat/completions/", `"https://api.openai.com/v1"`},
		{"openai", "https://api.openai.com/v1/completions", `"https://api.openai.com/v1"`},
		{"openai", "https://api.openai.com/v1/embeddings", `"https://api.openai.com/v1"`},
		{"openai", "http://127.0.0.1:1234/v1/messages", `"http://127.0.0.1:1234/v1"`},
		{"anthropic", "https://api.anthropic.com/v1/messages", `"https://api.anthropic.com"`},
		{"anthropic", "https://api.anthropic.com/v1/messages/", `"https://api.anthropic.com"`},
	} {
		t.Run(tc.typ+" "+tc.base, func(t *testing.T) {
			r := s.request("POST", "/admin/v1/providers", providerBody("p", map[string]any{"type": tc.typ, "base_url": tc.base}))
			e := decodeErr(t, r.body)
			if r.status != 400 || e.Error.Field != "base_url" || !strings.Contains(e.Error.Message, tc.suggest) {
				t.Errorf("%d %s, want 400 on base_url suggesting %s", r.status, r.body, tc.suggest)
			}
		})
	}
	// The base URLs themselves are fine.
	s.create(providerBody("oa", map[string]any{"base_url": "https://api.openai.com/v1"}))
	s.create(providerBody("an", map[string]any{"type": "anthropic", "base_url": "https://api.anthropic.com"}))
}
