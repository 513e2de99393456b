package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// unit is one "second" of a provider timeout in these tests, so that a
// timeout of 2 "seconds" lasts 200 ms.
const unit = 100 * time.Millisecond

// capSink records events; finished ones also go to a channel.
type capSink struct {
	mu       sync.Mutex
	events   []model.Event
	finished chan model.LogEntry
}

func newCapSink() *capSink { return &capSink{finished: make(chan model.LogEntry, 4096)} }

func (s *capSink) Publish(e model.Event) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
	if e.Type == model.EventRequestFinished {
		select {
		case s.finished <- e.Data.(model.LogEntry):
		default:
		}
	}
}

// next waits for the next request.finished event.
func (s *capSink) next(t *testing.T) model.LogEntry {
	t.Helper()
	select {
	case e := <-s.finished:
		return e
	case <-time.After(3 * time.Second):
		t.Fatal("no request.finished event")
		return model.LogEntry{}
	}
}

// eventsFor returns the types of the events of one request id, in order.
func (s *capSink) eventsFor(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.events {
		var eid string
		switch d := e.Data.(type) {
		case model.RequestStarted:
			eid = d.ID
		case model.RequestProgress:
			eid = d.ID
		case model.LogEntry:
			eid = d.ID
		}
		if eid == id {
			out = append(out, e.Type)
		}
	}
	return out
}

// seenReq is what a fake upstream received.
type seenReq struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// fake is a local upstream whose behaviour each test sets.
type fake struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seenReq
	h    http.HandlerFunc
}

func newFake(t *testing.T, h http.HandlerFunc) *fake {
	f := &fake{h: h}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seenReq{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), b})
		hh := f.h
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		hh(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) last(t *testing.T) seenReq {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("the fake upstream got no request")
	}
	return f.reqs[len(f.reqs)-1]
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// provider returns an enabled provider with the given alias→upstream
// pairs and 1 s timeouts (10 units): long enough that a loaded machine
// never trips them by accident. Tests about a timeout set it to 2 units
// (200 ms).
func provider(key string, typ model.ProviderType, baseURL string, pairs ...string) model.Provider {
	p := model.Provider{
		Key: key, Name: key, Type: typ, BaseURL: baseURL, Enabled: true,
		ConnectTimeoutSecs: 10, ResponseHeaderTimeoutSecs: 10, StreamIdleTimeoutSecs: 10,
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		p.Models = append(p.Models, model.ModelMapping{Alias: pairs[i], Upstream: pairs[i+1]})
	}
	return p
}

// loopbackOnly refuses to dial anything but loopback: tests never send
// traffic off this machine, even by mistake.
func loopbackOnly(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			if ip != nil {
				return nil, fmt.Errorf("test dialer: refusing non-loopback %s", addr)
			}
			// A name: resolve with the test's resolver, then check.
			ips, err := d.Resolver.LookupIPAddr(ctx, host)
			if err != nil {
				return nil, &net.OpError{Op: "dial", Net: network, Err: err}
			}
			for _, a := range ips {
				if !a.IP.IsLoopback() {
					return nil, fmt.Errorf("test dialer: refusing non-loopback %s", a.IP)
				}
			}
		}
		return d.DialContext(ctx, network, addr)
	}
}

// testUpstream is an Upstream whose DNS never leaves the machine (lookups
// go to a closed loopback port, so every unknown name fails) and which
// dials loopback only.
func testUpstream() *Upstream {
	var d net.Dialer
	d.Resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dd net.Dialer
		return dd.DialContext(ctx, "udp", "127.0.0.1:1")
	}}
	return NewUpstream(UpstreamConfig{
		DialContext: loopbackOnly(&d),
		Proxy:       func(*http.Request) (*url.URL, error) { return nil, nil },
	})
}

// harness is a proxy under test behind a real loopback listener.
type harness struct {
	t      *testing.T
	sink   *capSink
	routes *LiveRoutes
	h      *Handler
	srv    *httptest.Server
	client *http.Client
}

func newHarness(t *testing.T, s Settings, providers ...model.Provider) *harness {
	t.Helper()
	s.timeUnit = unit
	hs := &harness{t: t, sink: newCapSink(), routes: &LiveRoutes{}}
	hs.routes.Store(NewTable(providers, s))
	hs.h = New(hs.routes, hs.sink, WithUpstream(testUpstream()))
	hs.srv = httptest.NewServer(hs.h)
	t.Cleanup(hs.srv.Close)
	t.Cleanup(hs.h.Upstream().CloseIdleConnections)
	hs.client = &http.Client{Transport: &http.Transport{
		DisableCompression:  true, // see compressed bodies as sent
		MaxIdleConnsPerHost: 256,
		Proxy:               func(*http.Request) (*url.URL, error) { return nil, nil },
	}}
	return hs
}

// setProviders swaps the route table, as the service does on a change.
func (hs *harness) setProviders(s Settings, providers ...model.Provider) {
	s.timeUnit = unit
	hs.routes.Store(NewTable(providers, s))
}

// result is a finished response: status, headers, full body.
type result struct {
	Status int
	Header http.Header
	Body   []byte
	Err    error // body read error
}

// request sends method path body with header pairs (name, value, ...) to
// base and reads the whole response.
func request(t *testing.T, c *http.Client, method, base, path, body string, hdr ...string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b, rerr}
}

func (hs *harness) do(method, path, body string, hdr ...string) result {
	hs.t.Helper()
	return request(hs.t, hs.client, method, hs.srv.URL, path, body, hdr...)
}

// jsonHandler answers with status, headers and body as given.
func jsonHandler(status int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// sseHandler writes events with a pause between them, flushing each.
func sseHandler(pause time.Duration, events ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(200)
		for i, e := range events {
			if i > 0 && pause > 0 {
				select {
				case <-time.After(pause):
				case <-r.Context().Done():
					return
				}
			}
			_, _ = io.WriteString(w, e)
			w.(http.Flusher).Flush()
		}
	}
}

// sseReader reads "\n\n"-separated events from a stream.
type sseReader struct {
	r   io.Reader
	buf []byte
}

// next returns the next complete event (without the blank line), or the
// read error when the stream ends first.
func (s *sseReader) next() (string, error) {
	for {
		if i := bytes.Index(s.buf, []byte("\n\n")); i >= 0 {
			ev := string(s.buf[:i])
			s.buf = s.buf[i+2:]
			return ev, nil
		}
		var tmp [4096]byte
		n, err := s.r.Read(tmp[:])
		s.buf = append(s.buf, tmp[:n]...)
		if err != nil {
			if n > 0 {
				continue
			}
			return string(s.buf), err
		}
	}
}

// errorsIsAny reports whether err matches one of targets.
func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
