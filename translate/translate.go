// Package translate converts requests, responses, error bodies and SSE streams between the
// Anthropic Messages API dialect (POST /v1/messages) and the OpenAI Chat Completions dialect
// (POST /v1/chat/completions). It imports only the standard library and knows nothing about
// providers, routing or HTTP: the proxy hands it bytes and writes what it returns.
//
// Every client field is either mapped, dropped because it is harmless, or refused with an
// *UnsupportedError; MAPPING.md lists each decision. Streams are translated event by event as
// the upstream bytes arrive, whatever their split, without buffering the answer.
package translate

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Options carries what response translation needs from the request.
type Options struct {
	Model        string // model name as the client sent it; echoed in translated responses
	IncludeUsage bool   // OpenAI client: stream_options.include_usage was true
	Stream       bool   // the client asked for a stream
}

// UnsupportedError reports a client field with no equivalent that cannot be dropped harmlessly.
// The proxy answers it with 400 unsupported_parameter naming Field.
type UnsupportedError struct{ Field, Reason string }

// Error returns "<field>: <reason>".
func (e *UnsupportedError) Error() string { return e.Field + ": " + e.Reason }

// ErrInvalid is wrapped by the errors returned for bodies that are not valid requests.
var ErrInvalid = errors.New("invalid request")

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// unsupported returns an *UnsupportedError.
func unsupported(field, reason string) error { return &UnsupportedError{Field: field, Reason: reason} }

// defaultMaxTokens is what an Anthropic provider gets as max_tokens (which it requires) when an
// OpenAI client sent neither max_tokens nor max_completion_tokens. 4096 is the value most
// gateways use and fits every Claude model's output limit.
const defaultMaxTokens = 4096

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// number checks that raw is a JSON number and returns it unchanged (so its spelling survives),
// or nil when raw is absent/null.
func number(raw json.RawMessage, field string) (json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	var n json.Number
	// json.Number also takes a quoted number; a string is not a number here.
	if err := json.Unmarshal(raw, &n); err != nil || bytes.TrimSpace(raw)[0] == '"' {
		return nil, invalidf("%s must be a number", field)
	}
	return json.RawMessage(n.String()), nil
}

// integer decodes raw as a non-negative integer; ok is false when raw is absent/null.
func integer(raw json.RawMessage, field string) (v int64, ok bool, err error) {
	if isNull(raw) {
		return 0, false, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil || bytes.TrimSpace(raw)[0] == '"' {
		return 0, false, invalidf("%s must be an integer", field)
	}
	v, err = strconv.ParseInt(n.String(), 10, 64)
	if err != nil || v < 0 {
		return 0, false, invalidf("%s must be a non-negative integer", field)
	}
	return v, true, nil
}

// decodeField unmarshals raw into v, naming field in the error.
func decodeField(raw json.RawMessage, v any, field string) error {
	if err := unmarshal(raw, v); err != nil {
		return invalidf("%s: %v", field, err)
	}
	return nil
}

// newID returns prefix followed by 24 random hex digits, for ids the source did not carry.
func newID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + hex.EncodeToString(b[:])
}

// marshal encodes v without HTML escaping (so "<", ">" and "&" stay as the model wrote them).
func marshal(v any) []byte { return marshalEvent(v) }

// isJSONObject reports whether raw is a JSON object.
func isJSONObject(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{' && json.Valid(raw)
}

// Stream translates one upstream SSE response into the client's dialect, event by event.
// A Stream is not safe for concurrent use.
type Stream interface {
	// Translate consumes the next piece of upstream bytes and returns the client bytes ready now
	// (possibly none). They are valid until the next call of Translate or End, which reuse the
	// buffer: write them before translating more (a copy per chunk would be garbage per chunk). An error means the upstream stream is malformed; the caller then writes
	// ErrorEvent and aborts. The bytes returned with an error are those of the events before
	// the malformed one, to be written first. An error event the upstream itself sent is not an error here: it is
	// translated into the client's error event, which ends the client stream.
	Translate(p []byte) ([]byte, error)
	// End is called at upstream EOF. It returns any final client bytes; an error when the
	// upstream ended before its proper end (no [DONE] / message_stop).
	End() ([]byte, error)
}
