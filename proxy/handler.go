// Package proxy is Sluicegate's reverse proxy: it routes OpenAI- and
// Anthropic-dialect requests by their "model" to a configured provider,
// passes every upstream answer through unchanged (status, headers, body
// bytes, streaming chunk by chunk), classifies transport failures as
// 502/504/499, and publishes one request event per request to a Sink.
//
// Wiring:
//
//	routes := &proxy.LiveRoutes{}
//	routes.Store(proxy.NewTable(providers, proxy.Settings{ProxyKeys: keys}))
//	h := proxy.New(routes, sink, proxy.WithLogger(logger))
//	mux.Handle("/v1/", h)
//
// Health checks reuse h.Upstream() so that a probe takes the same path.
//
// # Why not httputil.ReverseProxy
//
// The relay follows httputil.ReverseProxy's rules (hop-by-hop headers
// dropped both ways, trailers kept, upstream errors byte for byte, flush
// per chunk for event streams and unknown lengths), but is its own code,
// because ReverseProxy cannot do what the contract (API.md §2) asks:
//
//   - It streams the inbound body to the transport, while the proxy must
//     read the body first anyway to route by "model"; a buffered body also
//     avoids golang/go#40747 (a streamed body racing the response) and
//     lets the transport retry on a stale keep-alive connection.
//   - A mid-stream upstream failure ends its response with no error
//     event: an SDK that stops at the end of the events sees none. Ours
//     writes one error event in the client's dialect before aborting.
//   - It writes the status before the body is known, so a sized body that
//     fails part-way reaches the client as an empty or truncated 200; ours
//     holds sized bodies (up to 4 MiB) and answers a 502 JSON error.
//   - Its ErrorHandler gets only an error: it cannot tell 502, 504 and a
//     client that left (499) apart by our rules (Classify), nor answer in
//     the client's dialect, nor record the request log entry.
//   - It has no stream idle timeout; ours times only the upstream reads
//     (a slow-reading client is not an idle provider), and counts only a
//     failed write as a gone client (a writer hiding Flush is not one).
//   - It cannot hold back the request log, usage capture and progress
//     events the service needs without wrapping every part of it.
//
// reverseproxy_test.go runs both against the same failing upstreams.
package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// Sink receives the request events. Publish must not block: it is called
// on the request path (the service's implementation queues or drops).
type Sink interface {
	Publish(model.Event)
}

// Option configures a Handler.
type Option func(*Handler)

// WithLogger sets the logger; by default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(h *Handler) {
		if l != nil {
			h.log = l
		}
	}
}

// WithUpstream sets the upstream client (to share it, or to configure
// dialing and TLS); by default NewUpstream(UpstreamConfig{}).
func WithUpstream(u *Upstream) Option {
	return func(h *Handler) {
		if u != nil {
			h.up = u
		}
	}
}

// Handler is the proxy's http.Handler for everything under /v1/. It is
// safe for concurrent use.
//
// Events: request.started (model.RequestStarted) once routing succeeded
// (once per attempt in a route group, each with the request's id and that
// attempt's provider), request.progress (model.RequestProgress) at the
// first body byte of a streaming response, and one request.finished
// (model.LogEntry) per attempt for every request except GET
// /v1/models[/ID], including proxy-made errors, 499s and mid-stream
// failures: a request that is no route group has exactly one; a group's
// passed-over attempts get fresh ids (client_request_id links them), and
// the attempt whose answer the client got has the request's id.
// circuit.changed (model.CircuitState) on every circuit transition. Data
// values are structs, not pointers.
//
// A response that fails mid-way is aborted with panic(http.ErrAbortHandler)
// so the client sees a broken connection; middleware must let that panic
// through (net/http handles it silently).
type Handler struct {
	routes Routes
	sink   Sink
	up     *Upstream
	log    *slog.Logger
	ids    *idGen
	// buffered is the total of request bodies held in memory right now
	// (bytes reserved), bounded by the table's max_buffered_bytes.
	buffered atomic.Int64
	// shuttingDown is set by BeginShutdown: requests cut off after it are
	// recorded as ended by shutdown, not as clients that left.
	shuttingDown atomic.Bool
	// circuits are the route group members' breakers; they outlive any
	// one route table.
	circuits *Circuits
}

// Circuits returns the handler's circuit breakers (for the service's
// health checks and admin API).
func (h *Handler) Circuits() *Circuits { return h.circuits }

// BeginShutdown tells the handler that the server is stopping, so the
// requests it cuts off are recorded as ended by shutdown (not as 499).
func (h *Handler) BeginShutdown() { h.shuttingDown.Store(true) }

