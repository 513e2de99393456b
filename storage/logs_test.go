package storage

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/sluicegate/sluicegate/model"
)

// testTime is a fixed minute-aligned instant, so that tests control which
// minute of the statistics each entry falls in.
var testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func logEntry(id string, at time.Time, provider, modelName string, status int, latency, ttfb int64) model.LogEntry {
	return model.LogEntry{ID: id, StartedAt: at, Method: "POST", Path: "/v1/chat/completions",
		Model: modelName, ProviderKey: provider, UpstreamModel: "up-" + modelName,
		Status: status, LatencyMs: latency, TTFBMs: ttfb, BytesIn: 10, BytesOut: 20,
		ClientRequestID: id, Attempt: 1, Attempts: 1}
}

func insertLogs(t *testing.T, s *Store, entries ...model.LogEntry) {
	t.Helper()
	if err := s.InsertLogs(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
}

func logIDs(entries []model.LogEntry) []string {
	ids := []string{}
	for _, e := range entries {
		ids = append(ids, e.ID)
	}
	return ids
}

func TestGetLogRoundTripsEntryAndCapture(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	src := model.ErrorSourceUpstream
	full := logEntry("req_1", testTime.Add(1234*time.Millisecond), "p1", "m1", 502, 900, 40)
	full.Stream = true
	full.ErrorSource = &src
	full.ErrorType = "upstream_error"
	full.ErrorMessage = "bad gateway"
	full.Usage = &model.Usage{PromptTokens: 11, CompletionTokens: 22}
	full.Capture = &model.LogCapture{
		RequestHeaders:       map[string][]string{"Content-Type": {"application/json"}, "Authorization": {"[redacted]"}},
		ResponseHeaders:      map[string][]string{"X-Multi": {"a", "b"}},
		RequestBody:          `{"model":"m1","x":"\u0000bin"}`,
		ResponseBody:         "partial",
		RequestBodyTruncated: false, ResponseBodyTruncated: true,
	}
	bare := logEntry("req_2", testTime, "p1", "m1", 200, 5, 3)
	insertLogs(t, s, full, bare)

	got, err := s.GetLog(ctx, "req_1")
	if err != nil {
		t.Fatal(err)
	}
	wantEntry := full
	wantEntry.Capture = nil
	if !reflect.DeepEqual(got.LogEntry, wantEntry) {
		t.Errorf("entry:\n got %+v\nwant %+v", got.LogEntry, wantEntry)
	}
	if !reflect.DeepEqual(got.LogCapture, *full.Capture) {
		t.Errorf("capture:\n got %+v\nwant %+v", got.LogCapture, *full.Capture)
	}

	got, err = s.GetLog(ctx, "req_2")
	if err != nil {
		t.Fatal(err)
	}
	if got.Usage != nil || got.ErrorSource != nil || got.RequestBody != "" || len(got.RequestHeaders) != 0 {
		t.Errorf("entry without usage, error or capture came back as %+v", got)
	}
	if _, err := s.GetLog(ctx, "req_404"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("GetLog(unknown) = %v, want model.ErrNotFound", err)
	}
}

func TestDeleteLogsClearsEntriesAndStatistics(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	insertLogs(t, s, logEntry("a", testTime, "p", "m", 200, 1, 1), logEntry("b", testTime, "p", "m", 200, 1, 1))
	if n, err := s.CountLogs(ctx); err != nil || n != 2 {
		t.Fatalf("CountLogs = %d, %v", n, err)
	}
	n, err := s.DeleteLogs(ctx)
	if err != nil || n != 2 {
		t.Fatalf("DeleteLogs = %d, %v; want 2", n, err)
	}
	if n, _ := s.CountLogs(ctx); n != 0 {
		t.Errorf("%d entries left", n)
	}
	st, err := s.LogStats(ctx, testTime.Add(-time.Hour))
	if err != nil || st.Requests != 0 || len(st.ByProvider) != 0 {
		t.Errorf("statistics after clearing: %+v %v", st, err)
	}
}

func TestListLogsFiltersAndPages(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	proxySrc := model.ErrorSourceProxy
	e1 := logEntry("r1", testTime, "openai", "gpt", 200, 10, 5)
	e2 := logEntry("r2", testTime, "anth", "claude", 429, 10, 5)
	e2.ErrorMessage = "rate limited 100%"
	e3 := logEntry("r3", testTime, "openai", "gpt-mini", 499, 10, 5)
	e4 := logEntry("r4", testTime, "anth", "claude", 200, 10, 5)
	e4.ErrorSource = &proxySrc // a stream that broke after its 200
	e5 := logEntry("r5", testTime, "openai", "gpt", 503, 10, 5)
	e5.Path = "/v1/messages"
	insertLogs(t, s, e1, e2, e3, e4, e5)

	for _, tc := range []struct {
		name string
		f    model.LogFilter
		want []string
	}{
		{"all newest first", model.LogFilter{}, []string{"r5", "r4", "r3", "r2", "r1"}},
		{"errors", model.LogFilter{Errors: true}, []string{"r5", "r4", "r3", "r2"}},
		{"provider", model.LogFilter{Provider: "openai"}, []string{"r5", "r3", "r1"}},
		{"model is exact", model.LogFilter{Model: "gpt"}, []string{"r5", "r1"}},
		{"status", model.LogFilter{Status: 429}, []string{"r2"}},
		{"class 2xx", model.LogFilter{StatusClass: "2xx"}, []string{"r4", "r1"}},
		{"class 4xx excludes 499", model.LogFilter{StatusClass: "4xx"}, []string{"r2"}},
		{"class 499", model.LogFilter{StatusClass: "499"}, []string{"r3"}},
		{"class 5xx", model.LogFilter{StatusClass: "5xx"}, []string{"r5"}},
		{"text in path", model.LogFilter{Text: "MESSAGES"}, []string{"r5"}},
		{"text in model", model.LogFilter{Text: "mini"}, []string{"r3"}},
		{"text in error, % is literal", model.LogFilter{Text: "100%"}, []string{"r2"}},
		{"text % matches no wildcard", model.LogFilter{Text: "%gpt"}, []string{}},
		{"combined", model.LogFilter{Provider: "openai", Errors: true}, []string{"r5", "r3"}},
		{"limit", model.LogFilter{Limit: 2}, []string{"r5", "r4"}},
		{"page after r4", model.LogFilter{Limit: 2, Before: "r4"}, []string{"r3", "r2"}},
		{"page after r2", model.LogFilter{Limit: 2, Before: "r2"}, []string{"r1"}},
		{"cursor with filter", model.LogFilter{Before: "r5", Provider: "openai"}, []string{"r3", "r1"}},
		{"unknown cursor", model.LogFilter{Before: "gone"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListLogs(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if ids := logIDs(got); !slices.Equal(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
		})
	}
	for _, f := range []model.LogFilter{{StatusClass: "3xx"}, {Limit: -1}} {
		var ve *model.ValidationError
		if _, err := s.ListLogs(ctx, f); !errors.As(err, &ve) {
			t.Errorf("ListLogs(%+v) = %v, want a ValidationError", f, err)
		}
	}
}

func TestListLogsLimitBounds(t *testing.T) {
	s := openTestStore(t)
	var entries []model.LogEntry
	for i := range 1100 {
		entries = append(entries, logEntry(fmt.Sprintf("r%04d", i), testTime, "p", "m", 200, 1, 1))
	}
	insertLogs(t, s, entries...)
	for limit, want := range map[int]int{0: 100, 5: 5, 1000: 1000, 5000: 1000} {
		got, err := s.ListLogs(context.Background(), model.LogFilter{Limit: limit})
		if err != nil || len(got) != want {
			t.Errorf("limit %d: %d entries, %v; want %d", limit, len(got), err, want)
		}
	}
}

// TestLogStatsKnownSet checks every figure against numbers worked out by
// hand, including a window that starts inside a minute.
func TestLogStatsKnownSet(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	at := func(sec int) time.Time { return testTime.Add(time.Duration(sec) * time.Second) }
	withUsage := func(e model.LogEntry, p, c int64) model.LogEntry {
		e.Usage = &model.Usage{PromptTokens: p, CompletionTokens: c}
		return e
	}
	src := model.ErrorSourceUpstream
	broken := logEntry("r9", at(150), "b", "y", 200, 1000, 100)
	broken.ErrorSource = &src
	insertLogs(t, s,
		logEntry("old", at(-30), "a", "x", 200, 99999, 99999), // before every window below
		withUsage(logEntry("r1", at(10), "a", "x", 200, 100, 10), 5, 7),
		withUsage(logEntry("r2", at(20), "a", "x", 200, 200, 20), 1, 2),
		logEntry("r3", at(70), "a", "x", 200, 300, 30),
		logEntry("r4", at(80), "a", "y", 404, 400, 40),
		logEntry("r5", at(90), "a", "y", 500, 500, 0), // no first byte
		logEntry("r6", at(130), "b", "x", 499, 600, 0),
		logEntry("r7", at(140), "b", "x", 200, 700, 70),
		logEntry("r8", at(145), "b", "y", 302, 800, 80),
		broken,
	)
	st, err := s.LogStats(ctx, at(5)) // inside the first minute
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 9 || st.Errors != 4 {
		t.Errorf("requests %d errors %d, want 9 and 4 (404, 500, 499 and the broken stream; not 302)", st.Requests, st.Errors)
	}
	wantStatus := map[string]int64{"2xx": 5, "3xx": 1, "4xx": 1, "5xx": 1, "499": 1}
	if !reflect.DeepEqual(st.ByStatus, wantStatus) {
		t.Errorf("by_status %v, want %v", st.ByStatus, wantStatus)
	}
	// a: latencies 100..500 → p50 = 3rd of 5 = 300, p95 = 5th = 500;
	//    ttfbs 10,20,30,40 → p50 = 2nd of 4 = 20.
	// b: latencies 600..1000 → 800 and 1000; ttfbs 70,80,100 → 80.
	wantProviders := []model.ProviderStats{
		{ProviderKey: "a", StatsFigures: model.StatsFigures{Requests: 5, Errors: 2, LatencyP50Ms: 300,
			LatencyP95Ms: 500, TTFBP50Ms: 20, PromptTokens: 6, CompletionTokens: 9}},
		{ProviderKey: "b", StatsFigures: model.StatsFigures{Requests: 4, Errors: 2, LatencyP50Ms: 700,
			LatencyP95Ms: 1000, TTFBP50Ms: 80}},
	}
	if !reflect.DeepEqual(st.ByProvider, wantProviders) {
		t.Errorf("by_provider\n got %+v\nwant %+v", st.ByProvider, wantProviders)
	}
	// x: 100,200,300,600,700 → 300, 700; ttfbs 10,20,30,70 → 20.
	// y: 400,500,800,1000 → 2nd = 500, 4th = 1000; ttfbs 40,80,100 → 80.
	wantModels := []model.ModelStats{
		{Model: "x", StatsFigures: model.StatsFigures{Requests: 5, Errors: 1, LatencyP50Ms: 300,
			LatencyP95Ms: 700, TTFBP50Ms: 20, PromptTokens: 6, CompletionTokens: 9}},
		{Model: "y", StatsFigures: model.StatsFigures{Requests: 4, Errors: 3, LatencyP50Ms: 500,
			LatencyP95Ms: 1000, TTFBP50Ms: 80}},
	}
	if !reflect.DeepEqual(st.ByModel, wantModels) {
		t.Errorf("by_model\n got %+v\nwant %+v", st.ByModel, wantModels)
	}

	// A window starting mid-minute counts only the entries from then on.
	st, err = s.LogStats(ctx, at(15))
	if err != nil || st.Requests != 8 || st.ByProvider[0].PromptTokens != 1 {
		t.Errorf("window from 12:00:15: %+v %v; want 8 requests, a's prompt tokens 1", st, err)
	}
	st, err = s.LogStats(ctx, at(120))
	if err != nil || st.Requests != 4 || len(st.ByProvider) != 1 || st.ByStatus["4xx"] != 0 {
		t.Errorf("window from 12:02: %+v %v; want provider b's 4 requests", st, err)
	}
}

// TestLogStatsMatchesBruteForce compares LogStats with figures computed
// naively from the entries, for random entries and windows.
func TestLogStatsMatchesBruteForce(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []int{200, 200, 200, 201, 400, 429, 499, 500, 502}
	var all []model.LogEntry
	for i := range 3000 {
		e := logEntry(fmt.Sprintf("r%05d", i), testTime.Add(time.Duration(rng.IntN(3600_000))*time.Millisecond),
			fmt.Sprintf("p%d", rng.IntN(3)), fmt.Sprintf("m%d", rng.IntN(5)), statuses[rng.IntN(len(statuses))],
			rng.Int64N(5000), rng.Int64N(300))
		if rng.IntN(2) == 0 {
			e.Usage = &model.Usage{PromptTokens: rng.Int64N(100), CompletionTokens: rng.Int64N(100)}
		}
		all = append(all, e)
	}
	for i := 0; i < len(all); i += 250 { // batches, as the writer stores them
		insertLogs(t, s, all[i:min(i+250, len(all))]...)
	}
	for _, since := range []time.Time{testTime.Add(-time.Minute), testTime.Add(17*time.Minute + 333*time.Millisecond),
		testTime.Add(59 * time.Minute), testTime.Add(2 * time.Hour)} {
		got, err := s.LogStats(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteStats(all, since); !reflect.DeepEqual(got, want) {
			t.Errorf("since %v:\n got %+v\nwant %+v", since, got, want)
		}
	}
}

func bruteStats(all []model.LogEntry, since time.Time) model.Stats {
	st := model.Stats{ByStatus: map[string]int64{"2xx": 0, "4xx": 0, "5xx": 0, "499": 0},
		ByProvider: []model.ProviderStats{}, ByModel: []model.ModelStats{}}
	type group struct {
		fig        model.StatsFigures
		lat, ttfbs []int64
	}
	providers, models := map[string]*group{}, map[string]*group{}
	get := func(m map[string]*group, k string) *group {
		if m[k] == nil {
			m[k] = &group{}
		}
		return m[k]
	}
	for _, e := range all {
		if e.StartedAt.UnixMilli() < since.UnixMilli() {
			continue
		}
		st.Requests++
		if e.IsError() {
			st.Errors++
		}
		st.ByStatus[statusClasses[statusIndex(e.Status)]]++
		for _, g := range []*group{get(providers, e.ProviderKey), get(models, e.Model)} {
			g.fig.Requests++
			if e.IsError() {
				g.fig.Errors++
			}
			if e.Usage != nil {
				g.fig.PromptTokens += e.Usage.PromptTokens
				g.fig.CompletionTokens += e.Usage.CompletionTokens
			}
			g.lat = append(g.lat, e.LatencyMs)
			if e.TTFBMs > 0 {
				g.ttfbs = append(g.ttfbs, e.TTFBMs)
			}
		}
	}
	rank := func(v []int64, p float64) int64 {
		if len(v) == 0 {
			return 0
		}
		slices.Sort(v)
		r := int(float64(len(v))*p/100 + 0.9999999)
		return v[max(r, 1)-1]
	}
	fig := func(g *group) model.StatsFigures {
		f := g.fig
		f.LatencyP50Ms, f.LatencyP95Ms, f.TTFBP50Ms = rank(g.lat, 50), rank(g.lat, 95), rank(g.ttfbs, 50)
		return f
	}
	for k, g := range providers {
		st.ByProvider = append(st.ByProvider, model.ProviderStats{ProviderKey: k, StatsFigures: fig(g)})
	}
	for k, g := range models {
		st.ByModel = append(st.ByModel, model.ModelStats{Model: k, StatsFigures: fig(g)})
	}
	slices.SortFunc(st.ByProvider, func(a, b model.ProviderStats) int {
		if a.Requests != b.Requests {
			return int(b.Requests - a.Requests)
		}
		return strings.Compare(a.ProviderKey, b.ProviderKey)
	})
	slices.SortFunc(st.ByModel, func(a, b model.ModelStats) int {
		if a.Requests != b.Requests {
			return int(b.Requests - a.Requests)
		}
		return strings.Compare(a.Model, b.Model)
	})
	return st
}

func TestPercentilesMatchSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 1; n < 300; n++ {
		v := make([]int64, n)
		for i := range v {
			v[i] = rng.Int64N(int64(n/3 + 1)) // many equal values
		}
		sorted := slices.Sorted(slices.Values(v))
		lo, hi := percentiles(v, 50, 95)
		if lo != sorted[nearestRank(n, 50)] || hi != sorted[nearestRank(n, 95)] {
			t.Fatalf("n=%d: got %d,%d want %d,%d", n, lo, hi, sorted[nearestRank(n, 50)], sorted[nearestRank(n, 95)])
		}
	}
	for n, want := range map[int][2]int{1: {0, 0}, 2: {0, 1}, 4: {1, 3}, 20: {9, 18}, 21: {10, 19}} {
		if got := [2]int{nearestRank(n, 50), nearestRank(n, 95)}; got != want {
			t.Errorf("nearestRank(%d) = %v, want %v", n, got, want)
		}
	}
}

// commits counts transactions committed through the "sqlite3_commits"
// driver, which tests use to see how the writer groups its writes.
var commits atomic.Int64

func init() {
	sql.Register("sqlite3_commits", &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		c.RegisterCommitHook(func() int { commits.Add(1); return 0 })
		return nil
	}})
}

func TestLogWriterWritesOneTransactionPerBatch(t *testing.T) {
	base := openTestStore(t) // creates and migrates the file
	_ = base.Close()
	db, err := sql.Open("sqlite3_commits", "file:"+base.Path()+"?"+dsnParams)
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{db: db, path: base.Path()}
	defer s.Close()
	ctx := context.Background()

	var mu sync.Mutex
	var sizes []int
	w := NewLogWriter(s, LogWriterConfig{BatchSize: 256, FlushInterval: time.Hour,
		OnCommit: func(n int, _ string) { mu.Lock(); sizes = append(sizes, n); mu.Unlock() }})
	before := commits.Load()
	for i := range 1000 {
		if !w.Enqueue(logEntry(fmt.Sprintf("r%04d", i), testTime, "p", "m", 200, 1, 1)) {
			t.Fatal("the queue of 4096 refused an entry")
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := commits.Load() - before; got != 4 {
		t.Errorf("%d commits for 1000 entries in batches of 256, want 4", got)
	}
	mu.Lock()
	if !slices.Equal(sizes, []int{256, 256, 256, 232}) {
		t.Errorf("batch sizes %v", sizes)
	}
	mu.Unlock()
	if n, _ := s.CountLogs(ctx); n != 1000 || w.Written() != 1000 || w.Dropped() != 0 {
		t.Errorf("stored %d, written %d, dropped %d", n, w.Written(), w.Dropped())
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestLogWriterFlushesByTime(t *testing.T) {
	s := openTestStore(t)
	committed := make(chan int, 10)
	w := NewLogWriter(s, LogWriterConfig{BatchSize: 100, FlushInterval: 20 * time.Millisecond,
		OnCommit: func(n int, _ string) { committed <- n }})
	defer w.Close(context.Background())
	w.Enqueue(logEntry("r1", testTime, "p", "m", 200, 1, 1))
	w.Enqueue(logEntry("r2", testTime, "p", "m", 200, 1, 1))
	select {
	case n := <-committed:
		if n != 2 {
			t.Errorf("first batch of %d, want 2", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a partial batch was not written after its flush interval")
	}
}

// TestLogWriterNeverBlocks floods a tiny queue at full speed: Enqueue
// refuses what does not fit and every attempt is either stored or counted
// as dropped.
func TestLogWriterNeverBlocks(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	w := NewLogWriter(s, LogWriterConfig{QueueSize: 8, BatchSize: 4})
	const attempts = 5000
	var refused uint64
	start := time.Now()
	for i := range attempts {
		if !w.Enqueue(logEntry(fmt.Sprintf("r%05d", i), testTime, "p", "m", 200, 1, 1)) {
			refused++
		}
	}
	elapsed := time.Since(start)
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := s.CountLogs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if refused == 0 {
		t.Error("a queue of 8 accepted 5000 entries at full speed")
	}
	if w.Dropped() != refused || uint64(stored) != w.Written() || w.Written()+w.Dropped() != attempts {
		t.Errorf("refused %d, dropped %d, written %d, stored %d; want dropped = refused and written+dropped = %d",
			refused, w.Dropped(), w.Written(), stored, attempts)
	}
	t.Logf("%d enqueues in %v: %d stored, %d dropped", attempts, elapsed, stored, refused)
}

func TestLogWriterCloseWritesQueueThenRefuses(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	w := NewLogWriter(s, LogWriterConfig{FlushInterval: time.Hour})
	for i := range 10 {
		w.Enqueue(logEntry(fmt.Sprintf("r%d", i), testTime, "p", "m", 200, 1, 1))
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountLogs(ctx); n != 10 {
		t.Errorf("%d entries stored by Close, want 10", n)
	}
	if w.Enqueue(logEntry("late", testTime, "p", "m", 200, 1, 1)) || w.Dropped() != 1 {
		t.Errorf("Enqueue after Close accepted, or not counted (dropped %d)", w.Dropped())
	}
	if err := w.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Flush(ctx); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
}

func TestLogWriterFailedBatchIsDroppedAndLoggedOnce(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	var logged strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	}), nil))
	w := NewLogWriter(s, LogWriterConfig{BatchSize: 2, FlushInterval: time.Hour, Logger: logger})
	defer w.Close(ctx)
	// SQLite refuses every block holding an entry whose id starts with
	// "bad".
	if _, err := s.db.ExecContext(ctx, `CREATE TRIGGER refuse_bad BEFORE INSERT ON request_log_blocks
		WHEN NEW.min_id LIKE 'bad%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	// Two failing batches, then a good one.
	for _, id := range []string{"x1", "bad1", "x2", "bad2", "ok1", "ok2"} {
		w.Enqueue(logEntry(id, testTime, "p", "m", 200, 1, 1))
	}
	if err := w.Flush(ctx); err == nil || !strings.Contains(err.Error(), "refused by the test") {
		t.Errorf("Flush = %v, want the batch's error", err)
	}
	if w.Dropped() != 4 || w.Written() != 2 {
		t.Errorf("dropped %d written %d, want 4 and 2", w.Dropped(), w.Written())
	}
	if _, err := s.GetLog(ctx, "x1"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("x1 of a failed batch was stored: %v", err)
	}
	if err := w.Flush(ctx); err != nil {
		t.Errorf("second Flush reports an old error: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logged.String(), "batch not stored"); n != 1 {
		t.Errorf("failure logged %d times, want once:\n%s", n, logged.String())
	}
	if !strings.Contains(logged.String(), "writes recovered") {
		t.Errorf("recovery not logged:\n%s", logged.String())
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestLogsSurviveRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	w := NewLogWriter(s, LogWriterConfig{})
	for i := range 300 {
		w.Enqueue(logEntry(fmt.Sprintf("r%03d", i), testTime, "p", "m", 200, int64(i), 1))
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.ListLogs(ctx, model.LogFilter{Limit: 1})
	if err != nil || len(got) != 1 || got[0].ID != "r299" {
		t.Fatalf("newest after reopen: %v %v", logIDs(got), err)
	}
	if st, _ := s.LogStats(ctx, testTime); st.Requests != 300 {
		t.Errorf("statistics after reopen count %d requests", st.Requests)
	}
}

func TestTrimLogs(t *testing.T) {
	now := testTime.Add(100 * 24 * time.Hour)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name              string
		ages              []time.Duration // of entries, oldest first
		days, rows, slack int
		wantDeleted       int64
		wantLeft          []string
	}{
		{"by days", []time.Duration{10 * day, 8 * day, 6 * day, time.Hour}, 7, 0, 0, 2, []string{"r3", "r2"}},
		{"within slack keeps all", []time.Duration{4, 3, 2, 1}, 0, 3, 1, 0, []string{"r3", "r2", "r1", "r0"}},
		{"past slack trims to rows", []time.Duration{5, 4, 3, 2, 1}, 0, 3, 1, 2, []string{"r4", "r3", "r2"}},
		{"both", []time.Duration{9 * day, 5, 4, 3, 2, 1}, 7, 2, 0, 4, []string{"r5", "r4"}},
		{"no bounds", []time.Duration{9 * day}, 0, 0, 0, 0, []string{"r0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			ctx := context.Background()
			for i, age := range tc.ages {
				insertLogs(t, s, logEntry(fmt.Sprintf("r%d", i), now.Add(-age), "p", "m", 200, 1, 1))
			}
			n, err := s.TrimLogs(ctx, now, tc.days, tc.rows, tc.slack)
			if err != nil || n != tc.wantDeleted {
				t.Fatalf("TrimLogs = %d, %v; want %d", n, err, tc.wantDeleted)
			}
			got, _ := s.ListLogs(ctx, model.LogFilter{})
			if ids := logIDs(got); !slices.Equal(ids, tc.wantLeft) {
				t.Errorf("left %v, want %v", ids, tc.wantLeft)
			}
			// The statistics forget the minutes of trimmed entries; a
			// minute that still has entries is kept whole.
			st, _ := s.LogStats(ctx, now.Add(-365*day))
			if int(st.Requests) < len(tc.wantLeft) || (tc.rows == 0 && st.Requests != int64(len(tc.wantLeft))) {
				t.Errorf("statistics count %d requests for %d entries", st.Requests, len(tc.wantLeft))
			}
		})
	}
}

// TestLogWriterTrimsWithSlack runs retention through the writer: the log
// grows past its bound by at most the slack, then is cut back to it.
func TestLogWriterTrimsWithSlack(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	w := NewLogWriter(s, LogWriterConfig{BatchSize: 5, FlushInterval: time.Hour, TrimInterval: time.Nanosecond,
		Retention: func() (int, int) { return 30, 100 }})
	defer w.Close(ctx)
	old := logEntry("ancient", time.Now().Add(-31*24*time.Hour), "p", "m", 200, 1, 1)
	w.Enqueue(old)
	for i := range 4 {
		w.Enqueue(logEntry(fmt.Sprintf("r%03d", i), time.Now(), "p", "m", 200, 1, 1))
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetLog(ctx, "ancient"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("an entry older than 30 days survived the trim: %v", err)
	}
	for i := 4; i < 110; i++ { // 110 entries: within 100 + 10% slack
		w.Enqueue(logEntry(fmt.Sprintf("r%03d", i), time.Now(), "p", "m", 200, 1, 1))
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountLogs(ctx); n != 110 {
		t.Errorf("%d entries, want all 110 kept within the slack", n)
	}
	for i := 110; i < 115; i++ {
		w.Enqueue(logEntry(fmt.Sprintf("r%03d", i), time.Now(), "p", "m", 200, 1, 1))
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ListLogs(ctx, model.LogFilter{Limit: 1000})
	if len(got) != 100 || got[0].ID != "r114" || got[99].ID != "r015" {
		t.Errorf("after passing the slack: %d entries, newest %s oldest %s; want r114..r015",
			len(got), got[0].ID, got[len(got)-1].ID)
	}
}

const killChildEnv = "SLUICEGATE_LOGWRITER_KILL_CHILD"

// TestLogWriterSurvivesKill9 SIGKILLs a process in the middle of writing
// bursts through a LogWriter. After reopening, the file passes
// integrity_check and every batch the child reported committed is there.
func TestLogWriterSurvivesKill9(t *testing.T) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		runKillChild(dir)
		return
	}
	dir := filepath.Join(t.TempDir(), "data")
	if s, err := Open(context.Background(), dir); err != nil { // migrate before the race starts
		t.Fatal(err)
	} else {
		_ = s.Close()
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLogWriterSurvivesKill9$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	type batch struct {
		lastID string
		n      int
	}
	var committed []batch
	read := func(line string) {
		var b batch
		if _, err := fmt.Sscanf(line, "committed %s %d", &b.lastID, &b.n); err == nil {
			committed = append(committed, b)
		}
	}
	deadline := time.After(60 * time.Second)
	killed := false
	for !killed {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("child ended before the kill: %s", stderr.String())
			}
			read(line)
			if len(committed) >= 40 {
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("child reported only %d batches in 60s: %s", len(committed), stderr.String())
		}
	}
	for line := range lines { // reports written before the kill landed
		read(line)
	}
	_ = cmd.Wait()

	ctx := context.Background()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, b := range committed {
		if _, err := s.GetLog(ctx, b.lastID); err != nil {
			t.Errorf("batch ending %s was reported committed but: %v", b.lastID, err)
		}
		total += b.n
	}
	if n, _ := s.CountLogs(ctx); n < int64(total) {
		t.Errorf("%d entries stored, fewer than the %d reported committed", n, total)
	}
	t.Logf("%d batches (%d entries) reported before SIGKILL, all present", len(committed), total)
}

// runKillChild writes bursts of entries with bodies until it is killed,
// printing each committed batch; it gives up after 60 s so that it can
// never outlive a broken parent for long.
func runKillChild(dir string) {
	ctx := context.Background()
	s, err := Open(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w := NewLogWriter(s, LogWriterConfig{BatchSize: 64, FlushInterval: 5 * time.Millisecond,
		Retention: func() (int, int) { return 7, 5000 }, TrimInterval: 50 * time.Millisecond,
		OnCommit: func(n int, lastID string) { fmt.Printf("committed %s %d\n", lastID, n) }})
	body := strings.Repeat("x", 4096)
	stop := time.Now().Add(60 * time.Second)
	for i := 0; time.Now().Before(stop); i++ {
		e := logEntry(fmt.Sprintf("k%07d", i), time.Now(), "p", "m", 200, 5, 1)
		e.Capture = &model.LogCapture{RequestBody: body, ResponseBody: body,
			RequestHeaders: map[string][]string{"Content-Type": {"application/json"}}}
		w.Enqueue(e)
		if i%200 == 199 {
			time.Sleep(time.Millisecond) // bursts, not a synchronisation
		}
	}
	os.Exit(3)
}

// TestMinuteQueryPlan: the writer's read of a minute's newest rollup part
// (whose parameters are CAST so that binding them does not force a
// re-prepare) is a primary-key search, without a sort.
func TestMinuteQueryPlan(t *testing.T) {
	s := openTestStore(t)
	plan := queryPlan(t, s, sqlGetMinute, 3)
	if want := "SEARCH request_log_minutes USING PRIMARY KEY (minute=? AND provider_key=? AND model=?)"; plan != want+"; " {
		t.Errorf("plan %q, want only %q", plan, want)
	}
}

// TestLogStatsBusyMinuteSplitsIntoParts: many batches in one minute of one
// provider and model are kept as several bounded rollup parts (a batch
// never rewrites the whole minute), and the statistics stay exact.
func TestLogStatsBusyMinuteSplitsIntoParts(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	var all []model.LogEntry
	for i := range 12000 {
		all = append(all, logEntry(fmt.Sprintf("b%05d", i), testTime.Add(time.Duration(i)*time.Millisecond),
			"p", "m", 200, 100+rng.Int64N(20000), 1+rng.Int64N(300)))
	}
	for i := 0; i < len(all); i += 256 {
		insertLogs(t, s, all[i:min(i+256, len(all))]...)
	}
	var parts int
	var biggest int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), MAX(LENGTH(latencies)) FROM request_log_minutes`).Scan(&parts, &biggest); err != nil {
		t.Fatal(err)
	}
	if parts < 2 || biggest > maxRollupPart+256*binary.MaxVarintLen64 {
		t.Errorf("%d rollup parts, the biggest %d bytes: want several, each bounded near %d", parts, biggest, maxRollupPart)
	}
	got, err := s.LogStats(ctx, testTime.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if want := bruteStats(all, testTime.Add(-time.Minute)); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
