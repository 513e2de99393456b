package proxy

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// TestTableLookup: KEY/MODEL for an enabled provider's key, then aliases
// of enabled providers; disabled providers are not routable but are named.
func TestTableLookup(t *testing.T) {
	off := provider("off", model.TypeOpenAI, "http://127.0.0.1:1/v1", "old", "old-up", "shared", "x")
	off.Enabled = false
	tb := NewTable([]model.Provider{
		provider("a", model.TypeOpenAI, "http://127.0.0.1:1/v1", "gpt", "gpt-up", "same", ""),
		provider("b", model.TypeAnthropic, "http://127.0.0.1:2", "gpt", "dup-loses", "claude", "claude-up", "a/x", "slash-alias",
			"anthropic/claude-sonnet-4", "claude-sonnet-4-up"),
		provider("d", model.TypeOpenAI, "http://127.0.0.1:4/v1", "d/fast", "fast-up"),
		off,
		provider("c", model.TypeOpenAI, "http://127.0.0.1:3/v1", "shared", "c-shared"),
	}, Settings{})
	for _, c := range []struct {
		in, key, up string
		ok          bool
	}{
		{"gpt", "a", "gpt-up", true},
		{"same", "a", "same", true}, // empty upstream means the alias itself
		{"claude", "b", "claude-up", true},
		// KEY/MODEL always reaches provider KEY, even when another
		// provider has that name as an alias.
		{"a/x", "a", "x", true},
		// An alias KEY/MODEL on provider KEY itself keeps its mapping.
		{"d/fast", "d", "fast-up", true},
		{"d/slow", "d", "slow", true},
		// OpenRouter-style alias while no provider has the key "anthropic".
		{"anthropic/claude-sonnet-4", "b", "claude-sonnet-4-up", true},
		{"anthropic/other", "", "", false},
		{"a/some/model", "a", "some/model", true},
		{"shared", "c", "c-shared", true},
		{"old", "", "", false},
		{"off/x", "", "", false},
		{"a/", "", "", false},
		{"/x", "", "", false},
		{"", "", "", false},
	} {
		r, ok := tb.lookup(c.in, false)
		if ok != c.ok || (ok && (r.p.key != c.key || r.upstream != c.up)) {
			t.Errorf("lookup(%q) = %v %v", c.in, r, ok)
		}
	}
	for _, c := range []struct{ in, key string }{{"old", "off"}, {"off/x", "off"}, {"shared", ""}, {"nope", ""}} {
		k, ok := tb.disabledProvider(c.in)
		if (k != "") != ok || k != c.key {
			t.Errorf("disabledProvider(%q) = %q %v", c.in, k, ok)
		}
	}
}

