package proxy

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// TestDotSegmentsRefused: a /v1 path with "." or ".." segments, plain or
// percent-encoded (also through an encoded slash), is refused with a 400
// in the client's dialect and never reaches the upstream.
func TestDotSegmentsRefused(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{}`))
	hs := newHarness(t, Settings{},
		provider("oa", model.TypeOpenAI, f.URL+"/v1", "gpt", "gpt"),
		provider("an", model.TypeAnthropic, f.URL, "claude", "claude"))
	for _, c := range []struct {
		path      string
		anthropic bool
	}{
		{"/v1/%2e%2e/admin", false},
		{"/v1/%2E%2E/admin", false},
		{"/v1/chat/..%2fadmin", false},
		{"/v1/chat/%2e%2e%2fadmin", false},
		{"/v1/chat/.%2e/admin", false},
		{"/v1/chat/%2e/completions", false},
		{"/v1/../admin", false},
		{"/v1/./chat/completions", false},
		{"/v1/chat/completions/..", false},
		{"/v1/x%2f..%2f..%2fadmin", false},
		{"/v1/messages/%2e%2e/%2e%2e/admin", true},
		{"/v1/messages/..%2F..%2Fadmin", true},
	} {
		t.Run(c.path, func(t *testing.T) {
			m := "gpt"
			if c.anthropic {
				m = "claude"
			}
			res := hs.do("POST", c.path, `{"model":"`+m+`"}`)
			checkProxyError(t, res, c.anthropic, shape400, "refused")
			if f.count() != 0 {
				t.Fatalf("a dot-segment path reached the upstream: %q", f.last(t).Path)
			}
		})
	}
	// Dots inside a segment are ordinary characters.
	if res := hs.do("POST", "/v1/chat/completions.v2..x", `{"model":"gpt"}`); res.Status != 200 || f.count() != 1 {
		t.Errorf("dotted segment: %d %s", res.Status, res.Body)
	}
}

// TestRemotePeerWithoutKeys: with no local access keys, only loopback (or
// in-process) peers may use the proxy; a peer from the network gets a 401
// saying how to allow it. With keys set, a remote peer with a key passes.
func TestRemotePeerWithoutKeys(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{"ok":true}`))
	provs := []model.Provider{
		provider("oa", model.TypeOpenAI, f.URL+"/v1", "gpt", "gpt"),
		provider("an", model.TypeAnthropic, f.URL, "claude", "claude"),
	}
	open := New(NewTable(provs, Settings{}), newCapSink(), WithUpstream(testUpstream()))
	keyed := New(NewTable(provs, Settings{ProxyKeys: []string{"k1"}}), newCapSink(), WithUpstream(testUpstream()))
	serve := func(h *Handler, method, path, body, remote string, hdr ...string) result {
		var req *http.Request
		if body == "" {
			req = httptest.NewRequest(method, path, nil)
		} else {
			req = httptest.NewRequest(method, path, strings.NewReader(body))
		}
		req.RemoteAddr = remote
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return result{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	}
	for _, c := range []struct {
		name, method, path, body, remote string
		anthropic                        bool
	}{
		{"openai", "POST", "/v1/chat/completions", `{"model":"gpt"}`, "192.0.2.10:50000", false},
		{"anthropic", "POST", "/v1/messages", `{"model":"claude"}`, "192.0.2.10:50000", true},
		{"ipv6", "POST", "/v1/chat/completions", `{"model":"gpt"}`, "[2001:db8::1]:50000", false},
		{"models", "GET", "/v1/models", "", "10.0.0.7:1234", false},
		{"model retrieve", "GET", "/v1/models/gpt", "", "10.0.0.7:1234", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := serve(open, c.method, c.path, c.body, c.remote)
			checkProxyError(t, res, c.anthropic, shape401, "proxy_keys", "Settings")
		})
	}
	if f.count() != 0 {
		t.Fatal("a refused remote request reached the upstream")
	}
	for _, remote := range []string{"127.0.0.1:40000", "[::1]:40000", "[::ffff:127.0.0.1]:40000", "127.8.9.10:1", "", "pipe"} {
		if res := serve(open, "POST", "/v1/chat/completions", `{"model":"gpt"}`, remote); res.Status != 200 {
			t.Errorf("local peer %q: %d %s", remote, res.Status, res.Body)
		}
		if res := serve(open, "GET", "/v1/models", "", remote); res.Status != 200 {
			t.Errorf("local peer %q models: %d %s", remote, res.Status, res.Body)
		}
	}
	if res := serve(keyed, "POST", "/v1/chat/completions", `{"model":"gpt"}`, "192.0.2.10:50000", "Authorization", "Bearer k1"); res.Status != 200 {
		t.Errorf("remote peer with a local key: %d %s", res.Status, res.Body)
	}
	res := serve(keyed, "POST", "/v1/chat/completions", `{"model":"gpt"}`, "192.0.2.10:50000")
	checkProxyError(t, res, false, shape401, "proxy_keys")
}
