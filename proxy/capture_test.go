package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestRedactHeaders(t *testing.T) {
	extra := [][2]string{
		{"X-Custom-Thing", "s3cr3t-value"},
		{"x-lowercase-named", "other-secret"},
		{"X-Empty", ""}, // an empty value must not redact every header
	}
	tests := []struct {
		name string
		in   http.Header
		want map[string][]string
	}{
		{"bearer keeps scheme",
			http.Header{"Authorization": {"Bearer sk-abc123"}},
			map[string][]string{"Authorization": {"Bearer [REDACTED]"}}},
		{"basic keeps scheme",
			http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}},
			map[string][]string{"Authorization": {"Basic [REDACTED]"}}},
		{"bare key is not a scheme",
			http.Header{"Authorization": {"sk-abc123"}},
			map[string][]string{"Authorization": {"[REDACTED]"}}},
		{"key-like first word is not a scheme",
			http.Header{"Authorization": {"sk-proj-abc def"}},
			map[string][]string{"Authorization": {"[REDACTED]"}}},
		{"overlong first word is not a scheme",
			http.Header{"Authorization": {"abcdefghijklmnopqrstuvwxyz rest"}},
			map[string][]string{"Authorization": {"[REDACTED]"}}},
		{"scheme that is a custom secret",
			http.Header{"Authorization": {"s3cr3t-value x"}},
			map[string][]string{"Authorization": {"[REDACTED]"}}},
		{"proxy authorization",
			http.Header{"Proxy-Authorization": {"Basic abc"}},
			map[string][]string{"Proxy-Authorization": {"Basic [REDACTED]"}}},
		{"non-canonical names are matched without case",
			http.Header{"authorization": {"Bearer k"}, "x-api-key": {"k"}, "COOKIE": {"a=b"}},
			map[string][]string{"authorization": {"Bearer [REDACTED]"}, "x-api-key": {"[REDACTED]"}, "COOKIE": {"[REDACTED]"}}},
		{"well-known credential headers",
			http.Header{
				"X-Api-Key": {"k1"}, "Api-Key": {"k2"}, "Cookie": {"session=abc"},
				"Set-Cookie": {"a=1", "b=2"}, "Apikey": {"k3"},
			},
			map[string][]string{
				"X-Api-Key": {"[REDACTED]"}, "Api-Key": {"[REDACTED]"}, "Cookie": {"[REDACTED]"},
				"Set-Cookie": {"[REDACTED]", "[REDACTED]"}, "Apikey": {"[REDACTED]"},
			}},
		{"key, token and secret suffixes",
			http.Header{
				"X-Goog-Api-Key": {"g"}, "Anthropic-Admin-Key": {"a"}, "X-Auth-Token": {"t"},
				"X-Amz-Security-Token": {"s"}, "Client-Secret": {"c"}, "X-Upstream-Authorization": {"Bearer z"},
			},
			map[string][]string{
				"X-Goog-Api-Key": {"[REDACTED]"}, "Anthropic-Admin-Key": {"[REDACTED]"}, "X-Auth-Token": {"[REDACTED]"},
				"X-Amz-Security-Token": {"[REDACTED]"}, "Client-Secret": {"[REDACTED]"}, "X-Upstream-Authorization": {"[REDACTED]"},
			}},
		{"headers named in extra, any case",
			http.Header{"X-Custom-Thing": {"whatever"}, "X-Lowercase-Named": {"v1", "v2"}, "X-Empty": {"x"}},
			map[string][]string{"X-Custom-Thing": {"[REDACTED]"}, "X-Lowercase-Named": {"[REDACTED]", "[REDACTED]"}, "X-Empty": {"[REDACTED]"}}},
		{"value containing a custom header's value",
			http.Header{"X-Echo": {"prefix s3cr3t-value suffix", "clean"}, "Referer": {"https://h/?q=other-secret"}},
			map[string][]string{"X-Echo": {"[REDACTED]", "clean"}, "Referer": {"[REDACTED]"}}},
		{"ordinary headers kept, values in order",
			http.Header{
				"Content-Type": {"application/json"}, "Anthropic-Version": {"2023-06-01"},
				"Accept": {"a", "b", "c"}, "X-Request-Id": {"req-1"}, "Keyboard": {"qwerty"},
			},
			map[string][]string{
				"Content-Type": {"application/json"}, "Anthropic-Version": {"2023-06-01"},
				"Accept": {"a", "b", "c"}, "X-Request-Id": {"req-1"}, "Keyboard": {"qwerty"},
			}},
		{"empty header", http.Header{}, map[string][]string{}},
		{"nil header", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redactHeaders(tt.in, extra)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("redactHeaders(%v)\n got %v\nwant %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestRedactHeadersNoSecretLeft: over a request's worth of headers, no
// secret survives anywhere in the logged copy.
func TestRedactHeadersNoSecretLeft(t *testing.T) {
	secrets := []string{"sk-live-AAAA", "anthropic-BBBB", "custom-CCCC", "cookie-DDDD", "goog-EEEE"}
	h := http.Header{
		"Authorization":  {"Bearer " + secrets[0]},
		"X-Api-Key":      {secrets[1]},
		"X-Tenant":       {secrets[2]},
		"X-Copy":         {"token=" + secrets[2]},
		"Cookie":         {"s=" + secrets[3]},
		"X-Goog-Api-Key": {secrets[4]},
		"Content-Type":   {"application/json"},
	}
	out := fmt.Sprint(redactHeaders(h, [][2]string{{"X-Tenant", secrets[2]}}))
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("secret %q left in %s", s, out)
		}
	}
	if !strings.Contains(out, "application/json") {
		t.Errorf("ordinary header lost: %s", out)
	}
}

