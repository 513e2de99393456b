package live

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sluicegate/sluicegate/model"
)

// wsServer starts a loopback WebSocket server that runs serve for each
// connection, and returns its ws:// URL.
func wsServer(t *testing.T, serve func(r *http.Request, c *websocket.Conn)) string {
	t.Helper()
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("deny") != "" {
			http.Error(w, `{"error":{"code":401,"message":"admin token required"}}`, http.StatusUnauthorized)
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade already answered the client
		}
		defer c.Close()
		serve(r, c)
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/admin/v1/ws"
}

// errStop ends Follow from fn once a test has what it needs.
var errStop = errors.New("stop")

func TestFollowDecodesMultiLineFrames(t *testing.T) {
	ts := "2026-03-01T10:00:00.123Z"
	frames := []string{
		`{"type":"hello","ts":"` + ts + `","data":{"version":"1.0","backlog":2}}` + "\n" +
			`{"type":"request.finished","ts":"` + ts + `","data":{"id":"a1","status":200,"provider_key":"openai"}}` + "\n" +
			`{"type":"request.finished","ts":"` + ts + `","data":{"id":"a2","status":502}}`,
		// A trailing newline and a blank line are allowed.
		`{"type":"log","ts":"` + ts + `","data":{"level":"WARN","message":"upstream failed","attrs":{"provider":"openai"}}}` + "\n\n",
		`{"type":"request.finished","ts":"` + ts + `","data":{"id":"a3","status":200}}` + "\n",
	}
	var gotHeader, gotToken string
	url := wsServer(t, func(r *http.Request, c *websocket.Conn) {
		gotHeader, gotToken = r.Header.Get("Authorization"), r.URL.Query().Get("token")
		for _, f := range frames {
			if err := c.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
				return
			}
		}
		// Stay open: Follow must stop because fn says so, not because of EOF.
		_, _, _ = c.ReadMessage()
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []model.Event
	err := Follow(ctx, url+"?token=s3cret", http.Header{"Authorization": {"Bearer s3cret"}}, func(e model.Event) error {
		got = append(got, e)
		if len(got) == 5 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Follow = %v, want fn's error", err)
	}
	if gotHeader != "Bearer s3cret" || gotToken != "s3cret" {
		t.Errorf("server saw Authorization %q and token %q", gotHeader, gotToken)
	}
	wantTypes := []string{model.EventHello, model.EventRequestFinished, model.EventRequestFinished, "log", model.EventRequestFinished}
	for i, e := range got {
		if e.Type != wantTypes[i] {
			t.Errorf("event %d type = %q, want %q", i, e.Type, wantTypes[i])
		}
		if want := time.Date(2026, 3, 1, 10, 0, 0, 123e6, time.UTC); !e.TS.Equal(want) {
			t.Errorf("event %d ts = %v, want %v", i, e.TS, want)
		}
	}
	raw, ok := got[2].Data.(json.RawMessage)
	if !ok {
		t.Fatalf("Data is %T, want json.RawMessage", got[2].Data)
	}
	var entry model.LogEntry
	if err := json.Unmarshal(raw, &entry); err != nil || entry.ID != "a2" || entry.Status != 502 {
		t.Errorf("request.finished data = %+v (%v), want id a2 status 502", entry, err)
	}
}

func TestFollowEnds(t *testing.T) {
	hello := `{"type":"hello","ts":"2026-03-01T10:00:00Z","data":{"version":"1.0","backlog":0}}`
	for _, tc := range []struct {
		name   string
		serve  func(c *websocket.Conn)
		query  string
		cancel bool // cancel ctx after the first event
		check  func(t *testing.T, err error)
	}{
		{
			name:  "server closes the connection",
			serve: func(c *websocket.Conn) { _ = c.WriteMessage(websocket.TextMessage, []byte(hello)) },
			check: func(t *testing.T, err error) {
				if err == nil || errors.Is(err, context.Canceled) {
					t.Errorf("Follow = %v, want a dropped-connection error", err)
				}
			},
		},
		{
			name: "server shuts down with a close frame",
			serve: func(c *websocket.Conn) {
				_ = c.WriteMessage(websocket.TextMessage, []byte(hello))
				_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "shutting down"))
				_, _, _ = c.ReadMessage()
			},
			check: func(t *testing.T, err error) {
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
					t.Errorf("Follow = %v, want the going-away close", err)
				}
			},
		},
		{
			name: "context ends while the server is idle",
			serve: func(c *websocket.Conn) {
				_ = c.WriteMessage(websocket.TextMessage, []byte(hello))
				_, _, _ = c.ReadMessage()
			},
			cancel: true,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Follow = %v, want context.Canceled", err)
				}
			},
		},
		{
			name: "malformed message",
			serve: func(c *websocket.Conn) {
				_ = c.WriteMessage(websocket.TextMessage, []byte("{not json"))
				_, _, _ = c.ReadMessage()
			},
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "malformed message") {
					t.Errorf("Follow = %v, want a malformed-message error", err)
				}
			},
		},
		{
			name:  "upgrade refused with 401",
			query: "?deny=1&token=s3cret",
			serve: func(c *websocket.Conn) {},
			check: func(t *testing.T, err error) {
				var he *HandshakeError
				if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
					t.Fatalf("Follow = %v, want HandshakeError 401", err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q leaks the token", err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := wsServer(t, func(_ *http.Request, c *websocket.Conn) { tc.serve(c) })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := Follow(ctx, url+tc.query, nil, func(model.Event) error {
				if tc.cancel {
					cancel()
				}
				return nil
			})
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("Follow did not return before the test deadline")
			}
			tc.check(t, err)
		})
	}
}

func TestFollowAnswersPings(t *testing.T) {
	pong := make(chan string, 1)
	url := wsServer(t, func(_ *http.Request, c *websocket.Conn) {
		c.SetPongHandler(func(data string) error { pong <- data; return nil })
		if err := c.WriteControl(websocket.PingMessage, []byte("p1"), time.Now().Add(time.Second)); err != nil {
			return
		}
		// Pong frames are delivered to the handler while reading.
		_, _, _ = c.ReadMessage()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- Follow(ctx, url, nil, func(model.Event) error { return nil }) }()
	select {
	case got := <-pong:
		if got != "p1" {
			t.Errorf("pong payload = %q, want p1", got)
		}
	case <-ctx.Done():
		t.Fatal("no pong before the deadline")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Follow = %v after cancel, want context.Canceled", err)
	}
}

func TestFollowErrorsHideTheURL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A host name with a space fails in url.Parse, whose error quotes the URL.
	err := Follow(ctx, "ws://bad host:1/admin/v1/ws?token=s3cret", nil, func(model.Event) error { return nil })
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Follow = %v, want an error without the token", err)
	}
}
