package storage

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

func countChunks(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM request_log_captures`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCaptureChunksRoundTrip: a batch whose captures exceed one chunk is
// split into several compressed chunks, and every entry reads back exactly
// what was captured (an entry without a capture, empty and multi-valued
// headers, truncation flags, unicode and binary-looking bodies included).
func TestCaptureChunksRoundTrip(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	big := strings.Repeat("0123456789abcdef", 40<<10) // 640 KiB: two of these fill a chunk
	captures := []*model.LogCapture{
		{RequestHeaders: map[string][]string{"Content-Type": {"application/json"}, "X-Multi": {"a", "", "c"}},
			ResponseHeaders: map[string][]string{}, RequestBody: `{"m":"héllo ✓ \u0000"}`, ResponseBody: ""},
		nil,
		{RequestBody: big, ResponseBody: big[:100], RequestBodyTruncated: true},
		{RequestHeaders: map[string][]string{"A": {strings.Repeat("v", 300)}}, ResponseBody: big, ResponseBodyTruncated: true},
		{ResponseHeaders: map[string][]string{"Content-Encoding": {"gzip"}}, RequestBody: "x"},
	}
	var entries []model.LogEntry
	for i, c := range captures {
		e := logEntry(fmt.Sprintf("c%d", i), testTime, "p", "m", 200, 5, 1)
		e.Capture = c
		entries = append(entries, e)
	}
	insertLogs(t, s, entries...)
	if n := countChunks(t, s); n < 2 {
		t.Errorf("%d capture chunks for %d MiB of captures, want at least 2", n, 2)
	}
	for i, c := range captures {
		got, err := s.GetLog(ctx, entries[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := model.LogCapture{RequestHeaders: map[string][]string{}, ResponseHeaders: map[string][]string{}}
		if c != nil {
			want = *c
			if want.RequestHeaders == nil {
				want.RequestHeaders = map[string][]string{}
			}
			if want.ResponseHeaders == nil {
				want.ResponseHeaders = map[string][]string{}
			}
		}
		if !reflect.DeepEqual(got.LogCapture, want) {
			t.Errorf("entry %d: capture differs (request body %d bytes, want %d; headers %v, want %v)",
				i, len(got.RequestBody), len(want.RequestBody), got.RequestHeaders, want.RequestHeaders)
		}
	}
}

// TestCaptureStoredInlineBeforeMigrate6: an entry whose capture was stored
// in its row (before captures moved into chunks) still reads back whole.
func TestCaptureStoredInlineBeforeMigrate6(t *testing.T) {
	ctx := context.Background()
	old := openOld(t, 5)
	if _, err := old.db.ExecContext(ctx, `INSERT INTO request_logs (id, started_at_ms, method, path, model,
		provider_key, upstream_model, stream, status, is_error, error_type, error_message, latency_ms,
		ttfb_ms, bytes_in, bytes_out, client_request_id, request_headers_json, response_headers_json,
		request_body_truncated, response_body, request_body)
		VALUES ('old1', 1, 'POST', '/v1/chat/completions', 'gpt', 'openai', 'gpt', 0, 200, 0, '', '', 5, 3,
		10, 20, 'old1', '{"Content-Type":["application/json"]}', '{"X-Id":["1","2"]}', 1, 'answer', 'question')`); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, old)
	got, err := s.GetLog(ctx, "old1")
	if err != nil {
		t.Fatal(err)
	}
	want := model.LogCapture{RequestHeaders: map[string][]string{"Content-Type": {"application/json"}},
		ResponseHeaders: map[string][]string{"X-Id": {"1", "2"}}, RequestBody: "question", ResponseBody: "answer",
		RequestBodyTruncated: true}
	if !reflect.DeepEqual(got.LogCapture, want) {
		t.Errorf("inline capture:\n got %+v\nwant %+v", got.LogCapture, want)
	}
}

// TestTrimAndClearDropCaptureChunks: a chunk goes when the last entry
// pointing into it is trimmed, not before; clearing the log drops them all.
func TestTrimAndClearDropCaptureChunks(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	for b := range 3 {
		var batch []model.LogEntry
		for i := range 4 {
			e := logEntry(fmt.Sprintf("t%d%d", b, i), testTime, "p", "m", 200, 5, 1)
			e.Capture = &model.LogCapture{RequestBody: fmt.Sprintf("batch %d entry %d", b, i)}
			batch = append(batch, e)
		}
		insertLogs(t, s, batch...)
	}
	if n := countChunks(t, s); n != 3 {
		t.Fatalf("%d chunks after 3 batches, want 3", n)
	}
	// Keep the newest 6 entries: half of batch 1 and all of batch 2.
	if _, err := s.TrimLogs(ctx, testTime, 0, 6, 0); err != nil {
		t.Fatal(err)
	}
	if n := countChunks(t, s); n != 2 {
		t.Errorf("%d chunks after trimming batch 0 and half of batch 1, want 2", n)
	}
	for _, id := range []string{"t12", "t13", "t23"} {
		got, err := s.GetLog(ctx, id)
		if err != nil || !strings.HasPrefix(got.RequestBody, "batch ") {
			t.Errorf("GetLog(%s) after trim = %q, %v", id, got.RequestBody, err)
		}
	}
	if _, err := s.DeleteLogs(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countChunks(t, s); n != 0 {
		t.Errorf("%d chunks after clearing the log, want 0", n)
	}
}

// FuzzDecodeCapture: any capture encodes and decodes to itself, and no
// byte string makes the decoder panic or allocate beyond its input.
func FuzzDecodeCapture(f *testing.F) {
	f.Add("Content-Type", "application/json", "{}", "answer", true, []byte{1, 0, 0, 0, 0, 0})
	f.Add("", "", "", "", false, []byte{1, 3, 255, 255, 255, 255, 15})
	f.Fuzz(func(t *testing.T, k, v, reqBody, respBody string, truncated bool, raw []byte) {
		c := model.LogCapture{
			RequestHeaders:       map[string][]string{k: {v, v}},
			ResponseHeaders:      map[string][]string{},
			RequestBody:          reqBody,
			ResponseBody:         respBody,
			RequestBodyTruncated: truncated,
		}
		enc := appendCapture(nil, nil, &c, nil)
		got, err := decodeCapture(enc)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("round trip: %+v, %v; want %+v", got, err, c)
		}
		_, _ = decodeCapture(raw)
	})
}

// TestHeaderOrderFollowsEachSet: encoding with the orders of the sets
// before gives the same bytes as encoding alone, whether a set has the
// last one's names (with other values), as many other names, or more or
// fewer names, and every capture decodes to itself.
func TestHeaderOrderFollowsEachSet(t *testing.T) {
	a := map[string][]string{"Content-Type": {"application/json"}, "Authorization": {"Bearer x"}, "Accept": {"*/*"}}
	aOther := map[string][]string{"Content-Type": {"text/plain"}, "Authorization": {"Bearer y", "Bearer z"}, "Accept": {}}
	sameSize := map[string][]string{"Content-Type": {"application/json"}, "X-Api-Key": {"k"}, "Accept": {"*/*"}}
	larger := map[string][]string{"Content-Type": {"a"}, "Authorization": {"b"}, "Accept": {"c"}, "Zz": {"d"}}
	seq := []model.LogCapture{
		{RequestHeaders: a, ResponseHeaders: map[string][]string{}},
		{RequestHeaders: a, ResponseHeaders: a, RequestBody: "b"},
		{RequestHeaders: aOther, ResponseHeaders: sameSize},
		{RequestHeaders: sameSize, ResponseHeaders: larger},
		{RequestHeaders: larger, ResponseHeaders: a},
		{RequestHeaders: map[string][]string{}, ResponseHeaders: map[string][]string{}},
		{RequestHeaders: a, ResponseHeaders: aOther, ResponseBody: "r"},
	}
	var orders headerOrders
	for i := range seq {
		c := &seq[i]
		got := appendCapture(nil, &orders, c, nil)
		if want := appendCapture(nil, nil, c, nil); !bytes.Equal(got, want) {
			t.Errorf("capture %d: encoded after the others as %q, alone as %q", i, got, want)
		}
		back, err := decodeCapture(got)
		if err != nil || !reflect.DeepEqual(back, *c) {
			t.Errorf("capture %d: decoded to %+v, %v", i, back, err)
		}
	}
}

// TestLogWriterStoresEachCapture: through the writer (captures encoded as
// entries arrive, buffers reused from batch to batch, redacted first),
// every entry reads back its own capture, whatever batch it was in.
func TestLogWriterStoresEachCapture(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	w := NewLogWriter(s, LogWriterConfig{BatchSize: 3, FlushInterval: time.Hour,
		Redact: func(v string) string { return strings.ReplaceAll(v, "sk-secret", "[REDACTED]") }})
	want := map[string]model.LogCapture{}
	for i := range 10 {
		e := logEntry(fmt.Sprintf("w%02d", i), testTime, "p", "m", 200, 5, 1)
		if i != 4 { // one entry without a capture
			body := fmt.Sprintf("request %d %s", i, strings.Repeat("x", i*100))
			e.Capture = &model.LogCapture{RequestHeaders: map[string][]string{"Authorization": {"Bearer sk-secret"}},
				ResponseHeaders: map[string][]string{}, RequestBody: body + " sk-secret", ResponseBody: fmt.Sprintf("answer %d", i)}
			want[e.ID] = model.LogCapture{RequestHeaders: map[string][]string{"Authorization": {"Bearer [REDACTED]"}},
				ResponseHeaders: map[string][]string{}, RequestBody: body + " [REDACTED]", ResponseBody: fmt.Sprintf("answer %d", i)}
		} else {
			want[e.ID] = model.LogCapture{RequestHeaders: map[string][]string{}, ResponseHeaders: map[string][]string{}}
		}
		w.Enqueue(e)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for id, c := range want {
		got, err := s.GetLog(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.LogCapture, c) {
			t.Errorf("%s: capture\n got %+v\nwant %+v", id, got.LogCapture, c)
		}
	}
	if n := countChunks(t, s); n != 4 {
		t.Errorf("%d chunks for 4 batches, want 4", n)
	}
	// Each chunk holds exactly its own batch's captures: nothing left over
	// from an earlier batch in a reused buffer.
	used := map[int64]int{} // chunk id → bytes of its entries' captures
	blocks, err := readBlocks(ctx, s.db, `SELECT id, data FROM request_log_blocks`)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		for _, e := range b.entries {
			used[e.ref.chunk] += e.ref.n
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, data FROM request_log_captures`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var packed []byte
		if err := rows.Scan(&id, &packed); err != nil {
			t.Fatal(err)
		}
		raw, err := captureDecoder().DecodeAll(packed, nil)
		if err != nil || len(raw) != used[id] {
			t.Errorf("chunk %d holds %d bytes (%v), its entries' captures %d", id, len(raw), err, used[id])
		}
	}
}