// TestRedactHeadersCopy: the log copy shares nothing writable with the
// relayed header, and one header's values cannot overwrite another's.
func TestRedactHeadersCopy(t *testing.T) {
	h := http.Header{"Accept": {"a", "b"}, "Content-Type": {"c"}}
	got := redactHeaders(h, nil)
	got["Accept"][0] = "changed"
	got["Accept"] = append(got["Accept"], "appended")
	if h.Get("Accept") != "a" || len(h["Accept"]) != 2 {
		t.Errorf("original changed: %v", h)
	}
	if got["Content-Type"][0] != "c" {
		t.Errorf("append to one header overwrote another: %v", got)
	}
	h.Set("Content-Type", "d")
	if got["Content-Type"][0] != "c" {
		t.Errorf("copy follows the original: %v", got)
	}
}

func TestRedactQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"alpha=1&beta=2", "alpha=1&beta=2"},
		{"key=AIzaSECRET", "key=REDACTED"},
		{"alt=sse&key=AIzaSECRET", "alt=sse&key=REDACTED"},
		{"key=AIza&alt=sse", "key=REDACTED&alt=sse"},
		{"API_KEY=a&Api-Key=b&TOKEN=c&access_token=d&Auth=e&password=f&secret=g&SIG=h", "API_KEY=REDACTED&Api-Key=REDACTED&TOKEN=REDACTED&access_token=REDACTED&Auth=REDACTED&password=REDACTED&secret=REDACTED&SIG=REDACTED"},
		{"client_secret=x&refresh_token=y&x-api-key=z", "client_secret=REDACTED&refresh_token=REDACTED&x-api-key=REDACTED"},
		{"api%5Fkey=encoded&monkey=banana", "api%5Fkey=REDACTED&monkey=banana"},
		{"key=", "key=REDACTED"},
		{"key", "key"}, // no value to hide
		{"a=1&&key=s&", "a=1&&key=REDACTED&"},
		{"key=a=b&x=%zz", "key=REDACTED&x=%zz"},
		{"q=key%3Dnot-a-param", "q=key%3Dnot-a-param"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := redactQuery(tt.in); got != tt.want {
				t.Errorf("redactQuery(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactQueryCleanNoAlloc(t *testing.T) {
	q := "model=gpt-4o&stream=true&alt=sse"
	if n := testing.AllocsPerRun(100, func() { _ = redactQuery(q) }); n != 0 {
		t.Errorf("clean query: %v allocations, want 0", n)
	}
}

// TestSensitiveNameMatchesFold: the lower-casing fast path decides every
// name exactly as the case-folding comparisons do: each listed name and
// ending in several cases and with prefixes, real header names, short and
// non-ASCII names and random ones; and it allocates nothing.
func TestSensitiveNameMatchesFold(t *testing.T) {
	names := []string{"", "Content-Type", "User-Agent", "Accept-Encoding", "Sec-Websocket-Key", "Idempotency-Key",
		"X-Api-Key", "x-goog-api-key", "Anthropic-Admin-Key", "X-Amz-Security-Token", "keys", "akey", "key-id",
		"\u212aey", "x-api-\u212aey", "Autho\u0280ization", "ünicode-token", "\xff-key",
		"X-API-KEY", "x_Api_kEy", "-", "_", "y", "n"}
	for _, list := range [][]string{sensitiveExact, sensitiveSuffix} {
		for _, s := range list {
			names = append(names, s, strings.ToUpper(s), http.CanonicalHeaderKey(s), "X-"+s, "x_"+s, s+"x", s[1:])
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "aAkKeEyYtToOnN-_sSiIgG"
	for range 20000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		names = append(names, string(b))
	}
	for _, n := range names {
		if got, want := sensitiveName(n), sensitiveNameFold(n); got != want {
			t.Errorf("sensitiveName(%q) = %v, folding says %v", n, got, want)
		}
	}
	for n, want := range map[string]bool{"X-Api-Key": true, "AUTHORIZATION": true, "\u212aey": true, "Content-Type": false} {
		if got := sensitiveName(n); got != want {
			t.Errorf("sensitiveName(%q) = %v, want %v", n, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { sensitiveName("X-Stainless-Retry-Count") }); n != 0 {
		t.Errorf("%v allocations a name", n)
	}
}

func TestRedactText(t *testing.T) {
	tests := []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"no secrets", "hello", nil, "hello"},
		{"empty secret ignored", "hello", []string{""}, "hello"},
		{"every occurrence", `{"k":"sk-1","again":"sk-1"}`, []string{"sk-1"}, `{"k":"[REDACTED]","again":"[REDACTED]"}`},
		{"longer secret first", "abcdef and abc", []string{"abc", "abcdef"}, "[REDACTED] and [REDACTED]"},
		{"absent secret", "hello", []string{"zzz"}, "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactText(tt.in, tt.secrets); got != tt.want {
				t.Errorf("redactText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if n := testing.AllocsPerRun(100, func() { _ = redactText("a clean body", []string{"sk-1", "sk-2"}) }); n != 0 {
		t.Errorf("clean text: %v allocations, want 0", n)
	}
}

// capPattern returns n bytes of varied printable text.
func capPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i*7%26)
	}
	return b
}

func TestCapture(t *testing.T) {
	tests := []struct {
		name      string
		chunks    []int
		wantLen   int
		wantTrunc bool
	}{
		{"nothing written", nil, 0, false},
		{"empty chunk", []int{0}, 0, false},
		{"small body", []int{100}, 100, false},
		{"exactly the cap in one write", []int{maxLogBody}, maxLogBody, false},
		{"one over the cap", []int{maxLogBody + 1}, maxLogBody, true},
		{"exactly the cap in chunks", []int{32 << 10, 32 << 10}, maxLogBody, false},
		{"cap reached, then an empty write", []int{maxLogBody, 0}, maxLogBody, false},
		{"cap reached, then one more byte", []int{maxLogBody, 1}, maxLogBody, true},
		{"chunks across the boundary", []int{30000, 30000, 30000}, maxLogBody, true},
		{"boundary inside the second chunk", []int{maxLogBody - 1, 2, 5}, maxLogBody, true},
		{"many small writes", capRepeat(1000, 100), maxLogBody, true},
		{"huge body", []int{1 << 20, 1 << 20}, maxLogBody, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total := 0
			for _, n := range tt.chunks {
				total += n
			}
			src := capPattern(total)
			var c capture
			c.enable(-1)
			off := 0
			for _, n := range tt.chunks {
				c.write(src[off : off+n])
				off += n
			}
			if got := c.bytes(); len(got) != tt.wantLen || !bytes.Equal(got, src[:tt.wantLen]) {
				t.Errorf("captured %d bytes (prefix ok: %v), want the first %d", len(got), bytes.HasPrefix(src, got), tt.wantLen)
			}
			if c.isTruncated() != tt.wantTrunc {
				t.Errorf("truncated = %v, want %v", c.isTruncated(), tt.wantTrunc)
			}
		})
	}
}

func capRepeat(n, times int) []int {
	s := make([]int, times)
	for i := range s {
		s[i] = n
	}
	return s
}

func TestCaptureDisabled(t *testing.T) {
	var zero capture
	zero.write([]byte("hello"))
	if zero.bytes() != nil || zero.isTruncated() || cap(zero.buf) != 0 {
		t.Errorf("zero value captured: %q", zero.bytes())
	}
	var nilc *capture
	nilc.write([]byte("hello")) // must not panic
	if nilc.bytes() != nil || nilc.isTruncated() {
		t.Error("nil capture captured")
	}
	chunk := capPattern(32 << 10)
	if n := testing.AllocsPerRun(50, func() {
		var c capture
		for range 8 {
			c.write(chunk)
		}
	}); n != 0 {
		t.Errorf("disabled capture: %v allocations, want 0", n)
	}
}

// TestCaptureReuse: reset and enable drop the old bytes and flag, keep the
// buffer, and a reused capture allocates nothing.
func TestCaptureReuse(t *testing.T) {
	var c capture
	c.enable(-1)
	c.write(capPattern(maxLogBody + 10))
	c.reset()
	c.write([]byte("ignored while disabled"))
	if len(c.bytes()) != 0 || c.isTruncated() {
		t.Fatalf("after reset: %d bytes, truncated %v", len(c.bytes()), c.isTruncated())
	}
	c.enable(-1)
	c.write([]byte("second"))
	if string(c.bytes()) != "second" || c.isTruncated() {
		t.Fatalf("second use: %q, truncated %v", c.bytes(), c.isTruncated())
	}
	chunk := capPattern(32 << 10)
	if n := testing.AllocsPerRun(50, func() {
		c.enable(-1)
		for range 8 {
			c.write(chunk)
		}
		c.reset()
	}); n != 0 {
		t.Errorf("reused capture: %v allocations, want 0", n)
	}
}

func TestCaptureAllocs(t *testing.T) {
	chunk := capPattern(32 << 10)
	tests := []struct {
		name    string
		hint    int64
		chunks  int
		wantCap int
	}{
		{"unknown length, 32 KiB chunks over the cap", -1, 8, maxLogBody},
		{"unknown length, one small chunk", -1, 1, maxLogBody},
		{"known small length", 32 << 10, 1, 32 << 10},
		{"known length over the cap", 10 << 20, 8, maxLogBody},
	}
	// A Content-Length that lies short costs one more allocation, straight
	// to the limit, however many chunks follow.
	if n := testing.AllocsPerRun(50, func() {
		var c capture
		c.enable(100)
		for range 8 {
			c.write(chunk[:1000])
		}
	}); n > 2 {
		t.Errorf("short hint: %v allocations per request, want at most 2", n)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c capture
			n := testing.AllocsPerRun(50, func() {
				c = capture{}
				c.enable(tt.hint)
				for range tt.chunks {
					c.write(chunk)
				}
			})
			if n > 1 {
				t.Errorf("%v allocations per request, want at most 1", n)
			}
			if cap(c.buf) != tt.wantCap {
				t.Errorf("buffer cap %d, want %d", cap(c.buf), tt.wantCap)
			}
		})
	}
}

