package proxy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// compareHeaders are the upstream headers that must arrive unchanged.
var compareHeaders = []string{
	"Content-Type", "Content-Encoding", "Retry-After", "X-Request-Id", "Request-Id",
	"X-Ratelimit-Limit-Requests", "X-Ratelimit-Remaining-Tokens", "Anthropic-Ratelimit-Requests-Remaining",
	"Openai-Processing-Ms", "Cache-Control",
}

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.String()
}

// TestPassthrough sends every interesting upstream answer through the proxy
// in both dialects and compares status, body bytes and headers with what
// the same fake answers when called directly.
func TestPassthrough(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		hdr    []string
	}{
		{"200 json", 200, `{"id":"x","usage":{"prompt_tokens":3,"completion_tokens":4}}`, nil},
		{"400", 400, `{"error":{"message":"bad","type":"invalid_request_error","param":"messages","code":null}}`, nil},
		{"401", 401, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`, nil},
		{"403", 403, `{"type":"error","error":{"type":"permission_error","message":"no"}}`, nil},
		{"404", 404, `{"error":{"message":"The model does not exist","type":"invalid_request_error","code":"model_not_found"}}`, nil},
		{"408", 408, `{"error":{"message":"timeout","type":"timeout"}}`, nil},
		{"413", 413, `{"type":"error","error":{"type":"request_too_large","message":"too big"}}`, nil},
		{"422", 422, `{"detail":[{"loc":["body","messages"],"msg":"field required"}]}`, nil},
		{"429 with rate-limit headers", 429, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`,
			[]string{"Retry-After", "7", "X-Ratelimit-Limit-Requests", "500", "X-Ratelimit-Remaining-Tokens", "0",
				"X-Request-Id", "req_abc123", "Request-Id", "req_011CS", "Anthropic-Ratelimit-Requests-Remaining", "0"}},
		{"500", 500, `{"error":{"message":"The server had an error","type":"server_error"}}`, []string{"Openai-Processing-Ms", "12"}},
		{"502", 502, `{"error":{"message":"bad gateway upstream","type":"api_error"}}`, nil},
		{"503", 503, `{"error":{"message":"overloaded","type":"server_error"}}`, []string{"Retry-After", "30"}},
		{"504", 504, `{"error":{"message":"gateway timeout upstream","type":"api_error"}}`, nil},
		{"529", 529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, nil},
		{"html error body", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>\n", []string{"Content-Type", "text/html; charset=utf-8"}},
		{"empty body", 500, "", []string{"Content-Type", "text/plain"}},
		{"gzip body", 200, gzipped(`{"id":"gz","object":"chat.completion"}`), []string{"Content-Encoding", "gzip", "Cache-Control", "no-store"}},
		{"gzip error", 429, gzipped(`{"error":{"message":"slow down","type":"rate_limit_error"}}`), []string{"Content-Encoding", "gzip", "Retry-After", "3"}},
		{"odd numbers", 200, `{"a":1e400,"b":12345678901234567890,"c":1.0,"d":"\u00e9"}`, nil},
	}
	dialects := []struct {
		name string
		typ  model.ProviderType
		path string
		base func(string) string
	}{
		{"openai", model.TypeOpenAI, "/v1/chat/completions", func(u string) string { return u + "/v1" }},
		{"anthropic", model.TypeAnthropic, "/v1/messages", func(u string) string { return u }},
	}
	for _, d := range dialects {
		for _, c := range cases {
			t.Run(d.name+"/"+c.name, func(t *testing.T) {
				f := newFake(t, jsonHandler(c.status, c.body, c.hdr...))
				hs := newHarness(t, Settings{}, provider("up", d.typ, d.base(f.URL), "m", "m-up"))
				reqBody := `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`
				direct := request(t, hs.client, "POST", f.URL, d.path, `{"model":"m-up"}`, "Accept-Encoding", "gzip")
				got := hs.do("POST", d.path, reqBody, "Accept-Encoding", "gzip")
				if got.Status != c.status || direct.Status != c.status {
					t.Fatalf("status: proxy %d, direct %d, want %d", got.Status, direct.Status, c.status)
				}
				if !bytes.Equal(got.Body, direct.Body) || string(got.Body) != c.body {
					t.Fatalf("body differs:\nproxy  %q\ndirect %q", got.Body, direct.Body)
				}
				for _, k := range compareHeaders {
					if g, w := got.Header.Values(k), direct.Header.Values(k); strings.Join(g, "|") != strings.Join(w, "|") {
						t.Errorf("header %s: proxy %q, direct %q", k, g, w)
					}
				}
				if got.Header.Get("Content-Length") != direct.Header.Get("Content-Length") {
					t.Errorf("Content-Length: proxy %q, direct %q", got.Header.Get("Content-Length"), direct.Header.Get("Content-Length"))
				}
				if got.Header.Get(HeaderRequestID) == "" || got.Header.Get(HeaderProvider) != "up" {
					t.Errorf("sluicegate headers: id %q provider %q", got.Header.Get(HeaderRequestID), got.Header.Get(HeaderProvider))
				}
				wantSrc := ""
				if c.status >= 400 {
					wantSrc = "upstream"
				}
				if g := got.Header.Get(HeaderErrorSource); g != wantSrc {
					t.Errorf("error source %q, want %q", g, wantSrc)
				}
				e := hs.sink.next(t)
				if e.Status != c.status || e.ID != got.Header.Get(HeaderRequestID) || e.BytesOut != int64(len(c.body)) {
					t.Errorf("log entry: %+v", e)
				}
				if (e.ErrorSource != nil) != (c.status >= 400) || (e.ErrorSource != nil && *e.ErrorSource != "upstream") {
					t.Errorf("log error source %v", e.ErrorSource)
				}
			})
		}
	}
}

