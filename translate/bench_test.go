package translate

import (
	"bytes"
	"os"
	"testing"
)

// The stream benchmarks feed a realistic stream one upstream event per Translate call and
// report the cost per event (ns/op is per whole stream; see the events/op metric).

func benchStream(b *testing.B, fixture string, newS func() Stream) {
	body, err := os.ReadFile(fixture)
	if err != nil {
		b.Fatal(err)
	}
	events := bytes.SplitAfter(body, []byte("\n\n"))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s := newS()
		for _, ev := range events {
			if _, err := s.Translate(ev); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.End(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(events)), "events/op")
}

func BenchmarkStreamOpenAIToAnthropic(b *testing.B) {
	benchStream(b, "testdata/stream_o2a/tool_calls_parallel.sse", func() Stream { return NewOpenAIToAnthropicStream(Options{Model: "m"}) })
}

func BenchmarkStreamAnthropicToOpenAI(b *testing.B) {
	benchStream(b, "testdata/stream_a2o/tool_use.sse", func() Stream { return NewAnthropicToOpenAIStream(Options{Model: "m", IncludeUsage: true}) })
}

// BenchmarkStreamTextDelta is the steady state: one text delta event in, one out; "general"
// is the same with the fast path off (fastpath.go), measured in the same run.
func BenchmarkStreamTextDelta(b *testing.B) {
	for _, general := range []bool{false, true} {
		name := ""
		if general {
			name = "/general"
		}
		b.Run("openai->anthropic"+name, func(b *testing.B) {
			s := NewOpenAIToAnthropicStream(Options{Model: "m"}).(*openAIToAnthropic)
			s.general = general
			if _, err := s.Translate([]byte(`data: {"id":"chatcmpl-123","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}` + "\n\n")); err != nil {
				b.Fatal(err)
			}
			ev := []byte(`data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello world, "},"logprobs":null,"finish_reason":null}]}` + "\n\n")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Translate(ev); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("anthropic->openai"+name, func(b *testing.B) {
			s := NewAnthropicToOpenAIStream(Options{Model: "m"}).(*anthropicToOpenAI)
			s.general = general
			if _, err := s.Translate([]byte("data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}\n\n")); err != nil {
				b.Fatal(err)
			}
			ev := []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello world, \"}}\n\n")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Translate(ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
