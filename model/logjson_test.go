package model

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// checkLogEntryJSON fails the test unless AppendJSON writes exactly what json.Marshal writes for e (and fail when it fails),
// appending after existing bytes.
func checkLogEntryJSON(t *testing.T, e LogEntry) {
	t.Helper()
	want, err := json.Marshal(e)
	prefix := []byte("prefix:")
	got, ok := e.AppendJSON(bytes.Clone(prefix))
	if err != nil {
		if ok || !bytes.Equal(got, prefix) {
			t.Fatalf("json.Marshal failed (%v) but AppendJSON gave %q, %v", err, got, ok)
		}
		return
	}
	if !ok {
		t.Fatalf("AppendJSON failed; json.Marshal gave %s", want)
	}
	if got := got[len(prefix):]; !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON:\n got %s\nwant %s", got, want)
	}
	// A pointer encodes the same as the value.
	if wantPtr, _ := json.Marshal(&e); !bytes.Equal(wantPtr, want) {
		t.Fatalf("json.Marshal(&e) differs from json.Marshal(e)")
	}
}

func TestLogEntryAppendJSON(t *testing.T) {
	src := ErrorSourceUpstream
	empty := ""
	weird := "<a href=\"x\">&</a>\u2028\u2029\x00\x1f\x7f\xff"
	ny, _ := time.LoadLocation("America/New_York")
	full := LogEntry{
		ID:              "01JQ8Z6W3V6K9N2B4C7D8E9F0A",
		StartedAt:       time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC),
		Method:          "POST",
		Path:            "/v1/chat/completions",
		Model:           "gpt-4o-mini",
		ProviderKey:     "openai",
		UpstreamModel:   "gpt-4o-mini-2024-07-18",
		Stream:          true,
		Status:          502,
		ErrorSource:     &src,
		ErrorType:       "upstream_error",
		ErrorMessage:    "bad gateway",
		LatencyMs:       1234,
		TTFBMs:          321,
		BytesIn:         2048,
		BytesOut:        8192,
		Usage:           &Usage{PromptTokens: 12, CompletionTokens: 34},
		ClientRequestID: "01JQ8Z6W3V6K9N2B4C7D8E9F0B",
		Attempt:         2,
		Attempts:        3,
		Capture:         &LogCapture{RequestBody: "never on the wire"},
	}
	with := func(f func(e *LogEntry)) LogEntry {
		e := full
		f(&e)
		return e
	}
	tests := []struct {
		name string
		e    LogEntry
	}{
		{"zero", LogEntry{}},
		{"full", full},
		{"empty error source", with(func(e *LogEntry) { e.ErrorSource = &empty })},
		{"zero usage", with(func(e *LogEntry) { e.Usage = &Usage{} })},
		{"nil pointers", with(func(e *LogEntry) { e.ErrorSource, e.Usage, e.Capture = nil, nil, nil })},
		{"html", with(func(e *LogEntry) { e.Path = "/v1/x?a=<b>&c='d'" })},
		{"quotes and backslashes", with(func(e *LogEntry) { e.ErrorMessage = `say "hi" \ \\ \"` })},
		{"control characters", with(func(e *LogEntry) { e.ErrorMessage = "\x00\x01\b\f\n\r\t\x0b\x1b\x1f end" })},
		{"unicode", with(func(e *LogEntry) { e.Model = "模型-ü-é-😀-\u00a0-\ufeff" })},
		{"line separators", with(func(e *LogEntry) { e.ErrorMessage = "a\u2028b\u2029c\u202a" })},
		{"invalid utf-8", with(func(e *LogEntry) { e.ErrorMessage = "bad \xff\xfe \xc3 \xe2\x82 \xed\xa0\x80 tail\xc3" })},
		{"weird everywhere", LogEntry{
			ID: weird, Method: weird, Path: weird, Model: weird, ProviderKey: weird, UpstreamModel: weird,
			ErrorSource: &weird, ErrorType: weird, ErrorMessage: weird, ClientRequestID: weird,
		}},
		{"negative numbers", with(func(e *LogEntry) {
			e.Status, e.LatencyMs, e.TTFBMs, e.BytesIn, e.BytesOut = -1, -2, -3, math.MinInt64, -5
			e.Attempt, e.Attempts, e.Usage = math.MinInt, -7, &Usage{PromptTokens: -8, CompletionTokens: math.MinInt64}
		})},
		{"huge numbers", with(func(e *LogEntry) {
			e.Status, e.LatencyMs, e.BytesIn, e.Attempt = math.MaxInt, math.MaxInt64, math.MaxInt64, math.MaxInt
			e.Usage = &Usage{PromptTokens: math.MaxInt64, CompletionTokens: math.MaxInt64}
		})},
		{"long string", with(func(e *LogEntry) { e.ErrorMessage = strings.Repeat("x<y ", 5000) })},
		{"zero time", with(func(e *LogEntry) { e.StartedAt = time.Time{} })},
		{"no nanoseconds", with(func(e *LogEntry) { e.StartedAt = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) })},
		{"trailing zero nanoseconds", with(func(e *LogEntry) { e.StartedAt = time.Date(2025, 1, 2, 3, 4, 5, 120000000, time.UTC) })},
		{"one nanosecond", with(func(e *LogEntry) { e.StartedAt = time.Date(2025, 1, 2, 3, 4, 5, 1, time.UTC) })},
		{"positive offset", with(func(e *LogEntry) {
			e.StartedAt = time.Date(2025, 6, 1, 12, 0, 0, 5000, time.FixedZone("IST", 5*3600+1800))
		})},
		{"negative offset", with(func(e *LogEntry) {
			e.StartedAt = time.Date(2025, 6, 1, 12, 0, 0, 0, time.FixedZone("", -(9*3600+30*60)))
		})},
		{"offset with seconds", with(func(e *LogEntry) {
			e.StartedAt = time.Date(1890, 6, 1, 12, 0, 0, 0, time.FixedZone("LMT", 3600+17*60+13))
		})},
		{"zero offset not UTC", with(func(e *LogEntry) { e.StartedAt = time.Date(2025, 6, 1, 12, 0, 0, 0, time.FixedZone("GMT", 0)) })},
		{"named zone", with(func(e *LogEntry) { e.StartedAt = time.Date(2025, 11, 2, 1, 30, 0, 999999999, ny) })},
		{"local time with monotonic clock", with(func(e *LogEntry) { e.StartedAt = time.Now() })},
		{"year 0", with(func(e *LogEntry) { e.StartedAt = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) })},
		{"year 9999", with(func(e *LogEntry) { e.StartedAt = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC) })},
		// json.Marshal fails for these; AppendJSON must fail too.
		{"year 10000", with(func(e *LogEntry) { e.StartedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) })},
		{"year -1", with(func(e *LogEntry) { e.StartedAt = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) })},
		{"offset of 24 hours", with(func(e *LogEntry) { e.StartedAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)) })},
		{"offset of 100 hours", with(func(e *LogEntry) { e.StartedAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", -100*3600)) })},
		{"offset of 23:59", with(func(e *LogEntry) { e.StartedAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 23*3600+59*60)) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLogEntryJSON(t, tt.e)
		})
	}
}