// TestUpstreamErrorLogged checks that an upstream error's own type and
// message reach the log entry, in both dialect shapes.
func TestUpstreamErrorLogged(t *testing.T) {
	for _, c := range []struct{ body, typ, msg string }{
		{`{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`, "requests", "Rate limit reached"},
		{`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "overloaded_error", "Overloaded"},
		{`{"error":"model is loading"}`, "upstream_error", "model is loading"},
		{`<html>oops</html>`, "upstream_error", "Service Unavailable"},
	} {
		f := newFake(t, jsonHandler(503, c.body))
		hs := newHarness(t, Settings{}, provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m"))
		hs.do("POST", "/v1/chat/completions", `{"model":"m"}`)
		e := hs.sink.next(t)
		if e.ErrorType != c.typ || e.ErrorMessage != c.msg {
			t.Errorf("%s: logged type %q message %q, want %q %q", c.body, e.ErrorType, e.ErrorMessage, c.typ, c.msg)
		}
	}
}

// TestHopByHopResponseHeaders: hop-by-hop headers, and those a Connection
// header names, are not passed to the client; others are.
func TestHopByHopResponseHeaders(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Hop")
		w.Header().Set("X-Hop", "1")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("X-End", "2")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		_, _ = w.Write([]byte(`{}`))
	})
	hs := newHarness(t, Settings{}, provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m"))
	got := hs.do("POST", "/v1/chat/completions", `{"model":"m"}`)
	if got.Header.Get("X-Hop") != "" || got.Header.Get("Keep-Alive") != "" {
		t.Errorf("hop-by-hop headers leaked: %v", got.Header)
	}
	if got.Header.Get("X-End") != "2" || strings.Join(got.Header.Values("Set-Cookie"), ",") != "a=1,b=2" {
		t.Errorf("end-to-end headers lost: %v", got.Header)
	}
}

// TestForwardedRequest checks what reaches the upstream: the URL mapping
// per provider type, the query, the body with only the model changed, and
// the headers (credentials, custom headers, hop-by-hop, User-Agent).
func TestForwardedRequest(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{}`))
	withKey := func(p model.Provider, key string, hdr map[string]string) model.Provider {
		p.APIKey, p.Headers = key, hdr
		return p
	}
	body := `{ "temperature": 1.0, "model" : "alias",  "n":12345678901234567890, "x":"\u00e9\n", "extra":{"model":"keep"} }`
	cases := []struct {
		name     string
		prov     model.Provider
		path     string
		hdr      []string
		wantPath string
		check    func(t *testing.T, got seenReq)
	}{
		{
			name: "openai key replaces client auth",
			prov: withKey(provider("oa", model.TypeOpenAI, f.URL+"/v1", "alias", "gpt-up"), "sk-prov", map[string]string{"openai-organization": "org-1"}),
			path: "/v1/chat/completions?api-version=2&x=%20y", hdr: []string{"Authorization", "Bearer client", "X-Api-Key", "client2", "User-Agent", "sdk/1.0", "Accept-Encoding", "gzip"},
			wantPath: "/v1/chat/completions",
			check: func(t *testing.T, got seenReq) {
				want := map[string]string{"Authorization": "Bearer sk-prov", "X-Api-Key": "", "Openai-Organization": "org-1",
					"User-Agent": "sdk/1.0", "Accept-Encoding": "gzip", "Anthropic-Version": ""}
				checkHeaders(t, got.Header, want)
				if got.RawQuery != "api-version=2&x=%20y" {
					t.Errorf("query %q", got.RawQuery)
				}
			},
		},
		{
			name: "anthropic key and default version",
			prov: withKey(provider("an", model.TypeAnthropic, f.URL+"/", "alias", "claude-up"), "sk-ant", map[string]string{"anthropic-beta": "tools-1"}),
			path: "/v1/messages", hdr: []string{"Authorization", "Bearer client", "X-Api-Key", "client2", "User-Agent", ""},
			wantPath: "/v1/messages",
			check: func(t *testing.T, got seenReq) {
				checkHeaders(t, got.Header, map[string]string{"X-Api-Key": "sk-ant", "Authorization": "", "Anthropic-Version": "2023-06-01", "Anthropic-Beta": "tools-1", "User-Agent": ""})
			},
		},
		{
			name: "anthropic client version kept",
			prov: withKey(provider("an", model.TypeAnthropic, f.URL, "alias", "claude-up"), "sk-ant", nil),
			path: "/v1/messages/count_tokens", hdr: []string{"Anthropic-Version", "2024-01-01"},
			wantPath: "/v1/messages/count_tokens",
			check: func(t *testing.T, got seenReq) {
				checkHeaders(t, got.Header, map[string]string{"Anthropic-Version": "2024-01-01"})
			},
		},
		{
			name: "no provider key: client credentials pass",
			prov: provider("oa", model.TypeOpenAI, f.URL+"/api/openai/v1/", "alias", "gpt-up"),
			path: "/v1/embeddings", hdr: []string{"Authorization", "Bearer client", "X-Api-Key", "client2"},
			wantPath: "/api/openai/v1/embeddings",
			check: func(t *testing.T, got seenReq) {
				checkHeaders(t, got.Header, map[string]string{"Authorization": "Bearer client", "X-Api-Key": "client2"})
			},
		},
		{
			name: "hop-by-hop request headers dropped",
			prov: provider("oa", model.TypeOpenAI, f.URL+"/v1", "alias", "gpt-up"),
			path: "/v1/responses", hdr: []string{"Connection", "X-Secret-Hop", "X-Secret-Hop", "1", "Proxy-Authorization", "Basic eA==", "Te", "trailers", "X-Custom", "kept"},
			wantPath: "/v1/responses",
			check: func(t *testing.T, got seenReq) {
				checkHeaders(t, got.Header, map[string]string{"X-Secret-Hop": "", "Proxy-Authorization": "", "Te": "", "X-Custom": "kept"})
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := newHarness(t, Settings{}, c.prov)
			p := strings.SplitN(c.path, "?", 2)[0]
			res := hs.do("POST", c.path, body, c.hdr...)
			if res.Status != 200 {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			got := f.last(t)
			if got.Path != c.wantPath {
				t.Errorf("upstream path %q, want %q (client path %s)", got.Path, c.wantPath, p)
			}
			up := c.prov.Models[0].Upstream
			want := strings.Replace(body, `"alias"`, `"`+up+`"`, 1)
			if string(got.Body) != want {
				t.Errorf("forwarded body\n got %s\nwant %s", got.Body, want)
			}
			c.check(t, got)
		})
	}
}

func checkHeaders(t *testing.T, h http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g := h.Get(k); g != v {
			t.Errorf("upstream header %s = %q, want %q", k, g, v)
		}
	}
}

