package translate

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Almost every event of a translated answer is one text piece: an OpenAI chunk whose only
// choice carries delta.content, or an Anthropic content_block_delta with a text_delta. The fast
// paths below recognise exactly that shape with a single validating scan of the event (no
// reflection, no allocation but the text) and hand anything else, or anything they are unsure
// of, to the general decoder. Whenever a fast path accepts an event the translator writes the
// same bytes the general path would (FuzzFastPathsMatchDecoder holds that).

// fastScan is a validating cursor over one JSON document.
type fastScan struct {
	b []byte
	i int
}

func (s *fastScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips whitespace and then c, reporting whether c was there.
func (s *fastScan) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// peek skips whitespace and returns the next byte (0 at the end).
func (s *fastScan) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// str reads a string and returns its raw contents (between the quotes) and whether it holds
// escapes. ok is false for anything that is not a valid JSON string of valid UTF-8.
func (s *fastScan) str() (raw []byte, escaped, ok bool) {
	if !s.consume('"') {
		return nil, false, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			if !utf8.Valid(raw) {
				// The decoders replace invalid bytes; leave that to them.
				return nil, false, false
			}
			return raw, escaped, true
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return nil, false, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					return nil, false, false
				}
				s.i += 6
			default:
				return nil, false, false
			}
			escaped = true
		case c < 0x20:
			return nil, false, false
		default:
			s.i++
		}
	}
	return nil, false, false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// text reads a string value and returns it decoded.
func (s *fastScan) text() (string, bool) {
	raw, escaped, ok := s.str()
	if !ok {
		return "", false
	}
	if !escaped {
		return string(raw), true
	}
	return unescapeJSON(raw)
}

// unescapeJSON decodes the contents of a valid JSON string with escapes. A lone surrogate is
// left to the general decoder (ok false), which replaces it.
func unescapeJSON(raw []byte) (string, bool) {
	var sb strings.Builder
	sb.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := i + 1
			for j < len(raw) && raw[j] != '\\' {
				j++
			}
			sb.Write(raw[i:j])
			i = j
			continue
		}
		e := raw[i+1]
		i += 2
		switch e {
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r := rune(hex4(raw[i : i+4]))
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
					return "", false
				}
				r = utf16.DecodeRune(r, rune(hex4(raw[i+2:i+6])))
				if r == utf8.RuneError {
					return "", false
				}
				i += 6
			}
			sb.WriteRune(r)
		default: // '"', '\\', '/'
			sb.WriteByte(e)
		}
	}
	return sb.String(), true
}

func hex4(b []byte) uint16 {
	var v uint16
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		v = v<<4 | uint16(c)
	}
	return v
}

// maxSkipDepth bounds the nesting a skipped value may have; deeper ones go to the decoder.
const maxSkipDepth = 32

