package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Request-log capture: what the handler keeps of a request's headers and
// bodies for the log. Everything here is pure and works on copies, so the
// relayed request and response are never touched. Secrets are redacted
// before anything leaves the proxy (API.md §3 "Request logs").

// maxLogBody is how much of each body the request log keeps, captured and
// decoded alike.
const maxLogBody = 64 << 10

// redacted replaces a secret header value or body substring.
const redacted = "[REDACTED]"

// redactHeaders returns a copy of h for the log with the values of
// credential headers replaced by "[REDACTED]". A header is redacted when
// its name is sensitive (see sensitiveName), when it is named in extra
// (the provider's custom headers, which may carry keys under any name), or
// when its value contains the value of one of extra's headers (a custom
// header's secret echoed elsewhere). For Authorization and
// Proxy-Authorization the scheme is kept: "Bearer [REDACTED]".
//
// The copy shares no memory with h: all values live in one new backing
// array, so the map plus that array are the only allocations besides the
// kept-scheme strings.
func redactHeaders(h http.Header, extra [][2]string) map[string][]string {
	if h == nil {
		return nil
	}
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	all := make([]string, 0, n)
	out := make(map[string][]string, len(h))
	for name, vs := range h {
		start := len(all)
		byName := sensitiveName(name) || namedIn(name, extra)
		for _, v := range vs {
			switch {
			case byName && isAuthorization(name):
				v = redactAuthorization(v, extra)
			case byName, containsValue(v, extra):
				v = redacted
			}
			all = append(all, v)
		}
		// A full slice expression, so that appending to one header's
		// values can never overwrite the next header's.
		out[name] = all[start:len(all):len(all)]
	}
	return out
}

// namedIn reports whether name is one of extra's header names.
func namedIn(name string, extra [][2]string) bool {
	for _, kv := range extra {
		if strings.EqualFold(name, kv[0]) {
			return true
		}
	}
	return false
}

// containsValue reports whether v contains a non-empty value of extra.
// An empty value is skipped: every string contains it.
func containsValue(v string, extra [][2]string) bool {
	for _, kv := range extra {
		if kv[1] != "" && strings.Contains(v, kv[1]) {
			return true
		}
	}
	return false
}

func isAuthorization(name string) bool {
	return strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization")
}

// maxAuthScheme bounds the kept scheme of an Authorization value: real
// schemes (Bearer, Basic, Digest, Negotiate) are short.
const maxAuthScheme = 16

// redactAuthorization keeps the scheme of an Authorization value and
// redacts the credentials: "Bearer sk-x" → "Bearer [REDACTED]". Only a
// short, letters-only first word counts as a scheme, so that a bare key
// ("sk-proj-… extra") is never kept as one.
func redactAuthorization(v string, extra [][2]string) string {
	scheme, _, ok := strings.Cut(strings.TrimLeft(v, " \t"), " ")
	if !ok || scheme == "" || len(scheme) > maxAuthScheme || containsValue(scheme, extra) {
		return redacted
	}
	for i := 0; i < len(scheme); i++ {
		c := scheme[i] | 0x20 // ASCII lower case
		if c < 'a' || c > 'z' {
			return redacted
		}
	}
	return scheme + " " + redacted
}

// sensitiveExact are names (header or query parameter, compared without
// case) whose values are credentials.
var sensitiveExact = []string{
	"authorization", "proxy-authorization", "cookie", "set-cookie",
	"key", "apikey", "api_key", "api-key", "token", "access_token",
	"auth", "password", "passwd", "secret", "sig", "signature",
}

// sensitiveSuffix are name endings that mark a credential: X-Api-Key,
// X-Goog-Api-Key, Anthropic-Admin-Key, X-Auth-Token, X-Amz-Security-Token,
// client_secret, refresh_token, X-Authorization… A few harmless headers
// match too (Sec-Websocket-Key, Idempotency-Key); hiding them costs the
// log little, missing a key would cost a leak.
var sensitiveSuffix = []string{
	"-key", "_key", "-token", "_token", "-secret", "_secret",
	"-password", "_password", "-signature", "_signature",
	"-credential", "_credential", "-credentials", "_credentials",
	"-auth", "_auth", "authorization", "-cookie",
}

