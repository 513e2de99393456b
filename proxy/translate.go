package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/translate"
)

// Translation between dialects (API.md §2 "Translation between
// dialects"): an Anthropic Messages request for an OpenAI-type provider,
// or a Chat Completions request for an Anthropic-type one, when the
// provider's translate setting is on. The request body is translated
// before it is sent, the answer (JSON, error body or event stream) on its
// way back; everything else (routing, credentials, timeouts, the request
// log, mid-stream failures) is the untranslated path's. Only the
// dialect-mismatch branch of exchange.prepare reaches this file, so the
// untranslated fast path pays one comparison for it. In a route group
// each member decides for itself (members may be of either dialect).

// Header names of translated and locally estimated answers.
const (
	// HeaderTranslated is on every translated response: the client's
	// dialect, "->", the provider's ("anthropic->openai").
	HeaderTranslated = "X-Sluicegate-Translated"
	// HeaderEstimated marks a count_tokens answer Sluicegate estimated
	// itself because the provider has no such endpoint.
	HeaderEstimated = "X-Sluicegate-Estimated"
)

// ErrTypeTranslate is the log's error type when the upstream's answer
// could not be translated (not the JSON or event stream its dialect
// promises): a 502 made by the proxy.
const ErrTypeTranslate = "upstream_translate_error"

// errUnsupported refuses what has no equivalent in the provider's dialect
// instead of dropping it silently.
var errUnsupported = proxyError{http.StatusBadRequest, "invalid_request_error", "unsupported_parameter", "invalid_request_error"}

// maxTranslatedBody bounds a non-streamed upstream body that is read whole
// to be translated (an answer or an error body; generations are far
// smaller).
const maxTranslatedBody = 32 << 20

// translation is what a translated exchange needs beyond an untranslated
// one.
type translation struct {
	// fromAnthropic: the client speaks Anthropic, the provider OpenAI;
	// else the client speaks OpenAI, the provider Anthropic.
	fromAnthropic bool
	opts          translate.Options
}

// label is the X-Sluicegate-Translated value.
func (tr *translation) label() string {
	if tr.fromAnthropic {
		return "anthropic->openai"
	}
	return "openai->anthropic"
}

func dialectName(anthropic bool) string {
	if anthropic {
		return "Anthropic"
	}
	return "OpenAI"
}

// translateRequest turns the client's body into one for provider p of the
// other dialect. It returns the upstream path and body; ok is false when
// the request was answered here instead (a refusal, or count_tokens
// estimated locally).
func (x *exchange) translateRequest(p *upProvider, upstreamModel string, body []byte) (tr *translation, path string, out []byte, ok bool) {
	clientPath := x.r.URL.Path
	var err error
	tr = &translation{fromAnthropic: !p.anthropic}
	switch {
	case tr.fromAnthropic && clientPath == "/v1/messages":
		path = "/v1/chat/completions"
		out, tr.opts, err = translate.AnthropicToOpenAIRequest(body, upstreamModel)
	case tr.fromAnthropic && clientPath == "/v1/messages/count_tokens":
		x.countTokens(p, body)
		return nil, "", nil, false
	case !tr.fromAnthropic && clientPath == "/v1/chat/completions":
		path = "/v1/messages"
		out, tr.opts, err = translate.OpenAIToAnthropicRequest(body, upstreamModel)
	case tr.fromAnthropic:
		x.fail(errUnsupported, fmt.Sprintf("POST %s cannot be translated for the OpenAI-type provider %q: Sluicegate translates only POST /v1/messages (and estimates /v1/messages/count_tokens) for it; call a model of an Anthropic-type provider for this endpoint.", clientPath, p.key))
		return nil, "", nil, false
	default:
		x.fail(errUnsupported, fmt.Sprintf("POST %s cannot be translated for the Anthropic-type provider %q: Sluicegate translates only POST /v1/chat/completions to Anthropic's Messages API; call a model of an OpenAI-type provider for this endpoint.", clientPath, p.key))
		return nil, "", nil, false
	}
	var ue *translate.UnsupportedError
	switch {
	case errors.As(err, &ue):
		msg := fmt.Sprintf("The field %q cannot be sent to the %s-type provider %q: %s. Sluicegate refuses it rather than drop it silently; remove it, or call a model of a %s-type provider.",
			ue.Field, dialectName(p.anthropic), p.key, ue.Reason, dialectName(!p.anthropic))
		x.entry.Status, x.source = errUnsupported.status, model.ErrorSourceProxy
		x.entry.ErrorType, x.entry.ErrorMessage = errUnsupported.code, msg
		writeErrorParam(x.w, x.dialect, errUnsupported, msg, ue.Field)
		return nil, "", nil, false
	case err != nil:
		x.fail(errInvalidRequest, fmt.Sprintf("The request is not a valid %s request, so Sluicegate cannot translate it for provider %q: %v.", dialectName(!p.anthropic), p.key, err))
		return nil, "", nil, false
	}
	return tr, path, out, true
}