// TestModelsList: GET /v1/models lists every routable alias, in a shape
// both SDKs read; /v1/models/{id} answers one.
func TestModelsList(t *testing.T) {
	off := provider("off", model.TypeOpenAI, "http://127.0.0.1:1/v1", "hidden", "h")
	off.Enabled = false
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	a := provider("a", model.TypeOpenAI, "http://127.0.0.1:1/v1", "gpt", "gpt-up")
	a.CreatedAt = created
	hs := newHarness(t, Settings{ProxyKeys: []string{"k"}}, a, off,
		provider("b", model.TypeAnthropic, "http://127.0.0.1:2", "claude", "claude-up"))
	if res := hs.do("GET", "/v1/models", ""); res.Status != 401 {
		t.Errorf("models without the local key: %d", res.Status)
	}
	res := hs.do("GET", "/v1/models", "", "Authorization", "Bearer k")
	var list struct {
		Object string           `json:"object"`
		Raw    []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(res.Body, &list); err != nil || res.Status != 200 || list.Object != "list" {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	var ids []string
	for _, m := range list.Raw {
		ids = append(ids, fmt.Sprintf("%v/%v/%v", m["id"], m["object"], m["owned_by"]))
	}
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[claude/model/b gpt/model/a]" {
		t.Errorf("models %v", ids)
	}
	if list.Raw[0]["created"].(float64) != float64(created.Unix()) {
		t.Errorf("created %v", list.Raw[0]["created"])
	}
	one := hs.do("GET", "/v1/models/claude", "", "X-Api-Key", "k")
	if one.Status != 200 || !json.Valid(one.Body) {
		t.Errorf("retrieve: %d %s", one.Status, one.Body)
	}
	// models.retrieve of an unknown model: 404 model_not_found, as the
	// SDKs expect.
	checkProxyError(t, hs.do("GET", "/v1/models/nope", "", "X-Api-Key", "k"), false, shape404, `"nope"`)
	empty := newHarness(t, Settings{})
	if r := empty.do("GET", "/v1/models", ""); string(r.Body) != `{"object":"list","data":[],"has_more":false,"first_id":"","last_id":""}` {
		t.Errorf("empty list %s", r.Body)
	}
}

// TestNilRoutes: a handler without a table serves an empty one.
func TestNilRoutes(t *testing.T) {
	srv := httptest.NewServer(New(nil, nil))
	defer srv.Close()
	res := request(t, http.DefaultClient, "POST", srv.URL, "/v1/chat/completions", `{"model":"x"}`)
	if res.Status != 404 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	var lr LiveRoutes
	srv2 := httptest.NewServer(New(&lr, nil))
	defer srv2.Close()
	if res := request(t, http.DefaultClient, "POST", srv2.URL, "/v1/chat/completions", `{"model":"x"}`); res.Status != 404 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}

// TestRequestIDs: unique, fixed width, and sorted in creation order, also
// across goroutines.
func TestRequestIDs(t *testing.T) {
	g := newIDGen()
	const n, workers = 20000, 4
	var mu sync.Mutex
	seen := make(map[string]bool, n*workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := ""
			local := make([]string, 0, n)
			for i := 0; i < n; i++ {
				id := g.next()
				if len(id) != 20 || id <= prev {
					t.Errorf("id %q after %q", id, prev)
					return
				}
				prev = id
				local = append(local, id)
			}
			mu.Lock()
			for _, id := range local {
				seen[id] = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(seen) != n*workers {
		t.Fatalf("%d unique of %d", len(seen), n*workers)
	}
	a := g.next()
	time.Sleep(2 * time.Millisecond)
	if b := newIDGen().next(); b <= a {
		t.Errorf("a later process's id %q sorts before %q", b, a)
	}
}

// TestClassify: the one 499/502/504 decision.
func TestClassify(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), -time.Second)
	defer cancel2()
	live := context.Background()
	dialTimeout := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	for _, c := range []struct {
		name   string
		ctx    context.Context
		err    error
		status int
		typ    string
	}{
		{"client cancelled wins", cancelled, dialTimeout, 499, ErrTypeClientClosed},
		{"caller deadline", expired, context.DeadlineExceeded, 504, ErrTypeTimeout},
		{"dial timeout", live, dialTimeout, 504, ErrTypeTimeout},
		{"header timeout", live, fmt.Errorf("wrapped: %w", context.DeadlineExceeded), 504, ErrTypeTimeout},
		{"refused", live, refused, 502, ErrTypeConnect},
		{"dns", live, &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, 502, ErrTypeConnect},
		{"tls", live, &tls.RecordHeaderError{Msg: "bad"}, 502, ErrTypeConnect},
		{"eof", live, io.EOF, 502, ErrTypeConnect},
		{"mid-stream reset", live, &midStreamError{errors.New("connection reset by peer")}, 502, ErrTypeStream},
		{"mid-stream idle", live, &midStreamError{errStreamIdle}, 504, ErrTypeIdle},
		{"mid-stream read timeout", live, &midStreamError{os.ErrDeadlineExceeded}, 504, ErrTypeIdle},
		{"nil ctx", nil, refused, 502, ErrTypeConnect},
	} {
		s, typ := Classify(c.ctx, c.err)
		if s != c.status || typ != c.typ {
			t.Errorf("%s: %d %s, want %d %s", c.name, s, typ, c.status, c.typ)
		}
	}
}

// TestUpstreamDo: the health checks' entry point sends what the proxy
// would: mapped URL, credentials, default version, custom headers; and
// its failures classify like proxied ones.
func TestUpstreamDo(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{"ok":1}`))
	u := testUpstream()
	defer u.CloseIdleConnections()
	p := provider("an", model.TypeAnthropic, f.URL, "m", "m")
	p.APIKey, p.Headers = "sk-ant", map[string]string{"x-extra": "1"}
	resp, err := u.Do(context.Background(), &p, "POST", "/v1/messages?beta=true", []byte(`{"model":"m","max_tokens":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	got := f.last(t)
	if resp.StatusCode != 200 || string(b) != `{"ok":1}` || got.Path != "/v1/messages" || got.RawQuery != "beta=true" {
		t.Fatalf("%d %s %+v", resp.StatusCode, b, got)
	}
	checkHeaders(t, got.Header, map[string]string{"X-Api-Key": "sk-ant", "Anthropic-Version": "2023-06-01", "X-Extra": "1", "Content-Type": "application/json"})

	o := provider("oa", model.TypeOpenAI, f.URL+"/v1", "m", "m")
	o.APIKey = "sk-oa"
	resp, err = u.Do(context.Background(), &o, "POST", "/v1/chat/completions", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := f.last(t); got.Path != "/v1/chat/completions" || got.Header.Get("Authorization") != "Bearer sk-oa" {
		t.Errorf("%+v", got)
	}

	dead := provider("dead", model.TypeOpenAI, "http://"+closedPort(t)+"/v1", "m", "m")
	_, err = u.Do(context.Background(), &dead, "POST", "/v1/chat/completions", []byte(`{}`))
	if s, typ := Classify(context.Background(), err); s != 502 || typ != ErrTypeConnect {
		t.Errorf("refused: %d %s (%v)", s, typ, err)
	}
	bad := provider("bad", model.TypeOpenAI, "ftp://x", "m", "m")
	if _, err := u.Do(context.Background(), &bad, "POST", "/v1/chat/completions", nil); err == nil {
		t.Error("bad base_url accepted")
	}
	if _, err := u.Do(context.Background(), &o, "POST", "/chat/completions", nil); err == nil {
		t.Error("path without /v1 accepted")
	}
}

// TestBadBaseURL: a provider whose base_url cannot be used answers 502
// naming the problem, instead of vanishing from the routes.
func TestBadBaseURL(t *testing.T) {
	hs := newHarness(t, Settings{}, provider("bad", model.TypeOpenAI, "127.0.0.1:8080/v1", "m", "m"))
	res := hs.do("POST", "/v1/chat/completions", `{"model":"m"}`)
	checkProxyError(t, res, false, shape502, "base_url")
}

// TestHTTP2Upstream: a TLS upstream that offers HTTP/2 is spoken to over
// HTTP/2, streaming included.
func TestHTTP2Upstream(t *testing.T) {
	var proto string
	var mu sync.Mutex
	f := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		proto = r.Proto
		mu.Unlock()
		sseHandler(time.Millisecond, "data: 1\n\n", "data: 2\n\n")(w, r)
	}))
	f.EnableHTTP2 = true
	f.StartTLS()
	defer f.Close()
	var d net.Dialer
	u := NewUpstream(UpstreamConfig{
		DialContext:     loopbackOnly(&d),
		TLSClientConfig: f.Client().Transport.(*http.Transport).TLSClientConfig,
	})
	defer u.CloseIdleConnections()
	tb := NewTable([]model.Provider{provider("h2", model.TypeOpenAI, f.URL+"/v1", "m", "m")}, Settings{timeUnit: unit})
	srv := httptest.NewServer(New(tb, nil, WithUpstream(u)))
	defer srv.Close()
	res := request(t, http.DefaultClient, "POST", srv.URL, "/v1/chat/completions", `{"model":"m","stream":true}`)
	mu.Lock()
	defer mu.Unlock()
	if res.Status != 200 || string(res.Body) != "data: 1\n\ndata: 2\n\n" || proto != "HTTP/2.0" {
		t.Fatalf("%d %q via %s", res.Status, res.Body, proto)
	}
}
