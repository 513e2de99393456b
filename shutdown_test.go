package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
)

// endlessStream is a fake OpenAI upstream whose streamed answer sends one
// event and then waits until release is closed (or the proxy gives up).
type endlessStream struct {
	*httptest.Server
	release chan struct{}
	once    sync.Once
}

// finish lets the stream end.
func (u *endlessStream) finish() { u.once.Do(func() { close(u.release) }) }

func newEndlessStream(t *testing.T) *endlessStream {
	t.Helper()
	u := &endlessStream{release: make(chan struct{})}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-u.release:
			_, _ = io.WriteString(w, "data: [DONE]\n\n")
		}
	}))
	t.Cleanup(func() {
		u.finish()
		u.Close()
	})
	return u
}

// openStream adds a provider for upstream u at base and opens a streamed
// chat completion through the proxy; it returns once the first event has
// arrived.
func openStream(t *testing.T, base string, u *endlessStream, admin map[string]string) *http.Response {
	t.Helper()
	if code, body := call(t, "POST", base+"/admin/v1/providers", `{"key":"s","type":"openai","base_url":"`+u.URL+`/v1","api_key":"sk-s","models":[{"alias":"m","upstream":"m"}]}`, admin); code != 201 {
		t.Fatalf("create provider: %d %s", code, body)
	}
	resp, err := http.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m","stream":true,"messages":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if resp.StatusCode != 200 || err != nil || !strings.HasPrefix(line, "data: ") {
		t.Fatalf("stream: %d %q %v", resp.StatusCode, line, err)
	}
	return resp
}

// TestStopGrace: Stop waits for a stream for the shutdown grace, then
// cuts it off and still succeeds; a stream that ends within the grace is
// delivered whole.
func TestStopGrace(t *testing.T) {
	for _, tc := range []struct {
		name  string
		grace time.Duration
		// finish ends the upstream stream this long after Stop began; 0
		// never ends it.
		finish   time.Duration
		wantDone bool // the client got the whole stream
	}{
		{name: "grace runs out", grace: 200 * time.Millisecond},
		{name: "zero grace", grace: 0},
		{name: "stream ends within the grace", grace: 10 * time.Second, finish: 100 * time.Millisecond, wantDone: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newEndlessStream(t)
			var logBuf desktoptest.SyncBuffer
			in := newInstance(options{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"), shutdownGrace: tc.grace},
				slog.New(slog.NewTextHandler(&logBuf, nil)))
			if err := in.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			resp := openStream(t, "http://"+in.addr, u, nil)

			if tc.finish > 0 {
				time.AfterFunc(tc.finish, u.finish)
			}
			start := time.Now()
			stopped := make(chan error, 1)
			go func() { stopped <- in.Stop(context.Background()) }()
			select {
			case err := <-stopped:
				if err != nil {
					t.Fatalf("Stop: %v, want nil (a grace timeout is not a failure)", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("Stop did not return")
			}
			if took := time.Since(start); !tc.wantDone && took < tc.grace {
				t.Errorf("Stop returned after %v, before the grace of %v", took, tc.grace)
			}
			rest, _ := io.ReadAll(resp.Body) // ends either way: whole, or cut off
			if got := bytes.Contains(rest, []byte("[DONE]")); got != tc.wantDone {
				t.Errorf("stream delivered whole: %v, want %v (rest %q)", got, tc.wantDone, rest)
			}
			if cut := strings.Contains(logBuf.String(), "shutdown grace is over"); cut == tc.wantDone {
				t.Errorf("cut-off logged: %v; log:\n%s", cut, logBuf.String())
			}
		})
	}
}

// TestServeSIGTERMWithOpenStream: the real binary, SIGTERM while a stream
// outlives --shutdown-grace, exits 0.
func TestServeSIGTERMWithOpenStream(t *testing.T) {
	u := newEndlessStream(t)
	p := startServe(t, filepath.Join(t.TempDir(), "data"), "--shutdown-grace", "300ms")
	resp := openStream(t, p.base, u, nil)
	p.stop(t) // fails unless the exit status is 0
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Log("stream ended cleanly after the cut-off") // either is fine; it must end
	}
	if !strings.Contains(p.stderr.String(), "shutdown grace is over") {
		t.Errorf("no cut-off in the log:\n%s", p.stderr.String())
	}
}
