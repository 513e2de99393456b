package translate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// The stream translators decode one upstream event and encode one client event per chunk.
// With encoding/json that was most of a translated stream's cost: its decoder validates each
// event in a first pass and then decodes it by reflection in a second. goccy/go-json is a
// drop-in implementation of the same API and struct tags, about 4× faster on these events
// (BenchmarkStreamTextDelta), so the per-chunk path uses it, as do the request translations'
// decoding of the body and its fields (decodeField) and every encoding (marshal). The small
// helpers that try a string first (and the error-body reader) stay on encoding/json.

// decodeEvent unmarshals one upstream SSE event's data into v.
func decodeEvent(data []byte, v any) error { return unmarshal(data, v) }

// unmarshal is goccy's Unmarshal made safe for input from clients and upstreams. While
// FuzzFastPathsMatchDecoder ran, goccy v0.10.5 panicked inside its decoder on a malformed event
// (index out of range in skipWhiteSpace; the input was `{"choices":[{"delta":{"\g`, though it
// does not panic on it again in a fresh process). So goccy only ever sees a document fastScan
// validated; anything else, including valid documents nested deeper than fastScan follows,
// goes to encoding/json, which says what is wrong. The recover is a last guard.
func unmarshal(data []byte, v any) (err error) {
	s := fastScan{b: data}
	if !s.skip(0) || !s.end() {
		return json.Unmarshal(data, v)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid JSON: %v", r)
		}
	}()
	return gojson.Unmarshal(data, v)
}

// marshalEvent encodes one client event without HTML escaping ("<", ">" and "&" stay as the
// model wrote them), like marshal.
func marshalEvent(v any) []byte {
	b, err := gojson.MarshalWithOption(v, gojson.DisableHTMLEscape())
	if err != nil {
		// Only unsupported Go values fail, and every event here is built from plain types.
		panic(fmt.Sprintf("translate: marshal %T: %v", v, err))
	}
	return b
}

// appendTextDelta appends the content_block_delta event of a text or thinking piece: the bytes
// marshalEvent makes of deltaEvent{"content_block_delta", index, textDelta/thinkingDelta}
// (TestAppendTextDeltaMatchesMarshal), written directly because it is the event of almost every
// chunk of a translated answer.
func appendTextDelta(dst []byte, index int, deltaType, field, text string) []byte {
	dst = append(dst, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"...)
	dst = strconv.AppendInt(dst, int64(index), 10)
	dst = append(dst, `,"delta":{"type":"`...)
	dst = append(dst, deltaType...)
	dst = append(dst, `","`...)
	dst = append(dst, field...)
	dst = append(dst, `":`...)
	dst = AppendJSONString(dst, text)
	return append(dst, "}}\n\n"...)
}

// AppendJSONString appends s as a JSON string the way encoding/json (and marshalEvent,
// goccy/go-json) does with HTML escaping off: short escapes for \n \r \t " \, \u00XX for
// other control characters, U+FFFD for invalid UTF-8, and U+2028/U+2029 escaped (valid JSON,
// but not valid in JavaScript strings). The proxy's model splice uses it too.
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
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
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
