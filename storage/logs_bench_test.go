package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// BenchmarkLogStats100k measures LogStats over a window of 100,000 entries
// (the default retention bound), spread over 4 providers and 12 models.
// API.md promises an answer in < 50 ms.
func BenchmarkLogStats100k(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const total = 100_000
	start := time.Now().Add(-time.Hour)
	batch := make([]model.LogEntry, 0, 1000)
	for i := range total {
		e := benchEntry(i, start.Add(time.Duration(i)*30*time.Millisecond))
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			if err := s.InsertLogs(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	since := start.Add(-time.Minute)
	var st model.Stats
	b.ResetTimer()
	for b.Loop() {
		st, err = s.LogStats(ctx, since)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if st.Requests != total {
		b.Fatalf("requests = %d, want %d", st.Requests, total)
	}
	if perOp := b.Elapsed() / time.Duration(b.N); perOp > 50*time.Millisecond {
		b.Errorf("LogStats took %v per call over %d rows, budget 50ms", perOp, total)
	}
}

func benchEntry(i int, at time.Time) model.LogEntry {
	statuses := []int{200, 200, 200, 200, 200, 200, 200, 429, 500, 499}
	e := model.LogEntry{
		ID:            fmt.Sprintf("req_%08d", i),
		StartedAt:     at,
		Method:        "POST",
		Path:          "/v1/chat/completions",
		Model:         fmt.Sprintf("model-%d", i%12),
		ProviderKey:   fmt.Sprintf("provider-%d", i%4),
		UpstreamModel: "upstream",
		Status:        statuses[i%len(statuses)],
		LatencyMs:     int64(50 + (i*7919)%5000),
		TTFBMs:        int64(10 + (i*104729)%900),
		BytesIn:       300,
		BytesOut:      1200,
		Usage:         &model.Usage{PromptTokens: int64(i % 100), CompletionTokens: int64(i % 50)},
	}
	if e.Status >= 500 {
		src := model.ErrorSourceUpstream
		e.ErrorSource = &src
		e.ErrorMessage = "upstream failed"
	}
	return e
}