// TestProviderKeyRoute routes PROVIDER_KEY/UPSTREAM_MODEL with the upstream
// name as is, and prefers an alias that contains a slash.
func TestProviderKeyRoute(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{}`))
	hs := newHarness(t, Settings{}, provider("or", model.TypeOpenAI, f.URL+"/v1", "or/special", "special-up"))
	for _, c := range []struct{ model, up string }{
		{"or/meta-llama/llama-3-70b", "meta-llama/llama-3-70b"},
		{"or/special", "special-up"},
	} {
		res := hs.do("POST", "/v1/chat/completions", `{"model":"`+c.model+`"}`)
		var b struct{ Model string }
		_ = json.Unmarshal(f.last(t).Body, &b)
		if res.Status != 200 || b.Model != c.up {
			t.Errorf("%s: status %d, upstream model %q, want %q", c.model, res.Status, b.Model, c.up)
		}
		e := hs.sink.next(t)
		if e.Model != c.model || e.UpstreamModel != c.up || e.ProviderKey != "or" {
			t.Errorf("log entry %+v", e)
		}
	}
}

// TestTableSwap: a new table takes effect on the next request.
func TestTableSwap(t *testing.T) {
	f1 := newFake(t, jsonHandler(200, `{"from":1}`))
	f2 := newFake(t, jsonHandler(200, `{"from":2}`))
	hs := newHarness(t, Settings{}, provider("a", model.TypeOpenAI, f1.URL+"/v1", "m", "m"))
	if r := hs.do("POST", "/v1/chat/completions", `{"model":"m"}`); string(r.Body) != `{"from":1}` {
		t.Fatalf("first: %s", r.Body)
	}
	hs.setProviders(Settings{}, provider("b", model.TypeOpenAI, f2.URL+"/v1", "m", "m"))
	if r := hs.do("POST", "/v1/chat/completions", `{"model":"m"}`); string(r.Body) != `{"from":2}` || r.Header.Get(HeaderProvider) != "b" {
		t.Fatalf("after swap: %s %v", r.Body, r.Header)
	}
}