// TestCapturePool: a pooled capture comes back enabled and empty, and the
// text decoded before putCapture survives the buffer's reuse.
func TestCapturePool(t *testing.T) {
	c := getCapture(-1)
	c.write([]byte("first body"))
	text, _ := decodeForLog(c.bytes(), "", c.isTruncated())
	putCapture(c)
	c2 := getCapture(-1)
	c2.write([]byte("XXXXXXXXXXXX"))
	if len(c2.bytes()) != 12 || c2.isTruncated() {
		t.Errorf("pooled capture holds %q", c2.bytes())
	}
	putCapture(c2)
	putCapture(nil)
	if text != "first body" {
		t.Errorf("decoded text changed with the buffer: %q", text)
	}
}

// BenchmarkCaptureWrite: one request per iteration, a fresh capture fed a
// 256 KiB body in 32 KiB chunks: allocs/op must be 1 (the buffer).
func BenchmarkCaptureWrite(b *testing.B) {
	chunk := capPattern(32 << 10)
	b.ReportAllocs()
	b.SetBytes(8 * int64(len(chunk)))
	for b.Loop() {
		var c capture
		c.enable(-1)
		for range 8 {
			c.write(chunk)
		}
		if !c.isTruncated() {
			b.Fatal("not truncated")
		}
	}
}