// WriteRefusal answers a /v1 request that a guard in front of the proxy
// refused (Host, Origin), in the dialect the path implies, marked as a
// proxy-made error. status is 401, 403 or 404; code is the OpenAI
// error.code.
func WriteRefusal(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	d := dialectOpenAI
	if p := r.URL.Path; p == "/v1/messages" || strings.HasPrefix(p, "/v1/messages/") || p == "/messages" || strings.HasPrefix(p, "/messages/") {
		d = dialectAnthropic
	}
	e := proxyError{status: status, openaiType: "invalid_request_error", code: code, anthropicType: "invalid_request_error"}
	switch status {
	case http.StatusUnauthorized:
		e.openaiType, e.anthropicType = "authentication_error", "authentication_error"
	case http.StatusForbidden:
		e.openaiType, e.anthropicType = "permission_error", "permission_error"
	case http.StatusNotFound:
		e.anthropicType = "not_found_error"
	}
	writeError(w, d, e, msg)
}

// New returns a Handler that routes with routes and publishes to sink (nil
// means events are dropped).
func New(routes Routes, sink Sink, opts ...Option) *Handler {
	h := &Handler{
		routes: routes,
		sink:   sink,
		log:    slog.New(slog.DiscardHandler),
		ids:    newIDGen(),
	}
	h.circuits = newCircuits(func(s model.CircuitState) { h.publish(model.EventCircuitChanged, s) })
	for _, o := range opts {
		o(h)
	}
	if h.up == nil {
		h.up = NewUpstream(UpstreamConfig{})
	}
	return h
}

// Upstream returns the upstream client the handler forwards with.
func (h *Handler) Upstream() *Upstream { return h.up }

func (h *Handler) table() *Table {
	if h.routes != nil {
		if t := h.routes.Table(); t != nil {
			return t
		}
	}
	return emptyTable
}

func (h *Handler) publish(typ string, data any) {
	if h.sink != nil {
		h.sink.Publish(model.Event{Type: typ, TS: time.Now(), Data: data})
	}
}

// ServeHTTP routes and forwards one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	isGet := r.Method == http.MethodGet || r.Method == http.MethodHead
	if (path == "/v1/models" || strings.HasPrefix(path, "/v1/models/")) && isGet {
		// Answered locally and not logged: SDKs and tools poll it.
		t := h.table()
		// An Anthropic client (its SDK's models.list, Claude Code) always
		// sends anthropic-version: it gets Anthropic's shape and errors.
		d, list := dialectOpenAI, t.modelsJSON
		if _, ok := r.Header["Anthropic-Version"]; ok {
			d, list = dialectAnthropic, t.anthropicModelsJSON
		}
		if ok, msg := t.authorize(r); !ok {
			w.Header()[HeaderRequestID] = []string{h.ids.next()}
			writeError(w, d, errInvalidKey, msg)
			return
		}
		if path == "/v1/models" {
			writeJSON(w, http.StatusOK, list)
			return
		}
		// The SDKs' models.retrieve, which expects a 404 for a model that
		// does not exist.
		id := strings.TrimPrefix(path, "/v1/models/")
		if b, ok := t.modelJSONFor(id, d == dialectAnthropic); ok {
			writeJSON(w, http.StatusOK, b)
			return
		}
		w.Header()[HeaderRequestID] = []string{h.ids.next()}
		writeError(w, d, errModelNotFound, fmt.Sprintf("The model %q does not exist in Sluicegate: GET /v1/models lists the model aliases it serves.", id))
		return
	}
	x := exchange{h: h, w: w, r: r, start: time.Now()}
	id := h.ids.next()
	x.entry = model.LogEntry{ID: id, StartedAt: x.start, Method: r.Method, Path: path, ClientRequestID: id, Attempt: 1, Attempts: 1}
	if path == "/v1/messages" || strings.HasPrefix(path, "/v1/messages/") {
		x.dialect = dialectAnthropic
	}
	w.Header()[HeaderRequestID] = []string{x.entry.ID}
	defer x.finish()
	x.serve()
}

// exchange is the state of one proxied request.
type exchange struct {
	h       *Handler
	w       http.ResponseWriter
	r       *http.Request
	dialect dialect
	start   time.Time
	entry   model.LogEntry
	source  string        // error source, "" when none
	host    string        // upstream host, for messages and logs
	idle    time.Duration // the provider's stream idle timeout
	held    int64         // bytes of h.buffered reserved for the body

	// What the request log keeps of the exchange (see capture.go).
	logBodies  bool
	p          *upProvider // the routed provider, nil before routing
	reqBody    []byte      // the client's body as read (not spliced)
	respHeader http.Header
	respBody   string // decoded response body prefix, set by relay
	respCut    bool
}