// BenchmarkAppendCapture measures encoding one capture as the LogWriter
// does on taking an entry: the header sets a proxied chat request and its
// answer carry, and bodies of ~1 KB and ~0.5 KB.
func BenchmarkAppendCapture(b *testing.B) {
	c := &model.LogCapture{
		RequestHeaders: map[string][]string{"Content-Type": {"application/json"}, "Authorization": {"Bearer [REDACTED]"},
			"User-Agent": {"OpenAI/Go 1.12.0"}, "Accept-Encoding": {"gzip"}, "Content-Length": {"1042"},
			"X-Stainless-Lang": {"go"}, "X-Stainless-Retry-Count": {"0"}},
		ResponseHeaders: map[string][]string{"Content-Type": {"application/json"}, "Content-Length": {"498"},
			"X-Request-Id": {"req_bench"}, "Date": {"Sat, 28 Nov 2026 07:00:00 GMT"}},
		RequestBody:  `{"model":"gpt-4o","messages":[{"role":"user","content":"` + strings.Repeat("hello ", 160) + `"}]}`,
		ResponseBody: `{"id":"chatcmpl-1","choices":[{"message":{"role":"assistant","content":"` + strings.Repeat("world ", 70) + `"}}]}`,
	}
	var dst []byte
	var orders headerOrders
	for b.Loop() {
		dst = appendCapture(dst[:0], &orders, c, nil)
	}
}