// skip validates and skips one value of any kind.
func (s *fastScan) skip(depth int) bool {
	if depth > maxSkipDepth {
		return false
	}
	switch s.peek() {
	case '"':
		_, _, ok := s.str()
		return ok
	case '{':
		s.i++
		if s.consume('}') {
			return true
		}
		for {
			if _, _, ok := s.str(); !ok || !s.consume(':') || !s.skip(depth+1) {
				return false
			}
			if s.consume('}') {
				return true
			}
			if !s.consume(',') {
				return false
			}
		}
	case '[':
		s.i++
		if s.consume(']') {
			return true
		}
		for {
			if !s.skip(depth + 1) {
				return false
			}
			if s.consume(']') {
				return true
			}
			if !s.consume(',') {
				return false
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

func (s *fastScan) literal(l string) bool {
	s.ws()
	if len(s.b)-s.i >= len(l) && string(s.b[s.i:s.i+len(l)]) == l {
		s.i += len(l)
		return true
	}
	return false
}

// number skips a number in JSON's grammar.
func (s *fastScan) number() bool {
	s.ws()
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	s.i = i
	return true
}

// smallInt reads a non-negative integer of at most 9 digits: an index that every decoder takes
// into an int the same way.
func (s *fastScan) smallInt() (int, bool) {
	s.ws()
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	d := s.b[start:s.i]
	if len(d) == 0 || len(d) > 9 || (len(d) > 1 && d[0] == '0') {
		return 0, false
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, false
	}
	n, err := strconv.Atoi(string(d))
	return n, err == nil
}

// key reads an object key followed by its colon. The decoders match field names without
// regard to case, so a key that equals one of known but for case is refused (ok false), and so
// is one with escapes: the fast paths compare plain keys only.
func (s *fastScan) key(known ...string) (string, bool) {
	raw, escaped, ok := s.str()
	if !ok || escaped || !s.consume(':') {
		return "", false
	}
	for _, k := range known {
		if string(raw) == k {
			return k, true
		}
		if strings.EqualFold(string(raw), k) {
			return "", false
		}
	}
	return "", true // an unknown key: its value is skipped
}

// object calls field for each key of an object, with "" for keys not in known (whose values
// field must skip). A known key seen twice is refused: the decoders keep the last one.
func (s *fastScan) object(known []string, field func(k string) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	var seen uint32
	for {
		k, ok := s.key(known...)
		if !ok {
			return false
		}
		if k != "" {
			for n, kk := range known {
				if kk == k {
					if seen&(1<<n) != 0 {
						return false
					}
					seen |= 1 << n
				}
			}
		}
		if !field(k) {
			return false
		}
		if s.consume('}') {
			return true
		}
		if !s.consume(',') {
			return false
		}
	}
}

// end reports whether only whitespace is left.
func (s *fastScan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

var (
	oaChunkKeys  = []string{"id", "choices", "usage", "error"}
	oaChoiceKeys = []string{"index", "delta", "finish_reason"}
	oaDeltaKeys  = []string{"content", "refusal", "reasoning_content", "reasoning", "tool_calls"}
)

// fastOpenAIText recognises an OpenAI chunk whose one choice (index 0) carries only
// delta.content, with no finish_reason, usage or error, and returns that content.
func fastOpenAIText(data []byte) (string, bool) {
	s := fastScan{b: data}
	var text string
	choices := 0
	ok := s.object(oaChunkKeys, func(k string) bool {
		switch k {
		case "id":
			_, _, ok := s.str()
			return ok
		case "usage", "error":
			return s.literal("null")
		case "choices":
			if !s.consume('[') {
				return false
			}
			for !s.consume(']') {
				if choices > 0 && !s.consume(',') {
					return false
				}
				choices++
				if choices > 1 || !s.oaChoice(&text) {
					return false
				}
			}
			return true
		}
		return s.skip(0)
	})
	return text, ok && choices == 1 && s.end()
}

func (s *fastScan) oaChoice(text *string) bool {
	index := -1
	ok := s.object(oaChoiceKeys, func(k string) bool {
		switch k {
		case "index":
			n, ok := s.smallInt()
			index = n
			return ok
		case "finish_reason":
			return s.literal("null")
		case "delta":
			return s.object(oaDeltaKeys, func(k string) bool {
				switch k {
				case "content":
					if s.peek() == 'n' {
						return s.literal("null")
					}
					t, ok := s.text()
					*text = t
					return ok
				case "":
					return s.skip(0)
				}
				return false // refusal, reasoning, tool calls: the general path
			})
		}
		return s.skip(0)
	})
	return ok && index == 0
}

var (
	anEventKeys = []string{"type", "message", "index", "content_block", "delta", "usage", "error"}
	anDeltaKeys = []string{"type", "text", "partial_json", "thinking", "stop_reason"}
)

// fastAnthropicText recognises an Anthropic content_block_delta event with a text_delta and
// returns its text.
func fastAnthropicText(data []byte) (string, bool) {
	s := fastScan{b: data}
	var typ, dtype, text string
	ok := s.object(anEventKeys, func(k string) bool {
		switch k {
		case "type":
			t, ok := s.text()
			typ = t
			return ok
		case "index":
			_, ok := s.smallInt()
			return ok
		case "delta":
			return s.object(anDeltaKeys, func(k string) bool {
				switch k {
				case "type":
					t, ok := s.text()
					dtype = t
					return ok
				case "text":
					t, ok := s.text()
					text = t
					return ok
				case "":
					return s.skip(0)
				}
				return false
			})
		case "":
			return s.skip(0)
		}
		return false // message, content_block, usage, error: the general path
	})
	return text, ok && s.end() && typ == "content_block_delta" && dtype == "text_delta"
}

// appendContentChunk appends the chat.completion.chunk of one content piece: the bytes
// marshalEvent makes of the chunk anthropicToOpenAI.chunk builds for it
// (TestAppendContentChunkMatchesMarshal).
func appendContentChunk(dst []byte, id string, created int64, model, content string) []byte {
	dst = append(dst, `data: {"id":`...)
	dst = AppendJSONString(dst, id)
	dst = append(dst, `,"object":"chat.completion.chunk","created":`...)
	dst = strconv.AppendInt(dst, created, 10)
	dst = append(dst, `,"model":`...)
	dst = AppendJSONString(dst, model)
	dst = append(dst, `,"choices":[{"index":0,"delta":{"content":`...)
	dst = AppendJSONString(dst, content)
	return append(dst, "},\"logprobs\":null,\"finish_reason\":null}]}\n\n"...)
}