func TestAppendJSONTime(t *testing.T) {
	for _, ts := range []time.Time{
		{},
		time.Date(2025, 1, 2, 3, 4, 5, 600, time.FixedZone("", -3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 25*3600)),
	} {
		want, err := ts.MarshalJSON()
		got, ok := AppendJSONTime([]byte("x"), ts)
		if ok != (err == nil) || (ok && string(got) != "x"+string(want)) || (!ok && string(got) != "x") {
			t.Errorf("AppendJSONTime(%v) = %q, %v; MarshalJSON = %q, %v", ts, got, ok, want, err)
		}
	}
}

func FuzzLogEntryAppendJSON(f *testing.F) {
	f.Add("01JQ8Z6W3V6K9N2B4C7D8E9F0A", "/v1/chat/completions", "rate <limit> & \"quota\"\n\u2028",
		"upstream", int64(1234), int64(-1), 200, int64(1742000000), int64(535897932), 3600, true, true)
	f.Add("", "", "", "", int64(0), int64(0), 0, int64(0), int64(0), 0, false, false)
	f.Add("\xff\xfe", "\x00\x1f\x7f", "模型😀", "\xe2\x80", int64(math.MaxInt64), int64(math.MinInt64),
		math.MinInt, int64(-62135596800), int64(1), -(12*3600 + 45*60 + 7), false, true)
	f.Fuzz(func(t *testing.T, id, path, msg, source string, latency, bytesIn int64, status int,
		unixSec, nanos int64, offset int, hasSource, hasUsage bool) {
		e := LogEntry{
			ID:              id,
			StartedAt:       time.Unix(unixSec, nanos).In(time.FixedZone("fuzz", offset)),
			Method:          source,
			Path:            path,
			Model:           msg,
			ProviderKey:     id + path,
			UpstreamModel:   path + msg,
			Stream:          hasUsage != hasSource,
			Status:          status,
			ErrorType:       source,
			ErrorMessage:    msg,
			LatencyMs:       latency,
			TTFBMs:          latency / 3,
			BytesIn:         bytesIn,
			BytesOut:        -bytesIn,
			ClientRequestID: msg + id,
			Attempt:         status / 7,
			Attempts:        int(latency),
		}
		if hasSource {
			e.ErrorSource = &source
		}
		if hasUsage {
			e.Usage = &Usage{PromptTokens: latency, CompletionTokens: bytesIn}
		}
		checkLogEntryJSON(t, e)
		rs := RequestStarted{ID: id, Method: source, Path: path, Model: msg, ProviderKey: id + msg, Stream: hasUsage}
		want, err := json.Marshal(rs)
		if got, _ := rs.AppendJSON([]byte("x")); err != nil || !bytes.Equal(got[1:], want) {
			t.Fatalf("RequestStarted.AppendJSON:\n got %s\nwant %s (%v)", got[1:], want, err)
		}
	})
}

func BenchmarkLogEntryAppendJSON(b *testing.B) {
	src := ErrorSourceUpstream
	e := LogEntry{
		ID:              "01JQ8Z6W3V6K9N2B4C7D8E9F0A",
		StartedAt:       time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CET", 3600)),
		Method:          "POST",
		Path:            "/v1/chat/completions",
		Model:           "gpt-4o-mini",
		ProviderKey:     "openai-main",
		UpstreamModel:   "gpt-4o-mini-2024-07-18",
		Stream:          true,
		Status:          429,
		ErrorSource:     &src,
		ErrorType:       "rate_limit_exceeded",
		ErrorMessage:    "Rate limit reached for gpt-4o-mini in organization org-xxxx on tokens per min (TPM): Limit 200000, Used 199000, Requested 1500. Please try again in 150ms.",
		LatencyMs:       1234,
		TTFBMs:          321,
		BytesIn:         2048,
		BytesOut:        8192,
		Usage:           &Usage{PromptTokens: 1234, CompletionTokens: 567},
		ClientRequestID: "01JQ8Z6W3V6K9N2B4C7D8E9F0A",
		Attempt:         1,
		Attempts:        2,
	}
	b.Run("AppendJSON", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = e.AppendJSON(buf[:0])
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
