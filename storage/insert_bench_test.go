package storage

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// BenchmarkInsertLogs measures the request-log writer's storage cost per
// entry, with a capture the size of a typical chat request (~2.5 KB of
// headers and bodies) encoded and stored as the LogWriter does it: in
// batches of 256 (the writer under load) and of 50 (each joins the newest
// block, which is decompressed and rewritten). It reports the process's
// CPU time per row (cpu-µs/row), which counts SQLite's C code and the
// kernel's writes too; wall time on a shared machine says little.
func BenchmarkInsertLogs(b *testing.B) {
	for _, batch := range []int{50, 256} {
		b.Run(fmt.Sprint(batch), func(b *testing.B) { benchInsertLogs(b, batch) })
	}
}

func benchInsertLogs(b *testing.B, batch int) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	hdr := map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"OpenAI/Go 1.0"},
		"Authorization": {"Bearer [redacted]"}, "Accept": {"application/json"}, "X-Stainless-Lang": {"go"}}
	reqBody := `{"model":"gpt-4o","messages":[{"role":"user","content":"` + strings.Repeat("hello ", 150) + `"}]}`
	respBody := `{"id":"chatcmpl-1","object":"chat.completion","choices":[{"message":{"role":"assistant","content":"` + strings.Repeat("world ", 200) + `"}}]}`
	start := time.Now()
	entries := make([]model.LogEntry, batch)
	n := 0
	cpu0 := processCPU()
	var caps captureBatch // reused from batch to batch, as the LogWriter does
	var blocks blockWriter
	for b.Loop() {
		caps.reset()
		for i := range entries {
			e := benchEntry(n, start.Add(time.Duration(n)*time.Millisecond))
			caps.add(&model.LogCapture{RequestHeaders: hdr, ResponseHeaders: hdr, RequestBody: reqBody, ResponseBody: respBody})
			entries[i] = e
			n++
		}
		if err := s.insertLogs(ctx, entries, &caps, &blocks); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(n), "cpu-µs/row")
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
