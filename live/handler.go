package live

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sluicegate/sluicegate/model"
)

// Defaults for HandlerConfig. Each is used when the field is zero or negative.
const (
	// DefaultWriteTimeout bounds one frame write; a client that does not
	// read for this long is disconnected.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultPingInterval keeps idle connections (and NAT/proxy state) alive.
	DefaultPingInterval = 30 * time.Second
	// DefaultCoalesceDelay is how long the writer waits after the first
	// queued event to gather a burst into one frame. It must stay well
	// under 100 ms: no event may be held longer than that.
	DefaultCoalesceDelay = 25 * time.Millisecond
	// maxCoalesceDelay is the limit on CoalesceDelay (API promise: an
	// event is never held longer than 100 ms).
	maxCoalesceDelay = 100 * time.Millisecond
	// DefaultMaxBatch caps the messages in one frame.
	DefaultMaxBatch = 256
	// DefaultCloseGrace is how long a closing server waits for the
	// client's close reply before dropping the connection.
	DefaultCloseGrace = time.Second
	// maxKeptFrame bounds the frame buffer a connection keeps between
	// frames: a full batch of typical lines (DefaultMaxBatch of ~600 bytes)
	// fits.
	maxKeptFrame = 256 << 10
	// maxClientMessage is the read limit: clients have nothing to say.
	maxClientMessage = 4 << 10
)

// closeNone marks a subscriber stopped because its reader ended: the
// client is gone (or already answered), so no close frame is sent.
const closeNone = 0

// closeGoingAway is sent when the hub shuts down.
const closeGoingAway = websocket.CloseGoingAway

// HandlerConfig configures the WebSocket handler.
type HandlerConfig struct {
	// CheckOrigin is the upgrader's origin check; nil allows every origin
	// because the admin API runs the Host/Origin/token guards first.
	CheckOrigin func(*http.Request) bool
	// Version is reported in the hello message.
	Version string
	// Logger receives connection faults; nil discards them.
	Logger *slog.Logger

	// WriteTimeout is the deadline of each write.
	WriteTimeout time.Duration
	// PingInterval is how often the server pings.
	PingInterval time.Duration
	// PongWait is how long the server waits for a pong (or any read)
	// before giving up on the client; default twice PingInterval.
	PongWait time.Duration
	// CoalesceDelay is how long a burst is gathered before a frame is
	// written; at most 100 ms.
	CoalesceDelay time.Duration
	// MaxBatch caps the messages per frame.
	MaxBatch int
	// CloseGrace is how long to wait for the client's close reply.
	CloseGrace time.Duration
}

// Handler serves GET /admin/v1/ws: it upgrades the connection, subscribes
// it to the hub with the query's filter, and streams NDJSON text frames.
type Handler struct {
	hub      *Hub
	cfg      HandlerConfig
	log      *slog.Logger
	upgrader websocket.Upgrader
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns the WebSocket handler for hub.
func NewHandler(hub *Hub, cfg HandlerConfig) *Handler {
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.PongWait <= 0 {
		cfg.PongWait = 2 * cfg.PingInterval
	}
	if cfg.CoalesceDelay <= 0 {
		cfg.CoalesceDelay = DefaultCoalesceDelay
	}
	cfg.CoalesceDelay = min(cfg.CoalesceDelay, maxCoalesceDelay)
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.CloseGrace <= 0 {
		cfg.CloseGrace = DefaultCloseGrace
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	checkOrigin := cfg.CheckOrigin
	if checkOrigin == nil {
		// The caller's guards already checked Origin (API.md §3 Guards);
		// gorilla's default would refuse the desktop webview's origin.
		checkOrigin = func(*http.Request) bool { return true }
	}
	return &Handler{
		hub: hub,
		cfg: cfg,
		log: logger,
		upgrader: websocket.Upgrader{
			ReadBufferSize:  1024,
			WriteBufferSize: 8192,
			CheckOrigin:     checkOrigin,
			Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
				code := "invalid_request"
				switch status {
				case http.StatusForbidden: // CheckOrigin refused
					code = "forbidden"
				case http.StatusMethodNotAllowed:
					code = "method_not_allowed"
				}
				writeError(w, status, code, "websocket: "+reason.Error(), "")
			},
		},
	}
}

// ServeHTTP validates the filter, upgrades, and runs the connection until
// the client leaves or the hub stops.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed", "")
		return
	}
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		var fe *filterError
		errors.As(err, &fe)
		writeError(w, http.StatusBadRequest, "invalid_field", fe.Message, fe.Field)
		return
	}
	if h.hub.closed.Load() {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "Sluicegate is starting or shutting down; try again", "")
		return
	}
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// The upgrader has answered the client already.
		h.log.Debug("websocket: upgrade failed", "err", err)
		return
	}
	s := newSubscriber(f, h.hub.queueSize, h.cfg.Version)
	if err := h.hub.subscribe(s, h.cfg.WriteTimeout); err != nil {
		// The hub stopped since the check above, or is not running yet.
		code := closeGoingAway
		if errors.Is(err, errHubBusy) {
			code = websocket.CloseTryAgainLater
		}
		h.writeClose(conn, code)
		conn.Close()
		return
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		h.writePump(conn, s)
	}()
	h.readPump(conn)
	close(s.readDone)
	s.close(closeNone)
	// Closing here also unblocks a writer stuck on a client that stopped
	// reading, instead of waiting out its write deadline.
	conn.Close()
	h.hub.unsubscribe(s)
	<-writerDone
}

