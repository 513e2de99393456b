package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sluicegate/sluicegate/model"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

// startHub runs a hub until the test ends and returns it with a stop func
// that cancels it and waits for Run to return.
func startHub(t *testing.T, opts Options) (*Hub, func()) {
	t.Helper()
	hub := NewHub(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hub.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	stop := func() {
		cancel()
		select {
		case <-done:
		case <-time.After(testTimeout):
			t.Fatal("hub did not stop")
		}
	}
	t.Cleanup(stop)
	return hub, stop
}

// serve mounts a handler for hub on a loopback test server.
func serve(t *testing.T, hub *Hub, cfg HandlerConfig) *httptest.Server {
	t.Helper()
	if cfg.Version == "" {
		cfg.Version = "test-version"
	}
	srv := httptest.NewServer(NewHandler(hub, cfg))
	t.Cleanup(srv.Close)
	return srv
}

// wsURL turns the test server's URL into a ws:// URL with query.
func wsURL(srv *httptest.Server, query string) string {
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/admin/v1/ws"
	if query != "" {
		u += "?" + query
	}
	return u
}

// message is one decoded live message.
type message struct {
	Type string          `json:"type"`
	TS   time.Time       `json:"ts"`
	Data json.RawMessage `json:"data"`
}

// client is a gorilla client connection with frame bookkeeping.
type client struct {
	t      *testing.T
	conn   *websocket.Conn
	frames int
	queued []message // decoded but not yet returned by next
}

// dial connects to the server with query and fails the test on error.
func dial(t *testing.T, srv *httptest.Server, query string) *client {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(wsURL(srv, query), nil)
	if err != nil {
		t.Fatalf("dial %q: %v (response %v)", query, err, resp)
	}
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn}
}

// next returns the next message, reading a frame when needed.
func (c *client) next() message {
	c.t.Helper()
	for len(c.queued) == 0 {
		if err := c.conn.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
			c.t.Fatal(err)
		}
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if typ != websocket.TextMessage {
			c.t.Fatalf("frame type %d, want text", typ)
		}
		c.frames++
		for line := range bytes.SplitSeq(data, []byte("\n")) {
			var m message
			if err := json.Unmarshal(line, &m); err != nil {
				c.t.Fatalf("frame line %q: %v", line, err)
			}
			c.queued = append(c.queued, m)
		}
	}
	m := c.queued[0]
	c.queued = c.queued[1:]
	return m
}

// hello reads the first message and checks that it is hello.
func (c *client) hello() helloData {
	c.t.Helper()
	m := c.next()
	if m.Type != model.EventHello {
		c.t.Fatalf("first message %q, want hello", m.Type)
	}
	var h helloData
	if err := json.Unmarshal(m.Data, &h); err != nil {
		c.t.Fatal(err)
	}
	return h
}

// label names a message for comparisons: "type:id" for request events,
// "log:message" for log messages, "dropped:N" for dropped.
func label(t *testing.T, m message) string {
	t.Helper()
	var d struct {
		ID      any    `json:"id"` // a string, or a number for provider.changed
		Message string `json:"message"`
		Count   uint64 `json:"count"`
	}
	if err := json.Unmarshal(m.Data, &d); err != nil {
		t.Fatalf("data of %s: %v", m.Type, err)
	}
	switch m.Type {
	case model.EventLog:
		return m.Type + ":" + d.Message
	case model.EventDropped:
		b, _ := json.Marshal(d.Count)
		return m.Type + ":" + string(b)
	default:
		if d.ID == nil {
			return m.Type + ":"
		}
		return fmt.Sprint(m.Type, ":", d.ID)
	}
}

// lineLabels labels queued lines (see label).
func lineLabels(t *testing.T, lines [][]byte) []string {
	t.Helper()
	var labels []string
	for _, line := range lines {
		var m message
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		labels = append(labels, label(t, m))
	}
	return labels
}

// finished is a request.finished event for id with status.
func finished(id string, status int) model.Event {
	return model.Event{Type: model.EventRequestFinished, Data: model.LogEntry{ID: id, Status: status}}
}

// started is a request.started event for id.
func started(id string) model.Event {
	return model.Event{Type: model.EventRequestStarted, Data: model.RequestStarted{ID: id}}
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// observer is a subscriber without a connection, registered directly with
// the hub, used to know when the hub has handled an event.
type observer struct {
	t *testing.T
	s *subscriber
}

// observe subscribes an unfiltered observer with a queue that never fills.
func observe(t *testing.T, hub *Hub) *observer {
	t.Helper()
	s := newSubscriber(filter{}, 1<<22, "observer")
	if err := hub.subscribe(s, testTimeout); err != nil {
		t.Fatal(err)
	}
	return &observer{t: t, s: s}
}

// waitFor drains the observer until a message containing substr arrives:
// the hub has then delivered every event published before it.
func (o *observer) waitFor(substr string) {
	o.t.Helper()
	deadline := time.After(testTimeout)
	var buf [][]byte
	for {
		buf, _ = o.s.queue.drain(buf[:0], 1<<22)
		for _, line := range buf {
			if bytes.Contains(line, []byte(substr)) {
				return
			}
		}
		select {
		case <-o.s.queue.notify:
		case <-deadline:
			o.t.Fatalf("observer: timed out waiting for %q", substr)
		}
	}
}
