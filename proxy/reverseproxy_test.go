package proxy

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// TestReverseProxyComparison runs httputil.ReverseProxy and our handler
// against the same failing upstreams, to show why the package keeps its
// own relay (see the package doc):
//
//   - a stream that fails mid-way: ReverseProxy aborts it with no error
//     event, so an SDK that stops at the end of the events sees no error
//     at all; ours writes one error event in the client's dialect first;
//   - a sized body cut short: ReverseProxy has already sent the 200 and
//     the client gets a broken reply; ours answers a 502 JSON error.
func TestReverseProxyComparison(t *testing.T) {
	const first = "data: {\"n\":1}\n\n"
	sse := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		sseHandler(0, first)(w, r)
		panic(http.ErrAbortHandler) // the upstream dies mid-stream
	})
	sized := "http://" + resetServer(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":", 20*time.Millisecond)

	via := func(base string) (ours, theirs string) {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.ErrorLog = log.New(io.Discard, "", 0)
		rp.Transport = &http.Transport{Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }}
		rps := httptest.NewServer(rp)
		t.Cleanup(rps.Close)
		hs := newHarness(t, Settings{}, provider("up", model.TypeOpenAI, base+"/v1", "m", "m"))
		return hs.srv.URL, rps.URL
	}

	t.Run("stream fails mid-way", func(t *testing.T) {
		ours, theirs := via(sse.URL)
		read := func(base string) string {
			resp, err := plainClient(t).Post(base+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m","stream":true}`))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body) // both end in a read error
			return string(b)
		}
		if got := read(theirs); got != first {
			t.Errorf("ReverseProxy: %q", got)
		}
		got := read(ours)
		if !strings.HasPrefix(got, first+"data: {\"error\":") || !strings.Contains(got, ErrTypeStream) {
			t.Errorf("ours: no error event in %q", got)
		}
	})

	t.Run("sized body cut short", func(t *testing.T) {
		ours, theirs := via(sized)
		resp, err := plainClient(t).Post(theirs+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m"}`))
		if err == nil {
			// ReverseProxy's answer, when one arrives at all, is the
			// upstream's 200 with a body that breaks off.
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || err == nil {
				t.Errorf("ReverseProxy: status %d, read error %v", resp.StatusCode, err)
			}
		}
		res := request(t, plainClient(t), "POST", ours, "/v1/chat/completions", `{"model":"m"}`)
		checkProxyError(t, res, false, errorShape{502, "api_error", ErrTypeStream, "api_error"}, `"up"`)
	})
}

// plainClient is a plain client that never uses an HTTP proxy.
func plainClient(t *testing.T) *http.Client {
	tr := &http.Transport{Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}