// sensitiveName reports whether a header or query parameter name marks a
// credential, without allocating. It runs for every header of every
// request and answer, so an ASCII name is compared only with the listed
// names of its length and the endings that end in its last letter:
// against every list entry, ~11 names a request cost ~3.5 µs. Any other
// name takes sensitiveNameFold, which also folds Unicode (the Kelvin sign
// K matches k there, and changes the length).
func sensitiveName(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return sensitiveNameFold(name)
		}
	}
	if len(name) < len(sensitiveByLength) {
		for _, s := range sensitiveByLength[len(name)] {
			if strings.EqualFold(name, s) {
				return true
			}
		}
	}
	if len(name) > 0 {
		for _, s := range sensitiveByLastByte[name[len(name)-1]|0x20] {
			if len(name) >= len(s) && strings.EqualFold(name[len(name)-len(s):], s) {
				return true
			}
		}
	}
	return false
}

// sensitiveByLength is sensitiveExact by length; sensitiveByLastByte is
// sensitiveSuffix by last byte, lower case (|0x20 lower-cases an ASCII
// letter and leaves '-' and '_' apart from every letter).
var sensitiveByLength, sensitiveByLastByte = func() (byLen [][]string, byLast [256][]string) {
	for _, s := range sensitiveExact {
		for len(byLen) <= len(s) {
			byLen = append(byLen, nil)
		}
		byLen[len(s)] = append(byLen[len(s)], s)
	}
	for _, s := range sensitiveSuffix {
		byLast[s[len(s)-1]] = append(byLast[s[len(s)-1]], s)
	}
	return byLen, byLast
}()

// sensitiveNameFold is sensitiveName by case-folding comparisons, for any
// name.
func sensitiveNameFold(name string) bool {
	for _, s := range sensitiveExact {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	for _, s := range sensitiveSuffix {
		if len(name) >= len(s) && strings.EqualFold(name[len(name)-len(s):], s) {
			return true
		}
	}
	return false
}

// redactQuery replaces the values of credential query parameters (some
// clients send the key as ?key=…) with REDACTED, keeping every parameter,
// its order and its original encoding. A query without such parameters is
// returned as is, without allocating.
func redactQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	var b strings.Builder
	rest, done := rawQuery, 0 // rawQuery[:done] is already in b
	for pos := 0; ; {
		param, next, more := strings.Cut(rest, "&")
		name, _, hasValue := strings.Cut(param, "=")
		if hasValue && sensitiveName(unescapeName(name)) {
			if b.Len() == 0 {
				b.Grow(len(rawQuery) + 8)
			}
			valueAt := pos + len(name) + 1
			b.WriteString(rawQuery[done:valueAt])
			b.WriteString("REDACTED")
			done = pos + len(param)
		}
		if !more {
			break
		}
		pos += len(param) + 1
		rest = next
	}
	if done == 0 {
		return rawQuery
	}
	b.WriteString(rawQuery[done:])
	return b.String()
}

// unescapeName decodes a query parameter name (api%5Fkey is api_key);
// a name that does not decode is compared as written.
func unescapeName(name string) string {
	if !strings.ContainsAny(name, "%+") {
		return name
	}
	if u, err := url.QueryUnescape(name); err == nil {
		return u
	}
	return name
}

// redactText replaces every occurrence of the non-empty secrets in s with
// "[REDACTED]". Longer secrets go first, so that a secret containing
// another is hidden whole. Text without secrets costs no allocation.
func redactText(s string, secrets []string) string {
	var found []string
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			found = append(found, sec)
		}
	}
	if len(found) > 1 {
		slices.SortFunc(found, func(a, b string) int { return len(b) - len(a) })
	}
	for _, sec := range found {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	return s
}

