package storage

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

func BenchmarkScratchInsert(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.db.SetMaxOpenConns(1)
	for _, q := range strings.Split(os.Getenv("SCRATCH_SQL"), ";") {
		if strings.TrimSpace(q) == "" {
			continue
		}
		if _, err := s.db.Exec(q); err != nil {
			b.Fatal(q, err)
		}
	}
	hdr := map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"OpenAI/Go 1.0"},
		"Authorization": {"Bearer [redacted]"}, "Accept": {"application/json"}, "X-Stainless-Lang": {"go"}}
	reqBody := `{"model":"gpt-4o","messages":[{"role":"user","content":"` + strings.Repeat("hello ", 150) + `"}]}`
	respBody := `{"id":"chatcmpl-1","object":"chat.completion","choices":[{"message":{"role":"assistant","content":"` + strings.Repeat("world ", 200) + `"}}]}`
	batch := 256
	if os.Getenv("SCRATCH_BATCH") == "32" {
		batch = 32
	}
	start := time.Now()
	entries := make([]model.LogEntry, batch)
	n := 0
	cpu0 := processCPU()
	for b.Loop() {
		for i := range entries {
			e := benchEntry(n, start.Add(time.Duration(n)*time.Millisecond))
			if os.Getenv("SCRATCH_NOCAP") == "" {
				e.Capture = &model.LogCapture{RequestHeaders: hdr, ResponseHeaders: hdr, RequestBody: reqBody, ResponseBody: respBody}
			}
			entries[i] = e
			n++
		}
		if err := s.InsertLogs(ctx, entries); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(n), "cpu-µs/row")
}