func (x *exchange) serve() {
	h, r := x.h, x.r
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/v1/") {
		x.fail(errUnknownURL, fmt.Sprintf("Invalid URL (%s %s): Sluicegate forwards POST /v1/... requests with a JSON \"model\", and answers GET /v1/models.", r.Method, r.URL.Path))
		return
	}
	if hasDotSegment(r.URL.Path) {
		// Forwarded, "..": an upstream (or a proxy in front of it) that
		// normalises the path would serve a different resource than the
		// /v1 one Sluicegate routed, e.g. its own admin endpoints.
		x.fail(errInvalidRequest, fmt.Sprintf("The path %q is refused: Sluicegate does not forward paths with \".\" or \"..\" segments (also percent-encoded); call the endpoint's plain path.", r.URL.EscapedPath()))
		return
	}
	t := h.table()
	if ok, msg := t.authorize(r); !ok {
		x.fail(errInvalidKey, msg)
		return
	}
	// A deadline for the whole body, against clients that trickle it and
	// would hold a goroutine and a buffer reservation forever. A writer
	// that cannot set one (ErrNotSupported) reads without it.
	rc := http.NewResponseController(x.w)
	deadline := rc.SetReadDeadline(time.Now().Add(t.bodyTime)) == nil
	body, err := x.readBody(t.maxBody, t.maxBuffer)
	if err != nil {
		// The rest of the body stays unread: close the connection after
		// the error instead of letting net/http drain a body that may
		// never come (the deadline stays, so nothing waits on it).
		x.w.Header()["Connection"] = []string{"close"}
	} else if deadline {
		_ = rc.SetReadDeadline(time.Time{})
	}
	switch {
	case errors.Is(err, errBodyTooLarge):
		x.fail(errTooLarge, fmt.Sprintf("Request body is larger than max_body_bytes (%d bytes); send a smaller request or raise the limit in Sluicegate's settings.", t.maxBody))
		return
	case errors.Is(err, errBufferFull):
		x.w.Header()["Retry-After"] = []string{"1"}
		x.fail(errOverloaded, fmt.Sprintf("Sluicegate is holding too many request bodies at once (max_buffered_bytes, %d bytes); retry in a moment, or raise the limit in Sluicegate's settings.", t.maxBuffer))
		x.h.log.Warn("request refused: buffered request bodies over the limit", "id", x.entry.ID, "status", http.StatusServiceUnavailable,
			"error_type", errOverloaded.code, "max_buffered_bytes", t.maxBuffer, "content_length", r.ContentLength)
		return
	case err != nil && isTimeout(err):
		x.fail(errBodyTimeout, fmt.Sprintf("The request body did not arrive within %s; Sluicegate stopped waiting for it. Send the whole body at once.", t.bodyTime))
		return
	case err != nil && r.Context().Err() != nil:
		x.clientGone(err)
		return
	case err != nil:
		x.fail(errInvalidRequest, "Could not read the request body: "+err.Error())
		return
	}
	x.entry.BytesIn = int64(len(body))
	x.logBodies, x.reqBody = t.logBodies, body
	info, err := scanBody(body)
	switch {
	case errors.Is(err, ErrNotJSONObject):
		x.fail(errInvalidRequest, "The request body is not a valid JSON object; Sluicegate routes each request by the \"model\" field of its JSON body.")
		return
	case err != nil:
		x.fail(errInvalidRequest, "The request body has no \"model\" string; set it to a model alias (see GET /v1/models) or to PROVIDER_KEY/MODEL.")
		return
	}
	x.entry.Model, x.entry.Stream = info.model, info.stream
	rt, found := t.lookup(info.model, x.dialect == dialectAnthropic)
	if !found {
		if key, dis := t.disabledProvider(info.model); dis {
			x.fail(errModelNotFound, fmt.Sprintf("The model %q is only served by the disabled provider %q; enable it in Sluicegate or pick another model.", info.model, key))
		} else {
			x.fail(errModelNotFound, fmt.Sprintf("The model %q does not exist in Sluicegate: use an alias listed by GET /v1/models, or PROVIDER_KEY/MODEL for a configured provider.", info.model))
		}
		return
	}
	if rt.group != nil {
		x.serveGroup(t, rt, info, body)
		return
	}
	p := rt.p
	o, tr, ok := x.prepare(t, p, rt.upstream, info, body)
	if !ok {
		return
	}
	if p.baseErr != nil {
		x.fail(errConnect, badBaseURLMessage(p))
		return
	}
	// The upstream request lives exactly as long as the client's: a client
	// that goes away cancels it at once. The cause tells our own idle
	// timeout apart from that.
	ctx, cancel := context.WithCancelCause(r.Context())
	resp, err := h.up.send(ctx, &o)
	if err != nil {
		cancel(nil)
		x.releaseBody()
		x.upstreamFailed(err)
		return
	}
	x.answer(ctx, cancel, p, resp, tr)
}

