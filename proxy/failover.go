package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// Failover in a route group (API.md, route groups): the members are tried
// in order, and the next one only when the current one gave no response
// at all (connect, TLS or DNS error, reset before the response headers,
// response-header timeout) or answered with a status in its own
// failover_on. Nothing reaches the client before the member whose answer
// it gets was chosen, so a response that started is never replaced. When
// every member failed, the client gets the last one's own response
// unchanged (or the usual 502/504 when it gave none).

// HeaderAttempts is on every response of a route group: each try in
// order as KEY=STATUS, "(connect)" or "(timeout)" marking a try that got
// no response ("openai=502(connect), groq=429, anthropic=200").
const HeaderAttempts = "X-Sluicegate-Attempts"

// maxPassedOverBody bounds what is read of a passed-over response's body
// (for its log row) before it is closed.
const maxPassedOverBody = 64 << 10

// groupWriter adds the attempts header to a group's response the moment
// its status is written, whoever writes it (a relay, a translated relay,
// or a proxy-made error).
type groupWriter struct {
	http.ResponseWriter
	tries       strings.Builder // the tries so far, "key=status, "...
	m           *member         // the member being tried
	note        string          // "(connect)" or "(timeout)" when it gave no response
	wroteHeader bool
}

// Unwrap lets http.ResponseController reach the server's writer (Flush,
// deadlines).
func (g *groupWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// WriteHeader sets the attempts header, ending with this try's status.
func (g *groupWriter) WriteHeader(status int) {
	if !g.wroteHeader {
		g.wroteHeader = true
		if g.tries.Len() == 0 && status == http.StatusOK && g.note == "" {
			// The common case, the first member answering 200: a value
			// built with the table, shared (never mutated).
			g.ResponseWriter.Header()[HeaderAttempts] = g.m.attemptOK
		} else {
			g.ResponseWriter.Header()[HeaderAttempts] = []string{g.tries.String() + g.m.p.key + "=" + strconv.Itoa(status) + g.note}
		}
	}
	g.ResponseWriter.WriteHeader(status)
}

func (g *groupWriter) Write(b []byte) (int, error) {
	if !g.wroteHeader {
		g.WriteHeader(http.StatusOK)
	}
	return g.ResponseWriter.Write(b)
}

// passed records a try that was passed over.
func (g *groupWriter) passed(key string, status int, note string) {
	g.tries.WriteString(key)
	g.tries.WriteByte('=')
	g.tries.WriteString(strconv.Itoa(status))
	g.tries.WriteString(note)
	g.tries.WriteString(", ")
}

// noteFor is the attempts header's mark of a no-response try.
func noteFor(status int) string {
	if status == http.StatusGatewayTimeout {
		return "(timeout)"
	}
	return "(connect)"
}

// serveGroup tries the members of a route group in order (open circuits
// last) until one gives an answer the client gets.
func (x *exchange) serveGroup(t *Table, rt route, info bodyInfo, body []byte) {
	h, r := x.h, x.r
	order := h.circuits.order(rt.group)
	// Its own allocation, on the group path only: a writer inside the
	// exchange would move every exchange to the heap.
	gw := &groupWriter{ResponseWriter: x.w}
	x.w = gw
	x.entry.Attempts = len(order)
	for i := range order {
		m := &order[i]
		last := i == len(order)-1
		if err := r.Context().Err(); err != nil {
			// The client left while an earlier member was passed over:
			// nothing more is tried.
			x.clientGone(err)
			return
		}
		x.entry.Attempt = i + 1
		gw.m, gw.note = m, ""
		delete(x.w.Header(), HeaderTranslated)
		tryStart := time.Now()
		upstream := upstreamOf(m, rt.name, rt.suffix, rt.pattern)
		// Each member gets the client's own body, translated or spliced
		// for it (members may be of either dialect).
		o, tr, ok := x.prepare(t, m.p, upstream, info, body)
		if !ok {
			return // answered here: a refusal or a local estimate
		}
		if m.p.baseErr != nil {
			h.circuits.failure(m.p.key, "connect", 0)
			if last {
				x.releaseBody()
				gw.note = "(connect)"
				x.fail(errConnect, badBaseURLMessage(m.p))
				return
			}
			x.passOver(tryStart, http.StatusBadGateway, model.ErrorSourceProxy, errConnect.code, badBaseURLMessage(m.p))
			gw.passed(m.p.key, http.StatusBadGateway, "(connect)")
			continue
		}
		ctx, cancel := context.WithCancelCause(r.Context())
		resp, err := h.up.send(ctx, &o)
		if err != nil {
			cancel(nil)
			status, _ := Classify(r.Context(), err)
			if status == model.StatusClientClosed {
				x.releaseBody()
				x.clientGone(err)
				return
			}
			note := noteFor(status)
			h.circuits.failure(m.p.key, note[1:len(note)-1], 0)
			if last {
				x.releaseBody()
				gw.note = note
				x.upstreamFailed(err)
				return
			}
			e, msg := x.noResponse(status, err)
			x.passOver(tryStart, status, model.ErrorSourceProxy, e.code, msg)
			h.log.Warn("route group member gave no response; trying the next", "id", x.entry.ID, "provider", m.p.key,
				"host", m.p.host, "status", status, "error_type", e.code, "err", err)
			gw.passed(m.p.key, status, note)
			continue
		}
		if m.failsOverOn(resp.StatusCode) {
			h.circuits.failure(m.p.key, strconv.Itoa(resp.StatusCode), retryAfter(resp.Header, h.circuits.now()))
			if !last {
				x.passOverResponse(ctx, cancel, tryStart, m.p, resp)
				cancel(nil)
				gw.passed(m.p.key, resp.StatusCode, "")
				continue
			}
		} else {
			h.circuits.success(m.p.key)
		}
		x.answer(ctx, cancel, m.p, resp, tr)
		return
	}
}

// passOver publishes the log row of a try that was passed over: a fresh
// id, linked to the request by client_request_id, published at once so
// the dashboard shows it while the next member is tried. A passed-over
// response's headers and body are in x.respHeader/x.respBody for the
// capture (passOverResponse sets them); they are cleared after it.
func (x *exchange) passOver(start time.Time, status int, source, errType, msg string) {
	e := x.entry
	e.ID = x.h.ids.next()
	e.StartedAt = start
	e.Status, e.ErrorType, e.ErrorMessage = status, errType, msg
	src := source
	e.ErrorSource = &src
	e.LatencyMs = time.Since(start).Milliseconds()
	e.Usage = nil
	e.Capture = x.logCapture()
	x.respHeader, x.respBody, x.respCut = nil, "", false
	x.h.publish(model.EventRequestFinished, e)
}

// passOverResponse reads what the log keeps of a failover-status response
// (up to 64 KiB of its body, under the idle timeout), closes it and
// publishes its row.
func (x *exchange) passOverResponse(ctx context.Context, cancel context.CancelCauseFunc, start time.Time, p *upProvider, resp *http.Response) {
	defer resp.Body.Close()
	idle := idleWatch{idle: p.idle, cancel: cancel}
	defer idle.stop()
	obs := observer{}
	plain := resp.Header.Get("Content-Encoding") == ""
	if plain {
		obs.mode, obs.limit = observeError, maxCaptureError
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var kept []byte // the body prefix, with log_bodies on
	read := 0
	for read < maxPassedOverBody {
		idle.begin()
		n, err := resp.Body.Read(buf[:min(len(buf), maxPassedOverBody-read)])
		idle.end()
		read += n
		obs.write(buf[:n])
		if x.logBodies {
			kept = append(kept, buf[:n]...)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				x.h.log.Debug("passed-over response body failed", "id", x.entry.ID, "provider", p.key, "err", err)
			}
			break
		}
	}
	obs.finish()
	typ, msg := obs.errType, obs.errMsg
	if typ == "" {
		typ = "upstream_error"
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	x.respHeader = resp.Header
	if x.logBodies {
		x.respBody, x.respCut = decodeForLog(kept, resp.Header.Get("Content-Encoding"), read >= maxPassedOverBody)
	}
	x.passOver(start, resp.StatusCode, model.ErrorSourceUpstream, typ, msg)
}