// capture keeps the first bytes of a body written to it in chunks, for the
// request log. The zero value (and a nil *capture) is disabled: write is a
// no-op that costs a branch. enable turns it on; the buffer is allocated
// at the first write, once, sized to the expected body when known and to
// the limit otherwise. reset keeps the buffer, so a pooled capture
// allocates nothing at all.
type capture struct {
	limit     int // 0: disabled
	hint      int // expected body size when known (Content-Length), else 0
	buf       []byte
	truncated bool // more than limit bytes were written
}

// enable turns the capture on for a body of sizeHint bytes (Content-Length,
// or -1 when unknown) and drops what a previous use captured.
func (c *capture) enable(sizeHint int64) {
	c.limit, c.truncated, c.buf = maxLogBody, false, c.buf[:0]
	c.hint = 0
	if sizeHint > 0 && sizeHint < maxLogBody {
		c.hint = int(sizeHint)
	}
}

// reset disables the capture and forgets its bytes, keeping the buffer for
// the next enable.
func (c *capture) reset() {
	c.limit, c.hint, c.truncated, c.buf = 0, 0, false, c.buf[:0]
}

// write keeps as much of p as fits under the limit and notes whether
// anything was cut.
func (c *capture) write(p []byte) {
	if c == nil || c.limit == 0 || len(p) == 0 {
		return
	}
	room := c.limit - len(c.buf)
	if room <= 0 {
		c.truncated = true
		return
	}
	if cap(c.buf) == 0 {
		// The one allocation: the expected size if it is known (a small
		// JSON body does not need 64 KiB), else the limit.
		size := c.limit
		if c.hint > 0 {
			size = max(c.hint, min(len(p), c.limit))
		}
		c.buf = make([]byte, 0, size)
	}
	if len(p) > room {
		p, c.truncated = p[:room], true
	}
	if len(p) > cap(c.buf)-len(c.buf) {
		// The hint was short (or a pooled buffer small): grow once,
		// straight to the limit, rather than by append's doublings.
		grown := make([]byte, len(c.buf), c.limit)
		copy(grown, c.buf)
		c.buf = grown
	}
	c.buf = append(c.buf, p...)
}

// capturePool holds captures between requests. A fresh capture allocates
// its buffer (up to 64 KiB) at the first write; a pooled one reuses it.
var capturePool = sync.Pool{New: func() any { return new(capture) }}

// getCapture returns an enabled capture from the pool, for a body of
// sizeHint bytes (-1 when unknown).
func getCapture(sizeHint int64) *capture {
	c := capturePool.Get().(*capture)
	c.enable(sizeHint)
	return c
}

// putCapture returns c to the pool. Its bytes must no longer be used:
// decodeForLog's text is a copy, so call it before putCapture.
func putCapture(c *capture) {
	if c == nil {
		return
	}
	c.reset()
	capturePool.Put(c)
}

// bytes returns the captured prefix; it is valid until the next enable or
// reset.
func (c *capture) bytes() []byte {
	if c == nil {
		return nil
	}
	return c.buf
}

// isTruncated reports whether the body was longer than what was kept.
func (c *capture) isTruncated() bool { return c != nil && c.truncated }

// decodeForLog turns a captured body prefix b into text for the log.
// gzip and deflate (zlib-wrapped as HTTP means it, or raw as some servers
// send it) are decoded best-effort: from a truncated prefix, everything the
// decoder could produce is kept. Decoded text is capped at maxLogBody.
// Identity bodies are returned as they are, invalid UTF-8 included (JSON
// encoding escapes it). Other encodings (br, zstd, stacked encodings) and
// undecodable or binary bodies become a short bracketed placeholder.
// stillTruncated reports whether text is less than the whole body.
func decodeForLog(b []byte, contentEncoding string, truncated bool) (text string, stillTruncated bool) {
	enc := strings.ToLower(strings.TrimSpace(contentEncoding))
	var decoded []byte
	switch enc {
	case "", "identity":
		decoded = b
	case "gzip", "x-gzip", "deflate":
		if len(b) == 0 {
			return "", truncated
		}
		var cut bool
		decoded, cut = decompress(b, enc)
		if decoded == nil {
			return encodedPlaceholder(enc, len(b), truncated, "could not be decoded"), truncated
		}
		truncated = truncated || cut
	default:
		return encodedPlaceholder(enc, len(b), truncated, "not decoded"), truncated
	}
	if len(decoded) > maxLogBody {
		decoded, truncated = decoded[:maxLogBody], true
	}
	if isBinary(decoded) {
		return "[binary body, " + strconv.Itoa(len(decoded)) + " bytes]", truncated
	}
	if truncated {
		decoded = trimPartialRune(decoded)
	}
	return string(decoded), truncated
}