// BenchmarkCapturePooled: the same with a pooled capture, as the handler
// should use it: no allocation.
func BenchmarkCapturePooled(b *testing.B) {
	chunk := capPattern(32 << 10)
	b.ReportAllocs()
	b.SetBytes(8 * int64(len(chunk)))
	for b.Loop() {
		c := getCapture(-1)
		for range 8 {
			c.write(chunk)
		}
		putCapture(c)
	}
}

func capGzip(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func capZlib(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func capFlate(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// capJSON returns n bytes of a JSON-ish body that compresses only about
// 2-3×, so that a prefix of its gzip form decodes to a real prefix.
func capJSON(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	words := []string{"token", "model", "content", "assistant", "the", "of", "stream", "délai", "日本"}
	for b.Len() < n {
		fmt.Fprintf(&b, `{"w":"%s","n":%d},`, words[r.IntN(len(words))], r.IntN(100000))
	}
	return b.Bytes()[:n]
}

func TestDecodeForLog(t *testing.T) {
	body := []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"héllo"}]}`)
	big := capJSON(200 << 10)
	atCap := bytes.Repeat([]byte("a"), maxLogBody)
	overCap := bytes.Repeat([]byte("a"), maxLogBody+1)
	bomb := bytes.Repeat([]byte("a"), 10<<20)
	bigGz := capGzip(t, big)
	small := capJSON(40 << 10)
	smallGz, smallFlate := capGzip(t, small), capFlate(t, small)
	binary := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), capPattern(100)...)
	invalidUTF8 := []byte("caf\xe9 \xff\xfe ok")
	// A cut after the first two bytes of "日" (3 bytes).
	cutRune := append([]byte("price: "), []byte("日本")[:2]...)

	tests := []struct {
		name      string
		in        []byte
		enc       string
		truncIn   bool
		want      string                         // exact text, unless check is set
		check     func(t *testing.T, got string) // for prefixes of unknown length
		wantTrunc bool
	}{
		{"identity", body, "", false, string(body), nil, false},
		{"identity named", body, "identity", false, string(body), nil, false},
		{"identity, truncated flag passes through", body, "IDENTITY", true, string(body), nil, true},
		{"empty body", nil, "", false, "", nil, false},
		{"invalid UTF-8 kept as is", invalidUTF8, "", false, string(invalidUTF8), nil, false},
		{"partial rune at a cut dropped", cutRune, "", true, "price: ", nil, true},
		{"partial rune kept when not cut", cutRune, "", false, string(cutRune), nil, false},
		{"NUL bytes are binary", binary, "", false, "[binary body, 116 bytes]", nil, false},
		{"tabs, CR, ESC are text", []byte("a\tb\r\n\x1b[1m"), "", false, "a\tb\r\n\x1b[1m", nil, false},
		{"identity over the cap is cut", overCap, "", false, string(atCap), nil, true},
		{"gzip", capGzip(t, body), "gzip", false, string(body), nil, false},
		{"x-gzip, any case and space", capGzip(t, body), " X-GZIP ", false, string(body), nil, false},
		{"gzip empty body", capGzip(t, nil), "gzip", false, "", nil, false},
		{"gzip exactly at the cap", capGzip(t, atCap), "gzip", false, string(atCap), nil, false},
		{"gzip one over the cap", capGzip(t, overCap), "gzip", false, string(atCap), nil, true},
		{"gzip bomb stops at the cap", capGzip(t, bomb), "gzip", false, string(atCap), nil, true},
		{"gzip binary", capGzip(t, binary), "gzip", false, "[binary body, 116 bytes]", nil, false},
		{"truncated gzip decodes a prefix", bigGz[:maxLogBody/2], "gzip", true, "", func(t *testing.T, got string) {
			if len(got) < 1000 || !bytes.HasPrefix(big, []byte(got)) {
				t.Errorf("got %d bytes, prefix of the body: %v", len(got), bytes.HasPrefix(big, []byte(got)))
			}
		}, true},
		{"truncated gzip, flag unset, still reported cut", bigGz[:len(bigGz)/2], "gzip", false, "", func(t *testing.T, got string) {
			if len(got) == 0 || !bytes.HasPrefix(big, []byte(got)) {
				t.Errorf("got %d bytes, prefix of the body: %v", len(got), bytes.HasPrefix(big, []byte(got)))
			}
		}, true},
		{"truncated gzip, prefix under the cap", smallGz[:len(smallGz)/2], "gzip", true, "", func(t *testing.T, got string) {
			if len(got) < 1000 || len(got) >= len(small) || !bytes.HasPrefix(small, []byte(got)) {
				t.Errorf("got %d of %d bytes, prefix of the body: %v", len(got), len(small), bytes.HasPrefix(small, []byte(got)))
			}
		}, true},
		{"truncated raw deflate, prefix under the cap", smallFlate[:len(smallFlate)/2], "deflate", true, "", func(t *testing.T, got string) {
			if len(got) < 1000 || len(got) >= len(small) || !bytes.HasPrefix(small, []byte(got)) {
				t.Errorf("got %d of %d bytes, prefix of the body: %v", len(got), len(small), bytes.HasPrefix(small, []byte(got)))
			}
		}, true},
		{"gzip header only", bigGz[:12], "gzip", true, "[gzip-encoded body, 12 bytes captured, could not be decoded]", nil, true},
		{"gzip cut inside the header", bigGz[:5], "gzip", true, "[gzip-encoded body, 5 bytes captured, could not be decoded]", nil, true},
		{"corrupt gzip", []byte("this is not gzip at all"), "gzip", false, "[gzip-encoded body, 23 bytes, could not be decoded]", nil, false},
		{"deflate (zlib)", capZlib(t, body), "deflate", false, string(body), nil, false},
		{"deflate (raw)", capFlate(t, body), "Deflate", false, string(body), nil, false},
		{"truncated zlib decodes a prefix", capZlib(t, big)[:20000], "deflate", true, "", func(t *testing.T, got string) {
			if len(got) < 1000 || !bytes.HasPrefix(big, []byte(got)) {
				t.Errorf("got %d bytes, prefix of the body: %v", len(got), bytes.HasPrefix(big, []byte(got)))
			}
		}, true},
		{"deflate over the cap", capZlib(t, big), "deflate", false, "", func(t *testing.T, got string) {
			// The cut may drop a partial rune: up to 3 bytes short.
			if len(got) > maxLogBody || len(got) < maxLogBody-3 || !bytes.HasPrefix(big, []byte(got)) {
				t.Errorf("got %d bytes, prefix of the body: %v", len(got), bytes.HasPrefix(big, []byte(got)))
			}
		}, true},
		{"br not decoded", []byte{1, 2, 3, 4}, "br", false, "[br-encoded body, 4 bytes, not decoded]", nil, false},
		{"zstd truncated", make([]byte, maxLogBody), "zstd", true, "[zstd-encoded body, 65536 bytes captured, not decoded]", nil, true},
		{"stacked encodings not decoded", []byte{1, 2}, "gzip, br", false, "[gzip, br-encoded body, 2 bytes, not decoded]", nil, false},
		{"long unknown encoding shortened", []byte{1}, strings.Repeat("x", 100), false,
			"[" + strings.Repeat("x", 32) + "…-encoded body, 1 bytes, not decoded]", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, trunc := decodeForLog(tt.in, tt.enc, tt.truncIn)
			if tt.check != nil {
				tt.check(t, got)
			} else if got != tt.want {
				t.Errorf("text = %.120q (%d bytes), want %.120q (%d bytes)", got, len(got), tt.want, len(tt.want))
			}
			if trunc != tt.wantTrunc {
				t.Errorf("stillTruncated = %v, want %v", trunc, tt.wantTrunc)
			}
		})
	}
}

// TestDecodeCapturedGzip: the two helpers together, as the handler will
// use them: a gzip response longer than the capture limit, written in
// chunks, is logged as its decoded prefix.
func TestDecodeCapturedGzip(t *testing.T) {
	big := capJSON(1 << 20)
	gz := capGzip(t, big)
	if len(gz) <= maxLogBody {
		t.Fatalf("test body compresses to %d bytes, want more than the capture limit", len(gz))
	}
	var c capture
	c.enable(int64(len(gz)))
	for off := 0; off < len(gz); off += 4096 {
		c.write(gz[off:min(off+4096, len(gz))])
	}
	text, trunc := decodeForLog(c.bytes(), "gzip", c.isTruncated())
	if !trunc || len(text) == 0 || len(text) > maxLogBody || !bytes.HasPrefix(big, []byte(text)) {
		t.Errorf("decoded %d bytes, truncated %v, prefix %v", len(text), trunc, bytes.HasPrefix(big, []byte(text)))
	}
}

// isBinary's word-at-a-time test must agree with the byte-by-byte rule for
// every byte value at every position of a word and of the tail, next to
// text bytes and next to bytes ≥ 0x80 (whose high bit the word test reads).
func TestIsBinaryMatchesByteRule(t *testing.T) {
	for _, fill := range []byte{'a', 0x20, 0x7f, 0x80, 0xff, '\n'} {
		for n := 1; n <= 19; n++ {
			for pos := range n {
				for v := range 256 {
					b := bytes.Repeat([]byte{fill}, n)
					b[pos] = byte(v)
					if got, want := isBinary(b), hasBinaryByte(b); got != want {
						t.Fatalf("isBinary(%x) = %v, want %v", b, got, want)
					}
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			// Mostly text, sometimes a control byte or a high byte.
			switch r.IntN(10) {
			case 0:
				b[i] = byte(r.IntN(0x20))
			case 1:
				b[i] = byte(0x80 + r.IntN(0x80))
			default:
				b[i] = byte(0x20 + r.IntN(0x5f))
			}
		}
		if got, want := isBinary(b), hasBinaryByte(b); got != want {
			t.Fatalf("isBinary(%x) = %v, want %v", b, got, want)
		}
	}
}
