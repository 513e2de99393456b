package storage

import (
	"context"
	"slices"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// TestMigrate5AttemptColumns: rows stored before migrate5 read back as
// requests tried once (their own id as client_request_id, attempt 1 of
// 1); rows written after it round-trip the attempt fields, and the
// client_request_id filter selects the attempts of one request.
func TestMigrate5AttemptColumns(t *testing.T) {
	ctx := context.Background()
	old := openOld(t, 4)
	if _, err := old.db.ExecContext(ctx, `INSERT INTO request_logs (id, started_at_ms, method, path, model,
		provider_key, upstream_model, stream, status, is_error, error_type, error_message, latency_ms,
		ttfb_ms, bytes_in, bytes_out) VALUES ('old1', 1, 'POST', '/v1/chat/completions', 'gpt', 'openai',
		'gpt', 0, 200, 0, '', '', 5, 3, 10, 20)`); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, old)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d %v, want %d", v, err, len(migrations))
	}
	got, err := s.ListLogs(ctx, model.LogFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("list: %+v %v", got, err)
	}
	if e := got[0]; e.ClientRequestID != "old1" || e.Attempt != 1 || e.Attempts != 1 {
		t.Errorf("old row reads client_request_id %q, attempt %d of %d; want old1, 1 of 1", e.ClientRequestID, e.Attempt, e.Attempts)
	}

	// One request that a group passed from groq (429) to openai (200), and
	// a request tried once whose writer left the fields empty.
	a1 := logEntry("a1", testTime, "groq", "llama", 429, 10, 5)
	a1.ClientRequestID, a1.Attempt, a1.Attempts = "c1", 1, 2
	c1 := logEntry("c1", testTime, "openai", "llama", 200, 10, 5)
	c1.ClientRequestID, c1.Attempt, c1.Attempts = "c1", 2, 2
	single := logEntry("s1", testTime, "openai", "gpt", 200, 10, 5)
	single.ClientRequestID, single.Attempt, single.Attempts = "", 0, 0
	insertLogs(t, s, a1, c1, single)

	byReq, err := s.ListLogs(ctx, model.LogFilter{ClientRequestID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if ids := logIDs(byReq); !slices.Equal(ids, []string{"c1", "a1"}) {
		t.Fatalf("client_request_id=c1 selects %v, want [c1 a1]", ids)
	}
	for _, tc := range []struct {
		e       model.LogEntry
		attempt int
	}{{byReq[1], 1}, {byReq[0], 2}} {
		if tc.e.ClientRequestID != "c1" || tc.e.Attempt != tc.attempt || tc.e.Attempts != 2 {
			t.Errorf("%s: client_request_id %q, attempt %d of %d; want c1, %d of 2", tc.e.ID, tc.e.ClientRequestID, tc.e.Attempt, tc.e.Attempts, tc.attempt)
		}
	}
	d, err := s.GetLog(ctx, "a1")
	if err != nil || d.ClientRequestID != "c1" || d.Attempt != 1 || d.Attempts != 2 {
		t.Errorf("GetLog(a1) = %+v %v", d.LogEntry, err)
	}
	d, err = s.GetLog(ctx, "s1")
	if err != nil || d.ClientRequestID != "s1" || d.Attempt != 1 || d.Attempts != 1 {
		t.Errorf("an entry without attempt fields reads %q %d of %d, want s1 1 of 1", d.ClientRequestID, d.Attempt, d.Attempts)
	}
	// A request tried once is found by its own id; an attempt's own id
	// (a1) is not a client request id.
	for id, want := range map[string][]string{"s1": {"s1"}, "old1": {"old1"}, "a1": {}} {
		got, err := s.ListLogs(ctx, model.LogFilter{ClientRequestID: id})
		if ids := logIDs(got); err != nil || !slices.Equal(ids, want) {
			t.Errorf("client_request_id=%s selects %v %v, want %v", id, ids, err, want)
		}
	}
	if none, err := s.ListLogs(ctx, model.LogFilter{ClientRequestID: "nope"}); err != nil || len(none) != 0 {
		t.Errorf("unknown client_request_id: %v %v", logIDs(none), err)
	}
}