// readPump discards whatever the client sends, answers its pings and close
// (gorilla's default handlers), and keeps the read deadline moving on pong.
// It returns when the connection ends.
func (h *Handler) readPump(conn *websocket.Conn) {
	conn.SetReadLimit(maxClientMessage)
	extend := func() error { return conn.SetReadDeadline(time.Now().Add(h.cfg.PongWait)) }
	if err := extend(); err != nil {
		return
	}
	conn.SetPongHandler(func(string) error { return extend() })
	for {
		_, rd, err := conn.NextReader()
		if err != nil {
			h.logReadEnd(err)
			return
		}
		if _, err := io.Copy(io.Discard, rd); err != nil {
			h.logReadEnd(err)
			return
		}
	}
}

// logReadEnd logs why a connection's reader stopped, if it is a fault.
func (h *Handler) logReadEnd(err error) {
	var ne net.Error
	switch {
	case websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway,
		websocket.CloseNoStatusReceived, websocket.CloseAbnormalClosure):
		// The usual ways a browser tab leaves (ntfy treats these as normal).
	case errors.Is(err, net.ErrClosed):
		// We closed it: the hub stopped or the writer gave up.
	case errors.As(err, &ne) && ne.Timeout():
		h.log.Info("websocket: subscriber stopped answering pings; disconnected")
	case errors.Is(err, websocket.ErrReadLimit):
		h.log.Info("websocket: subscriber sent an oversized message; disconnected")
	default:
		h.log.Warn("websocket: read failed", "err", err)
	}
}

// writePump is the connection's only writer: it sends queued messages as
// NDJSON frames, coalescing bursts, and pings on a ticker.
func (h *Handler) writePump(conn *websocket.Conn, s *subscriber) {
	defer conn.Close()
	ping := time.NewTicker(h.cfg.PingInterval)
	defer ping.Stop()
	var batch [][]byte
	var frame []byte // reused payload buffer
	// backlogged is set when the last frame was full and left messages
	// queued; those have already waited, so they are written without
	// another delay. Messages that arrived while a frame was being written
	// are a new burst and wait like one: were they written at once, a
	// steady stream would become one small frame per write.
	backlogged := false
	for {
		select {
		case <-s.stop:
			h.closeConn(conn, s)
			return
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.cfg.WriteTimeout)); err != nil {
				h.logWriteFailure(err)
				return
			}
		case <-s.queue.notify:
			if !backlogged && s.queue.len() < h.cfg.MaxBatch {
				if !s.wait(h.cfg.CoalesceDelay) {
					h.closeConn(conn, s)
					return
				}
			}
			var rest int
			batch, rest = s.queue.drain(batch[:0], h.cfg.MaxBatch)
			if len(batch) > 0 {
				var err error
				if frame, err = h.writeFrame(conn, frame, batch); err != nil {
					h.logWriteFailure(err)
					return
				}
				// A frame of unusually large lines is not worth keeping
				// for the connection's lifetime.
				if cap(frame) > maxKeptFrame {
					frame = nil
				}
			}
			clear(batch)
			// Write the rest on the next turn of the select, so that pings
			// and stop are not starved by a sustained stream.
			backlogged = rest > 0
			if backlogged {
				s.queue.wake()
			}
		}
	}
}

