package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// TestSlowClientNotIdle: the stream idle timeout measures the upstream
// only. A client that reads slowly (pausing longer than the idle timeout
// while the proxy is blocked writing to it) gets the whole body, and the
// request is not logged as upstream_idle_timeout.
func TestSlowClientNotIdle(t *testing.T) {
	chunk := "data: " + strings.Repeat("x", 64<<10-8) + "\n\n"
	const chunks = 256 // 16 MiB: far more than the socket buffers hold
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < chunks; i++ {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
	p := provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m")
	// 500 ms: long enough that an upstream read is never pending that
	// long on a loaded machine under -race (200 ms was not: CI once cut
	// the stream after 15 of 16 MiB), short next to the client's pauses.
	p.StreamIdleTimeoutSecs = 5
	hs := newHarness(t, Settings{}, p)
	resp, err := hs.client.Post(hs.srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m","stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := 0
	buf := make([]byte, 64<<10)
	for pause := 0; pause < 3; pause++ {
		n, err := io.ReadFull(resp.Body, buf)
		got += n
		if err != nil {
			t.Fatalf("read after %d bytes: %v", got, err)
		}
		// The slow client itself: it does not read for 2.5 idle timeouts.
		time.Sleep(1250 * time.Millisecond)
	}
	rest, err := io.ReadAll(resp.Body)
	got += len(rest)
	if err != nil || got != chunks*len(chunk) {
		t.Fatalf("got %d of %d bytes, err %v", got, chunks*len(chunk), err)
	}
	if e := hs.sink.next(t); e.Status != 200 || e.ErrorType != "" {
		t.Errorf("log entry %+v", e)
	}
}

// noFlushWriter hides every optional interface of the ResponseWriter it
// wraps (Flush included), as some middleware does.
type noFlushWriter struct{ http.ResponseWriter }

// TestWriterWithoutFlush: a ResponseWriter that cannot flush is not a
// client that left: the stream arrives whole and is logged as a 200.
func TestWriterWithoutFlush(t *testing.T) {
	events := []string{"data: {\"i\":1}\n\n", "data: {\"i\":2}\n\n", "data: [DONE]\n\n"}
	f := newFake(t, sseHandler(time.Millisecond, events...))
	hs := newHarness(t, Settings{}, provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.h.ServeHTTP(noFlushWriter{w}, r)
	}))
	t.Cleanup(srv.Close)
	res := request(t, hs.client, "POST", srv.URL, "/v1/chat/completions", `{"model":"m","stream":true}`)
	if res.Status != 200 || res.Err != nil || string(res.Body) != strings.Join(events, "") {
		t.Fatalf("status %d err %v body %q", res.Status, res.Err, res.Body)
	}
	if e := hs.sink.next(t); e.Status != 200 || e.ErrorType != "" || e.BytesOut == 0 {
		t.Errorf("log entry %+v", e)
	}
}

// TestShutdownCutOff: a stream cut off after BeginShutdown is recorded as
// a 503 server_shutdown made by the proxy, not as a client that left.
func TestShutdownCutOff(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {\"i\":1}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	p := provider("up", model.TypeOpenAI, f.URL+"/v1", "m", "m")
	p.StreamIdleTimeoutSecs = 100 // the shutdown must be what ends it
	hs := newHarness(t, Settings{}, p)
	resp, err := hs.client.Post(hs.srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m","stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := (&sseReader{r: resp.Body}).next(); err != nil {
		t.Fatal(err)
	}
	hs.h.BeginShutdown()
	hs.srv.CloseClientConnections()
	e := hs.sink.next(t)
	if e.Status != 503 || e.ErrorType != ErrTypeShutdown || e.ErrorSource == nil || *e.ErrorSource != "proxy" ||
		e.ErrorMessage != "Sluicegate shut down while the response was in progress" {
		t.Errorf("log entry %+v", e)
	}
}