// answer relays the response the client gets (of the provider, or of the
// route group member whose answer was chosen).
func (x *exchange) answer(ctx context.Context, cancel context.CancelCauseFunc, p *upProvider, resp *http.Response, tr *translation) {
	defer cancel(nil)
	// The body reservation goes while the response, which may stream for
	// minutes, goes on.
	x.releaseBody()
	if tr != nil {
		x.relayTranslated(ctx, cancel, p, resp, tr)
		return
	}
	x.relay(ctx, cancel, p, resp)
}

func badBaseURLMessage(p *upProvider) string {
	return fmt.Sprintf("Provider %q has an unusable base_url (%v); fix it in Sluicegate.", p.key, p.baseErr)
}

// prepare points the exchange at provider p with the upstream model name
// upstream, publishes request.started, and builds the outbound request
// from the client's body: translated for a provider of the other dialect,
// else with the model spliced in when it differs. ok is false when the
// request was answered here instead (a refusal, or a local estimate).
func (x *exchange) prepare(t *Table, p *upProvider, upstream string, info bodyInfo, body []byte) (o outbound, tr *translation, ok bool) {
	r := x.r
	x.p = p
	x.entry.ProviderKey, x.entry.UpstreamModel, x.host, x.idle = p.key, upstream, p.host, p.idle
	x.w.Header()[HeaderProvider] = []string{p.key}
	upPath := r.URL.Path
	if p.anthropic != (x.dialect == dialectAnthropic) && p.translate {
		if tr, upPath, body, ok = x.translateRequest(p, upstream, body); !ok {
			return o, nil, false
		}
		x.w.Header()[HeaderTranslated] = []string{tr.label()}
	} else if p.anthropic != (x.dialect == dialectAnthropic) {
		// The provider's translate setting is off.
		if p.anthropic {
			x.fail(errInvalidRequest, fmt.Sprintf("The model %q is served by the Anthropic-type provider %q: call POST /v1/messages (Anthropic Messages API) for it.", info.model, p.key))
		} else {
			x.fail(errInvalidRequest, fmt.Sprintf("The model %q is served by the OpenAI-type provider %q: call POST /v1/chat/completions (OpenAI API) for it.", info.model, p.key))
		}
		return o, nil, false
	}
	x.h.publish(model.EventRequestStarted, model.RequestStarted{
		ID: x.entry.ID, Method: r.Method, Path: r.URL.Path, Model: info.model, ProviderKey: p.key, Stream: info.stream,
	})
	if tr == nil && upstream != info.model {
		body = spliceModel(body, info.spans, upstream)
	}
	o = outbound{p: p, method: r.Method, path: upPath, rawQuery: r.URL.RawQuery, in: r.Header, local: t.proxyKeys, body: body}
	if tr != nil {
		// The client's query string belongs to its dialect's endpoint
		// (Claude Code sends /v1/messages?beta=true, an Anthropic-only
		// flag) and means nothing, or something else, at the other
		// dialect's endpoint: it is not forwarded.
		o.rawQuery, o.translated = "", true
	} else if r.URL.RawPath != "" {
		o.rawPath = r.URL.EscapedPath()
	}
	return o, tr, true
}

// upstreamFailed reports a failure before any response header.
func (x *exchange) upstreamFailed(err error) {
	status, _ := Classify(x.r.Context(), err)
	if status == model.StatusClientClosed {
		x.clientGone(err)
		return
	}
	e, msg := x.noResponse(status, err)
	x.fail(e, msg)
	lvl := slog.LevelError
	if status == http.StatusGatewayTimeout {
		lvl = slog.LevelWarn
	}
	x.h.log.Log(x.r.Context(), lvl, "upstream request failed", "id", x.entry.ID, "status", status,
		"error_type", e.code, "provider", x.entry.ProviderKey, "host", x.host, "model", x.entry.Model, "err", err)
}

// noResponse is the proxy error and message for a provider that gave no
// response (status 502 or 504 from Classify).
func (x *exchange) noResponse(status int, err error) (proxyError, string) {
	e := errConnect
	what := "could not connect to or get a response from"
	hint := "check that the provider is up and its base_url is right"
	if status == http.StatusGatewayTimeout {
		e, what = errTimeout, "timed out waiting for"
		hint = "the provider may be overloaded; retry, or raise its connect/response header timeout in Sluicegate"
	}
	return e, fmt.Sprintf("Sluicegate %s provider %q at %s: %v; %s.", what, x.entry.ProviderKey, x.host, trimErr(err), hint)
}

