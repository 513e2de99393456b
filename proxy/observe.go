package proxy

import (
	"bytes"
	"encoding/json"

	"github.com/sluicegate/sluicegate/model"
)

// Limits of what the observer keeps of a response body: it only reads the
// bytes that pass through, it never holds the response back.
const (
	maxCaptureJSON  = 1 << 20  // a non-streaming JSON body parsed for usage
	maxCaptureError = 64 << 10 // an error body parsed for type and message
	maxSSELine      = 64 << 10 // an SSE line longer than this is not parsed
)

type observeMode uint8

const (
	observeNone  observeMode = iota
	observeJSON              // capture the body, parse usage at the end
	observeError             // capture the body, parse the error at the end
	observeSSE               // parse "data:" lines that carry usage
)

// observer extracts usage (and upstream error details) from a response
// body as it streams to the client.
type observer struct {
	mode    observeMode
	limit   int
	buf     []byte // captured body (JSON/error) or partial SSE line
	over    bool   // capture limit hit: give up parsing
	usage   *model.Usage
	errType string
	errMsg  string
}

var usageKey = []byte(`"usage"`)

func (o *observer) write(p []byte) {
	switch o.mode {
	case observeJSON, observeError:
		if o.over {
			return
		}
		if len(o.buf)+len(p) > o.limit {
			o.over, o.buf = true, nil
			return
		}
		o.buf = append(o.buf, p...)
	case observeSSE:
		o.sse(p)
	}
}

// sse feeds a chunk of an event stream. Only complete lines are looked at,
// and only those mentioning "usage" are decoded, so a normal chunk costs
// one substring search.
func (o *observer) sse(p []byte) {
	if len(o.buf) > 0 || o.over {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			o.keepPartial(p)
			return
		}
		if !o.over {
			o.buf = append(o.buf, p[:i]...)
			o.line(o.buf)
		}
		o.buf, o.over = o.buf[:0], false
		p = p[i+1:]
	}
	j := bytes.LastIndexByte(p, '\n')
	if j < 0 {
		o.keepPartial(p)
		return
	}
	complete := p[:j]
	if bytes.Contains(complete, usageKey) {
		for len(complete) > 0 {
			k := bytes.IndexByte(complete, '\n')
			var ln []byte
			if k < 0 {
				ln, complete = complete, nil
			} else {
				ln, complete = complete[:k], complete[k+1:]
			}
			o.line(ln)
		}
	}
	o.keepPartial(p[j+1:])
}

func (o *observer) keepPartial(p []byte) {
	if o.over || len(p) == 0 {
		return
	}
	if len(o.buf)+len(p) > maxSSELine {
		o.over, o.buf = true, o.buf[:0]
		return
	}
	o.buf = append(o.buf, p...)
}

func (o *observer) line(ln []byte) {
	ln = bytes.TrimRight(ln, "\r")
	data, ok := bytes.CutPrefix(ln, []byte("data:"))
	if !ok || !bytes.Contains(data, usageKey) {
		return
	}
	o.parseUsage(data)
}

type rawUsage struct {
	PromptTokens     *int64 `json:"prompt_tokens"`
	CompletionTokens *int64 `json:"completion_tokens"`
	InputTokens      *int64 `json:"input_tokens"`
	OutputTokens     *int64 `json:"output_tokens"`
}

// usageDoc covers where the known dialects put usage: top level (OpenAI
// chat/completions/embeddings/responses, Anthropic message and
// message_delta), "message" (Anthropic message_start) and "response"
// (OpenAI Responses stream's response.completed).
type usageDoc struct {
	Usage   *rawUsage `json:"usage"`
	Message *struct {
		Usage *rawUsage `json:"usage"`
	} `json:"message"`
	Response *struct {
		Usage *rawUsage `json:"usage"`
	} `json:"response"`
}

func (o *observer) parseUsage(b []byte) {
	var d usageDoc
	if json.Unmarshal(b, &d) != nil {
		return
	}
	o.merge(d.Usage)
	if d.Message != nil {
		o.merge(d.Message.Usage)
	}
	if d.Response != nil {
		o.merge(d.Response.Usage)
	}
}

// merge applies the counts present in r; later events overwrite earlier
// ones (Anthropic's message_delta carries the final output count).
func (o *observer) merge(r *rawUsage) {
	if r == nil {
		return
	}
	if o.usage == nil {
		o.usage = &model.Usage{}
	}
	switch {
	case r.PromptTokens != nil:
		o.usage.PromptTokens = *r.PromptTokens
	case r.InputTokens != nil:
		o.usage.PromptTokens = *r.InputTokens
	}
	switch {
	case r.CompletionTokens != nil:
		o.usage.CompletionTokens = *r.CompletionTokens
	case r.OutputTokens != nil:
		o.usage.CompletionTokens = *r.OutputTokens
	}
}

// finish parses what was captured once the body is complete.
func (o *observer) finish() {
	if o.over {
		return
	}
	switch o.mode {
	case observeJSON:
		// Decode only the top-level "usage" value, not the whole answer
		// (which may carry kilobytes of generated text).
		if v := topLevelValue(o.buf, "usage"); v != nil {
			var r rawUsage
			if json.Unmarshal(v, &r) == nil {
				o.merge(&r)
			}
		}
	case observeError:
		// OpenAI {"error":{"type","message"}}, Anthropic
		// {"type":"error","error":{"type","message"}}; some OpenAI-compatible
		// servers put a plain string in "error".
		var d struct {
			Error json.RawMessage `json:"error"`
		}
		if json.Unmarshal(o.buf, &d) != nil || len(d.Error) == 0 {
			return
		}
		var e struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		}
		if json.Unmarshal(d.Error, &e) == nil {
			o.errType, o.errMsg = e.Type, e.Message
			return
		}
		var s string
		if json.Unmarshal(d.Error, &s) == nil {
			o.errMsg = s
		}
	}
}

// topLevelValue returns the raw value of key in the JSON object b, or nil
// when b is not an object or has no such key. It does not validate b (the
// caller decodes the value, which validates that part), but it never reads
// past the end of b.
func topLevelValue(b []byte, key string) []byte {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil
	}
	i++
	for {
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
		}
		if i >= len(b) || b[i] != '"' {
			return nil
		}
		ks := i
		i = skipString(b, i)
		if i > len(b) || i-ks < 2 {
			return nil
		}
		k := b[ks+1 : i-1]
		i = skipWS(b, i)
		if i >= len(b) || b[i] != ':' {
			return nil
		}
		vs := skipWS(b, i+1)
		if vs >= len(b) {
			return nil
		}
		i = skipValue(b, vs)
		if keyIs(k, key) {
			return b[vs:i]
		}
	}
}
