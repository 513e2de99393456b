package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/live"
	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
	"github.com/sluicegate/sluicegate/service"
)

// These tests run the real stack: service on SQLite in t.TempDir(), the
// real proxy, and the guarded root handler behind a loopback listener.

// eventLog records the provider.changed events the service publishes, and
// passes on the ids of finished requests.
type eventLog struct {
	mu  sync.Mutex
	evs []model.ProviderChanged
	// finished receives each request.finished entry's id. The service
	// queues the entry for the request log before it publishes the event,
	// so once an id arrives here FlushLogs will store its entry.
	finished chan string
	// next receives every event too (the live hub).
	next func(model.Event)
}

func (l *eventLog) Publish(ev model.Event) {
	if l.next != nil {
		l.next(ev)
	}
	if ev.Type == model.EventRequestFinished {
		select {
		case l.finished <- ev.Data.(model.LogEntry).ID:
		default: // a test that proxies more than the buffer does not wait on them
		}
		return
	}
	if ev.Type != model.EventProviderChanged {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evs = append(l.evs, ev.Data.(model.ProviderChanged))
}

// take returns the events so far and forgets them.
func (l *eventLog) take() []model.ProviderChanged {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.evs
	l.evs = nil
	return out
}

// stack is one running Sluicegate on a loopback port.
type stack struct {
	t      *testing.T
	url    string
	svc    *service.Service
	px     *proxy.Handler
	events *eventLog
}

func newStack(t *testing.T) *stack {
	t.Helper()
	// As in main, events reach the live hub behind /admin/v1/ws, and the
	// server's own warnings and errors reach the error-log ring through the
	// logger, redacted with the service's secrets.
	hub := live.NewHub(live.Options{})
	hubCtx, stopHub := context.WithCancel(context.Background())
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		_ = hub.Run(hubCtx)
	}()
	t.Cleanup(func() { stopHub(); <-hubDone })
	ev := &eventLog{finished: make(chan string, 256), next: hub.Publish}
	ring := live.NewLogRing(0)
	var svcRef atomic.Pointer[service.Service]
	redact := func(s string) string {
		if p := svcRef.Load(); p != nil {
			return p.Redact(s)
		}
		return s
	}
	log := slog.New(live.NewLogHandler(slog.DiscardHandler, ring, nil, redact))
	svc := service.New(service.Config{DataDir: t.TempDir(), Events: ev, Logger: log})
	svcRef.Store(svc)
	if err := svc.Start(context.Background()); err != nil {
		t.Fatalf("service Start: %v", err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	srv := httptest.NewUnstartedServer(nil)
	addr := srv.Listener.Addr().String()
	px := proxy.New(svc.Routes(), svc, proxy.WithLogger(log))
	svc.SetCircuits(px.Circuits()) // as in main
	root, err := New(Config{
		Service:     svc,
		Proxy:       px,
		Dashboard:   testDist,
		Addr:        addr,
		CORSOrigins: svc.CORSOrigins,
		Refuse:      proxy.WriteRefusal,
		Live:        live.NewHandler(hub, live.HandlerConfig{Version: "test", Logger: log}),
		ServerLog:   ring,
		Logger:      log,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = root.Network()
	srv.Start()
	t.Cleanup(srv.Close)
	return &stack{t: t, url: srv.URL, svc: svc, px: px, events: ev}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// apiErr is the admin API's error body.
type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// request sends method path with body: nil for none, a string or []byte
// as raw bytes, anything else as JSON. hdr are name, value pairs.
func (s *stack) request(method, path string, body any, hdr ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// must sends a request that has to answer want, and decodes the body
// into out when out is not nil.
func (s *stack) must(want int, method, path string, body, out any) response {
	s.t.Helper()
	r := s.request(method, path, body)
	if r.status != want {
		s.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
	return r
}

func (s *stack) create(body map[string]any) model.Provider {
	s.t.Helper()
	var p model.Provider
	s.must(http.StatusCreated, "POST", "/admin/v1/providers", body, &p)
	return p
}

// snapshot is the whole stored configuration, keys included, for
// "nothing half-written" comparisons. exported_at is dropped.
func (s *stack) snapshot() string {
	s.t.Helper()
	c, err := s.svc.Export(context.Background(), true)
	if err != nil {
		s.t.Fatal(err)
	}
	c.ExportedAt = nil
	b, _ := json.Marshal(c)
	return string(b)
}

// providerBody is a valid POST body; set overrides fields, a nil value
// deletes one.
func providerBody(key string, set map[string]any) map[string]any {
	b := map[string]any{
		"key": key, "type": "openai", "base_url": "http://127.0.0.1:9/v1",
		"models": []map[string]any{{"alias": key + "-m", "upstream": "up-" + key}},
	}
	for k, v := range set {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

// fakeOpenAI is an upstream that records what reached it.
type fakeOpenAI struct {
	url string
	mu  sync.Mutex
	got []seen
}

type seen struct {
	auth, path, model, custom string
}

func newFakeOpenAI(t *testing.T) *fakeOpenAI {
	f := &fakeOpenAI{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.got = append(f.got, seen{r.Header.Get("Authorization"), r.URL.Path, body.Model, r.Header.Get("X-Custom")})
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chatcmpl-1","object":"chat.completion","model":%q,"choices":[]}`, body.Model)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// last returns what the most recent request carried.
func (f *fakeOpenAI) last(t *testing.T) seen {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) == 0 {
		t.Fatal("the fake upstream saw no request")
	}
	return f.got[len(f.got)-1]
}

func (f *fakeOpenAI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

// chat proxies one chat completion for model.
func (s *stack) chat(model string, hdr ...string) response {
	s.t.Helper()
	return s.request("POST", "/v1/chat/completions", fmt.Sprintf(`{"model":%q,"messages":[{"role":"user","content":"hi"}]}`, model), hdr...)
}

func decodeErr(t *testing.T, b []byte) apiErr {
	t.Helper()
	var e apiErr
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not an admin error body (%v): %s", err, b)
	}
	return e
}

// badCase is one request that must fail and leave the configuration as it
// was.
type badCase struct {
	name   string
	method string
	path   string
	body   any
	status int
	code   string
	field  string // "" = no field expected
	// inMsg must appear in the message; defaults to the last segment of
	// field.
	inMsg string
}

func runBadCases(t *testing.T, s *stack, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.snapshot()
			s.events.take()
			r := s.request(tc.method, tc.path, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tc.status, r.body)
			}
			e := decodeErr(t, r.body)
			if e.Error.Code != tc.code {
				t.Errorf("code %q, want %q (%s)", e.Error.Code, tc.code, r.body)
			}
			if e.Error.Field != tc.field {
				t.Errorf("field %q, want %q (%s)", e.Error.Field, tc.field, r.body)
			}
			want := tc.inMsg
			if want == "" && tc.field != "" {
				want = tc.field[strings.LastIndexAny(tc.field, ".]")+1:]
			}
			if !strings.Contains(e.Error.Message, want) {
				t.Errorf("message %q does not name %q", e.Error.Message, want)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if strings.Contains(string(r.body), "s3cret") {
				t.Errorf("the error echoes a secret: %s", r.body)
			}
			if after := s.snapshot(); after != before {
				t.Errorf("configuration changed by a failed request:\nbefore %s\nafter  %s", before, after)
			}
			if evs := s.events.take(); len(evs) != 0 {
				t.Errorf("failed request published %v", evs)
			}
		})
	}
}

// seedBad creates alpha (enabled, serves "shared") and beta (disabled,
// also lists "shared", which is allowed while it is disabled).
func seedBad(t *testing.T) (s *stack, alpha, beta model.Provider) {
	s = newStack(t)
	alpha = s.create(providerBody("alpha", map[string]any{"api_key": "sk-alpha-secret-1111",
		"models": []map[string]any{{"alias": "a1", "upstream": "u1"}, {"alias": "shared", "upstream": "u2"}}}))
	beta = s.create(providerBody("beta", map[string]any{"enabled": false,
		"models": []map[string]any{{"alias": "shared", "upstream": "u3"}}}))
	s.must(http.StatusOK, "PUT", "/admin/v1/settings", map[string]any{"proxy_keys": []string{}}, nil)
	return s, alpha, beta
}

// fieldCase is one bad provider field value, tried on POST, PUT and PATCH.
type fieldCase struct {
	name  string
	set   map[string]any
	code  string
	field string
	inMsg string
}

func providerFieldCases() []fieldCase {
	long := strings.Repeat("a", 65)
	inv := func(name, field string, v any) fieldCase {
		return fieldCase{name: name, set: map[string]any{field: v}, code: "invalid_field", field: field}
	}
	models := func(ms ...map[string]any) map[string]any { return map[string]any{"models": ms} }
	return []fieldCase{
		inv("key empty", "key", ""),
		inv("key upper case", "key", "Alpha2"),
		inv("key leading dash", "key", "-k"),
		inv("key leading underscore", "key", "_k"),
		inv("key 65 chars", "key", long),
		inv("key space", "key", "a b"),
		inv("key dot", "key", "a.b"),
		inv("key cyrillic", "key", "ключ"),
		inv("key SQL", "key", "'); DROP TABLE providers;--"),
		inv("type unknown", "type", "azure"),
		inv("type empty", "type", ""),
		inv("type case", "type", "OpenAI"),
		inv("base_url empty", "base_url", ""),
		inv("base_url no scheme", "base_url", "api.openai.com/v1"),
		inv("base_url ftp", "base_url", "ftp://example.com/v1"),
		inv("base_url no host", "base_url", "http:///v1"),
		inv("base_url query", "base_url", "https://example.com/v1?x=1"),
		inv("base_url empty query", "base_url", "https://example.com/v1?"),
		inv("base_url fragment", "base_url", "https://example.com/v1#top"),
		inv("base_url empty fragment", "base_url", "https://example.com/v1#"),
		inv("base_url credentials", "base_url", "https://user:pass@example.com/v1"),
		inv("base_url user only", "base_url", "https://user@example.com/v1"),
		inv("base_url ftp with credentials", "base_url", "ftp://user:s3cret-pass@example.com/v1"),
		inv("name control char", "name", "bad\x07name"),
		inv("name too long", "name", strings.Repeat("n", 201)),
		inv("api_key masked", "api_key", "…9999"), // not the stored key's mask (…1111)
		inv("api_key space", "api_key", "sk-a b"),
		inv("api_key newline", "api_key", "sk-a\nInjected: 1"),
		inv("connect 0", "connect_timeout_secs", 0),
		inv("connect -1", "connect_timeout_secs", -1),
		inv("connect 301", "connect_timeout_secs", 301),
		inv("response header 0", "response_header_timeout_secs", 0),
		inv("response header 3601", "response_header_timeout_secs", 3601),
		inv("stream idle 0", "stream_idle_timeout_secs", 0),
		inv("stream idle 3601", "stream_idle_timeout_secs", 3601),
		inv("interval 1", "health_check_interval_secs", 1),
		inv("interval 29", "health_check_interval_secs", 29),
		inv("interval 86401", "health_check_interval_secs", 86401),
		inv("interval -30", "health_check_interval_secs", -30),
		{name: "alias empty", set: models(map[string]any{"alias": "", "upstream": "u"}), code: "invalid_field", field: "models[0].alias"},
		{name: "alias space", set: models(map[string]any{"alias": "a b", "upstream": "u"}), code: "invalid_field", field: "models[0].alias"},
		{name: "alias tab", set: models(map[string]any{"alias": "a\tb", "upstream": "u"}), code: "invalid_field", field: "models[0].alias"},
		{name: "alias 257", set: models(map[string]any{"alias": strings.Repeat("m", 257), "upstream": "u"}), code: "invalid_field", field: "models[0].alias"},
		// An empty or missing upstream is valid: the model name as sent.
		{name: "upstream star on an exact alias", set: models(map[string]any{"alias": "ok", "upstream": "u-*"}), code: "invalid_field", field: "models[0].upstream", inMsg: "only when the alias is a pattern"},
		{name: "alias star in the middle", set: models(map[string]any{"alias": "c-*-x", "upstream": "u"}), code: "invalid_field", field: "models[0].alias", inMsg: "only at its end"},
		{name: "priority 1001", set: models(map[string]any{"alias": "ok", "upstream": "u", "priority": 1001}), code: "invalid_field", field: "models[0].priority", inMsg: "1..1000"},
		{name: "failover_on without priority", set: models(map[string]any{"alias": "ok", "upstream": "u", "failover_on": []int{429}}), code: "invalid_field", field: "models[0].failover_on", inMsg: "needs a priority"},
		{name: "failover_on 200", set: models(map[string]any{"alias": "ok", "upstream": "u", "priority": 1, "failover_on": []int{200}}), code: "invalid_field", field: "models[0].failover_on", inMsg: "400..599"},
		{name: "alias duplicate", set: models(map[string]any{"alias": "x1", "upstream": "u"}, map[string]any{"alias": "x2", "upstream": "u"}, map[string]any{"alias": "x1", "upstream": "v"}),
			code: "invalid_field", field: "models[2].alias", inMsg: "models[0]"},
		{name: "header name space", set: map[string]any{"headers": map[string]string{"X Bad": "v"}}, code: "invalid_field", field: "headers.X Bad"},
		{name: "header name colon", set: map[string]any{"headers": map[string]string{"X:Bad": "v"}}, code: "invalid_field", field: "headers.X:Bad"},
		{name: "header name empty", set: map[string]any{"headers": map[string]string{"": "v"}}, code: "invalid_field", field: "headers."},
		{name: "header Host", set: map[string]any{"headers": map[string]string{"host": "evil"}}, code: "invalid_field", field: "headers.host", inMsg: "Host"},
		{name: "header Content-Length", set: map[string]any{"headers": map[string]string{"Content-Length": "1"}}, code: "invalid_field", field: "headers.Content-Length"},
		{name: "header value CRLF", set: map[string]any{"headers": map[string]string{"X-A": "v\r\nX-Injected: 1"}}, code: "invalid_field", field: "headers.X-A"},
		{name: "header value NUL", set: map[string]any{"headers": map[string]string{"X-A": "v\x00"}}, code: "invalid_field", field: "headers.X-A"},
		{name: "header value too long", set: map[string]any{"headers": map[string]string{"X-A": strings.Repeat("v", 4097)}}, code: "invalid_field", field: "headers.X-A"},
		// Wrong JSON types.
		inv("connect as string", "connect_timeout_secs", "10"),
		inv("connect as fraction", "connect_timeout_secs", 1.5),
		inv("interval as bool", "health_check_interval_secs", true),
		inv("key as number", "key", 5),
		inv("base_url as object", "base_url", map[string]any{"url": "x"}),
		inv("enabled as string", "enabled", "yes"),
		inv("models as object", "models", map[string]any{"alias": "a"}),
		inv("models as string", "models", "a=b"),
		inv("headers as array", "headers", []string{"X-A: 1"}),
		{name: "header value as number", set: map[string]any{"headers": map[string]any{"X-A": 1}}, code: "invalid_field", field: "headers.X-A"},
		{name: "alias as number", set: models(map[string]any{"alias": 5, "upstream": "u"}), code: "invalid_field", field: "models[0].alias"},
		// Unknown fields.
		{name: "unknown top-level", set: map[string]any{"base_ur": "http://x"}, code: "unknown_field", field: "base_ur"},
		{name: "unknown in models", set: models(map[string]any{"alias": "ok", "upstream": "u", "upstream_model": "u"}), code: "unknown_field", field: "models[0].upstream_model"},
		{name: "unknown in second model", set: models(map[string]any{"alias": "ok", "upstream": "u"}, map[string]any{"alias": "ok2", "upstrem": "u"}), code: "unknown_field", field: "models[1].upstrem"},
	}
}

// TestProviderBadInput: every bad provider field on POST, PUT and PATCH
// gets a 400 naming the field, and nothing is written.
func TestProviderBadInput(t *testing.T) {
	s, alpha, _ := seedBad(t)
	idPath := fmt.Sprintf("/admin/v1/providers/%d", alpha.ID)
	var cases []badCase
	for _, fc := range providerFieldCases() {
		add := func(method, path string, body map[string]any) {
			cases = append(cases, badCase{name: method + " " + fc.name, method: method, path: path, body: body,
				status: http.StatusBadRequest, code: fc.code, field: fc.field, inMsg: fc.inMsg})
		}
		add("POST", "/admin/v1/providers", providerBody("newp", fc.set))
		add("PUT", idPath, providerBody("alpha", fc.set))
		add("PATCH", idPath, fc.set)
	}
	runBadCases(t, s, cases)
}

// TestProviderRequiredFields: POST and PUT need key, type and base_url.
func TestProviderRequiredFields(t *testing.T) {
	s, alpha, _ := seedBad(t)
	idPath := fmt.Sprintf("/admin/v1/providers/%d", alpha.ID)
	var cases []badCase
	for _, f := range []string{"key", "type", "base_url"} {
		cases = append(cases,
			badCase{name: "POST without " + f, method: "POST", path: "/admin/v1/providers", body: providerBody("newp", map[string]any{f: nil}),
				status: 400, code: "invalid_field", field: f, inMsg: "required"},
			badCase{name: "PUT without " + f, method: "PUT", path: idPath, body: providerBody("alpha", map[string]any{f: nil}),
				status: 400, code: "invalid_field", field: f, inMsg: "required"},
			badCase{name: "POST with null " + f, method: "POST", path: "/admin/v1/providers", body: providerBody("newp", map[string]any{f: json.RawMessage("null")}),
				status: 400, code: "invalid_field", field: f, inMsg: "required"},
		)
	}
	cases = append(cases, badCase{name: "POST empty object", method: "POST", path: "/admin/v1/providers", body: "{}",
		status: 400, code: "invalid_field", field: "key", inMsg: "required"})
	runBadCases(t, s, cases)
}

// TestBodyShapeErrors: malformed, empty, trailing, non-object and
// oversized bodies on every admin endpoint that takes one.
func TestBodyShapeErrors(t *testing.T) {
	s, alpha, _ := seedBad(t)
	idPath := fmt.Sprintf("/admin/v1/providers/%d", alpha.ID)
	endpoints := []struct {
		method, path string
		limit        int
	}{
		{"POST", "/admin/v1/providers", maxAdminBody},
		{"PUT", idPath, maxAdminBody},
		{"PATCH", idPath, maxAdminBody},
		{"PUT", "/admin/v1/settings", maxAdminBody},
		{"POST", "/admin/v1/import", maxImportBody},
	}
	shapes := []struct {
		name, body, inMsg string
	}{
		{"malformed", `{"key":`, "JSON"},
		{"malformed trailing comma", `{"key":"a",}`, "JSON"},
		{"single quotes", `{'key':'a'}`, "JSON"},
		{"empty", ``, "empty"},
		{"whitespace only", " \n\t", "empty"},
		{"trailing object", `{} {}`, "after"},
		{"trailing garbage", `{}x`, "after"},
		{"array", `[]`, "object"},
		{"string", `"x"`, "object"},
		{"number", `42`, "object"},
		{"null", `null`, "object"},
	}
	var cases []badCase
	for _, ep := range endpoints {
		for _, sh := range shapes {
			cases = append(cases, badCase{name: ep.method + " " + ep.path + " " + sh.name, method: ep.method, path: ep.path, body: sh.body,
				status: 400, code: "invalid_request", inMsg: sh.inMsg})
		}
		// A syntactically valid object padded past the limit.
		big := `{"name":"` + strings.Repeat("x", ep.limit) + `"}`
		cases = append(cases, badCase{name: ep.method + " " + ep.path + " too large", method: ep.method, path: ep.path, body: big,
			status: http.StatusRequestEntityTooLarge, code: "request_too_large", inMsg: fmt.Sprint(ep.limit)})
	}
	runBadCases(t, s, cases)
}

// TestIDAndQueryErrors: bad and unknown ids, and a bad include_keys.
func TestIDAndQueryErrors(t *testing.T) {
	s, _, _ := seedBad(t)
	var cases []badCase
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		var body any
		if m == "PUT" || m == "PATCH" {
			body = providerBody("zeta", nil)
		}
		for _, id := range []string{"abc", "0", "-1", "1.5", "99999999999999999999"} {
			cases = append(cases, badCase{name: m + " id " + id, method: m, path: "/admin/v1/providers/" + id, body: body,
				status: 400, code: "invalid_field", field: "id", inMsg: id})
		}
		cases = append(cases, badCase{name: m + " unknown id", method: m, path: "/admin/v1/providers/4242", body: body,
			status: 404, code: "not_found", inMsg: "4242"})
	}
	for _, v := range []string{"yes", "2", "true", "01"} {
		cases = append(cases, badCase{name: "export include_keys=" + v, method: "GET", path: "/admin/v1/export?include_keys=" + v,
			status: 400, code: "invalid_field", field: "include_keys", inMsg: v})
	}
	runBadCases(t, s, cases)
}

// TestProviderConflicts: duplicate keys and aliases served by another
// enabled provider are 409 naming the field; a disabled provider does not
// hold its aliases.
func TestProviderConflicts(t *testing.T) {
	s, alpha, beta := seedBad(t)
	betaPath := fmt.Sprintf("/admin/v1/providers/%d", beta.ID)
	alphaPath := fmt.Sprintf("/admin/v1/providers/%d", alpha.ID)
	runBadCases(t, s, []badCase{
		{name: "POST duplicate key", method: "POST", path: "/admin/v1/providers", body: providerBody("alpha", nil),
			status: 409, code: "conflict", field: "key", inMsg: "alpha"},
		{name: "PATCH key taken", method: "PATCH", path: betaPath, body: map[string]any{"key": "alpha"},
			status: 409, code: "conflict", field: "key", inMsg: "alpha"},
		{name: "PUT key taken", method: "PUT", path: betaPath, body: providerBody("alpha", nil),
			status: 409, code: "conflict", field: "key", inMsg: "alpha"},
		{name: "POST alias of enabled provider", method: "POST", path: "/admin/v1/providers",
			body:   providerBody("gamma", map[string]any{"models": []map[string]any{{"alias": "fresh", "upstream": "x"}, {"alias": "a1", "upstream": "x"}}}),
			status: 409, code: "conflict", field: "models[1].alias", inMsg: `"alpha"`},
		{name: "PATCH enabling a disabled provider whose alias collides", method: "PATCH", path: betaPath, body: map[string]any{"enabled": true},
			status: 409, code: "conflict", field: "models[0].alias", inMsg: "shared"},
		{name: "PUT enabling a disabled provider whose alias collides", method: "PUT", path: betaPath,
			body:   providerBody("beta", map[string]any{"models": []map[string]any{{"alias": "shared", "upstream": "u3"}}}),
			status: 409, code: "conflict", field: "models[0].alias", inMsg: "shared"},
	})

	// No 409 when the other provider is disabled.
	s.create(providerBody("delta", map[string]any{"enabled": false, "models": []map[string]any{{"alias": "a1", "upstream": "d"}}}))
	// Disabling alpha frees "shared" for beta.
	s.must(200, "PATCH", alphaPath, map[string]any{"enabled": false}, nil)
	var b model.Provider
	s.must(200, "PATCH", betaPath, map[string]any{"enabled": true}, &b)
	if !b.Enabled {
		t.Error("beta not enabled")
	}
	// Now alpha cannot come back while beta serves "shared".
	r := s.request("PATCH", alphaPath, map[string]any{"enabled": true})
	if e := decodeErr(t, r.body); r.status != 409 || e.Error.Field != "models[1].alias" {
		t.Errorf("re-enable alpha: %d %s", r.status, r.body)
	}
}

// TestSettingsBadInput: out-of-range and mistyped settings are 400 naming
// the field; the settings are unchanged.
func TestSettingsBadInput(t *testing.T) {
	s, _, _ := seedBad(t)
	put := func(name string, body any, code, field string) badCase {
		return badCase{name: name, method: "PUT", path: "/admin/v1/settings", body: body, status: 400, code: code, field: field}
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("key-%03d", i)
	}
	runBadCases(t, s, []badCase{
		put("max_body_bytes 0", map[string]any{"max_body_bytes": 0}, "invalid_field", "max_body_bytes"),
		put("max_body_bytes 1023", map[string]any{"max_body_bytes": 1023}, "invalid_field", "max_body_bytes"),
		put("max_body_bytes 1GiB+1", map[string]any{"max_body_bytes": 1<<30 + 1}, "invalid_field", "max_body_bytes"),
		put("max_body_bytes string", map[string]any{"max_body_bytes": "50MB"}, "invalid_field", "max_body_bytes"),
		put("log_retention_days 0", map[string]any{"log_retention_days": 0}, "invalid_field", "log_retention_days"),
		put("log_retention_days 3651", map[string]any{"log_retention_days": 3651}, "invalid_field", "log_retention_days"),
		put("log_retention_rows 99", map[string]any{"log_retention_rows": 99}, "invalid_field", "log_retention_rows"),
		put("history_retention_days 0", map[string]any{"history_retention_days": 0}, "invalid_field", "history_retention_days"),
		put("proxy_keys empty key", map[string]any{"proxy_keys": []string{"ok-key", ""}}, "invalid_field", "proxy_keys[1]"),
		put("proxy_keys space", map[string]any{"proxy_keys": []string{"a b"}}, "invalid_field", "proxy_keys[0]"),
		put("proxy_keys twice", map[string]any{"proxy_keys": []string{"k1", "k1"}}, "invalid_field", "proxy_keys[1]"),
		put("proxy_keys unknown mask", map[string]any{"proxy_keys": []string{"…zzzz"}}, "invalid_field", "proxy_keys[0]"),
		put("proxy_keys too many", map[string]any{"proxy_keys": many}, "invalid_field", "proxy_keys"),
		put("proxy_keys string", map[string]any{"proxy_keys": "k1"}, "invalid_field", "proxy_keys"),
		put("proxy_keys numbers", map[string]any{"proxy_keys": []int{1}}, "invalid_field", "proxy_keys[0]"),
		put("cors wildcard", map[string]any{"cors_origins": []string{"*"}}, "invalid_field", "cors_origins[0]"),
		put("cors path", map[string]any{"cors_origins": []string{"https://ok.example", "https://app.example/path"}}, "invalid_field", "cors_origins[1]"),
		put("cors no scheme", map[string]any{"cors_origins": []string{"app.example"}}, "invalid_field", "cors_origins[0]"),
		put("cors query", map[string]any{"cors_origins": []string{"https://app.example?x"}}, "invalid_field", "cors_origins[0]"),
		put("cors object", map[string]any{"cors_origins": map[string]any{}}, "invalid_field", "cors_origins"),
		put("unknown field", map[string]any{"max_body_byte": 2048}, "unknown_field", "max_body_byte"),
		put("read-only-looking field", map[string]any{"version": 1}, "unknown_field", "version"),
	})
}

// TestImportBadInput: a bad document writes nothing, and errors name the
// place in the document.
func TestImportBadInput(t *testing.T) {
	s, _, _ := seedBad(t)
	good := func(key string) map[string]any { return providerBody(key, nil) }
	doc := func(providers []map[string]any, settings map[string]any) map[string]any {
		d := map[string]any{"version": 1, "providers": providers}
		if settings != nil {
			d["settings"] = settings
		}
		return d
	}
	bad := func(key string, set map[string]any) map[string]any { return providerBody(key, set) }
	imp := func(name string, body any, status int, code, field, inMsg string) badCase {
		return badCase{name: name, method: "POST", path: "/admin/v1/import", body: body, status: status, code: code, field: field, inMsg: inMsg}
	}
	runBadCases(t, s, []badCase{
		imp("version 2", map[string]any{"version": 2, "providers": []any{}}, 400, "invalid_field", "version", "version"),
		imp("version 0", map[string]any{"version": 0, "providers": []any{}}, 400, "invalid_field", "version", "version"),
		imp("version missing", map[string]any{"providers": []any{}}, 400, "invalid_field", "version", "version"),
		imp("version string", map[string]any{"version": "1", "providers": []any{}}, 400, "invalid_field", "version", "version"),
		imp("providers missing", map[string]any{"version": 1}, 400, "invalid_field", "providers", "providers"),
		imp("providers null", map[string]any{"version": 1, "providers": nil}, 400, "invalid_field", "providers", "providers"),
		imp("bad provider in the middle", doc([]map[string]any{good("p0"), bad("p1", map[string]any{"connect_timeout_secs": 0}), good("p2")}, nil),
			400, "invalid_field", "providers[1].connect_timeout_secs", ""),
		imp("missing key", doc([]map[string]any{good("p0"), bad("p1", map[string]any{"key": nil})}, nil),
			400, "invalid_field", "providers[1].key", "required"),
		imp("bad alias", doc([]map[string]any{good("p0"), good("p1"), bad("p2", map[string]any{"models": []map[string]any{{"alias": "", "upstream": "u"}}})}, nil),
			400, "invalid_field", "providers[2].models[0].alias", ""),
		imp("bad header", doc([]map[string]any{bad("p0", map[string]any{"headers": map[string]string{"Host": "x"}})}, nil),
			400, "invalid_field", "providers[0].headers.Host", ""),
		imp("duplicate key in document", doc([]map[string]any{good("p0"), good("p1"), good("p0")}, nil),
			400, "invalid_field", "providers[2].key", "providers[0]"),
		imp("alias served twice", doc([]map[string]any{good("p0"), bad("p1", map[string]any{"models": []map[string]any{{"alias": "p0-m", "upstream": "u"}}})}, nil),
			409, "conflict", "providers[1].models[0].alias", "p0-m"),
		imp("masked key that is not the stored key's mask", doc([]map[string]any{bad("alpha", map[string]any{"api_key": "…9999"})}, nil),
			400, "invalid_field", "providers[0].api_key", "api_key"),
		imp("masked key for a new provider", doc([]map[string]any{bad("omega", map[string]any{"api_key": "…1111"})}, nil),
			400, "invalid_field", "providers[0].api_key", "api_key"),
		imp("bad setting", doc([]map[string]any{good("p0")}, map[string]any{"max_body_bytes": 0}),
			400, "invalid_field", "settings.max_body_bytes", ""),
		imp("bad proxy key", doc([]map[string]any{good("p0")}, map[string]any{"proxy_keys": []string{"a b"}}),
			400, "invalid_field", "settings.proxy_keys[0]", ""),
		imp("unknown field in provider", doc([]map[string]any{good("p0"), bad("p1", map[string]any{"enable": true})}, nil),
			400, "unknown_field", "providers[1].enable", "enable"),
		imp("unknown field in settings", doc([]map[string]any{good("p0")}, map[string]any{"max_body": 1}),
			400, "unknown_field", "settings.max_body", "max_body"),
		imp("unknown top-level field", map[string]any{"version": 1, "providers": []any{}, "provider": []any{}},
			400, "unknown_field", "provider", "provider"),
		imp("wrong type in provider", doc([]map[string]any{good("p0"), bad("p1", map[string]any{"connect_timeout_secs": "10"})}, nil),
			400, "invalid_field", "providers[1].connect_timeout_secs", ""),
	})
}

// TestLiteralStorage: unicode and SQL-looking strings come back byte for
// byte, through the API and through the proxy's header path.
func TestLiteralStorage(t *testing.T) {
	s := newStack(t)
	up := newFakeOpenAI(t)
	for i, v := range []string{
		"Emoji 🚀🦊 provider",
		"مزود عربي",  // RTL
		"提供者 中文 テスト", // CJK
		"'); DROP TABLE providers;--",
		`Robert"); DELETE FROM settings; --`,
		"e\u0301 combining", // zero-width and bidi controls are refused (service.TestRefusesInvisibleCharacters)
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			alias := strings.ReplaceAll(v, " ", "_")
			key := fmt.Sprintf("lit%d", i)
			body := providerBody(key, map[string]any{
				"name": v, "base_url": up.url + "/v1",
				"models":  []map[string]any{{"alias": alias, "upstream": "up-" + alias}},
				"headers": map[string]string{"X-Custom": v},
			})
			p := s.create(body)
			var got model.Provider
			s.must(200, "GET", fmt.Sprintf("/admin/v1/providers/%d", p.ID), nil, &got)
			for _, q := range []model.Provider{p, got} {
				// Header values are secrets, read back masked; the upstream
				// check below proves the value itself is kept literally.
				if q.Name != v || q.Models[0].Alias != alias || q.Models[0].Upstream != "up-"+alias || !strings.HasPrefix(q.Headers["X-Custom"], "…") {
					t.Errorf("not literal: name %q alias %q upstream %q header %q", q.Name, q.Models[0].Alias, q.Models[0].Upstream, q.Headers["X-Custom"])
				}
			}
			r := s.chat(alias)
			if r.status != 200 {
				t.Fatalf("proxy %q: %d %s", alias, r.status, r.body)
			}
			if g := up.last(t); g.model != "up-"+alias || g.custom != v {
				t.Errorf("upstream saw model %q header %q", g.model, g.custom)
			}
		})
	}
	var list struct{ Data []model.Provider }
	s.must(200, "GET", "/admin/v1/providers", nil, &list)
	if len(list.Data) != 6 {
		t.Errorf("%d providers listed, want 6 (SQL-looking strings must not touch other rows)", len(list.Data))
	}
}

// TestSecretsAreWriteOnly: api_key is masked on every read and kept by
// PUT/PATCH without it, proven by what the upstream receives.
func TestSecretsAreWriteOnly(t *testing.T) {
	s := newStack(t)
	up := newFakeOpenAI(t)
	const key = "sk-real-secret-abcd"
	const masked = "…abcd"
	checkMasked := func(where string, p model.Provider, want string) {
		t.Helper()
		if p.APIKey != want {
			t.Errorf("%s: api_key %q, want %q", where, p.APIKey, want)
		}
	}
	wantUpstream := func(step, auth string) {
		t.Helper()
		r := s.chat("m1")
		if r.status != 200 {
			t.Fatalf("%s: proxy %d %s", step, r.status, r.body)
		}
		if got := up.last(t).auth; got != auth {
			t.Errorf("%s: upstream saw Authorization %q, want %q", step, got, auth)
		}
	}
	body := providerBody("sec", map[string]any{"base_url": up.url + "/v1", "api_key": key,
		"models": []map[string]any{{"alias": "m1", "upstream": "u1"}}})
	var p model.Provider
	r := s.must(201, "POST", "/admin/v1/providers", body, &p)
	checkMasked("POST", p, masked)
	if bytes.Contains(r.body, []byte("real-secret")) {
		t.Errorf("POST response leaks the key: %s", r.body)
	}
	path := fmt.Sprintf("/admin/v1/providers/%d", p.ID)
	var got model.Provider
	s.must(200, "GET", path, nil, &got)
	checkMasked("GET", got, masked)
	var list struct{ Data []model.Provider }
	s.must(200, "GET", "/admin/v1/providers", nil, &list)
	checkMasked("list", list.Data[0], masked)
	wantUpstream("after POST", "Bearer "+key)

	// PUT without api_key keeps it.
	s.must(200, "PUT", path, providerBody("sec", map[string]any{"base_url": up.url + "/v1", "name": "Renamed",
		"models": []map[string]any{{"alias": "m1", "upstream": "u1"}}}), &got)
	checkMasked("PUT", got, masked)
	wantUpstream("after PUT without api_key", "Bearer "+key)

	// PATCH without api_key keeps it.
	s.must(200, "PATCH", path, map[string]any{"name": "Again"}, &got)
	checkMasked("PATCH", got, masked)
	wantUpstream("after PATCH without api_key", "Bearer "+key)

	// Sending back what GET returned (masked key included) keeps it.
	var whole map[string]any
	s.must(200, "GET", path, nil, &whole)
	s.must(200, "PUT", path, whole, &got)
	checkMasked("PUT of a GET", got, masked)
	wantUpstream("after PUT of a GET", "Bearer "+key)
	s.must(200, "PATCH", path, map[string]any{"api_key": masked}, &got)
	wantUpstream("after PATCH with the mask", "Bearer "+key)

	// Export hides it unless asked.
	r = s.must(200, "GET", "/admin/v1/export", nil, nil)
	if bytes.Contains(r.body, []byte("real-secret")) || bytes.Contains(r.body, []byte(`"api_key"`)) {
		t.Errorf("export without include_keys carries api_key: %s", r.body)
	}
	var c model.Config
	s.must(200, "GET", "/admin/v1/export?include_keys=1", nil, &c)
	if c.Providers[0].APIKey != key {
		t.Errorf("export with include_keys: api_key %q", c.Providers[0].APIKey)
	}
	var c0 model.Config
	s.must(200, "GET", "/admin/v1/export?include_keys=0", nil, &c0)
	if c0.Providers[0].APIKey != "" {
		t.Errorf("include_keys=0 exported %q", c0.Providers[0].APIKey)
	}

	// A new key replaces it; "" clears it.
	s.must(200, "PATCH", path, map[string]any{"api_key": "sk-second-key-wxyz"}, &got)
	checkMasked("PATCH new key", got, "…wxyz")
	wantUpstream("after new key", "Bearer sk-second-key-wxyz")
	var cleared model.Provider
	s.must(200, "PATCH", path, map[string]any{"api_key": ""}, &cleared)
	checkMasked("PATCH clear", cleared, "")
	wantUpstream("after clearing", "")
}

// TestProxyKeysAreWriteOnly: proxy_keys are masked, kept when sent back
// masked, and enforced by the proxy.
func TestProxyKeysAreWriteOnly(t *testing.T) {
	s := newStack(t)
	up := newFakeOpenAI(t)
	s.create(providerBody("p", map[string]any{"base_url": up.url + "/v1", "models": []map[string]any{{"alias": "m", "upstream": "u"}}}))
	var set model.Settings
	r := s.must(200, "PUT", "/admin/v1/settings", map[string]any{"proxy_keys": []string{"local-key-1234", "other-key-5678"}}, &set)
	if !slices.Equal(set.ProxyKeys, []string{"…1234", "…5678"}) || bytes.Contains(r.body, []byte("local-key")) {
		t.Errorf("PUT settings answered proxy_keys %q", set.ProxyKeys)
	}
	s.must(200, "GET", "/admin/v1/settings", nil, &set)
	if !slices.Equal(set.ProxyKeys, []string{"…1234", "…5678"}) {
		t.Errorf("GET settings: proxy_keys %q", set.ProxyKeys)
	}
	if r := s.chat("m"); r.status != 401 {
		t.Errorf("without key: %d %s", r.status, r.body)
	}
	if r := s.chat("m", "Authorization", "Bearer wrong"); r.status != 401 {
		t.Errorf("wrong key: %d", r.status)
	}
	if r := s.chat("m", "Authorization", "Bearer local-key-1234"); r.status != 200 {
		t.Errorf("with key: %d %s", r.status, r.body)
	}
	// Other settings change; proxy_keys absent → kept.
	s.must(200, "PUT", "/admin/v1/settings", map[string]any{"log_retention_days": 3}, &set)
	if r := s.chat("m", "x-api-key", "other-key-5678"); r.status != 200 {
		t.Errorf("after unrelated PUT: %d %s", r.status, r.body)
	}
	// GET sent back as it is keeps both keys.
	var whole map[string]any
	s.must(200, "GET", "/admin/v1/settings", nil, &whole)
	s.must(200, "PUT", "/admin/v1/settings", whole, &set)
	for _, k := range []string{"local-key-1234", "other-key-5678"} {
		if r := s.chat("m", "Authorization", "Bearer "+k); r.status != 200 {
			t.Errorf("after PUT of a GET, key %s: %d", k, r.status)
		}
	}
	// Export: keys only when asked.
	r = s.must(200, "GET", "/admin/v1/export", nil, nil)
	if bytes.Contains(r.body, []byte("local-key")) {
		t.Errorf("export leaks proxy keys: %s", r.body)
	}
	var c model.Config
	s.must(200, "GET", "/admin/v1/export?include_keys=1", nil, &c)
	if !slices.Equal(c.Settings.ProxyKeys, []string{"local-key-1234", "other-key-5678"}) {
		t.Errorf("export include_keys: %q", c.Settings.ProxyKeys)
	}
	// [] opens the proxy again.
	s.must(200, "PUT", "/admin/v1/settings", map[string]any{"proxy_keys": []string{}}, nil)
	if r := s.chat("m"); r.status != 200 {
		t.Errorf("open again: %d %s", r.status, r.body)
	}
}

// TestRouteTableIsLive: every provider change is seen by the next proxied
// request, with no restart.
func TestRouteTableIsLive(t *testing.T) {
	s := newStack(t)
	up := newFakeOpenAI(t)
	models := func() []string {
		t.Helper()
		var l struct{ Data []struct{ ID string } }
		r := s.request("GET", "/v1/models", nil)
		if err := json.Unmarshal(r.body, &l); err != nil || r.status != 200 {
			t.Fatalf("/v1/models: %d %s", r.status, r.body)
		}
		var ids []string
		for _, m := range l.Data {
			ids = append(ids, m.ID)
		}
		slices.Sort(ids)
		return ids
	}
	notFound := func(step, model string) {
		t.Helper()
		r := s.chat(model)
		var e struct {
			Error struct{ Type, Code, Message string }
		}
		_ = json.Unmarshal(r.body, &e)
		if r.status != 404 || e.Error.Code != "model_not_found" || e.Error.Type != "invalid_request_error" || !strings.Contains(e.Error.Message, model) {
			t.Errorf("%s: %q → %d %s, want 404 model_not_found in OpenAI shape", step, model, r.status, r.body)
		}
	}
	routed := func(step, model, upstream string) {
		t.Helper()
		n := up.count()
		r := s.chat(model)
		if r.status != 200 {
			t.Fatalf("%s: %q → %d %s", step, model, r.status, r.body)
		}
		if up.count() != n+1 || up.last(t).model != upstream || up.last(t).path != "/v1/chat/completions" {
			t.Errorf("%s: upstream saw %+v, want model %q", step, up.last(t), upstream)
		}
	}

	notFound("empty", "fast")
	if m := models(); len(m) != 0 {
		t.Errorf("empty table lists %q", m)
	}
	p := s.create(providerBody("p1", map[string]any{"base_url": up.url + "/v1",
		"models": []map[string]any{{"alias": "fast", "upstream": "gpt-fast-2025"}, {"alias": "slow", "upstream": "gpt-slow"}}}))
	routed("after create", "fast", "gpt-fast-2025")
	routed("provider/model form", "p1/raw-name", "raw-name")
	if m := models(); !slices.Equal(m, []string{"fast", "slow"}) {
		t.Errorf("/v1/models = %q", m)
	}
	path := fmt.Sprintf("/admin/v1/providers/%d", p.ID)
	s.must(200, "PATCH", path, map[string]any{"models": []map[string]any{{"alias": "quick", "upstream": "gpt-fast-2026"}}}, nil)
	notFound("old alias after PATCH", "fast")
	routed("new alias after PATCH", "quick", "gpt-fast-2026")
	if m := models(); !slices.Equal(m, []string{"quick"}) {
		t.Errorf("/v1/models after PATCH = %q", m)
	}
	s.create(providerBody("p2", map[string]any{"base_url": up.url + "/v1", "enabled": false,
		"models": []map[string]any{{"alias": "other", "upstream": "o"}}}))
	notFound("disabled provider's alias", "other")
	if m := models(); !slices.Equal(m, []string{"quick"}) {
		t.Errorf("/v1/models lists a disabled provider: %q", m)
	}
	s.must(200, "PATCH", path, map[string]any{"enabled": false}, nil)
	notFound("after disable", "quick")
	if m := models(); len(m) != 0 {
		t.Errorf("/v1/models after disable = %q", m)
	}
	s.must(200, "PATCH", path, map[string]any{"enabled": true}, nil)
	routed("after enable", "quick", "gpt-fast-2026")
	s.must(204, "DELETE", path, nil, nil)
	notFound("after delete", "quick")
	if m := models(); len(m) != 0 {
		t.Errorf("/v1/models after delete = %q", m)
	}
	if r := s.request("GET", path, nil); r.status != 404 {
		t.Errorf("GET deleted provider: %d", r.status)
	}
}

// TestSettingsAreLive: max_body_bytes and cors_origins reach the proxy and
// its guard at once.
func TestSettingsAreLive(t *testing.T) {
	s := newStack(t)
	up := newFakeOpenAI(t)
	s.create(providerBody("p", map[string]any{"base_url": up.url + "/v1", "models": []map[string]any{{"alias": "m", "upstream": "u"}}}))
	big := fmt.Sprintf(`{"model":"m","messages":[{"role":"user","content":%q}]}`, strings.Repeat("x", 4000))
	if r := s.request("POST", "/v1/chat/completions", big); r.status != 200 {
		t.Fatalf("4 KB body under the default limit: %d %s", r.status, r.body)
	}
	s.must(200, "PUT", "/admin/v1/settings", map[string]any{"max_body_bytes": 2048}, nil)
	if r := s.request("POST", "/v1/chat/completions", big); r.status != 413 {
		t.Errorf("4 KB body over max_body_bytes 2048: %d %s", r.status, r.body)
	}
	if r := s.chat("m"); r.status != 200 {
		t.Errorf("small body: %d", r.status)
	}

	preflight := func() int {
		return s.request("OPTIONS", "/v1/chat/completions", nil,
			"Origin", "https://app.example.com", "Access-Control-Request-Method", "POST").status
	}
	if st := preflight(); st != 403 {
		t.Errorf("foreign origin before cors_origins: %d", st)
	}
	s.must(200, "PUT", "/admin/v1/settings", map[string]any{"cors_origins": []string{"https://app.example.com"}}, nil)
	if st := preflight(); st != 204 {
		t.Errorf("preflight from a cors_origins origin: %d", st)
	}
	if r := s.chat("m", "Origin", "https://app.example.com"); r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("request from a cors_origins origin: %d %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
	s.must(200, "PUT", "/admin/v1/settings", map[string]any{"cors_origins": []string{}}, nil)
	if st := preflight(); st != 403 {
		t.Errorf("preflight after removal: %d", st)
	}
}

// TestProviderEventsOverHTTP: each write through the API publishes exactly
// one provider.changed with its id and action; reads publish nothing.
func TestProviderEventsOverHTTP(t *testing.T) {
	s := newStack(t)
	p := s.create(providerBody("ev", nil))
	path := fmt.Sprintf("/admin/v1/providers/%d", p.ID)
	want := func(step string, evs ...model.ProviderChanged) {
		t.Helper()
		if got := s.events.take(); !slices.Equal(got, evs) {
			t.Errorf("%s: events %+v, want %+v", step, got, evs)
		}
	}
	want("POST", model.ProviderChanged{ID: p.ID, Action: "created"})
	s.must(200, "GET", path, nil, nil)
	s.must(200, "GET", "/admin/v1/providers", nil, nil)
	want("GET")
	s.must(200, "PUT", path, providerBody("ev", nil), nil)
	want("PUT", model.ProviderChanged{ID: p.ID, Action: "updated"})
	s.must(200, "PATCH", path, map[string]any{"enabled": false}, nil)
	want("PATCH", model.ProviderChanged{ID: p.ID, Action: "updated"})
	s.must(204, "DELETE", path, nil, nil)
	want("DELETE", model.ProviderChanged{ID: p.ID, Action: "deleted"})
	s.must(404, "DELETE", path, nil, nil)
	want("DELETE again")
	other := s.create(providerBody("other", nil))
	want("POST other", model.ProviderChanged{ID: other.ID, Action: "created"})
	s.must(200, "POST", "/admin/v1/import", map[string]any{"version": 1, "providers": []any{providerBody("imp", nil)}}, nil)
	var imported struct{ Data []model.Provider }
	s.must(200, "GET", "/admin/v1/providers", nil, &imported)
	if len(imported.Data) != 1 {
		t.Fatalf("after import: %+v", imported)
	}
	want("import", model.ProviderChanged{ID: other.ID, Action: "deleted"}, model.ProviderChanged{ID: imported.Data[0].ID, Action: "created"})
}

// TestExportImportRoundTrip through HTTP: export with keys, wipe, import,
// and the configuration (keys included) is back; matched ids are kept.
func TestExportImportRoundTrip(t *testing.T) {
	s := newStack(t)
	s.create(providerBody("keep", map[string]any{"api_key": "sk-keep-0001", "name": "Keep 🚀",
		"headers": map[string]string{"X-Org": "org-1"}, "health_check_interval_secs": 60}))
	s.create(providerBody("gone", map[string]any{"api_key": "sk-gone-0002", "enabled": false, "type": "anthropic", "base_url": "https://api.anthropic.com"}))
	s.must(200, "PUT", "/admin/v1/settings", map[string]any{"proxy_keys": []string{"pk-0003"}, "cors_origins": []string{"https://x.example"}, "log_retention_rows": 500}, nil)
	r := s.must(200, "GET", "/admin/v1/export?include_keys=1", nil, nil)
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
		t.Errorf("Content-Disposition %q", cd)
	}
	before := s.snapshot()

	// Wipe: import an empty configuration.
	s.must(200, "POST", "/admin/v1/import", map[string]any{"version": 1, "providers": []any{},
		"settings": map[string]any{"proxy_keys": []string{}, "cors_origins": []string{}, "log_retention_rows": 100}}, nil)
	var l struct{ Data []model.Provider }
	s.must(200, "GET", "/admin/v1/providers", nil, &l)
	if len(l.Data) != 0 {
		t.Fatalf("wipe left %d providers", len(l.Data))
	}
	var back model.Config
	s.must(200, "POST", "/admin/v1/import", r.body, &back)
	if strings.Contains(string(mustJSON(t, back)), "sk-keep") {
		t.Error("import response carries keys")
	}
	after := s.snapshot()
	if norm(t, after, false) != norm(t, before, false) {
		t.Errorf("round trip differs:\nbefore %s\nafter  %s", before, after)
	}

	// Importing again matches providers by key: ids (and so history) are
	// kept, and only the fields change.
	idsBefore := norm(t, after, true)
	s.must(200, "POST", "/admin/v1/import", r.body, nil)
	if got := norm(t, s.snapshot(), true); got != idsBefore {
		t.Errorf("re-import changed ids:\nbefore %s\nafter  %s", idsBefore, got)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// norm drops ids and timestamps (withIDs false) from a snapshot, which a
// wipe and re-import legitimately change.
func norm(t *testing.T, snap string, withIDs bool) string {
	t.Helper()
	var c model.Config
	if err := json.Unmarshal([]byte(snap), &c); err != nil {
		t.Fatal(err)
	}
	for i := range c.Providers {
		if !withIDs {
			c.Providers[i].ID = 0
		}
		c.Providers[i].CreatedAt, c.Providers[i].UpdatedAt = time.Time{}, time.Time{}
	}
	return string(mustJSON(t, c))
}

// TestConcurrentWrites: parallel PATCHes and creates through HTTP all get
// a real answer (never "database is locked"), and no PATCH is lost: each
// PATCH changes one field, and every field ends as the last PATCH that
// touched it (in updated_at order) left it.
func TestConcurrentWrites(t *testing.T) {
	s := newStack(t)
	var ids []int64
	for i := range 5 {
		ids = append(ids, s.create(providerBody(fmt.Sprintf("c%d", i), nil)).ID)
	}
	// PATCH i sets one of four fields, to a value only it uses.
	fields := []string{"name", "connect_timeout_secs", "response_header_timeout_secs", "stream_idle_timeout_secs"}
	value := func(i int) any {
		if i%4 == 0 {
			return fmt.Sprintf("name-%02d", i)
		}
		return 100 + i
	}
	current := func(p model.Provider, f string) any {
		switch f {
		case "name":
			return p.Name
		case "connect_timeout_secs":
			return p.ConnectTimeoutSecs
		case "response_header_timeout_secs":
			return p.ResponseHeaderTimeoutSecs
		}
		return p.StreamIdleTimeoutSecs
	}
	type result struct {
		status int
		body   string
		p      model.Provider
		id     int64
	}
	patchAll := func(targets func(i int) int64) []result {
		out := make([]result, 50)
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := targets(i)
				b, _ := json.Marshal(map[string]any{fields[i%4]: value(i)})
				req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/admin/v1/providers/%d", s.url, id), bytes.NewReader(b))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					out[i] = result{body: err.Error(), id: id}
					return
				}
				defer resp.Body.Close()
				rb, _ := io.ReadAll(resp.Body)
				var p model.Provider
				_ = json.Unmarshal(rb, &p)
				out[i] = result{resp.StatusCode, string(rb), p, id}
			}()
		}
		wg.Wait()
		return out
	}
	check := func(t *testing.T, res []result) {
		// lastByField[id][field] is the index of the PATCH that set it last.
		last := map[int64]map[string]int{}
		newest := map[int64]time.Time{}
		seen := map[string]bool{}
		for i, r := range res {
			f := fields[i%4]
			if r.status != 200 || fmt.Sprint(current(r.p, f)) != fmt.Sprint(value(i)) {
				t.Errorf("PATCH %d: %d %s", i, r.status, r.body)
				continue
			}
			k := fmt.Sprint(r.id, r.p.UpdatedAt.UnixNano())
			if seen[k] {
				t.Errorf("two PATCHes of provider %d answered the same updated_at %v", r.id, r.p.UpdatedAt)
			}
			seen[k] = true
			if last[r.id] == nil {
				last[r.id] = map[string]int{}
			}
			if j, ok := last[r.id][f]; !ok || r.p.UpdatedAt.After(res[j].p.UpdatedAt) {
				last[r.id][f] = i
			}
			if r.p.UpdatedAt.After(newest[r.id]) {
				newest[r.id] = r.p.UpdatedAt
			}
		}
		for id, byField := range last {
			var p model.Provider
			s.must(200, "GET", fmt.Sprintf("/admin/v1/providers/%d", id), nil, &p)
			for f, i := range byField {
				if got, want := fmt.Sprint(current(p, f)), fmt.Sprint(value(i)); got != want {
					t.Errorf("provider %d: %s = %s, but the last PATCH of it (at %v) set %s: an update was lost", id, f, got, res[i].p.UpdatedAt, want)
				}
			}
			if !p.UpdatedAt.Equal(newest[id]) {
				t.Errorf("provider %d: updated_at %v, newest answered %v", id, p.UpdatedAt, newest[id])
			}
		}
	}
	t.Run("one provider", func(t *testing.T) { check(t, patchAll(func(int) int64 { return ids[0] })) })
	t.Run("five providers", func(t *testing.T) { check(t, patchAll(func(i int) int64 { return ids[i%5] })) })

	t.Run("creates", func(t *testing.T) {
		codes := make([]int, 40)
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("new%02d", i)
				if i >= 20 {
					key = "race" // 20 creates race for one key
				}
				b, _ := json.Marshal(providerBody(key, map[string]any{"models": []any{}}))
				resp, err := http.Post(s.url+"/admin/v1/providers", "application/json", bytes.NewReader(b))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}()
		}
		wg.Wait()
		won := 0
		for i, c := range codes {
			switch {
			case i < 20 && c != 201:
				t.Errorf("distinct create %d: %d", i, c)
			case i >= 20 && c == 201:
				won++
			case i >= 20 && c != 409:
				t.Errorf("racing create %d: %d, want 201 or 409", i, c)
			}
		}
		if won != 1 {
			t.Errorf("%d racing creates won, want exactly 1", won)
		}
		var l struct{ Data []model.Provider }
		s.must(200, "GET", "/admin/v1/providers", nil, &l)
		if len(l.Data) != 5+20+1 {
			t.Errorf("%d providers stored, want 26", len(l.Data))
		}
	})
}