// trimErr drops the "net/http: " style noise at the start of transport
// errors; the message still says what failed.
func trimErr(err error) string {
	return strings.TrimPrefix(err.Error(), "net/http: ")
}

// fail writes a proxy-made error and records it.
func (x *exchange) fail(e proxyError, msg string) {
	x.entry.Status, x.source = e.status, model.ErrorSourceProxy
	x.entry.ErrorType, x.entry.ErrorMessage = e.code, msg
	writeError(x.w, x.dialect, e, msg)
}

// msgShutdown is the log message of a request cut off by shutdown.
const msgShutdown = "Sluicegate shut down while the response was in progress"

// ErrTypeShutdown is the error type of a request cut off because the
// server was shutting down.
const ErrTypeShutdown = "server_shutdown"

// clientGone records a 499: nothing more is written, and the deferred
// cancel stops the upstream request. During shutdown the connection was
// most likely closed by the server itself, so it is recorded as a 503
// made by the proxy instead.
func (x *exchange) clientGone(err error) {
	if x.h.shuttingDown.Load() {
		x.entry.Status, x.source = http.StatusServiceUnavailable, model.ErrorSourceProxy
		x.entry.ErrorType, x.entry.ErrorMessage = ErrTypeShutdown, msgShutdown
		x.h.log.Warn("request cut off by shutdown", "id", x.entry.ID, "provider", x.entry.ProviderKey, "model", x.entry.Model, "err", err)
		return
	}
	x.entry.Status, x.source = model.StatusClientClosed, ""
	x.entry.ErrorType = ErrTypeClientClosed
	x.entry.ErrorMessage = "client closed the connection before the response finished"
	x.h.log.Info("client closed request", "id", x.entry.ID, "provider", x.entry.ProviderKey, "model", x.entry.Model, "err", err)
}

// finish publishes the request.finished event; it runs from a defer, also
// while an aborted stream panics.
func (x *exchange) finish() {
	x.releaseBody()
	if x.entry.Status == 0 {
		// Only reachable if something panicked before a status was set.
		x.entry.Status, x.source, x.entry.ErrorType = http.StatusInternalServerError, model.ErrorSourceProxy, "internal_error"
	}
	if x.source != "" {
		src := x.source
		x.entry.ErrorSource = &src
	}
	x.entry.LatencyMs = time.Since(x.start).Milliseconds()
	x.entry.Capture = x.logCapture()
	x.h.publish(model.EventRequestFinished, x.entry)
}

