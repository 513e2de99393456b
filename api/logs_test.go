package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sluicegate/sluicegate/live"
	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
)

// newLogUpstream is a fake OpenAI provider for the request-log tests:
// upstream model "ok-up" answers 200 with usage, "busy-up" answers 429 with
// an OpenAI error, and "hang-up" holds the request until the client gives
// up.
func newLogUpstream(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		switch body.Model {
		case "ok-up":
			fmt.Fprint(w, `{"id":"chatcmpl-1","object":"chat.completion","model":"ok-up","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}`)
		case "busy-up":
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"message":"Rate limit reached for busy-up","type":"rate_limit_error","code":"rate_limit_exceeded"}}`)
		case "hang-up":
			<-r.Context().Done()
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// closedURL is a loopback base URL where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr + "/v1"
}

// requestID returns a proxied response's X-Sluicegate-Request-Id.
func requestID(t *testing.T, r response) string {
	t.Helper()
	id := r.header.Get(proxy.HeaderRequestID)
	if id == "" {
		t.Fatalf("no %s on a %d response: %s", proxy.HeaderRequestID, r.status, r.body)
	}
	return id
}

// flushLogs waits until the service has seen each request finish, then
// until the request log has stored them. (The proxy publishes
// request.finished as its handler returns, which can be just after the
// client has read the response.)
func (s *stack) flushLogs(ids ...string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for len(want) > 0 {
		select {
		case id := <-s.events.finished:
			delete(want, id)
		case <-ctx.Done():
			s.t.Fatalf("requests %v never finished", want)
		}
	}
	if err := s.svc.FlushLogs(ctx); err != nil {
		s.t.Fatalf("FlushLogs: %v", err)
	}
}

// listLogIDs lists the request log with query and returns the ids, after
// checking the answer against openapi.json.
func (s *stack) listLogIDs(doc *openapi3.T, query string) []string {
	s.t.Helper()
	var l struct{ Data []model.LogEntry }
	r := s.must(http.StatusOK, "GET", "/admin/v1/logs"+query, nil, &l)
	validateExchange(s.t, doc, "GET", "/admin/v1/logs", "/admin/v1/logs"+query, nil, r)
	ids := []string{}
	for _, e := range l.Data {
		ids = append(ids, e.ID)
	}
	return ids
}

// TestRequestLogOverHTTP sends real requests through the proxy and reads
// them back through /admin/v1/logs, /logs/{id}, /stats and DELETE /logs.
func TestRequestLogOverHTTP(t *testing.T) {
	s := newStack(t)
	doc := loadOpenAPI(t, s)
	up := newLogUpstream(t)
	s.create(providerBody("alpha", map[string]any{"base_url": up + "/v1", "api_key": "sk-alpha-s3cret-7777",
		"models": []map[string]any{{"alias": "fast", "upstream": "ok-up"}}}))
	s.create(providerBody("beta", map[string]any{"base_url": up + "/v1",
		"models": []map[string]any{{"alias": "busy", "upstream": "busy-up"}}}))

	start := time.Now().Add(-time.Second)
	sent := []struct {
		model  string
		status int
	}{{"fast", 200}, {"busy", 429}, {"fast", 200}, {"nope", 404}}
	var ids []string
	for _, c := range sent {
		r := s.chat(c.model)
		if r.status != c.status {
			t.Fatalf("chat %q: %d, want %d: %s", c.model, r.status, c.status, r.body)
		}
		ids = append(ids, requestID(t, r))
	}
	ok1, busy, ok2, missing := ids[0], ids[1], ids[2], ids[3]
	s.flushLogs(ids...)

	// The entries, newest first, with what each request was.
	var l struct{ Data []model.LogEntry }
	r := s.must(http.StatusOK, "GET", "/admin/v1/logs", nil, &l)
	validateExchange(t, doc, "GET", "/admin/v1/logs", "/admin/v1/logs", nil, r)
	if len(l.Data) != 4 {
		t.Fatalf("%d entries, want 4: %s", len(l.Data), r.body)
	}
	byID := map[string]model.LogEntry{}
	for i, e := range l.Data {
		// X-Sluicegate-Request-Id is the logged id.
		if want := ids[len(ids)-1-i]; e.ID != want {
			t.Errorf("entry %d has id %q, want %q (newest first, equal to the header)", i, e.ID, want)
		}
		byID[e.ID] = e
		if e.Method != "POST" || e.Path != "/v1/chat/completions" || e.Stream || e.BytesIn == 0 ||
			e.StartedAt.Before(start) || e.StartedAt.After(time.Now()) || e.LatencyMs < 0 {
			t.Errorf("entry %s: %+v", e.ID, e)
		}
		// bytes_out counts what the upstream sent; the proxy's own 404 has
		// none.
		if (e.BytesOut > 0) != (e.ProviderKey != "") {
			t.Errorf("entry %s (provider %q): bytes_out %d", e.ID, e.ProviderKey, e.BytesOut)
		}
	}
	for _, tc := range []struct {
		id, model, provider, upstream string
		status                        int
		source, errType, inMsg        string
		usage                         *model.Usage
	}{
		{ok1, "fast", "alpha", "ok-up", 200, "", "", "", &model.Usage{PromptTokens: 3, CompletionTokens: 5}},
		{busy, "busy", "beta", "busy-up", 429, model.ErrorSourceUpstream, "rate_limit_error", "Rate limit reached for busy-up", nil},
		{ok2, "fast", "alpha", "ok-up", 200, "", "", "", &model.Usage{PromptTokens: 3, CompletionTokens: 5}},
		{missing, "nope", "", "", 404, model.ErrorSourceProxy, "", "nope", nil},
	} {
		e := byID[tc.id]
		if e.Model != tc.model || e.ProviderKey != tc.provider || e.UpstreamModel != tc.upstream || e.Status != tc.status {
			t.Errorf("%s: model %q provider %q upstream %q status %d, want %q %q %q %d",
				tc.id, e.Model, e.ProviderKey, e.UpstreamModel, e.Status, tc.model, tc.provider, tc.upstream, tc.status)
		}
		var source string
		if e.ErrorSource != nil {
			source = *e.ErrorSource
		}
		if source != tc.source || (tc.errType != "" && e.ErrorType != tc.errType) || !strings.Contains(e.ErrorMessage, tc.inMsg) {
			t.Errorf("%s: error %q %q %q, want source %q type %q message with %q",
				tc.id, source, e.ErrorType, e.ErrorMessage, tc.source, tc.errType, tc.inMsg)
		}
		if tc.source == "" && (e.ErrorType != "" || e.ErrorMessage != "") {
			t.Errorf("%s: a success carries an error: %+v", tc.id, e)
		}
		if (e.Usage == nil) != (tc.usage == nil) || e.Usage != nil && *e.Usage != *tc.usage {
			t.Errorf("%s: usage %+v, want %+v", tc.id, e.Usage, tc.usage)
		}
	}
	if strings.Contains(string(r.body), "s3cret") {
		t.Errorf("the request log shows a provider key: %s", r.body)
	}

	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"?errors=1", []string{missing, busy}},
			{"?errors=true", []string{missing, busy}},
			{"?errors=0", []string{missing, ok2, busy, ok1}},
			{"?provider=alpha", []string{ok2, ok1}},
			{"?provider=ALPHA", []string{}}, // provider keys match exactly
			{"?model=busy", []string{busy}},
			{"?status=429", []string{busy}},
			{"?status=404", []string{missing}},
			{"?status=4xx", []string{missing, busy}},
			{"?status=4XX", []string{missing, busy}},
			{"?status=2xx", []string{ok2, ok1}},
			{"?status=5xx", []string{}},
			{"?status=499", []string{}},
			{"?text=RATE+LIMIT", []string{busy}},                            // error message, any case
			{"?text=NoPe", []string{missing}},                               // model
			{"?text=chat%2Fcompletions", []string{missing, ok2, busy, ok1}}, // path
			{"?text=_", []string{missing}},                                  // a literal "_" (PROVIDER_KEY in the 404's message), not a wildcard
			{"?text=%25", []string{}},                                       // a literal "%"
			{"?before=no-such-id", []string{}},
			{"?errors=1&provider=beta", []string{busy}},
			{"?provider=alpha&status=4xx", []string{}},
			{"?limit=1", []string{missing}},
		} {
			if got := s.listLogIDs(doc, tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %q, want %q", tc.query, got, tc.want)
			}
		}
	})

	t.Run("paging", func(t *testing.T) {
		var pages [][]string
		for before := ""; ; {
			q := "?limit=3"
			if before != "" {
				q += "&before=" + before
			}
			page := s.listLogIDs(doc, q)
			if len(page) == 0 {
				break
			}
			pages = append(pages, page)
			before = page[len(page)-1]
			if len(pages) > 4 {
				t.Fatalf("paging does not end: %q", pages)
			}
		}
		want := [][]string{{missing, ok2, busy}, {ok1}}
		if fmt.Sprint(pages) != fmt.Sprint(want) {
			t.Errorf("pages %q, want %q", pages, want)
		}
		if got := s.listLogIDs(doc, "?before="+busy+"&errors=1"); !slices.Equal(got, []string{}) {
			t.Errorf("errors older than the 429: %q", got)
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for _, tc := range []struct{ path, field string }{
			{"/admin/v1/logs?limit=abc", "limit"},
			{"/admin/v1/logs?limit=5000", "limit"},
			{"/admin/v1/logs?limit=-1", "limit"},
			{"/admin/v1/logs?status=abc", "status"},
			{"/admin/v1/logs?status=600", "status"},
			{"/admin/v1/logs?status=3xx", "status"},
			{"/admin/v1/logs?errors=maybe", "errors"},
			{"/admin/v1/stats?window=2h", "window"},
			{"/admin/v1/server-log?level=debug", "level"},
			{"/admin/v1/server-log?limit=1001", "limit"},
			{"/admin/v1/server-log?limit=x", "limit"},
		} {
			r := s.request("GET", tc.path, nil)
			if r.status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400: %s", tc.path, r.status, r.body)
				continue
			}
			e := decodeErr(t, r.body)
			if e.Error.Code != "invalid_field" || e.Error.Field != tc.field || !strings.Contains(e.Error.Message, tc.field) {
				t.Errorf("%s: %s, want invalid_field naming %q", tc.path, r.body, tc.field)
			}
			pattern, _, _ := strings.Cut(tc.path, "?")
			validateExchange(t, doc, "GET", pattern, tc.path, nil, r)
		}
	})

	t.Run("one entry", func(t *testing.T) {
		path := "/admin/v1/logs/" + busy
		var d model.LogDetail
		r := s.must(http.StatusOK, "GET", path, nil, &d)
		validateExchange(t, doc, "GET", "/admin/v1/logs/{id}", path, nil, r)
		// The entry part is the listed entry, field for field.
		if got, want := string(mustJSON(t, d.LogEntry)), string(mustJSON(t, byID[busy])); got != want {
			t.Errorf("detail %s\nwant   %s", got, want)
		}
		// The capture fields are always present, as objects and strings,
		// whatever the proxy captured.
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"request_headers", "response_headers", "request_body", "response_body", "request_body_truncated", "response_body_truncated"} {
			if v, ok := raw[k]; !ok || string(v) == "null" {
				t.Errorf("detail has %s = %s", k, v)
			}
		}
		if strings.Contains(string(r.body), "s3cret") {
			t.Errorf("the detail shows a provider key: %s", r.body)
		}

		r = s.request("GET", "/admin/v1/logs/no-such-id", nil)
		if e := decodeErr(t, r.body); r.status != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Errorf("unknown id: %d %s", r.status, r.body)
		}
		validateExchange(t, doc, "GET", "/admin/v1/logs/{id}", "/admin/v1/logs/no-such-id", nil, r)
	})

	t.Run("stats", func(t *testing.T) {
		var st model.Stats
		r := s.must(http.StatusOK, "GET", "/admin/v1/stats?window=15m", nil, &st)
		validateExchange(t, doc, "GET", "/admin/v1/stats", "/admin/v1/stats?window=15m", nil, r)
		if st.Window != "15m" || st.Requests != 4 || st.Errors != 2 {
			t.Errorf("window %q requests %d errors %d, want 15m 4 2", st.Window, st.Requests, st.Errors)
		}
		if want := map[string]int64{"2xx": 2, "4xx": 2, "5xx": 0, "499": 0}; fmt.Sprint(st.ByStatus) != fmt.Sprint(want) {
			t.Errorf("by_status %v, want %v", st.ByStatus, want)
		}
		providers := map[string]model.StatsFigures{}
		for _, p := range st.ByProvider {
			providers[p.ProviderKey] = p.StatsFigures
		}
		if a := providers["alpha"]; a.Requests != 2 || a.Errors != 0 || a.PromptTokens != 6 || a.CompletionTokens != 10 {
			t.Errorf("alpha %+v, want 2 requests, 0 errors, 6+10 tokens", a)
		}
		if b := providers["beta"]; b.Requests != 1 || b.Errors != 1 || b.PromptTokens != 0 {
			t.Errorf("beta %+v, want 1 request, 1 error", b)
		}
		models := map[string]model.StatsFigures{}
		for _, m := range st.ByModel {
			models[m.Model] = m.StatsFigures
		}
		if f, b := models["fast"], models["busy"]; f.Requests != 2 || f.Errors != 0 || b.Requests != 1 || b.Errors != 1 {
			t.Errorf("by_model fast %+v busy %+v", f, b)
		}

		// No window means 1h.
		s.must(http.StatusOK, "GET", "/admin/v1/stats", nil, &st)
		if st.Window != "1h" || st.Requests != 4 {
			t.Errorf("default window: %q with %d requests", st.Window, st.Requests)
		}
	})

	t.Run("delete", func(t *testing.T) {
		r := s.must(http.StatusNoContent, "DELETE", "/admin/v1/logs", nil, nil)
		validateExchange(t, doc, "DELETE", "/admin/v1/logs", "/admin/v1/logs", nil, r)
		if len(r.body) != 0 {
			t.Errorf("204 with a body: %s", r.body)
		}
		if got := s.listLogIDs(doc, ""); len(got) != 0 {
			t.Errorf("after DELETE: %q", got)
		}
		var st model.Stats
		s.must(http.StatusOK, "GET", "/admin/v1/stats?window=15m", nil, &st)
		if st.Requests != 0 || st.Errors != 0 {
			t.Errorf("stats after DELETE: %+v", st)
		}
		if r := s.request("GET", "/admin/v1/logs/"+busy, nil); r.status != http.StatusNotFound {
			t.Errorf("deleted entry: %d %s", r.status, r.body)
		}
		// The log keeps recording after it was cleared.
		r = s.chat("fast")
		id := requestID(t, r)
		s.flushLogs(id)
		if got := s.listLogIDs(doc, ""); !slices.Equal(got, []string{id}) {
			t.Errorf("after a new request: %q, want [%s]", got, id)
		}
	})
}

// TestServerLogOverHTTP: the proxy's own warnings and errors reach
// /admin/v1/server-log, newest first, filtered by level, with the request
// id that ties them to the request log and no provider key.
func TestServerLogOverHTTP(t *testing.T) {
	s := newStack(t)
	doc := loadOpenAPI(t, s)
	up := newLogUpstream(t)
	s.create(providerBody("down", map[string]any{"base_url": closedURL(t), "api_key": "sk-down-s3cret-9999",
		"models": []map[string]any{{"alias": "down", "upstream": "d"}}}))
	// The shortest response header timeout; the proxy logs a timeout as a
	// warning, a failed connection as an error.
	s.create(providerBody("slow", map[string]any{"base_url": up + "/v1", "response_header_timeout_secs": 1,
		"models": []map[string]any{{"alias": "slow", "upstream": "hang-up"}}}))

	var ids []string
	for _, c := range []struct {
		model  string
		status int
	}{{"down", http.StatusBadGateway}, {"slow", http.StatusGatewayTimeout}, {"down", http.StatusBadGateway}} {
		r := s.chat(c.model)
		if r.status != c.status {
			t.Fatalf("chat %q: %d, want %d: %s", c.model, r.status, c.status, r.body)
		}
		id := requestID(t, r)
		// The proxy logs the failure before the request finishes: once it
		// has, the record is in the ring, and the next one comes after it.
		s.flushLogs(id)
		ids = append(ids, id)
	}

	records := func(query string) []model.ServerLogRecord {
		t.Helper()
		var l struct{ Data []model.ServerLogRecord }
		r := s.must(http.StatusOK, "GET", "/admin/v1/server-log"+query, nil, &l)
		validateExchange(t, doc, "GET", "/admin/v1/server-log", "/admin/v1/server-log"+query, nil, r)
		if strings.Contains(string(r.body), "s3cret") {
			t.Errorf("the server log shows a provider key: %s", r.body)
		}
		var out []model.ServerLogRecord
		for _, rec := range l.Data {
			if rec.Message == "upstream request failed" {
				out = append(out, rec)
			}
		}
		return out
	}
	type seen struct{ level, id, provider string }
	summary := func(recs []model.ServerLogRecord) []seen {
		out := []seen{}
		for _, r := range recs {
			out = append(out, seen{r.Level, fmt.Sprint(r.Attrs["id"]), fmt.Sprint(r.Attrs["provider"])})
		}
		return out
	}
	all := []seen{{"error", ids[2], "down"}, {"warn", ids[1], "slow"}, {"error", ids[0], "down"}}
	for _, tc := range []struct {
		query string
		want  []seen
	}{
		{"", all},
		{"?level=warn", all},
		{"?level=error", []seen{all[0], all[2]}},
		{"?level=error&limit=1", []seen{all[0]}},
		{"?limit=2", all[:2]},
	} {
		recs := records(tc.query)
		if got := summary(recs); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%q: %v, want %v", tc.query, got, tc.want)
		}
		for i := 1; i < len(recs); i++ {
			if recs[i].TS.After(recs[i-1].TS) {
				t.Errorf("%q: record %d is newer than the one before it", tc.query, i)
			}
		}
	}

	// The failed requests are in the request log under the same ids.
	s.flushLogs()
	var errs []string
	for _, id := range s.listLogIDs(doc, "?errors=1") {
		errs = append(errs, id)
	}
	if want := []string{ids[2], ids[1], ids[0]}; !slices.Equal(errs, want) {
		t.Errorf("failed requests in the log: %q, want %q", errs, want)
	}
}

// TestLiveStreamOverHTTP: GET /admin/v1/ws upgrades (101) and streams the
// request.finished entries the request log stores, filtered by ?types= and
// ?errors=; bad filters are a 400 naming the parameter.
func TestLiveStreamOverHTTP(t *testing.T) {
	s := newStack(t)
	doc := loadOpenAPI(t, s)
	up := newLogUpstream(t)
	s.create(providerBody("alpha", map[string]any{"base_url": up + "/v1",
		"models": []map[string]any{{"alias": "fast", "upstream": "ok-up"}}}))

	for _, tc := range []struct{ query, field string }{
		{"?errors=maybe", "errors"},
		{"?types=request.finished,bogus", "types"},
	} {
		r := s.request("GET", "/admin/v1/ws"+tc.query, nil)
		if e := decodeErr(t, r.body); r.status != http.StatusBadRequest || e.Error.Field != tc.field {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.query, r.status, r.body, tc.field)
		}
		validateExchange(t, doc, "GET", "/admin/v1/ws", "/admin/v1/ws"+tc.query, nil, r)
	}

	// A plain upgrade handshake answers 101, as documented.
	req, err := http.NewRequest("GET", s.url+"/admin/v1/ws?types=request.finished&errors=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"Connection": "Upgrade", "Upgrade": "websocket",
		"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %d", resp.StatusCode)
	}
	validateExchange(t, doc, "GET", "/admin/v1/ws", "/admin/v1/ws?types=request.finished&errors=1",
		nil, response{status: resp.StatusCode, header: resp.Header})

	// Follow the stream for failed requests only; the success sent in
	// between must not appear.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	subscribed := make(chan struct{})
	got := make(chan model.LogEntry, 4)
	followed := make(chan error, 1)
	wsURL := "ws" + strings.TrimPrefix(s.url, "http") + "/admin/v1/ws?types=request.finished&errors=1"
	go func() {
		followed <- live.Follow(ctx, wsURL, nil, func(ev model.Event) error {
			switch ev.Type {
			case model.EventHello:
				close(subscribed)
			case model.EventRequestFinished:
				var e model.LogEntry
				if err := json.Unmarshal(ev.Data.(json.RawMessage), &e); err != nil {
					return err
				}
				got <- e
			default:
				return fmt.Errorf("unexpected %s event through the filter", ev.Type)
			}
			return nil
		})
	}()
	select {
	case <-subscribed:
	case err := <-followed:
		t.Fatalf("live stream: %v", err)
	case <-ctx.Done():
		t.Fatal("no hello")
	}
	ok := requestID(t, s.chat("fast"))
	failed := requestID(t, s.chat("nope"))
	select {
	case e := <-got:
		if e.ID != failed || e.Status != http.StatusNotFound || e.ErrorSource == nil || *e.ErrorSource != model.ErrorSourceProxy {
			t.Errorf("streamed %+v, want the 404 %s (not the success %s)", e, failed, ok)
		}
	case err := <-followed:
		t.Fatalf("live stream: %v", err)
	case <-ctx.Done():
		t.Fatal("the failed request never streamed")
	}
	cancel()
	if err := <-followed; err != context.Canceled {
		t.Errorf("Follow ended with %v", err)
	}
}
