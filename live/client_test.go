package live

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
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

// Frames are read into buffers sized by the frame before: a frame much
// larger or smaller than the last must arrive whole, and events kept from
// an earlier frame must not change when later frames are read.
func TestFollowReadsFramesOfAnySize(t *testing.T) {
	ts := "2026-03-01T10:00:00Z"
	sizes := []int{3, 400, 1, 2500, 2, 9000, 1}
	var want []string
	url := wsServer(t, func(_ *http.Request, c *websocket.Conn) {
		n := 0
		for _, size := range sizes {
			lines := make([]string, size)
			for i := range lines {
				lines[i] = `{"type":"request.finished","ts":"` + ts + `","data":{"id":"e` + strconv.Itoa(n) + `","message":"` + strings.Repeat("x", n%97) + `"}}`
				n++
			}
			if err := c.WriteMessage(websocket.TextMessage, []byte(strings.Join(lines, "\n"))); err != nil {
				return
			}
		}
		_, _, _ = c.ReadMessage()
	})
	total := 0
	for _, size := range sizes {
		total += size
	}
	for n := range total {
		want = append(want, `{"id":"e`+strconv.Itoa(n)+`","message":"`+strings.Repeat("x", n%97)+`"}`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []json.RawMessage
	err := Follow(ctx, url, nil, func(e model.Event) error {
		got = append(got, e.Data.(json.RawMessage))
		if len(got) == total {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Follow = %v after %d of %d events", err, len(got), total)
	}
	for i, raw := range got {
		if string(raw) != want[i] {
			t.Fatalf("event %d data = %.80s, want %.80s", i, raw, want[i])
		}
	}
}

// TestFollowFramesPassesTextFramesAsSent: FollowFrames hands over every
// text frame's payload byte for byte, in order, whatever it holds, in a
// buffer of its own (kept frames do not change), skips other frames, and
// ends with fn's error.
func TestFollowFramesPassesTextFramesAsSent(t *testing.T) {
	frames := []string{`{"type":"hello"}` + "\n" + `{"type":"request.finished"}`, "not json at all", "", strings.Repeat("x", 70000)}
	url := wsServer(t, func(_ *http.Request, c *websocket.Conn) {
		for i, f := range frames {
			if i == 1 {
				_ = c.WriteMessage(websocket.BinaryMessage, []byte("skipped"))
			}
			if err := c.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
				return
			}
		}
		_, _, _ = c.ReadMessage()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got [][]byte // the frames themselves: they are fn's to keep
	err := FollowFrames(ctx, url, nil, func(frame []byte) error {
		got = append(got, frame)
		if len(got) == len(frames) {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("FollowFrames = %v after %d frames", err, len(got))
	}
	for i := range frames {
		if string(got[i]) != frames[i] {
			t.Errorf("frame %d = %.40q, want %.40q", i, got[i], frames[i])
		}
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

// decodedEvent is an event as the decode tests compare it.
type decodedEvent struct {
	Type, TS, Data string
}

func collect(decode func([]byte, func(model.Event) error) error, frame []byte) ([]decodedEvent, error) {
	var out []decodedEvent
	err := decode(frame, func(ev model.Event) error {
		raw, _ := ev.Data.(json.RawMessage)
		out = append(out, decodedEvent{ev.Type, ev.TS.Format(time.RFC3339Nano) + " " + ev.TS.Location().String(), string(raw)})
		return nil
	})
	return out, err
}

// checkDecodeFrame fails unless decodeFrame (its fast path for the
// server's lines) gives exactly the events and the error that decoding
// the frame with encoding/json gives.
func checkDecodeFrame(t *testing.T, frame []byte) {
	t.Helper()
	want, wantErr := collect(decodeJSON, frame)
	got, err := collect(decodeFrame, frame)
	if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("frame %q:\n got %v, %v\nwant %v, %v", frame, got, err, want, wantErr)
	}
}

// TestDecodeFrameMatchesJSON: the fast path reads the server's own lines
// (as the hub encodes them) and leaves everything else to encoding/json,
// with the same result.
func TestDecodeFrameMatchesJSON(t *testing.T) {
	var enc lineEncoder
	src := model.ErrorSourceUpstream
	var lines []string
	for _, ev := range []model.Event{
		{Type: model.EventRequestFinished, TS: time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC),
			Data: model.LogEntry{ID: "a1", Model: `m"<&>\`, ErrorSource: &src, ErrorMessage: "line\nbreak \u2028", Usage: &model.Usage{PromptTokens: 1}}},
		{Type: model.EventHello, TS: time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("", 3600)), Data: helloData{Version: "1.0", Backlog: 3}},
		{Type: model.EventDropped, TS: time.Date(2026, 3, 1, 10, 0, 0, 5, time.UTC), Data: droppedData{Count: 7}},
		{Type: "log", TS: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Data: map[string]any{"level": "WARN", "attrs": map[string]any{"x": []int{1, 2}}}},
	} {
		line, err := enc.encode(ev)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(line))
	}
	ts := `"2026-03-01T10:00:00Z"`
	for _, frame := range []string{
		strings.Join(lines, "\n"),
		strings.Join(lines, "\n") + "\n\n",
		"\n" + lines[0] + "\r\n  \n" + lines[1],
		`{"type":"a\u0062","ts":` + ts + `,"data":1}` + "\n" + lines[0],                       // an escape: the decoder's
		`{"ts":` + ts + `,"type":"x","data":{}}` + "\n" + lines[2],                            // another order
		lines[0] + "\n" + `{"type":"x",` + "\n" + `"ts":` + ts + `,"data":[1,` + "\n" + `2]}`, // one object over three lines
		`{"type":"x","ts":` + ts + `,"data":{"a":1}, "extra":true}`,
		`{"type":"x","ts":` + ts + `,"data":{"a":1}}}`, // malformed
		`{"type":"x","ts":"yesterday","data":1}`,       // malformed time
		lines[0] + "\n" + `{"type":"x","ts":` + ts + `,"data":{"a":}}`,
		`{"type":"x","ts":` + ts + `,"data":"\ud800"}  `,
	} {
		checkDecodeFrame(t, []byte(frame))
	}
}

// FuzzDecodeFrame: for any frame, decodeFrame gives what encoding/json
// gives.
func FuzzDecodeFrame(f *testing.F) {
	f.Add([]byte(`{"type":"request.finished","ts":"2026-03-01T10:00:00.1+01:00","data":{"id":"a"}}` + "\n" + `{"type":"x","ts":"2026-03-01T10:00:00Z","data":null}`))
	f.Add([]byte(`{"type":"x","ts":"2026-03-01T10:00:00Z","data":[1,2]}` + "\n\n" + `{"type":"y"}`))
	f.Add([]byte(`{"type":"x","ts":"2026-03-01T10:00:00Z","data": 1 }` + "\r\n" + `{"type":"x","ts":"2026-03-01T10:00:00Z","data":	{"a" : 1}	}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		checkDecodeFrame(t, frame)
	})
}