// logCapture is what the request log keeps of the exchange: headers with
// credentials (and the provider's custom header values) redacted, and,
// with log_bodies on, the first 64 KiB of each body decoded to text. The
// service redacts known secrets from the bodies before they are stored.
func (x *exchange) logCapture() *model.LogCapture {
	var extra [][2]string
	if x.p != nil {
		extra = x.p.headers
	}
	c := &model.LogCapture{RequestHeaders: redactHeaders(x.r.Header, extra)}
	if x.respHeader != nil {
		c.ResponseHeaders = redactHeaders(x.respHeader, extra)
	}
	if x.logBodies {
		b, cut := x.reqBody, false
		if len(b) > maxLogBody {
			b, cut = b[:maxLogBody], true
		}
		c.RequestBody, c.RequestBodyTruncated = decodeForLog(b, x.r.Header.Get("Content-Encoding"), cut)
		c.ResponseBody, c.ResponseBodyTruncated = x.respBody, x.respCut
	}
	return c
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// maxHeldBody bounds a sized, non-streamed response body that is read
// whole before the status goes out, so that an upstream failing mid-body
// becomes a proper 502 instead of an empty or truncated reply. Larger
// bodies stream through as they arrive.
const maxHeldBody = 4 << 20

// relay passes the upstream response through: same status, headers (minus
// hop-by-hop) and body bytes, flushed chunk by chunk when streaming.
func (x *exchange) relay(ctx context.Context, cancel context.CancelCauseFunc, p *upProvider, resp *http.Response) {
	defer resp.Body.Close()
	x.respHeader = resp.Header
	var bodyLog *capture // nil (a no-op) with log_bodies off
	if x.logBodies {
		bodyLog = getCapture(resp.ContentLength)
		// Deferred: also runs when an aborted stream panics, and before
		// the pooled buffers it reads from are reused.
		defer func() {
			x.respBody, x.respCut = decodeForLog(bodyLog.bytes(), resp.Header.Get("Content-Encoding"), bodyLog.isTruncated())
			putCapture(bodyLog)
		}()
	}
	w, e := x.w, &x.entry
	sse := isEventStream(resp.Header.Get("Content-Type"))
	if sse {
		e.Stream = true
	}
	// Flush per chunk for event streams and bodies of unknown length (the
	// same rule httputil.ReverseProxy uses); a sized body is written
	// through the server's buffer.
	streaming := sse || resp.ContentLength < 0
	// The idle timeout counts only while an upstream read is pending: a
	// client that reads slowly (the proxy blocked writing to it) is not the
	// provider being idle.
	idle := idleWatch{idle: p.idle, cancel: cancel}
	defer idle.stop()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp

	held := !streaming && resp.ContentLength <= maxHeldBody
	var body []byte
	if held {
		// Read the whole (bounded) body before anything goes out: if the
		// upstream fails now, the client still gets a clean error.
		if resp.ContentLength <= int64(len(buf)) {
			body = buf[:resp.ContentLength]
		} else {
			body = make([]byte, resp.ContentLength)
		}
		for got := 0; got < len(body); {
			idle.begin()
			n, err := resp.Body.Read(body[got:])
			idle.end()
			if n > 0 && got == 0 {
				e.TTFBMs = time.Since(x.start).Milliseconds()
			}
			got += n
			if err != nil && got < len(body) {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				x.heldFailed(ctx, err, got)
				return
			}
		}
	}

	hdr := w.Header()
	for k, vv := range resp.Header {
		if !hopHeaders[k] {
			hdr[k] = vv
		}
	}
	for _, v := range resp.Header["Connection"] {
		for _, f := range strings.Split(v, ",") {
			hdr.Del(strings.TrimSpace(f))
		}
	}
	if len(resp.Trailer) > 0 {
		for k := range resp.Trailer {
			hdr.Add("Trailer", k)
		}
	}
	e.Status = resp.StatusCode
	if resp.StatusCode >= 400 {
		hdr[HeaderErrorSource] = []string{model.ErrorSourceUpstream}
		x.source = model.ErrorSourceUpstream
	}
	obs := observer{}
	plain := resp.Header.Get("Content-Encoding") == ""
	switch {
	case resp.StatusCode >= 400 && plain:
		obs.mode, obs.limit = observeError, maxCaptureError
	case sse && plain:
		obs.mode = observeSSE
	case resp.StatusCode < 300 && plain && isJSON(resp.Header.Get("Content-Type")):
		obs.mode, obs.limit = observeJSON, maxCaptureJSON
	}
	rc := http.NewResponseController(w)
	w.WriteHeader(resp.StatusCode)
	headersAt := time.Now()

	if held {
		if len(body) > 0 {
			if _, werr := w.Write(body); werr != nil {
				x.clientGone(werr)
				return
			}
			e.BytesOut = int64(len(body))
			obs.write(body)
			bodyLog.write(body)
		} else {
			e.TTFBMs = headersAt.Sub(x.start).Milliseconds()
		}
		x.finishBody(resp, &obs)
		return
	}

	if streaming {
		// Headers go out now: an SSE client should see the 200 (which the
		// upstream did send) before the first event.
		if x.flush(rc) {
			return
		}
	}
	first := true
	var tail [2]byte // last two bytes sent, to close a partial SSE event
	// ended is set once the client has been sent the event stream's end
	// marker: it has the whole answer from then on.
	ended := false
	for {
		idle.begin()
		n, rerr := resp.Body.Read(buf)
		idle.end()
		if n > 0 {
			if sse && !ended {
				ended = hasStreamEnd(tail[1], buf[:n])
			}
			if first {
				first = false
				e.TTFBMs = time.Since(x.start).Milliseconds()
				if streaming {
					x.h.publish(model.EventRequestProgress, model.RequestProgress{ID: e.ID, TTFBMs: e.TTFBMs})
				}
			}
			if _, werr := w.Write(buf[:n]); werr != nil {
				x.clientGone(werr)
				return
			}
			e.BytesOut += int64(n)
			if n >= 2 {
				tail = [2]byte{buf[n-2], buf[n-1]}
			} else {
				tail = [2]byte{tail[1], buf[0]}
			}
			obs.write(buf[:n])
			bodyLog.write(buf[:n])
			if streaming && x.flush(rc) {
				return
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil && ended && x.r.Context().Err() != nil {
			// SDKs (openai-go among them) close the connection as soon as
			// they read "data: [DONE]", which cancels the upstream read
			// before its end of body arrives: the client got the whole
			// stream, so it is a success, not a 499 without usage.
			break
		}
		if rerr != nil {
			x.midStream(ctx, rc, rerr, sse, tail)
			return
		}
	}
	if first {
		e.TTFBMs = headersAt.Sub(x.start).Milliseconds()
	}
	x.finishBody(resp, &obs)
}

// idleWatch cancels a response whose upstream read has been pending for
// longer than the idle timeout. A read only marks its start and end (an
// atomic store each, no timer operation per chunk); one timer, armed at
// the first read, checks the pending read when it fires and re-arms for
// the time that read has left (or a whole timeout when none is pending).
// The zero value plus idle and cancel is ready; stop must be called.
type idleWatch struct {
	idle   time.Duration
	cancel context.CancelCauseFunc
	since  atomic.Int64 // monoNow() when the pending read began; 0 when none
	done   atomic.Bool  // set by stop: a late check neither cancels nor re-arms
	timer  atomic.Pointer[time.Timer]
}

// monoBase anchors monoNow: time.Since reads the monotonic clock, so the
// watch is immune to wall-clock steps.
var monoBase = time.Now()

// monoNow is monotonic nanoseconds since monoBase, never 0.
func monoNow() int64 { return int64(time.Since(monoBase)) | 1 }

// begin marks an upstream read as pending.
func (w *idleWatch) begin() {
	w.since.Store(monoNow())
	if w.timer.Load() == nil {
		// Created disarmed and stored before it is armed, so check always
		// finds it.
		t := time.AfterFunc(time.Duration(1<<62), w.check)
		w.timer.Store(t)
		t.Reset(w.idle)
	}
}

// end marks the pending read as returned.
func (w *idleWatch) end() { w.since.Store(0) }

func (w *idleWatch) check() {
	if w.done.Load() {
		return
	}
	next := w.idle
	if s := w.since.Load(); s != 0 {
		pending := time.Duration(monoNow() - s)
		if pending >= w.idle {
			w.cancel(errStreamIdle)
			return
		}
		next = w.idle - pending
	}
	w.timer.Load().Reset(next)
}

// stop ends the watch for good.
func (w *idleWatch) stop() {
	w.done.Store(true)
	if t := w.timer.Load(); t != nil {
		t.Stop()
	}
}

// flush sends what was written so far and reports whether the client is
// gone. Only a failed write means the client left: a writer that cannot
// flush (a middleware's wrapper hiding Flush) still gets the whole body,
// and any other flush error is taken as client gone only when the
// client's context says so (else the next write will tell).
func (x *exchange) flush(rc *http.ResponseController) (gone bool) {
	err := rc.Flush()
	if err == nil || errors.Is(err, http.ErrNotSupported) || x.r.Context().Err() == nil {
		return false
	}
	x.clientGone(err)
	return true
}

// finishBody records what a completely relayed body showed: trailers,
// usage, and an upstream error's type and message.
func (x *exchange) finishBody(resp *http.Response, obs *observer) {
	e, hdr := &x.entry, x.w.Header()
	for k, vv := range resp.Trailer {
		hdr[http.TrailerPrefix+k] = vv
	}
	obs.finish()
	e.Usage = obs.usage
	if resp.StatusCode >= 400 {
		e.ErrorType, e.ErrorMessage = obs.errType, obs.errMsg
		if e.ErrorType == "" {
			e.ErrorType = "upstream_error"
		}
		if e.ErrorMessage == "" {
			e.ErrorMessage = http.StatusText(resp.StatusCode)
		}
	}
}

// upstreamBodyFailure classifies a failed upstream body read and says
// what happened. ok is false when the client went away first (already
// recorded).
func (x *exchange) upstreamBodyFailure(ctx context.Context, rerr error) (status int, typ, msg string, ok bool) {
	if x.r.Context().Err() != nil {
		x.clientGone(rerr)
		return 0, "", "", false
	}
	err := rerr
	if errors.Is(context.Cause(ctx), errStreamIdle) {
		err = errStreamIdle
	}
	status, typ = Classify(x.r.Context(), &midStreamError{err})
	if typ == ErrTypeIdle {
		msg = fmt.Sprintf("Provider %q at %s sent no data for %s mid-response; Sluicegate aborted the response (stream_idle_timeout_secs).", x.entry.ProviderKey, x.host, x.idle)
	} else {
		msg = fmt.Sprintf("The connection to provider %q at %s failed mid-response (%v); the response is incomplete.", x.entry.ProviderKey, x.host, trimErr(rerr))
	}
	x.entry.Status, x.source = status, model.ErrorSourceProxy
	x.entry.ErrorType, x.entry.ErrorMessage = typ, msg
	return status, typ, msg, true
}

// heldFailed handles an upstream body that failed while it was being read
// whole, before anything reached the client: the client gets a proxy-made
// error in its dialect instead of an empty reply.
func (x *exchange) heldFailed(ctx context.Context, rerr error, got int) {
	status, typ, msg, ok := x.upstreamBodyFailure(ctx, rerr)
	if !ok {
		return
	}
	x.fail(proxyError{status: status, openaiType: "api_error", code: typ, anthropicType: "api_error"}, msg)
	x.h.log.Error("upstream failed mid-response", "id", x.entry.ID, "status", status, "error_type", typ,
		"provider", x.entry.ProviderKey, "host", x.host, "model", x.entry.Model, "bytes_read", got, "err", rerr)
}

// midStream handles an upstream body that failed after the headers were
// sent: never a clean end. What was written goes out first; for SSE one
// error event in the client's dialect follows; then the connection is
// aborted.
func (x *exchange) midStream(ctx context.Context, rc *http.ResponseController, rerr error, sse bool, tail [2]byte) {
	status, typ, msg, ok := x.upstreamBodyFailure(ctx, rerr)
	if !ok {
		return
	}
	x.h.log.Error("upstream failed mid-response", "id", x.entry.ID, "status", status, "error_type", typ,
		"provider", x.entry.ProviderKey, "host", x.host, "model", x.entry.Model, "bytes_out", x.entry.BytesOut, "err", rerr)
	if sse {
		var ev []byte
		if x.entry.BytesOut > 0 && tail != [2]byte{'\n', '\n'} {
			// The upstream stopped inside an event: end it so the error
			// event is parsed on its own.
			ev = append(ev, "\n\n"...)
		}
		ev = append(ev, streamErrorEvent(x.dialect, typ, msg)...)
		_, _ = x.w.Write(ev)
	}
	// The bytes relayed so far reach the client before the abort, so it
	// sees how far the response got.
	_ = rc.Flush()
	panic(http.ErrAbortHandler)
}

// hasDotSegment reports whether the decoded path has a "." or ".."
// segment. The path is already percent-decoded, so this covers %2e%2e,
// .%2e and segments made by an encoded slash (..%2f) too.
func hasDotSegment(path string) bool {
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// sseEndLines are the lines that end an event stream in the known
// dialects (OpenAI's "data: [DONE]", Anthropic's message_stop event),
// each after the newline that must precede it.
var sseEndLines = [][]byte{[]byte("\ndata: [DONE]"), []byte("\nevent: message_stop")}

// hasStreamEnd reports whether chunk p, sent after the byte last (0 at the
// start of the body), holds a line that ends the event stream. A marker
// split across two chunks is not seen; the request then counts as cut off
// when the client leaves, as before.
func hasStreamEnd(last byte, p []byte) bool {
	for _, m := range sseEndLines {
		if (last == '\n' || last == 0) && bytes.HasPrefix(p, m[1:]) || bytes.Contains(p, m) {
			return true
		}
	}
	return false
}

func isEventStream(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/event-stream"
}

func isJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header()["Content-Type"] = []string{"application/json"}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

var (
	errBodyTooLarge = errors.New("request body too large")
	errBufferFull   = errors.New("too many request bodies buffered at once")
)

// reserve adds n bytes to the handler's buffered total for this request's
// body, or reports false (reserving nothing) when that would pass limit.
// One atomic add: no lock on the request path.
func (x *exchange) reserve(n, limit int64) bool {
	if x.h.buffered.Add(n) > limit {
		x.h.buffered.Add(-n)
		return false
	}
	x.held += n
	return true
}

// releaseBody gives back the body's reservation; it is idempotent.
func (x *exchange) releaseBody() {
	if x.held != 0 {
		x.h.buffered.Add(-x.held)
		x.held = 0
	}
}

// readBody reads the whole request body, at most limit bytes, while the
// total of bodies buffered across requests stays within budget: a known
// Content-Length is reserved up front, an unknown one as the buffer grows.
// The body is read once, up front: the model must be known before
// routing, and a buffered body (unlike an inbound one streamed to the
// transport) avoids golang/go#40747 and allows a retry on a stale
// keep-alive connection.
func (x *exchange) readBody(limit, budget int64) ([]byte, error) {
	r := x.r
	if r.ContentLength > limit {
		return nil, errBodyTooLarge
	}
	size := int64(4 << 10)
	if r.ContentLength >= 0 {
		size = r.ContentLength + 1 // +1: see EOF without growing
	}
	if !x.reserve(size, budget) {
		return nil, errBufferFull
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
			if grown := int64(cap(b)) - x.held; grown > 0 && !x.reserve(grown, budget) {
				return nil, errBufferFull
			}
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, errBodyTooLarge
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
