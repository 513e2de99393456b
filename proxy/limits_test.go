package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// bodyOf returns a JSON body for model m exactly n bytes long.
func bodyOf(m string, n int) string {
	head := `{"model":"` + m + `","pad":"`
	return head + strings.Repeat("x", n-len(head)-2) + `"}`
}

// openRequest starts a raw HTTP/1.1 POST on its own connection: it sends
// the head and the first part of body, and leaves the rest to the caller.
func openRequest(t *testing.T, addr, path string, contentLength int, part string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", path, addr, contentLength, part)
	return c
}

// readResponse reads one response from a raw connection, within 3 s.
func readResponse(t *testing.T, c net.Conn) result {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b, err}
}

// waitFor polls cond every millisecond for up to 3 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

var shape503 = errorShape{503, "api_error", "overloaded", "overloaded_error"}

// TestBufferedBytesCap: the total of request bodies buffered at once is
// bounded. While one large body is being received, a concurrent one that
// would pass the cap gets a 503 overloaded (with Retry-After) in its
// dialect, a smaller one passes, and once the large one is forwarded its
// reservation is released.
func TestBufferedBytesCap(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{"ok":true}`))
	hs := newHarness(t, Settings{MaxBufferedBytes: 100_000},
		provider("oa", model.TypeOpenAI, f.URL+"/v1", "m", "m"),
		provider("an", model.TypeAnthropic, f.URL, "c", "c"))
	addr := strings.TrimPrefix(hs.srv.URL, "http://")

	// A: 60 kB announced, only its start sent: reserved up front.
	bigBody := bodyOf("m", 60_000)
	a := openRequest(t, addr, "/v1/chat/completions", len(bigBody), bigBody[:100])
	waitFor(t, "the first body's reservation", func() bool { return hs.h.buffered.Load() >= 60_000 })

	for _, anthropic := range []bool{false, true} {
		path, m := "/v1/chat/completions", "m"
		if anthropic {
			path, m = "/v1/messages", "c"
		}
		res := hs.do("POST", path, bodyOf(m, 50_000))
		checkProxyError(t, res, anthropic, shape503, "max_buffered_bytes")
		if res.Header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
		}
		if e := hs.sink.next(t); e.Status != 503 || e.ErrorType != "overloaded" || e.ErrorSource == nil || *e.ErrorSource != "proxy" {
			t.Errorf("log entry %+v", e)
		}
	}
	// A chunked (unknown length) body is reserved as it grows.
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, bodyOf("m", 50_000))
		pw.Close()
	}()
	resp, err := hs.client.Post(hs.srv.URL+"/v1/chat/completions", "application/json", pr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("chunked body over the cap: %d", resp.StatusCode)
	}
	hs.sink.next(t)
	if f.count() != 0 {
		t.Fatal("a refused body reached the upstream")
	}
	// Under the cap next to A: passes.
	if res := hs.do("POST", "/v1/chat/completions", bodyOf("m", 30_000)); res.Status != 200 {
		t.Fatalf("small body: %d %s", res.Status, res.Body)
	}
	hs.sink.next(t)

	// A completes, and its reservation goes back.
	if _, err := io.WriteString(a, bigBody[100:]); err != nil {
		t.Fatal(err)
	}
	if res := readResponse(t, a); res.Status != 200 {
		t.Fatalf("large body: %d %s", res.Status, res.Body)
	}
	hs.sink.next(t)
	waitFor(t, "every reservation released", func() bool { return hs.h.buffered.Load() == 0 })
	if res := hs.do("POST", "/v1/messages", bodyOf("c", 50_000)); res.Status != 200 {
		t.Fatalf("after release: %d %s", res.Status, res.Body)
	}
}

// TestTricklingBody: a client that sends its body too slowly gets a 408
// request_timeout in its dialect once the body read deadline passes.
func TestTricklingBody(t *testing.T) {
	f := newFake(t, jsonHandler(200, `{}`))
	hs := newHarness(t, Settings{BodyReadTimeout: 200 * time.Millisecond},
		provider("oa", model.TypeOpenAI, f.URL+"/v1", "m", "m"),
		provider("an", model.TypeAnthropic, f.URL, "c", "c"))
	addr := strings.TrimPrefix(hs.srv.URL, "http://")
	for _, anthropic := range []bool{false, true} {
		t.Run(fmt.Sprintf("anthropic=%v", anthropic), func(t *testing.T) {
			path := "/v1/chat/completions"
			if anthropic {
				path = "/v1/messages"
			}
			start := time.Now()
			c := openRequest(t, addr, path, 1000, `{"model":`)
			// Trickle a byte every 50 ms: never idle, never done.
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if _, err := c.Write([]byte(" ")); err != nil {
							return
						}
					}
				}
			}()
			res := readResponse(t, c)
			checkProxyError(t, res, anthropic, errorShape{408, "invalid_request_error", "request_timeout", "invalid_request_error"})
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("408 after %v", d)
			}
			if e := hs.sink.next(t); e.Status != 408 || e.ErrorType != "request_timeout" {
				t.Errorf("log entry %+v", e)
			}
		})
	}
	if f.count() != 0 {
		t.Fatal("a timed-out body reached the upstream")
	}
	if hs.h.buffered.Load() != 0 {
		t.Errorf("reservation left: %d", hs.h.buffered.Load())
	}
}