// countTokens answers POST /v1/messages/count_tokens for an OpenAI-type
// provider, which has no such endpoint, with a local estimate.
func (x *exchange) countTokens(p *upProvider, body []byte) {
	n, err := translate.CountTokens(body)
	if err != nil {
		x.fail(errInvalidRequest, fmt.Sprintf("The request is not a valid count_tokens request, so Sluicegate cannot estimate it for the OpenAI-type provider %q: %v.", p.key, err))
		return
	}
	b := []byte(`{"input_tokens":` + strconv.Itoa(n) + `}`)
	hdr := x.w.Header()
	hdr[HeaderEstimated] = []string{"true"}
	hdr["Content-Length"] = []string{strconv.Itoa(len(b))}
	x.entry.Status = http.StatusOK
	x.entry.TTFBMs = time.Since(x.start).Milliseconds()
	x.entry.BytesOut = int64(len(b))
	writeJSON(x.w, http.StatusOK, b)
}

// decodedBody returns the upstream body without its Content-Encoding.
// Translated requests ask for identity, but a server may compress anyway;
// gzip and deflate are undone here, anything else cannot be translated.
func decodedBody(resp *http.Response) (io.Reader, error) {
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return resp.Body, nil
	case "gzip", "x-gzip":
		return gzip.NewReader(resp.Body)
	case "deflate":
		return flate.NewReader(resp.Body), nil
	default:
		return nil, fmt.Errorf("the response has Content-Encoding %q, which Sluicegate cannot decode to translate", enc)
	}
}

// entityHeaders describe the upstream's body, not the translated one.
var entityHeaders = map[string]bool{"Content-Length": true, "Content-Encoding": true, "Content-Type": true, "Etag": true, "Content-Md5": true}

