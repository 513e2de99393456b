package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sluicegate/sluicegate/model"
)

func TestHelloThenBacklog(t *testing.T) {
	hub, _ := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{Version: "1.2.3"})
	obs := observe(t, hub)

	// 150 finished requests, every third one failed; only the last 100
	// stay in the backlog. A request.started must never be in it.
	for i := range 150 {
		status := 200
		if i%3 == 0 {
			status = 502
		}
		hub.Publish(finished(fmt.Sprint("r", i), status))
		hub.Publish(started(fmt.Sprint("s", i)))
	}
	hub.Publish(started("sync"))
	obs.waitFor(`"sync"`)

	var wantAll, wantFailed []string
	for i := 50; i < 150; i++ {
		wantAll = append(wantAll, fmt.Sprint("request.finished:r", i))
		if i%3 == 0 {
			wantFailed = append(wantFailed, fmt.Sprint("request.finished:r", i))
		}
	}
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"all", "", wantAll},
		{"errors only", "errors=1", wantFailed},
		{"types without request.finished", "types=log", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, srv, tt.query)
			h := c.hello()
			if h.Version != "1.2.3" || h.Backlog != len(tt.want) {
				t.Fatalf("hello = %+v, want version 1.2.3 and backlog %d", h, len(tt.want))
			}
			var got []string
			for range h.Backlog {
				got = append(got, label(t, c.next()))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("backlog = %v\nwant %v", got, tt.want)
			}
			// Live events follow the backlog.
			hub.Publish(model.Event{Type: model.EventLog, Data: LogEventData{Message: "after"}})
			if got := label(t, c.next()); got != "log:after" {
				t.Fatalf("after backlog: %s, want log:after", got)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	hub, _ := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{})
	upstream := model.ErrorSourceUpstream

	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"none", "", []string{
			"request.started:a", "request.finished:ok", "request.finished:e500", "request.finished:e429",
			"request.finished:src", "health.model:", "provider.changed:0", "circuit.changed:", "log:warned",
			"log:end", "request.finished:end"}},
		// The dashboard's Routes page follows these two.
		{"circuit and provider changes", "types=circuit.changed,provider.changed", []string{"provider.changed:0", "circuit.changed:"}},
		{"types", "types=request.started,log", []string{"request.started:a", "log:warned", "log:end"}},
		{"types repeated", "types=request.started&types=%20log", []string{"request.started:a", "log:warned", "log:end"}},
		{"errors", "errors=1", []string{
			"request.finished:e500", "request.finished:e429", "request.finished:src",
			"log:warned", "log:end", "request.finished:end"}},
		{"types and errors", "types=request.finished&errors=1", []string{
			"request.finished:e500", "request.finished:e429", "request.finished:src", "request.finished:end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, srv, tt.query)
			for range c.hello().Backlog { // earlier subtests' requests
				c.next()
			}
			hub.Publish(started("a"))
			hub.Publish(finished("ok", 200))
			hub.Publish(finished("e500", 500))
			hub.Publish(model.Event{Type: model.EventRequestFinished, Data: &model.LogEntry{ID: "e429", Status: 429}})
			// A 200 with an error source (a stream that failed midway) is a failure.
			hub.Publish(model.Event{Type: model.EventRequestFinished, Data: model.LogEntry{ID: "src", Status: 200, ErrorSource: &upstream}})
			hub.Publish(model.Event{Type: model.EventHealthModel, Data: map[string]any{}})
			hub.Publish(model.Event{Type: model.EventProviderChanged, Data: model.ProviderChanged{}})
			hub.Publish(model.Event{Type: model.EventCircuitChanged, Data: model.CircuitState{ProviderKey: "groq", State: model.CircuitOpen}})
			hub.Publish(model.Event{Type: model.EventLog, Data: LogEventData{Message: "warned"}})
			// Two terminal events so that every filter sees the end; an
			// unwanted event would show up before it.
			hub.Publish(model.Event{Type: model.EventLog, Data: LogEventData{Message: "end"}})
			hub.Publish(finished("end", 503))

			var got []string
			for range tt.want {
				got = append(got, label(t, c.next()))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestBadQueryIs400BeforeUpgrade(t *testing.T) {
	hub, _ := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{})
	tests := []struct {
		name, query, field, mention string
	}{
		{"unknown type", "types=request.finished,bogus", "types", "request.finished"},
		{"bad errors", "errors=yes", "errors", "1 or 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, resp, err := websocket.DefaultDialer.Dial(wsURL(srv, tt.query), nil)
			if err == nil {
				conn.Close()
				t.Fatal("dial succeeded, want 400")
			}
			if resp == nil || resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("response %v, want 400", resp)
			}
			var body struct {
				Error struct{ Code, Message, Field string } `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if body.Error.Code != "invalid_field" || body.Error.Field != tt.field || !strings.Contains(body.Error.Message, tt.mention) {
				t.Fatalf("error body %+v, want field %s naming %q", body.Error, tt.field, tt.mention)
			}
			if hub.Subscribers() != 0 {
				t.Fatalf("subscribers = %d after a refused dial", hub.Subscribers())
			}
		})
	}
}

func TestCoalescesBurstsInOrder(t *testing.T) {
	hub, _ := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{})
	c := dial(t, srv, "")
	c.hello()
	framesBefore := c.frames

	const n = 1000
	for i := range n {
		hub.Publish(started(fmt.Sprint(i)))
	}
	for i := range n {
		if got, want := label(t, c.next()), fmt.Sprint("request.started:", i); got != want {
			t.Fatalf("message %d = %s, want %s", i, got, want)
		}
	}
	frames := c.frames - framesBefore
	// 256 messages at most per frame: at least 4 frames; a writer that did
	// not coalesce would need 1,000.
	if frames < 4 || frames > 50 {
		t.Fatalf("%d events arrived in %d frames, want 4..50", n, frames)
	}
	if hub.Dropped() != 0 {
		t.Fatalf("dropped %d", hub.Dropped())
	}
}

func TestCoalescesATrickle(t *testing.T) {
	hub, _ := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{})
	c := dial(t, srv, "")
	c.hello()
	framesBefore := c.frames

	// About 1,000 events a second: a writer that sent each as it came
	// would need one frame per event.
	const n = 200
	for i := range n {
		hub.Publish(started(fmt.Sprint(i)))
		time.Sleep(time.Millisecond) // the publishing rate, not synchronisation
	}
	for i := range n {
		if got, want := label(t, c.next()), fmt.Sprint("request.started:", i); got != want {
			t.Fatalf("message %d = %s, want %s", i, got, want)
		}
	}
	if frames := c.frames - framesBefore; frames > n/2 {
		t.Fatalf("%d events at ~1/ms arrived in %d frames, want at most %d", n, frames, n/2)
	}
}

func TestHubNotRunning(t *testing.T) {
	t.Run("never run: try again later", func(t *testing.T) {
		hub := NewHub(Options{})
		srv := serve(t, hub, HandlerConfig{WriteTimeout: 50 * time.Millisecond})
		c := dial(t, srv, "")
		if err := c.conn.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.conn.ReadMessage()
		if !websocket.IsCloseError(err, websocket.CloseTryAgainLater) {
			t.Fatalf("read: %v, want close 1013", err)
		}
	})
	t.Run("run a moment later: served", func(t *testing.T) {
		hub := NewHub(Options{})
		srv := serve(t, hub, HandlerConfig{})
		type result struct {
			c   *websocket.Conn
			err error
		}
		dialed := make(chan result, 1)
		go func() {
			conn, _, err := websocket.DefaultDialer.Dial(wsURL(srv, ""), nil)
			dialed <- result{conn, err}
		}()
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go func() { _ = hub.Run(ctx) }()
		r := <-dialed
		if r.err != nil {
			t.Fatal(r.err)
		}
		t.Cleanup(func() { r.c.Close() })
		(&client{t: t, conn: r.c}).hello()
	})
}

func TestSlowSubscriberNeverBlocksPublish(t *testing.T) {
	hub, _ := startHub(t, Options{})
	// With a write deadline this long, anything on the publish path that
	// waited for the stuck client would hang instead of being merely slow.
	srv := serve(t, hub, HandlerConfig{WriteTimeout: time.Hour})
	obs := observe(t, hub)
	stuck := dial(t, srv, "")
	stuck.hello()

	// The stuck client reads nothing while 100k events go by.
	const burst = 100_000
	start := time.Now()
	for i := range burst {
		hub.Publish(started(fmt.Sprint(i)))
	}
	t.Logf("published %d events in %v", burst, time.Since(start))
	if d := time.Since(start); d > 60*time.Second {
		t.Fatalf("publishing %d events took %v with a stuck subscriber", burst, d)
	}
	// One more event once the hub has caught up, so that any events
	// Publish itself refused are charged to the subscriber too.
	waitFor(t, "hub to take every event", func() bool { return len(hub.in) == 0 })
	hub.Publish(started("flush"))
	obs.waitFor(`"flush"`)
	published := burst + 1

	// Now the client reads: delivered events, then the gap.
	delivered, dropped, droppedMsgs := 0, uint64(0), 0
	for delivered+int(dropped) < published {
		m := stuck.next()
		switch m.Type {
		case model.EventDropped:
			var d droppedData
			if err := json.Unmarshal(m.Data, &d); err != nil {
				t.Fatal(err)
			}
			dropped += d.Count
			droppedMsgs++
		case model.EventRequestStarted:
			delivered++
		default:
			t.Fatalf("unexpected %s", m.Type)
		}
	}
	if delivered+int(dropped) != published || dropped == 0 || droppedMsgs == 0 {
		t.Fatalf("delivered %d + dropped %d (in %d messages), want sum %d with drops",
			delivered, dropped, droppedMsgs, published)
	}
	if hub.Dropped() != dropped {
		t.Fatalf("hub.Dropped() = %d, subscriber was told %d", hub.Dropped(), dropped)
	}
	// Afterwards it receives new events normally.
	for i := range 5 {
		hub.Publish(started(fmt.Sprint("after", i)))
	}
	for i := range 5 {
		if got, want := label(t, stuck.next()), fmt.Sprint("request.started:after", i); got != want {
			t.Fatalf("after the gap got %s, want %s", got, want)
		}
	}
}

func TestDroppedMessagePrecedesLaterEvents(t *testing.T) {
	// Queue-level unit check of the ordering rule: full queue → drops
	// counted; the next event that fits is preceded by a dropped marker.
	q := newQueue(2)
	for _, id := range []string{"a", "b", "c", "d"} {
		q.push(mustEncode(started(id)))
	}
	got, rest := q.drain(nil, 1) // room again for one
	if rest != 1 {
		t.Fatalf("%d left queued after draining one of two, want 1", rest)
	}
	q.push(mustEncode(started("e")))
	got, rest = q.drain(got, 10)
	if rest != 0 {
		t.Fatalf("%d left queued after draining all, want 0", rest)
	}
	labels := lineLabels(t, got)
	want := []string{"request.started:a", "request.started:b", "dropped:2", "request.started:e"}
	if !slices.Equal(labels, want) {
		t.Fatalf("got %v, want %v", labels, want)
	}
}

func TestPingPong(t *testing.T) {
	t.Run("pongs keep an idle connection", func(t *testing.T) {
		hub, _ := startHub(t, Options{})
		// Roomy against a loaded machine, yet the wait below spans
		// several PongWaits.
		srv := serve(t, hub, HandlerConfig{PingInterval: 25 * time.Millisecond, PongWait: 250 * time.Millisecond})
		c := dial(t, srv, "")
		var pings atomic.Int32
		c.conn.SetPingHandler(func(data string) error {
			pings.Add(1)
			return c.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		})
		msgs := make(chan message, 8)
		go func() {
			for {
				_, data, err := c.conn.ReadMessage()
				if err != nil {
					close(msgs)
					return
				}
				var m message
				_ = json.Unmarshal(data, &m)
				msgs <- m
			}
		}()
		// Idle for well over PongWait, answered only by pongs.
		waitFor(t, "40 pings", func() bool { return pings.Load() >= 40 })
		hub.Publish(started("still-here"))
		for m := range msgs {
			if m.Type == model.EventRequestStarted {
				return
			}
		}
		t.Fatal("connection closed although the client answered every ping")
	})
	t.Run("silence drops the connection", func(t *testing.T) {
		hub, _ := startHub(t, Options{})
		srv := serve(t, hub, HandlerConfig{PingInterval: 20 * time.Millisecond, PongWait: 60 * time.Millisecond})
		c := dial(t, srv, "")
		c.conn.SetPingHandler(func(string) error { return nil }) // never pong
		waitFor(t, "subscriber", func() bool { return hub.Subscribers() == 1 })
		if err := c.conn.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
			t.Fatal(err)
		}
		for {
			if _, _, err := c.conn.ReadMessage(); err != nil {
				break
			}
		}
		waitFor(t, "server to drop the silent client", func() bool { return hub.Subscribers() == 0 })
	})
}

func TestHubCloseClosesSubscribers(t *testing.T) {
	hub, stop := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{})
	clients := []*client{dial(t, srv, ""), dial(t, srv, "errors=1")}
	for _, c := range clients {
		c.hello()
	}
	if n := hub.Subscribers(); n != 2 {
		t.Fatalf("subscribers = %d, want 2", n)
	}
	stop()
	for i, c := range clients {
		if err := c.conn.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.conn.ReadMessage()
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Fatalf("client %d: read error %v, want close 1001", i, err)
		}
	}
	if n := hub.Subscribers(); n != 0 {
		t.Fatalf("subscribers = %d after close", n)
	}
	hub.Publish(started("late")) // must neither block nor panic

	_, resp, err := websocket.DefaultDialer.Dial(wsURL(srv, ""), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after close: %v %v, want 503", err, resp)
	}
	if err := hub.Run(t.Context()); err == nil {
		t.Fatal("second Run succeeded")
	}
}

func TestClientLeaving(t *testing.T) {
	tests := []struct {
		name  string
		leave func(c *client) error
	}{
		{"normal close", func(c *client) error {
			return c.conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		}},
		{"dropped socket", func(c *client) error { return c.conn.NetConn().Close() }},
		{"oversized message", func(c *client) error {
			return c.conn.WriteMessage(websocket.TextMessage, make([]byte, maxClientMessage+1))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub, _ := startHub(t, Options{})
			srv := serve(t, hub, HandlerConfig{})
			c := dial(t, srv, "")
			c.hello()
			// Small client messages are read and ignored.
			if err := c.conn.WriteMessage(websocket.TextMessage, []byte("hi")); err != nil {
				t.Fatal(err)
			}
			if err := tt.leave(c); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "subscriber to go", func() bool { return hub.Subscribers() == 0 })
		})
	}
}

func TestMethodAndPlainHTTP(t *testing.T) {
	hub, _ := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{})
	tests := []struct {
		method string
		want   int
	}{
		{http.MethodPost, http.StatusMethodNotAllowed},
		{http.MethodGet, http.StatusBadRequest}, // no Upgrade header
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+"/admin/v1/ws", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want || !strings.Contains(string(body), `"error"`) {
				t.Fatalf("%s: %d %s, want %d with an error body", tt.method, resp.StatusCode, body, tt.want)
			}
		})
	}
}

func TestCheckOriginIsUsed(t *testing.T) {
	hub, _ := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{CheckOrigin: func(r *http.Request) bool {
		return r.Header.Get("Origin") == "http://ok.example"
	}})
	header := http.Header{"Origin": {"http://evil.example"}}
	_, resp, err := websocket.DefaultDialer.Dial(wsURL(srv, ""), header)
	if !errors.Is(err, websocket.ErrBadHandshake) || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bad origin: %v %v, want 403", err, resp)
	}
	if body, _ := io.ReadAll(resp.Body); !strings.Contains(string(body), `"code":"forbidden"`) {
		t.Fatalf("bad origin body %s", body)
	}
	header.Set("Origin", "http://ok.example")
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(srv, ""), header)
	if err != nil {
		t.Fatalf("good origin: %v", err)
	}
	conn.Close()
}

// stall is event data whose encoding blocks the hub goroutine until
// release is closed, so that Publish meets a full inbound channel.
type stall struct{ release chan struct{} }

func (s stall) MarshalJSON() ([]byte, error) {
	<-s.release
	return []byte(`{"id":"stall"}`), nil
}

func TestInboundDropsAreCountedAndReported(t *testing.T) {
	t.Run("before Run", func(t *testing.T) {
		hub := NewHub(Options{InboundBuffer: 2})
		for i := range 10 {
			hub.Publish(started(fmt.Sprint(i))) // nobody receives: must not block
		}
		if got := hub.Dropped(); got != 8 {
			t.Fatalf("Dropped() = %d, want 8", got)
		}
	})
	t.Run("stalled hub", func(t *testing.T) {
		hub, _ := startHub(t, Options{InboundBuffer: 4})
		srv := serve(t, hub, HandlerConfig{})
		c := dial(t, srv, "")
		c.hello()

		release := make(chan struct{})
		hub.Publish(model.Event{Type: model.EventHealthModel, Data: stall{release}})
		waitFor(t, "hub to pick up the stalling event", func() bool { return len(hub.in) == 0 })
		for i := range 10 {
			hub.Publish(started(fmt.Sprint(i)))
		}
		if got := hub.Dropped(); got != 6 {
			t.Fatalf("Dropped() = %d, want 6 (10 published, 4 buffered)", got)
		}
		close(release)

		var events []string
		var dropped uint64
		for len(events) < 5 {
			m := c.next()
			if m.Type == model.EventDropped {
				var d droppedData
				if err := json.Unmarshal(m.Data, &d); err != nil {
					t.Fatal(err)
				}
				dropped += d.Count
				continue
			}
			events = append(events, label(t, m))
		}
		want := []string{"health.model:stall", "request.started:0", "request.started:1", "request.started:2", "request.started:3"}
		if !slices.Equal(events, want) || dropped != 6 {
			t.Fatalf("got %v with %d dropped, want %v with 6 dropped", events, dropped, want)
		}
	})
}

// TestClearedLogEmptiesTheBacklog: after logs.cleared, a new client is
// greeted with only what finished since.
func TestClearedLogEmptiesTheBacklog(t *testing.T) {
	hub, _ := startHub(t, Options{})
	srv := serve(t, hub, HandlerConfig{Version: "1"})
	obs := observe(t, hub)
	hub.Publish(finished("old-1", 200))
	hub.Publish(finished("old-2", 429))
	hub.Publish(model.Event{Type: model.EventLogsCleared, Data: struct{}{}})
	hub.Publish(finished("new-1", 200))
	hub.Publish(started("sync"))
	obs.waitFor(`"sync"`)

	c := dial(t, srv, "")
	h := c.hello()
	if h.Backlog != 1 {
		t.Fatalf("backlog %d after the clear, want 1", h.Backlog)
	}
	if got := label(t, c.next()); got != "request.finished:new-1" {
		t.Fatalf("backlog entry %s, want request.finished:new-1", got)
	}
}
