package model

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// This file encodes a LogEntry and a RequestStarted without reflection for
// the live stream, where every request is encoded twice, as
// request.started and request.finished (issue 9). The
// output must stay byte for byte what encoding/json produces: the
// dashboard and the tests compare lines, and json.Marshal remains the
// encoder of every other event. logjson_test.go checks the equality, by a
// table and by fuzzing.

// AppendJSON appends e's JSON encoding to dst and returns the extended
// slice: byte for byte what json.Marshal(e) produces, with the same field
// order, null for a nil ErrorSource or Usage, no Capture, and strings
// escaped as encoding/json escapes them (HTML-safe). It fails exactly when
// json.Marshal(e) fails (a StartedAt it cannot write as RFC 3339: a year
// outside 0..9999, a zone offset of a day or more), and then returns dst
// unchanged and false.
func (e *LogEntry) AppendJSON(dst []byte) ([]byte, bool) {
	b := append(dst, `{"id":`...)
	b = AppendJSONString(b, e.ID)
	b = append(b, `,"started_at":`...)
	var ok bool
	if b, ok = AppendJSONTime(b, e.StartedAt); !ok {
		return dst, false
	}
	b = append(b, `,"method":`...)
	b = AppendJSONString(b, e.Method)
	b = append(b, `,"path":`...)
	b = AppendJSONString(b, e.Path)
	b = append(b, `,"model":`...)
	b = AppendJSONString(b, e.Model)
	b = append(b, `,"provider_key":`...)
	b = AppendJSONString(b, e.ProviderKey)
	b = append(b, `,"upstream_model":`...)
	b = AppendJSONString(b, e.UpstreamModel)
	b = append(b, `,"stream":`...)
	b = strconv.AppendBool(b, e.Stream)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"error_source":`...)
	if e.ErrorSource == nil {
		b = append(b, "null"...)
	} else {
		b = AppendJSONString(b, *e.ErrorSource)
	}
	b = append(b, `,"error_type":`...)
	b = AppendJSONString(b, e.ErrorType)
	b = append(b, `,"error_message":`...)
	b = AppendJSONString(b, e.ErrorMessage)
	b = append(b, `,"latency_ms":`...)
	b = strconv.AppendInt(b, e.LatencyMs, 10)
	b = append(b, `,"ttfb_ms":`...)
	b = strconv.AppendInt(b, e.TTFBMs, 10)
	b = append(b, `,"bytes_in":`...)
	b = strconv.AppendInt(b, e.BytesIn, 10)
	b = append(b, `,"bytes_out":`...)
	b = strconv.AppendInt(b, e.BytesOut, 10)
	b = append(b, `,"usage":`...)
	if e.Usage == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"prompt_tokens":`...)
		b = strconv.AppendInt(b, e.Usage.PromptTokens, 10)
		b = append(b, `,"completion_tokens":`...)
		b = strconv.AppendInt(b, e.Usage.CompletionTokens, 10)
		b = append(b, '}')
	}
	b = append(b, `,"client_request_id":`...)
	b = AppendJSONString(b, e.ClientRequestID)
	b = append(b, `,"attempt":`...)
	b = strconv.AppendInt(b, int64(e.Attempt), 10)
	b = append(b, `,"attempts":`...)
	b = strconv.AppendInt(b, int64(e.Attempts), 10)
	b = append(b, '}')
	return b, true
}

// AppendJSON appends s's JSON encoding, byte for byte what
// json.Marshal(s) produces; it never fails (ok is for the same signature as
// LogEntry's).
func (s *RequestStarted) AppendJSON(dst []byte) ([]byte, bool) {
	b := append(dst, `{"id":`...)
	b = AppendJSONString(b, s.ID)
	b = append(b, `,"method":`...)
	b = AppendJSONString(b, s.Method)
	b = append(b, `,"path":`...)
	b = AppendJSONString(b, s.Path)
	b = append(b, `,"model":`...)
	b = AppendJSONString(b, s.Model)
	b = append(b, `,"provider_key":`...)
	b = AppendJSONString(b, s.ProviderKey)
	b = append(b, `,"stream":`...)
	b = strconv.AppendBool(b, s.Stream)
	return append(b, '}'), true
}

// AppendJSONTime appends t as json.Marshal encodes a time.Time (what
// time.Time.MarshalJSON writes: quoted RFC 3339 with nanoseconds, trailing
// zeros trimmed). It reports false, with dst unchanged, exactly when
// MarshalJSON fails: a year outside 0..9999 or a zone offset of 24 hours
// or more.
func AppendJSONTime(dst []byte, t time.Time) ([]byte, bool) {
	b := append(dst, '"')
	n0 := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	// The checks of time.Time.appendStrictRFC3339, on the formatted bytes
	// (go.dev/issue/4556, go.dev/issue/54580).
	switch {
	case len(b)-n0 < len("9999-") || b[n0+len("9999")] != '-':
		return dst, false // year not exactly 4 digits wide
	case b[len(b)-1] != 'Z':
		c := b[len(b)-len("Z07:00")]
		hh := 10*(b[len(b)-len("07:00")]-'0') + (b[len(b)-len("7:00")] - '0')
		if ('0' <= c && c <= '9') || hh >= 24 {
			return dst, false // zone hour out of range
		}
	}
	return append(b, '"'), true
}

// AppendJSONString appends s as a JSON string exactly as encoding/json
// writes it: HTML-safe (<, > and & as \u003c, \u003e, \u0026), control
// characters escaped, invalid UTF-8 as \ufffd, and U+2028 and U+2029
// escaped.
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				// Other control characters, and <, > and & (HTML-safe).
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but end a line in JavaScript;
		// encoding/json escapes them unconditionally.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonSafe marks the ASCII bytes encoding/json writes as they are with
// HTML escaping on: printable ASCII and DEL, except ", \, <, > and &.
var jsonSafe = func() (set [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		set[c] = true
	}
	for _, c := range `"\<>&` {
		set[c] = false
	}
	return set
}()
