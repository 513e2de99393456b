package storage

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

func TestRecordRoundTrip(t *testing.T) {
	src := model.ErrorSourceUpstream
	full := model.LogEntry{ID: "0000019a2b3c4d5e0001abcd", StartedAt: testTime.Add(1234 * time.Millisecond),
		Method: "POST", Path: "/v1/messages", Model: "claude", ProviderKey: "anth", UpstreamModel: "claude-x",
		Stream: true, Status: 529, ErrorSource: &src, ErrorType: "overloaded_error", ErrorMessage: "Overloaded ✓",
		LatencyMs: 1500, TTFBMs: -1, BytesIn: 300, BytesOut: 1 << 40,
		Usage:           &model.Usage{PromptTokens: 12, CompletionTokens: 0},
		ClientRequestID: "c1", Attempt: 2, Attempts: 3}
	huge := logEntry("huge", testTime, "p", "m", 500, 1, 1)
	huge.ErrorMessage = strings.Repeat("x", 3<<20) // a length of 4 varint bytes
	tiny := model.LogEntry{ID: "t", StartedAt: time.UnixMilli(0).UTC()}
	for _, tc := range []struct {
		name string
		e    model.LogEntry
		ref  captureRef
		want model.LogEntry
	}{
		{"every field", full, captureRef{chunk: 7, off: 1 << 20, n: 300}, full},
		{"huge message", huge, captureRef{}, huge},
		{"zero fields: attempt 1 of 1 under its own id", tiny, captureRef{},
			model.LogEntry{ID: "t", StartedAt: tiny.StartedAt, ClientRequestID: "t", Attempt: 1, Attempts: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := appendRecord([]byte{blockFormat}, &tc.e, tc.ref)
			raw = appendRecord(raw, &tiny, captureRef{}) // a neighbour, to catch a wrong length
			got, err := decodeBlock(captureEncoder().EncodeAll(raw, nil))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[1].ID != "t" {
				t.Fatalf("decoded %d entries", len(got))
			}
			if !reflect.DeepEqual(got[0].LogEntry, tc.want) || got[0].ref != tc.ref {
				t.Errorf("round trip:\n got %+v %+v\nwant %+v %+v", got[0].LogEntry, got[0].ref, tc.want, tc.ref)
			}
		})
	}
}

// FuzzDecodeRecord: any bytes decode to an entry or an error, never a
// panic; a decoded entry survives encoding (once its attempt fields are
// normalised, as appendRecord does).
func FuzzDecodeRecord(f *testing.F) {
	e := logEntry("r1", testTime, "p", "m", 429, 10, 5)
	e.Usage = &model.Usage{PromptTokens: 3}
	rec := appendRecord(nil, &e, captureRef{chunk: 2, off: 10, n: 20})
	f.Add(rec[1:])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		se, err := decodeRecord(b)
		if err != nil {
			return
		}
		once := reencode(t, se)
		if twice := reencode(t, once); !reflect.DeepEqual(twice.LogEntry, once.LogEntry) || twice.ref != once.ref {
			t.Errorf("re-encoded entry decodes to %+v, want %+v", twice.LogEntry, once.LogEntry)
		}
	})
}

func reencode(t *testing.T, se storedEntry) storedEntry {
	rec := appendRecord(nil, &se.LogEntry, se.ref)
	n, k := binary.Uvarint(rec)
	if k <= 0 || int(n) != len(rec)-k {
		t.Fatalf("record length %d (%d bytes) for a body of %d", n, k, len(rec)-k)
	}
	back, err := decodeRecord(rec[k:])
	if err != nil {
		t.Fatalf("re-encoded entry: %v", err)
	}
	return back
}