// relayTranslated answers a translated request: the status stays the
// upstream's; headers too (Retry-After, rate limits, request ids), minus
// hop-by-hop and those describing the untranslated body; the body is
// translated to the client's dialect (a JSON answer or error body read
// whole, an event stream event by event, flushed at once). The request
// log keeps the upstream's untranslated body.
func (x *exchange) relayTranslated(ctx context.Context, cancel context.CancelCauseFunc, p *upProvider, resp *http.Response, tr *translation) {
	defer resp.Body.Close()
	x.respHeader = resp.Header
	var bodyLog *capture
	if x.logBodies {
		bodyLog = getCapture(-1)
		defer func() {
			// What was captured is already decoded (see decodedBody).
			x.respBody, x.respCut = decodeForLog(bodyLog.bytes(), "", bodyLog.isTruncated())
			putCapture(bodyLog)
		}()
	}
	idle := idleWatch{idle: p.idle, cancel: cancel}
	defer idle.stop()

	hdr := x.w.Header()
	for k, vv := range resp.Header {
		if !hopHeaders[k] && !entityHeaders[k] {
			hdr[k] = vv
		}
	}
	for _, v := range resp.Header["Connection"] {
		for _, f := range strings.Split(v, ",") {
			hdr.Del(strings.TrimSpace(f))
		}
	}
	hdr[HeaderTranslated] = []string{tr.label()}

	body, err := decodedBody(resp)
	if err != nil {
		x.fail(proxyError{http.StatusBadGateway, "api_error", ErrTypeTranslate, "api_error"}, fmt.Sprintf("Provider %q at %s answered in a form Sluicegate cannot translate: %v.", p.key, x.host, err))
		return
	}
	status := resp.StatusCode
	if status >= 200 && status < 300 && isEventStream(resp.Header.Get("Content-Type")) {
		x.streamTranslated(ctx, p, body, tr, &idle, bodyLog)
		return
	}

	// A whole body: read it before anything goes out, so that a failure
	// still reaches the client as a clean error.
	var buf bytes.Buffer
	for {
		if buf.Len() > maxTranslatedBody {
			x.fail(proxyError{http.StatusBadGateway, "api_error", ErrTypeTranslate, "api_error"}, fmt.Sprintf("Provider %q at %s sent a response larger than %d bytes, more than Sluicegate translates.", p.key, x.host, maxTranslatedBody))
			return
		}
		buf.Grow(16 << 10)
		idle.begin()
		n, rerr := body.Read(buf.AvailableBuffer()[:buf.Available()])
		idle.end()
		buf.Write(buf.AvailableBuffer()[:n])
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			x.heldFailed(ctx, rerr, buf.Len())
			return
		}
	}
	raw := buf.Bytes()
	x.entry.TTFBMs = time.Since(x.start).Milliseconds()
	bodyLog.write(raw)
	obs := observer{}
	var out []byte
	switch {
	case status >= 400:
		x.source = model.ErrorSourceUpstream
		hdr[HeaderErrorSource] = []string{model.ErrorSourceUpstream}
		obs.mode, obs.limit = observeError, maxCaptureError
		if tr.fromAnthropic {
			out = translate.OpenAIErrorToAnthropic(status, raw)
		} else {
			out = translate.AnthropicErrorToOpenAI(status, raw)
		}
	case status >= 200 && status < 300:
		obs.mode, obs.limit = observeJSON, maxCaptureJSON
		if tr.fromAnthropic {
			out, err = translate.OpenAIToAnthropicResponse(raw, tr.opts)
		} else {
			out, err = translate.AnthropicToOpenAIResponse(raw, tr.opts)
		}
		if err != nil {
			x.fail(proxyError{http.StatusBadGateway, "api_error", ErrTypeTranslate, "api_error"}, fmt.Sprintf("Provider %q at %s sent a %d response Sluicegate could not translate to the %s dialect: %v.", p.key, x.host, status, dialectName(tr.fromAnthropic), err))
			return
		}
	default:
		// 1xx/3xx from an LLM API: nothing to translate; passed on as is.
		out = raw
		if ct := resp.Header.Get("Content-Type"); ct != "" {
			hdr["Content-Type"] = []string{ct}
		}
	}
	if hdr.Get("Content-Type") == "" {
		hdr["Content-Type"] = []string{"application/json"}
	}
	hdr["Content-Length"] = []string{strconv.Itoa(len(out))}
	x.entry.Status = status
	x.w.WriteHeader(status)
	if _, werr := x.w.Write(out); werr != nil {
		x.clientGone(werr)
		return
	}
	x.entry.BytesOut = int64(len(out))
	// Usage and the provider's error type and message come from the
	// upstream's own body, which the observer reads in either dialect.
	obs.write(raw)
	x.finishBody(resp, &obs)
}

