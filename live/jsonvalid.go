package live

// validJSON reports whether b is exactly one JSON value with optional
// whitespace around it: what json.Valid reports, in one pass without
// encoding/json's per-byte state machine (several times faster on the
// live stream's lines, which a follower checks one by one). Like
// json.Valid it does not check UTF-8, and it refuses nesting deeper than
// encoding/json accepts.
func validJSON(b []byte) bool {
	v := validator{b: b}
	v.ws()
	if !v.value(0) {
		return false
	}
	v.ws()
	return v.i == len(v.b)
}

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

type validator struct {
	b []byte
	i int
}

func (v *validator) ws() {
	for v.i < len(v.b) {
		switch v.b[v.i] {
		case ' ', '\t', '\r', '\n':
			v.i++
		default:
			return
		}
	}
}

// eat consumes c if it is next.
func (v *validator) eat(c byte) bool {
	if v.i < len(v.b) && v.b[v.i] == c {
		v.i++
		return true
	}
	return false
}

func (v *validator) value(depth int) bool {
	if v.i >= len(v.b) {
		return false
	}
	switch c := v.b[v.i]; {
	case c == '{':
		return v.container(depth, '}', true)
	case c == '[':
		return v.container(depth, ']', false)
	case c == '"':
		return v.str()
	case c == 't':
		return v.literal("true")
	case c == 'f':
		return v.literal("false")
	case c == 'n':
		return v.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return v.number()
	}
	return false
}

// container reads an object (keyed) or an array up to its closing byte.
func (v *validator) container(depth int, closing byte, keyed bool) bool {
	if depth+1 > maxJSONDepth {
		return false
	}
	v.i++ // the opening byte
	v.ws()
	if v.eat(closing) {
		return true
	}
	for {
		if keyed {
			if !v.str() {
				return false
			}
			v.ws()
			if !v.eat(':') {
				return false
			}
			v.ws()
		}
		if !v.value(depth + 1) {
			return false
		}
		v.ws()
		if v.eat(',') {
			v.ws()
			continue
		}
		return v.eat(closing)
	}
}

func (v *validator) str() bool {
	if !v.eat('"') {
		return false
	}
	b, i := v.b, v.i // locals: the loop below is the validator's hottest
	for i < len(b) {
		// Skip the plain bytes in one tight loop. (Eight at a time with
		// word tricks measured slower: the stream's strings are short.)
		for i < len(b) && !strSpecial[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		i++
		switch {
		case c == '"':
			v.i = i
			return true
		case c < 0x20:
			return false
		}
		// c is a backslash.
		if i >= len(b) {
			return false
		}
		e := b[i]
		i++
		switch e {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if i+4 > len(b) {
				return false
			}
			for _, h := range b[i : i+4] {
				if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
					return false
				}
			}
			i += 4
		default:
			return false
		}
	}
	v.i = i
	return false
}

// strSpecial marks the bytes that end a run of plain string bytes: the
// quote, the backslash and the control characters.
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func (v *validator) literal(l string) bool {
	if len(v.b)-v.i < len(l) || string(v.b[v.i:v.i+len(l)]) != l {
		return false
	}
	v.i += len(l)
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (v *validator) number() bool {
	v.eat('-')
	switch {
	case v.eat('0'):
	case v.digits() == 0:
		return false
	}
	if v.eat('.') && v.digits() == 0 {
		return false
	}
	if v.eat('e') || v.eat('E') {
		if !v.eat('+') {
			v.eat('-')
		}
		if v.digits() == 0 {
			return false
		}
	}
	return true
}

// digits consumes a run of decimal digits and returns its length.
func (v *validator) digits() int {
	start := v.i
	for v.i < len(v.b) && '0' <= v.b[v.i] && v.b[v.i] <= '9' {
		v.i++
	}
	return v.i - start
}
