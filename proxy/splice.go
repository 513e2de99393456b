package proxy

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/sluicegate/sluicegate/translate"
)

// Errors of the body scan. The handler turns both into a 400 in the client's
// dialect.
var (
	// ErrNotJSONObject: the body is not one valid JSON object.
	ErrNotJSONObject = errors.New("request body is not a JSON object")
	// ErrNoModel: the object has no top-level "model" string (or it is empty).
	ErrNoModel = errors.New(`request body has no "model" string`)
)

// span is a half-open byte range [start, end) of the body.
type span struct{ start, end int }

// bodyInfo is what the proxy needs from a request body: the model the client
// asked for, where its value sits (quotes included), and whether the client
// asked for a stream.
type bodyInfo struct {
	model  string
	spans  []span // every top-level "model" value; usually exactly one
	stream bool
}

// scanBody validates body as JSON and walks the keys of its top-level object
// without decoding the values. It never re-encodes anything: the spans let
// spliceModel change the model value and leave every other byte as sent.
//
// Duplicate "model" keys: the last one decides the model (as encoding/json,
// Python and most JSON parsers upstream would read it), and every string
// occurrence is replaced so that no parser upstream sees the client's alias.
func scanBody(b []byte) (bodyInfo, error) {
	var info bodyInfo
	// json.Valid first: the walk below trusts the grammar, so it stays small
	// and cannot run past the end on malformed input.
	if !json.Valid(b) {
		return info, ErrNotJSONObject
	}
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return info, ErrNotJSONObject
	}
	i++
	modelIsString := false
	var spans [1]span
	info.spans = spans[:0]
	for {
		i = skipWS(b, i)
		if b[i] == '}' {
			break
		}
		if b[i] == ',' {
			i = skipWS(b, i+1)
		}
		ks := i
		i = skipString(b, i)
		key := b[ks+1 : i-1]
		i = skipWS(b, i) + 1 // ':'
		vs := skipWS(b, i)
		i = skipValue(b, vs)
		switch {
		case keyIs(key, "model"):
			if b[vs] != '"' {
				modelIsString = false
				continue
			}
			s, err := unquote(b[vs:i])
			if err != nil {
				return info, ErrNotJSONObject
			}
			info.model, modelIsString = s, true
			info.spans = append(info.spans, span{vs, i})
		case keyIs(key, "stream"):
			info.stream = string(b[vs:i]) == "true"
		}
	}
	if !modelIsString || info.model == "" {
		return info, ErrNoModel
	}
	return info, nil
}

// spliceModel returns b with each span replaced by the JSON encoding of
// upstream. It allocates the result once.
func spliceModel(b []byte, spans []span, upstream string) []byte {
	enc := translate.AppendJSONString(make([]byte, 0, len(upstream)+2), upstream)
	n := len(b)
	for _, s := range spans {
		n += len(enc) - (s.end - s.start)
	}
	out := make([]byte, 0, n)
	prev := 0
	for _, s := range spans {
		out = append(out, b[prev:s.start]...)
		out = append(out, enc...)
		prev = s.end
	}
	return append(out, b[prev:]...)
}

// SpliceModel returns body with the value of its top-level "model" string
// replaced by newModel, and every other byte unchanged: key order, number
// spelling, escapes, whitespace and unknown fields survive. It returns
// ErrNotJSONObject or ErrNoModel for input it cannot route; it never panics.
func SpliceModel(body []byte, newModel string) ([]byte, error) {
	info, err := scanBody(body)
	if err != nil {
		return nil, err
	}
	return spliceModel(body, info.spans, newModel), nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped byte cannot end the string
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the (valid) JSON value at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	default: // number, true, false, null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// keyIs reports whether the raw (still escaped) key equals name. A key that
// spells "model" with escapes (e.g. "mod\u0065l") is still the model key
// for any JSON parser upstream, so escaped keys are decoded first.
func keyIs(raw []byte, name string) bool {
	for _, c := range raw {
		if c == '\\' {
			s, err := unquote(append(append([]byte{'"'}, raw...), '"'))
			return err == nil && s == name
		}
	}
	return string(raw) == name
}

// unquote decodes a JSON string literal (quotes included).
func unquote(q []byte) (string, error) {
	plain := true
	for _, c := range q[1 : len(q)-1] {
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(q[1 : len(q)-1]), nil
	}
	var s string
	err := json.Unmarshal(q, &s)
	return s, err
}

const hexDigits = "0123456789abcdef"