// writeFrame writes the messages as one text frame, one JSON object a
// line (NDJSON, no trailing newline). The payload is built in buf, which
// is returned for the next frame: one WriteMessage is a single WebSocket
// frame and a single write to the socket, where writing line by line cost
// two Write calls a line and a flush every time the connection's write
// buffer filled.
func (h *Handler) writeFrame(conn *websocket.Conn, buf []byte, lines [][]byte) ([]byte, error) {
	size := len(lines) - 1 // the newlines
	for _, line := range lines {
		size += len(line)
	}
	buf = slices.Grow(buf[:0], size)
	for i, line := range lines {
		if i > 0 {
			buf = append(buf, '\n')
		}
		buf = append(buf, line...)
	}
	if err := conn.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout)); err != nil {
		return buf, err
	}
	return buf, conn.WriteMessage(websocket.TextMessage, buf)
}

// logWriteFailure logs a failed write unless the connection was closed on
// purpose.
func (h *Handler) logWriteFailure(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, net.ErrClosed), errors.Is(err, websocket.ErrCloseSent):
	case errors.As(err, &ne) && ne.Timeout():
		h.log.Warn("websocket: subscriber too slow to write to; disconnected")
	default:
		h.log.Info("websocket: write failed; subscriber disconnected", "err", err)
	}
}

// closeConn finishes a stopped subscriber: with a close code it sends the
// close frame and waits (bounded) for the client's reply, which the reader
// sees; without one the reader has ended already.
func (h *Handler) closeConn(conn *websocket.Conn, s *subscriber) {
	code := s.closeCode()
	if code == closeNone {
		return
	}
	h.writeClose(conn, code)
	t := time.NewTimer(h.cfg.CloseGrace)
	defer t.Stop()
	select {
	case <-s.readDone:
	case <-t.C:
	}
}

// writeClose sends a close frame with code.
func (h *Handler) writeClose(conn *websocket.Conn, code int) {
	msg := websocket.FormatCloseMessage(code, "")
	_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(h.cfg.WriteTimeout))
}

// writeError answers in the admin API's error shape
// {"error":{"code","message","field"?}} (API.md §3).
func writeError(w http.ResponseWriter, status int, code, message, field string) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]body{"error": {Code: code, Message: message, Field: field}})
}

// subscriber is one WebSocket connection's state shared by the hub
// goroutine (which pushes to queue and may close it) and its pumps.
type subscriber struct {
	filter   filter
	queue    *queue
	version  string
	stop     chan struct{} // closed by close
	readDone chan struct{} // closed when the reader has returned

	once sync.Once
	code int // close code; written once before stop is closed
}

func newSubscriber(f filter, queueSize int, version string) *subscriber {
	return &subscriber{
		filter:   f,
		queue:    newQueue(queueSize),
		version:  version,
		stop:     make(chan struct{}),
		readDone: make(chan struct{}),
	}
}

// close stops the subscriber's writer; with a close code other than
// closeNone the client is sent that close frame. Only the first call counts.
func (s *subscriber) close(code int) {
	s.once.Do(func() {
		s.code = code
		close(s.stop)
	})
}

// closeCode is the code given to close; call it only after stop is closed.
func (s *subscriber) closeCode() int {
	return s.code
}

// wait sleeps for d unless the subscriber stops first; it reports whether
// the subscriber is still running.
func (s *subscriber) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop:
		return false
	}
}

// greet queues hello and the backlog entries that pass the filter. The hub
// goroutine calls it at registration, before any later event is queued.
func (s *subscriber) greet(enc *lineEncoder, entries []model.Event) {
	lines := make([][]byte, 0, len(entries))
	for _, ev := range entries {
		if !s.filter.accepts(ev) {
			continue
		}
		line, err := enc.encode(ev)
		if err != nil {
			continue // cannot happen for entries that were encoded before
		}
		lines = append(lines, line)
	}
	s.queue.push(mustEncode(model.Event{
		Type: model.EventHello,
		TS:   time.Now(),
		Data: helloData{Version: s.version, Backlog: len(lines)},
	}))
	for _, line := range lines {
		s.queue.push(line)
	}
}