// streamTranslated relays a 2xx event stream through a translate.Stream:
// each upstream read is translated and what it yields is written and
// flushed at once (the translator holds back only an incomplete event).
// A malformed stream, an early end, a reset or an idle timeout ends with
// one error event in the client's dialect and an abort, as an
// untranslated stream does.
func (x *exchange) streamTranslated(ctx context.Context, p *upProvider, body io.Reader, tr *translation, idle *idleWatch, bodyLog *capture) {
	e, w := &x.entry, x.w
	e.Stream = true
	var st translate.Stream
	if tr.fromAnthropic {
		st = translate.NewOpenAIToAnthropicStream(tr.opts)
	} else {
		st = translate.NewAnthropicToOpenAIStream(tr.opts)
	}
	hdr := w.Header()
	hdr["Content-Type"] = []string{"text/event-stream"}
	if _, ok := hdr["Cache-Control"]; !ok {
		hdr["Cache-Control"] = []string{"no-cache"}
	}
	rc := http.NewResponseController(w)
	e.Status = http.StatusOK
	w.WriteHeader(http.StatusOK)
	headersAt := time.Now()
	if x.flush(rc) {
		return
	}
	obs := observer{mode: observeSSE}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	first := true
	var tail [2]byte // last two bytes sent to the client
	ended := false   // the client got its dialect's end of stream
	send := func(out []byte) (gone bool) {
		if len(out) == 0 {
			return false
		}
		if first {
			first = false
			e.TTFBMs = time.Since(x.start).Milliseconds()
			x.h.publish(model.EventRequestProgress, model.RequestProgress{ID: e.ID, TTFBMs: e.TTFBMs})
		}
		if !ended {
			ended = hasStreamEnd(tail[1], out)
		}
		if _, werr := w.Write(out); werr != nil {
			x.clientGone(werr)
			return true
		}
		e.BytesOut += int64(len(out))
		if len(out) >= 2 {
			tail = [2]byte{out[len(out)-2], out[len(out)-1]}
		} else {
			tail = [2]byte{tail[1], out[0]}
		}
		return x.flush(rc)
	}
	for {
		idle.begin()
		n, rerr := body.Read(buf)
		idle.end()
		if n > 0 {
			obs.write(buf[:n])
			bodyLog.write(buf[:n])
			out, terr := st.Translate(buf[:n])
			if send(out) {
				return
			}
			if terr != nil {
				x.translateFailed(rc, p, terr, tail)
				return
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil && ended && x.r.Context().Err() != nil {
			// As untranslated: an SDK that closes at its end marker got
			// the whole stream.
			break
		}
		if rerr != nil {
			x.midStream(ctx, rc, rerr, true, tail)
			return
		}
	}
	out, terr := st.End()
	if send(out) {
		return
	}
	if terr != nil && !ended {
		x.translateFailed(rc, p, terr, tail)
		return
	}
	if first {
		e.TTFBMs = headersAt.Sub(x.start).Milliseconds()
	}
	obs.finish()
	e.Usage = obs.usage
}

// translateFailed ends a translated stream whose upstream bytes could not
// be translated (malformed, or ended before its end marker): one error
// event in the client's dialect, then the abort.
func (x *exchange) translateFailed(rc *http.ResponseController, p *upProvider, err error, tail [2]byte) {
	msg := fmt.Sprintf("Provider %q at %s sent an event stream Sluicegate could not translate to the %s dialect (%v); the response is incomplete.", p.key, x.host, dialectName(x.dialect == dialectAnthropic), err)
	x.entry.Status, x.source = http.StatusBadGateway, model.ErrorSourceProxy
	x.entry.ErrorType, x.entry.ErrorMessage = ErrTypeTranslate, msg
	x.h.log.Error("upstream stream could not be translated", "id", x.entry.ID, "provider", x.entry.ProviderKey, "host", x.host,
		"model", x.entry.Model, "bytes_out", x.entry.BytesOut, "err", err)
	var ev []byte
	if x.entry.BytesOut > 0 && tail != [2]byte{'\n', '\n'} {
		ev = append(ev, "\n\n"...)
	}
	if x.dialect == dialectAnthropic {
		ev = append(ev, translate.AnthropicErrorEvent("api_error", msg)...)
	} else {
		ev = append(ev, translate.OpenAIErrorEvent("api_error", msg)...)
	}
	_, _ = x.w.Write(ev)
	_ = rc.Flush()
	panic(http.ErrAbortHandler)
}
