package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sluicegate/sluicegate/model"
)

// maxFrameBytes bounds one text frame read by Follow. The server coalesces
// bursts (the hello backlog is up to 100 log entries in one frame), so this
// is generous; it only stops a broken peer from exhausting memory.
const maxFrameBytes = 16 << 20

// maxSizeHint bounds the buffer a frame is read into at first, so that one
// huge frame does not make every later one as big.
const maxSizeHint = 1 << 20

// followHandshakeTimeout bounds the WebSocket opening handshake.
const followHandshakeTimeout = 10 * time.Second

// HandshakeError is returned by Follow when the server answered the
// WebSocket upgrade with an HTTP status instead of switching protocols,
// e.g. 401 when the admin token is missing or wrong.
type HandshakeError struct {
	StatusCode int
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("websocket handshake refused: HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// wireEvent is one message as it travels: Data stays raw so the caller
// decodes it into the type that matches Type.
type wireEvent struct {
	Type string          `json:"type"`
	TS   time.Time       `json:"ts"`
	Data json.RawMessage `json:"data"`
}

// Follow dials the live stream at wsURL (ws:// or wss://, with any query
// such as ?types= or ?token= already in place) sending header with the
// upgrade request, and calls fn for every message in the order received,
// with Event.Data holding the message's data as a json.RawMessage. A text
// frame may carry several messages, one JSON object per line.
//
// Follow returns ctx.Err() when ctx ends, fn's error when fn fails, a
// *HandshakeError when the server refused the upgrade, and otherwise an
// error describing why the connection dropped (including a close frame
// from a server that shuts down). Pings are answered by gorilla's default
// handler while Follow reads. Errors never include wsURL, which may hold
// a token.
func Follow(ctx context.Context, wsURL string, header http.Header, fn func(model.Event) error) error {
	return FollowFrames(ctx, wsURL, header, func(frame []byte) error {
		return decodeFrame(frame, fn)
	})
}

// FollowFrames is Follow without the decoding: it calls fn with the
// payload of every text frame, as received (one or more messages, one
// JSON object a line), for a client that reads the stream its own way.
// The frame is fn's to keep. It returns what Follow returns, with a
// malformed message left to fn.
func FollowFrames(ctx context.Context, wsURL string, header http.Header, fn func(frame []byte) error) error {
	dialer := websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: followHandshakeTimeout}
	conn, resp, err := dialer.DialContext(ctx, wsURL, header)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// gorilla reports a non-101 answer as ErrBadHandshake with the
		// response; the status is what the caller needs (401 vs. 404).
		if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
			return &HandshakeError{StatusCode: resp.StatusCode}
		}
		// A *url.Error would repeat wsURL and with it a ?token=.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("connect to live stream: %w", err)
	}
	defer conn.Close()
	conn.SetReadLimit(maxFrameBytes)

	// Reading blocks without a context; closing the connection is the
	// only way to wake it when ctx ends.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			_ = conn.Close()
		case <-done:
		}
	}()

	var sizeHint int
	for {
		typ, frame, err := readFrame(conn, sizeHint)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("live stream: %w", err)
		}
		if typ != websocket.TextMessage {
			continue // the protocol only uses text frames; ignore anything else
		}
		sizeHint = min(len(frame), maxSizeHint)
		if err := fn(frame); err != nil {
			return err
		}
	}
}

// readFrame reads the next message, like conn.ReadMessage, into a buffer
// that starts at sizeHint bytes. ReadMessage starts every message at 512
// bytes and doubles; a busy stream's frames (often 100 KB and more) cost
// a dozen allocations and copies each, which showed in a follower's
// profile. Frames of one stream are much alike, so the last one's size is
// the hint. The buffer is not reused: the events handed out refer to it.
func readFrame(conn *websocket.Conn, sizeHint int) (int, []byte, error) {
	typ, r, err := conn.NextReader()
	if err != nil {
		return typ, nil, err
	}
	buf := bytes.NewBuffer(make([]byte, 0, sizeHint+bytes.MinRead))
	_, err = buf.ReadFrom(r)
	return typ, buf.Bytes(), err
}

// decodeFrame calls fn for each JSON message in one text frame. The server
// writes one message a line, each as {"type":"…","ts":"…","data":…}, and
// such a line is read by decodeLine without encoding/json's reflection
// (a follower of a busy proxy decodes thousands of messages a second).
// From the first line of any other shape on, the rest of the frame goes to
// a JSON decoder, which accepts any whitespace between objects: blank
// lines, a trailing newline, an object over several lines.
func decodeFrame(frame []byte, fn func(model.Event) error) error {
	for len(frame) > 0 {
		line, rest, _ := bytes.Cut(frame, []byte{'\n'})
		if len(bytes.Trim(line, " \t\r")) == 0 { // JSON whitespace only
			frame = rest
			continue
		}
		ev, ok := decodeLine(line)
		if !ok {
			return decodeJSON(frame, fn)
		}
		if err := fn(ev); err != nil {
			return err
		}
		frame = rest
	}
	return nil
}

// decodeLine reads a message of exactly the server's shape: a "type" and a
// "ts" string without escapes, then "data", which must be valid JSON and
// is kept raw. ok is false for anything else.
func decodeLine(line []byte) (ev model.Event, ok bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`{"type":"`))
	if !ok {
		return ev, false
	}
	typ, rest, ok := cutPlainString(rest)
	if !ok {
		return ev, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"ts":"`)); !ok {
		return ev, false
	}
	tsAt := len(line) - len(rest) // the ts string, after its opening quote
	ts, rest, ok := cutPlainString(rest)
	if !ok {
		return ev, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"data":`)); !ok {
		return ev, false
	}
	data, ok := bytes.CutSuffix(bytes.TrimRight(rest, " \t\r"), []byte{'}'})
	data = bytes.Trim(data, " \t\r") // the value only, as a RawMessage holds it
	if !ok || !validJSON(data) {
		return ev, false
	}
	// What encoding/json does for a time.Time: the quoted string.
	var t time.Time
	if err := t.UnmarshalJSON(line[tsAt-1 : tsAt+len(ts)+1]); err != nil {
		return ev, false
	}
	return model.Event{Type: string(typ), TS: t, Data: json.RawMessage(data)}, true
}

// cutPlainString returns the bytes up to the next '"' and what follows it;
// ok is false unless they are all printable ASCII without a '\\' (which
// encoding/json would unescape, refuse or replace).
func cutPlainString(b []byte) (s, rest []byte, ok bool) {
	for i, c := range b {
		switch {
		case c == '"':
			return b[:i], b[i+1:], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// decodeJSON calls fn for each JSON message in frame, whatever whitespace
// separates them.
func decodeJSON(frame []byte, fn func(model.Event) error) error {
	dec := json.NewDecoder(bytes.NewReader(frame))
	for {
		var w wireEvent
		if err := dec.Decode(&w); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("live stream: malformed message: %w", err)
		}
		if err := fn(model.Event{Type: w.Type, TS: w.TS, Data: w.Data}); err != nil {
			return err
		}
	}
}