// decompress decodes b with a gzip or deflate reader, up to maxLogBody
// bytes of output. It returns nil when nothing could be decoded, and
// cut=true when the output stops short of the whole body (input ended
// early, corrupt data after a good prefix, or output over the cap).
func decompress(b []byte, enc string) (out []byte, cut bool) {
	var r io.Reader
	var err error
	switch enc {
	case "deflate":
		// HTTP's deflate is zlib (RFC 9110 §8.4.1.2), but some servers
		// send a raw deflate stream: fall back to that when the zlib
		// header does not check out.
		r, err = zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			r, err = flate.NewReader(bytes.NewReader(b)), nil
		}
	default:
		r, err = gzip.NewReader(bytes.NewReader(b))
	}
	if err != nil {
		return nil, true
	}
	// A guess at the decoded size, to spare most regrowth: text usually
	// compresses 3-5×.
	out = make([]byte, 0, min(maxLogBody+1, max(512, 4*len(b))))
	for len(out) <= maxLogBody {
		if len(out) == cap(out) {
			out = slices.Grow(out, min(maxLogBody+1, 2*cap(out))-len(out))
		}
		n, rerr := r.Read(out[len(out):min(cap(out), maxLogBody+1)])
		out = out[:len(out)+n]
		if errors.Is(rerr, io.EOF) {
			return out, false
		}
		if rerr != nil {
			// Truncated or corrupt input: keep the decoded prefix.
			if len(out) == 0 {
				return nil, true
			}
			return out, true
		}
	}
	return out[:maxLogBody], true
}

func encodedPlaceholder(enc string, n int, truncated bool, what string) string {
	if len(enc) > 32 {
		// The header is the client's or upstream's text: keep the
		// placeholder short whatever it says.
		enc = enc[:32] + "…"
	}
	size := strconv.Itoa(n) + " bytes"
	if truncated {
		size += " captured"
	}
	return "[" + enc + "-encoded body, " + size + ", " + what + "]"
}

// isBinary reports whether b holds bytes that never appear in text: the
// control characters that http.DetectContentType treats as binary (NUL,
// 0x01-0x08, 0x0B, 0x0E-0x1A, 0x1C-0x1F). Tab, newlines, form feed and ESC
// are text; bytes ≥ 0x80 are left to the UTF-8 question.
//
// Every logged body passes through here, so eight bytes are tested at a
// time for any byte below 0x20; only a word that has one (in JSON and SSE
// that is mostly a newline) is looked at byte by byte.
func isBinary(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(b) >= 8 {
		// Non-zero exactly when some byte of x is below 0x20 (the
		// "has a byte less than n" test from Bit Twiddling Hacks; exact
		// as an existence test for n ≤ 128).
		if x := binary.LittleEndian.Uint64(b); (x-0x20*ones)&^x&highs != 0 && hasBinaryByte(b[:8]) {
			return true
		}
		b = b[8:]
	}
	return hasBinaryByte(b)
}

func hasBinaryByte(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b {
			return true
		}
	}
	return false
}

// trimPartialRune drops an incomplete UTF-8 sequence that a cut left at the
// end of b, so a truncated log body does not end in a replacement
// character. Invalid bytes elsewhere are kept.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			return b
		}
	}
	return b
}
