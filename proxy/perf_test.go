package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// perfChunk is one event of the lock-step stream: the size of a typical
// chat completion chunk.
var perfChunk = []byte("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"},\"finish_reason\":null}]}\n\n")

// lockStep is an upstream that sends the next SSE chunk only when told,
// so that every chunk crosses the proxy in its own read, write and flush
// (chunks that arrive together would share one and hide a per-chunk
// cost).
type lockStep struct {
	next chan struct{} // one receive per chunk to send
	stop chan struct{} // closed (per stream) ends the stream
}

func (l *lockStep) handler(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	f := w.(http.Flusher)
	f.Flush()
	for {
		select {
		case <-l.next:
			_, _ = w.Write(perfChunk)
			f.Flush()
		case <-l.stop:
			_, _ = io.WriteString(w, "data: [DONE]\n\n")
			return
		case <-r.Context().Done():
			return
		}
	}
}

// perfStream runs one stream of n chunks through the proxy, reading each
// chunk before the upstream sends the next.
func perfStream(tb testing.TB, c *http.Client, url string, body []byte, l *lockStep, n int, buf []byte) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header = http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer sk-test"}}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	for i := 0; i < n; i++ {
		l.next <- struct{}{}
		if _, err := io.ReadFull(resp.Body, buf[:len(perfChunk)]); err != nil {
			tb.Fatalf("chunk %d: %v", i, err)
		}
	}
	l.stop <- struct{}{}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		tb.Fatal(err)
	}
}

// perfSetup starts an upstream (h), a proxy routing alias → m to it,
// both on real loopback listeners, and a client; it returns the client and
// the proxy's chat completions URL.
func perfSetup(tb testing.TB, logBodies bool, h http.HandlerFunc) (*http.Client, string) {
	tb.Helper()
	up := httptest.NewServer(h)
	tb.Cleanup(up.Close)
	routes := &LiveRoutes{}
	// "grp" is a route group of three members at the same upstream,
	// the first one healthy.
	p := provider("p", model.TypeOpenAI, up.URL+"/v1", "alias", "m")
	p.Models = append(p.Models, mm("grp", "m", 1, 429, 503))
	routes.Store(NewTable([]model.Provider{p,
		withMaps(provider("p2", model.TypeOpenAI, up.URL+"/v1"), mm("grp", "m", 2, 429)),
		withMaps(provider("p3", model.TypeOpenAI, up.URL+"/v1"), mm("grp", "m", 3)),
	}, Settings{LogBodies: logBodies}))
	ph := New(routes, nopSink{}, WithUpstream(testUpstream()))
	srv := httptest.NewServer(ph)
	tb.Cleanup(srv.Close)
	tb.Cleanup(ph.Upstream().CloseIdleConnections)
	c := &http.Client{Transport: &http.Transport{
		DisableCompression:  true,
		MaxIdleConnsPerHost: 64,
		Proxy:               func(*http.Request) (*url.URL, error) { return nil, nil },
	}}
	tb.Cleanup(c.CloseIdleConnections)
	return c, srv.URL + "/v1/chat/completions"
}

// nopSink takes every event, as a non-blocking sink must, and keeps
// nothing: the events are still built and published.
type nopSink struct{}

func (nopSink) Publish(model.Event) {}

var perfModes = []struct {
	name      string
	logBodies bool
}{{"log_bodies=off", false}, {"log_bodies=on", true}}

// BenchmarkProxyStream streams 20-chunk SSE responses through the proxy
// over loopback (client, proxy and upstream in this process, each chunk
// in its own read and flush); allocs/op are per stream.
func BenchmarkProxyStream(b *testing.B) {
	for _, m := range perfModes {
		b.Run(m.name, func(b *testing.B) {
			l := &lockStep{next: make(chan struct{}), stop: make(chan struct{})}
			c, url := perfSetup(b, m.logBodies, l.handler)
			body := []byte(`{"model":"alias","stream":true,"messages":[{"role":"user","content":"` + strings.Repeat("hello ", 150) + `"}]}`)
			buf := make([]byte, 4096)
			b.ReportAllocs()
			for b.Loop() {
				perfStream(b, c, url, body, l, 20, buf)
			}
		})
	}
}

// perfJSON is a typical non-streamed chat completion.
var perfJSON = []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1735689600,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Quaternions extend complex numbers with three imaginary units."},"finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":24,"total_tokens":66}}`)

// BenchmarkProxyRequest sends non-streamed chat completions through the
// proxy over loopback, for a single-provider alias and for a route group
// of three whose first member answers; allocs/op include the client's and
// the upstream's.
func BenchmarkProxyRequest(b *testing.B) {
	for _, m := range perfModes {
		for _, alias := range []string{"alias", "grp"} {
			b.Run(m.name+"/"+alias, func(b *testing.B) {
				cl := strconv.Itoa(len(perfJSON))
				c, url := perfSetup(b, m.logBodies, func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body)
					w.Header()["Content-Type"] = []string{"application/json"}
					w.Header()["Content-Length"] = []string{cl}
					_, _ = w.Write(perfJSON)
				})
				body := []byte(`{"model":"` + alias + `","messages":[{"role":"user","content":"` + strings.Repeat("hello ", 150) + `"}]}`)
				b.ReportAllocs()
				for b.Loop() {
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					req.Header = http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer sk-test"}}
					resp, err := c.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
		}
	}
}

// TestIdleWatch: the watch cancels only a read pending for longer than the
// idle timeout, however long the response lasts in total or however long
// the proxy spends between reads, and never after stop.
func TestIdleWatch(t *testing.T) {
	const idle = 200 * time.Millisecond
	newWatch := func() (*idleWatch, context.Context) {
		ctx, cancel := context.WithCancelCause(context.Background())
		t.Cleanup(func() { cancel(nil) })
		return &idleWatch{idle: idle, cancel: cancel}, ctx
	}
	t.Run("stalled read is cancelled", func(t *testing.T) {
		w, ctx := newWatch()
		defer w.stop()
		w.begin()
		select {
		case <-ctx.Done():
			if !errors.Is(context.Cause(ctx), errStreamIdle) {
				t.Fatalf("cause %v", context.Cause(ctx))
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a read pending for 25 idle timeouts was not cancelled")
		}
	})
	t.Run("short reads over many timeouts are not", func(t *testing.T) {
		w, ctx := newWatch()
		defer w.stop()
		// 4 idle timeouts in all, spent between reads (a slow client) and
		// in reads far shorter than the timeout.
		end := time.Now().Add(4 * idle)
		for time.Now().Before(end) {
			w.begin()
			time.Sleep(idle / 20) // a read that takes a twentieth of the timeout
			w.end()
			time.Sleep(idle) // the proxy writing to a slow client
		}
		if ctx.Err() != nil {
			t.Fatalf("cancelled: %v", context.Cause(ctx))
		}
	})
	t.Run("no cancel after stop", func(t *testing.T) {
		w, ctx := newWatch()
		w.begin()
		w.stop()
		time.Sleep(2 * idle) // nothing to wait on: proving an absence
		if ctx.Err() != nil {
			t.Fatalf("cancelled after stop: %v", context.Cause(ctx))
		}
	})
}