// blockSizes lists the entries of each block, oldest first.
func blockSizes(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.db.Query(`SELECT entries FROM request_log_blocks ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// insertInBatches stores n entries r0…r(n-1) a second apart, in batches
// of size, each with a capture; every 7th is an error.
func insertInBatches(t *testing.T, s *Store, n, size int, start time.Time) {
	t.Helper()
	for i := 0; i < n; i += size {
		var batch []model.LogEntry
		for j := i; j < min(i+size, n); j++ {
			status := 200
			if j%7 == 0 {
				status = 500
			}
			e := logEntry(fmt.Sprintf("r%04d", j), start.Add(time.Duration(j)*time.Second), "p", "m", status, 1, 1)
			e.Capture = &model.LogCapture{RequestHeaders: map[string][]string{"X-N": {fmt.Sprint(j)}}, RequestBody: fmt.Sprintf(`{"n":%d}`, j)}
			batch = append(batch, e)
		}
		insertLogs(t, s, batch...)
	}
}

func TestSmallBatchesFillBlocks(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	insertInBatches(t, s, 600, 15, testTime)
	// 17 batches fill 255 places, the 18th tops the block up with one
	// entry and starts the next block with 14.
	if got := blockSizes(t, s); !slices.Equal(got, []int{256, 256, 88}) {
		t.Errorf("block sizes %v, want [256 256 88]", got)
	}
	if n, err := s.CountLogs(ctx); err != nil || n != 600 {
		t.Errorf("CountLogs = %d, %v", n, err)
	}
	// Paging by cursor walks every entry once, newest first, across the
	// block boundaries; the errors filter skips nothing it should keep.
	for _, errs := range []bool{false, true} {
		var got []string
		f := model.LogFilter{Limit: 70, Errors: errs}
		for range 20 { // 9 pages hold them all; more means the cursor is stuck
			page, err := s.ListLogs(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, logIDs(page)...)
			f.Before = page[len(page)-1].ID
		}
		var want []string
		for j := 599; j >= 0; j-- {
			if !errs || j%7 == 0 {
				want = append(want, fmt.Sprintf("r%04d", j))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("errors=%v: paged %d entries, want %d (first %v)", errs, len(got), len(want), got[:min(3, len(got))])
		}
	}
	for _, j := range []int{0, 255, 256, 599} {
		d, err := s.GetLog(ctx, fmt.Sprintf("r%04d", j))
		if err != nil || d.RequestBody != fmt.Sprintf(`{"n":%d}`, j) || d.RequestHeaders["X-N"][0] != fmt.Sprint(j) {
			t.Errorf("GetLog(r%04d) = %+v, %v", j, d.LogCapture, err)
		}
	}
}

func TestTrimAcrossBlocks(t *testing.T) {
	ctx := context.Background()
	t.Run("rows", func(t *testing.T) {
		s := openTestStore(t)
		insertInBatches(t, s, 600, 200, testTime) // blocks of 256, 256, 88
		chunksBefore := countChunks(t, s)
		n, err := s.TrimLogs(ctx, testTime, 0, 300, 0)
		if err != nil || n != 300 {
			t.Fatalf("TrimLogs = %d, %v; want 300", n, err)
		}
		// The first block goes whole, the second loses its oldest 44.
		if got := blockSizes(t, s); !slices.Equal(got, []int{212, 88}) {
			t.Errorf("block sizes %v, want [212 88]", got)
		}
		all, _ := s.ListLogs(ctx, model.LogFilter{Limit: 1000})
		if len(all) != 300 || all[0].ID != "r0599" || all[299].ID != "r0300" {
			t.Errorf("left %d entries, %v … %v", len(all), all[0].ID, all[len(all)-1].ID)
		}
		if _, err := s.GetLog(ctx, "r0299"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("trimmed r0299: %v", err)
		}
		if d, err := s.GetLog(ctx, "r0300"); err != nil || d.RequestBody != `{"n":300}` {
			t.Errorf("kept r0300: %+v, %v", d.LogCapture, err)
		}
		if after := countChunks(t, s); after >= chunksBefore {
			t.Errorf("%d capture chunks after the trim, %d before", after, chunksBefore)
		}
	})
	t.Run("age", func(t *testing.T) {
		s := openTestStore(t)
		insertInBatches(t, s, 600, 200, testTime)
		// Entries started a second apart: a cutoff after r0250 falls in
		// the second block.
		now := testTime.Add(250*time.Second + 24*time.Hour + 500*time.Millisecond)
		n, err := s.TrimLogs(ctx, now, 1, 0, 0)
		if err != nil || n != 251 {
			t.Fatalf("TrimLogs = %d, %v; want 251", n, err)
		}
		all, _ := s.ListLogs(ctx, model.LogFilter{Limit: 1000})
		if len(all) != 349 || all[348].ID != "r0251" {
			t.Errorf("left %d entries, oldest %v", len(all), all[len(all)-1].ID)
		}
		st, _ := s.LogStats(ctx, testTime.Add(-time.Hour))
		if st.Requests < 349 || st.Requests > 349+60 {
			t.Errorf("statistics count %d requests for 349 entries (their first minute is kept whole)", st.Requests)
		}
	})
}

func TestMigrate7MovesRowsIntoBlocks(t *testing.T) {
	ctx := context.Background()
	old := openOld(t, 6)
	tx, err := old.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 300 rows (more than one page of the move): every 3rd with its
	// capture in a chunk, as migrate6's writer stored them, every 3rd+1
	// with an inline capture, as before migrate6, the rest without.
	var caps captureBatch
	for i := range 300 {
		if i%3 == 0 {
			caps.add(&model.LogCapture{RequestHeaders: map[string][]string{"X-N": {fmt.Sprint(i)}}, ResponseBody: fmt.Sprint("body ", i)})
		} else {
			caps.add(nil)
		}
	}
	if err := caps.store(ctx, tx); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		var chunk, off, n, reqHeaders, respBody any
		if r := caps.refs[i]; r.chunk != 0 {
			chunk, off, n = r.chunk, r.off, r.n
		}
		if i%3 == 1 {
			reqHeaders, respBody = `{"X-N":["`+fmt.Sprint(i)+`"]}`, []byte(fmt.Sprint("body ", i))
		}
		status, source := 200, sql.NullString{}
		if i%5 == 0 {
			status, source = 502, sql.NullString{String: model.ErrorSourceProxy, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO request_logs (id, started_at_ms, method, path, model,
			provider_key, upstream_model, stream, status, is_error, error_source, error_type, error_message,
			latency_ms, ttfb_ms, bytes_in, bytes_out, prompt_tokens, client_request_id, attempt, attempts,
			request_headers_json, response_body, capture_chunk, capture_off, capture_len)
			VALUES (?, ?, 'POST', '/v1/chat/completions', 'gpt', 'openai', 'gpt-up', 1, ?, ?, ?, '', 'msg',
			5, 3, 10, 20, 7, ?, 1, 1, ?, ?, ?, ?, ?)`,
			fmt.Sprintf("old%03d", i), testTime.Add(time.Duration(i)*time.Second).UnixMilli(), status,
			status >= 400, source, fmt.Sprintf("old%03d", i), reqHeaders, respBody, chunk, off, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, old)
	var tables int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'request_logs'`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("request_logs still there (%d, %v)", tables, err)
	}
	all, err := s.ListLogs(ctx, model.LogFilter{Limit: 1000})
	if err != nil || len(all) != 300 {
		t.Fatalf("%d entries after the move, %v", len(all), err)
	}
	for k, e := range all {
		i := 299 - k
		src := e.ErrorSource != nil && *e.ErrorSource == model.ErrorSourceProxy
		if e.ID != fmt.Sprintf("old%03d", i) || !e.StartedAt.Equal(testTime.Add(time.Duration(i)*time.Second)) ||
			!e.Stream || e.UpstreamModel != "gpt-up" || e.Usage == nil || e.Usage.PromptTokens != 7 ||
			src != (i%5 == 0) || e.ErrorMessage != "msg" || e.LatencyMs != 5 || e.BytesOut != 20 {
			t.Fatalf("entry %d moved as %+v", i, e)
		}
	}
	// The moved blocks carry the summaries the filters test first.
	for _, f := range []model.LogFilter{
		{Errors: true}, {StatusClass: model.StatusClass5xx}, {Status: 502},
		{Provider: "openai", Errors: true}, {Model: "gpt", Errors: true},
	} {
		f.Limit = 1000
		if got, err := s.ListLogs(ctx, f); err != nil || len(got) != 60 {
			t.Errorf("ListLogs(%+v) after the move: %d entries, %v; want the 60 failed ones", f, len(got), err)
		}
	}
	for _, f := range []model.LogFilter{{Provider: "anthropic"}, {Model: "gpt-up"}, {StatusClass: model.StatusClass4xx}} {
		f.Limit = 1000
		if got, err := s.ListLogs(ctx, f); err != nil || len(got) != 0 {
			t.Errorf("ListLogs(%+v) after the move: %d entries, %v; want none", f, len(got), err)
		}
	}
	for _, i := range []int{0, 1, 2, 255, 256, 257} {
		d, err := s.GetLog(ctx, fmt.Sprintf("old%03d", i))
		if err != nil {
			t.Fatal(err)
		}
		// A chunk (i%3 == 0) and an inline capture (1) come back alike.
		want := model.LogCapture{RequestHeaders: map[string][]string{"X-N": {fmt.Sprint(i)}},
			ResponseHeaders: map[string][]string{}, ResponseBody: fmt.Sprint("body ", i)}
		if i%3 == 2 {
			want = model.LogCapture{RequestHeaders: map[string][]string{}, ResponseHeaders: map[string][]string{}}
		}
		if !reflect.DeepEqual(d.LogCapture, want) {
			t.Errorf("old%03d capture %+v, want %+v", i, d.LogCapture, want)
		}
	}
}

func TestBlocksBoundedByBytes(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	big := func(id string) model.LogEntry {
		e := logEntry(id, testTime, "p", "m", 500, 1, 1)
		e.ErrorMessage = strings.Repeat(id, 600<<10/len(id))
		return e
	}
	// Two 600 KB entries pass the 1 MiB bound; the third starts a block.
	insertLogs(t, s, big("b1"), big("b2"), big("b3"))
	if got := blockSizes(t, s); !slices.Equal(got, []int{2, 1}) {
		t.Errorf("block sizes %v, want [2 1]", got)
	}
	// A small entry joins the newest block, which has room left.
	insertLogs(t, s, logEntry("s1", testTime, "p", "m", 200, 1, 1))
	if got := blockSizes(t, s); !slices.Equal(got, []int{2, 2}) {
		t.Errorf("block sizes %v, want [2 2]", got)
	}
	all, err := s.ListLogs(ctx, model.LogFilter{})
	if ids := logIDs(all); err != nil || !slices.Equal(ids, []string{"s1", "b3", "b2", "b1"}) {
		t.Fatalf("entries %v, %v", ids, err)
	}
	if all[1].ErrorMessage != big("b3").ErrorMessage {
		t.Errorf("b3's message came back as %d bytes", len(all[1].ErrorMessage))
	}
}

// TestBlockSummaryQueriesUseIndexes: the queries that run on every trim,
// statistics call and entry lookup read the small summary indexes, not
// the block table's rows, which are mostly data.
func TestBlockSummaryQueriesUseIndexes(t *testing.T) {
	s := openTestStore(t)
	const byTime, byID = "request_log_blocks_by_time", "request_log_blocks_by_id_range"
	for _, tc := range []struct {
		name, q, index string
		args           int
	}{
		{"count", sqlCountLogs, byTime, 0},
		{"count older", sqlCountOlderBlocks, byTime, 1},
		{"delete older", sqlDeleteOlder, byTime, 1},
		{"straddling", sqlStraddlingBlocks, byTime, 1},
		{"statistics", sqlStatsBlocks, byTime, 2},
		{"trim minutes", sqlTrimMinutes, byTime, 0},
		{"trim captures", sqlTrimCaptures, byTime, 0},
		{"by id", sqlBlocksWithID, byID, 1},
	} {
		plan := queryPlan(t, s, tc.q, tc.args)
		if !strings.Contains(plan, "USING INDEX "+tc.index) && !strings.Contains(plan, "USING COVERING INDEX "+tc.index) {
			t.Errorf("%s does not use %s: %s", tc.name, tc.index, plan)
		}
	}
}

// queryPlan is SQLite's EXPLAIN QUERY PLAN of q with args null
// parameters, its lines joined by "; ".
func queryPlan(t *testing.T, s *Store, q string, args int) string {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q, make([]any, args)...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan += detail + "; "
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestListFiltersAcrossBlocks: the block summaries rule out blocks that
// cannot match and never one that can: each block below holds one kind
// of entry, and every filter finds exactly its entries.
func TestListFiltersAcrossBlocks(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	group := func(id, client string, attempt int) model.LogEntry {
		e := logEntry(id, testTime, "g", "grouped", 502, 1, 1)
		e.ClientRequestID, e.Attempt, e.Attempts = client, attempt, 2
		return e
	}
	weird := logEntry("w1", testTime, "p", "a\nb", 200, 1, 1) // a model name holding a newline
	// Each insert fills a block of its own (256 entries), so that the
	// summaries differ from block to block.
	fill := func(prefix string, e model.LogEntry, n int) []model.LogEntry {
		out := []model.LogEntry{e}
		for i := 1; i < n; i++ {
			x := logEntry(fmt.Sprintf("%s%03d", prefix, i), testTime, "filler", "filler-model", 200, 1, 1)
			out = append(out, x)
		}
		return out
	}
	insertLogs(t, s, fill("fa", logEntry("o1", testTime, "openai", "gpt", 429, 1, 1), 256)...)
	insertLogs(t, s, fill("fb", group("g1", "c1", 1), 256)...)
	insertLogs(t, s, fill("fc", group("g2", "c1", 2), 256)...)
	insertLogs(t, s, fill("fd", weird, 256)...)
	insertLogs(t, s, fill("fe", logEntry("c1", testTime, "p", "m", 499, 1, 1), 256)...)
	if got := blockSizes(t, s); len(got) != 5 {
		t.Fatalf("block sizes %v, want 5 blocks", got)
	}
	for _, tc := range []struct {
		name string
		f    model.LogFilter
		want []string
	}{
		{"provider", model.LogFilter{Provider: "openai"}, []string{"o1"}},
		{"model", model.LogFilter{Model: "gpt"}, []string{"o1"}},
		{"model with a newline", model.LogFilter{Model: "a\nb"}, []string{"w1"}},
		{"part of a model with a newline", model.LogFilter{Model: "b"}, []string{}},
		{"status", model.LogFilter{Status: 429}, []string{"o1"}},
		{"status class 499", model.LogFilter{StatusClass: "499"}, []string{"c1"}},
		{"status class 5xx", model.LogFilter{StatusClass: "5xx"}, []string{"g2", "g1"}},
		{"attempts of c1, and the request c1 itself", model.LogFilter{ClientRequestID: "c1"}, []string{"c1", "g2", "g1"}},
		{"a request tried once", model.LogFilter{ClientRequestID: "o1"}, []string{"o1"}},
		{"errors and provider", model.LogFilter{Errors: true, Provider: "g"}, []string{"g2", "g1"}},
		{"cursor", model.LogFilter{ClientRequestID: "c1", Before: "g2"}, []string{"g1"}},
		{"text, any case", model.LogFilter{Text: "GPT"}, []string{"o1"}},
		{"text with a newline", model.LogFilter{Text: "A\nB"}, []string{"w1"}},
		{"text in no block", model.LogFilter{Text: "nowhere"}, []string{}},
	} {
		got, err := s.ListLogs(ctx, tc.f)
		if ids := logIDs(got); err != nil || !slices.Equal(ids, tc.want) {
			t.Errorf("%s: %v %v, want %v", tc.name, ids, err, tc.want)
		}
	}
}
