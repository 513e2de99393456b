package translate

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	anssestream "github.com/anthropics/anthropic-sdk-go/v2/packages/ssestream"
	"github.com/openai/openai-go/v3"
	oassestream "github.com/openai/openai-go/v3/packages/ssestream"
)

// The SDK tests decode translated output with the official SDKs' own stream decoders and
// accumulators, so a shape the SDKs would misread fails here, not in a user's program.

func sseResponse(b []byte) *http.Response {
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": []string{"text/event-stream"}},
		Body:       io.NopCloser(bytes.NewReader(b)),
	}
}

func translatedFixture(t *testing.T, dir, name string, o Options) []byte {
	t.Helper()
	body, err := os.ReadFile("testdata/" + dir + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	s := newStream(dir, o)
	b, err := s.Translate(body)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), b...) // Translate's bytes are reused by End
	end, err := s.End()
	if err != nil {
		t.Fatal(err)
	}
	return append(out, end...)
}

// anthropicAccumulate runs the Anthropic SDK over client bytes.
func anthropicAccumulate(t *testing.T, b []byte) (anthropic.Message, error) {
	t.Helper()
	stream := anssestream.NewStream[anthropic.MessageStreamEventUnion](anssestream.NewDecoder(sseResponse(b)), nil)
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatalf("accumulate: %v", err)
		}
	}
	return msg, stream.Err()
}

func TestSDKAnthropicStream(t *testing.T) {
	o := Options{Model: "claude-alias", Stream: true}
	t.Run("tool calls", func(t *testing.T) {
		msg, err := anthropicAccumulate(t, translatedFixture(t, "stream_o2a", "tool_calls_parallel.sse", o))
		if err != nil {
			t.Fatal(err)
		}
		if len(msg.Content) != 3 || msg.Content[0].Text != "Checking both." {
			t.Fatalf("content: %+v", msg.Content)
		}
		var input map[string]any
		if err := json.Unmarshal(msg.Content[1].Input, &input); err != nil || input["location"] != "Paris, France" {
			t.Errorf("tool input %s: %v", msg.Content[1].Input, err)
		}
		if msg.Content[1].ID != "call_DdmO9pD3xa9XTPNJ32zg2hcA" || msg.Content[2].Name != "get_time" {
			t.Errorf("tool blocks: %+v", msg.Content)
		}
		if msg.StopReason != anthropic.StopReasonToolUse || msg.Usage.InputTokens != 80 || msg.Usage.OutputTokens != 30 {
			t.Errorf("stop %q usage %+v", msg.StopReason, msg.Usage)
		}
		if msg.Model != "claude-alias" || msg.ID != "chatcmpl-tc" {
			t.Errorf("model %q id %q", msg.Model, msg.ID)
		}
	})
	t.Run("thinking", func(t *testing.T) {
		msg, err := anthropicAccumulate(t, translatedFixture(t, "stream_o2a", "reasoning_content.sse", o))
		if err != nil {
			t.Fatal(err)
		}
		if len(msg.Content) != 2 || msg.Content[0].Thinking != "Compare the decimals." || msg.Content[1].Text != "9.8 is larger." {
			t.Fatalf("content: %+v", msg.Content)
		}
	})
	t.Run("error event", func(t *testing.T) {
		_, err := anthropicAccumulate(t, runStream("stream_o2a", o, [][]byte{mustRead(t, "testdata/stream_o2a/error_midstream.sse")}))
		if err == nil {
			t.Fatal("the SDK saw a clean end")
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openAIAccumulate runs the OpenAI SDK over client bytes.
func openAIAccumulate(t *testing.T, b []byte) (openai.ChatCompletionAccumulator, error) {
	t.Helper()
	stream := oassestream.NewStream[openai.ChatCompletionChunk](oassestream.NewDecoder(sseResponse(b)), nil)
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		if !acc.AddChunk(stream.Current()) {
			t.Fatalf("the accumulator refused chunk %s", stream.Current().RawJSON())
		}
	}
	return acc, stream.Err()
}

func TestSDKOpenAIStream(t *testing.T) {
	o := Options{Model: "gpt-alias", Stream: true, IncludeUsage: true}
	t.Run("tool calls and usage", func(t *testing.T) {
		acc, err := openAIAccumulate(t, translatedFixture(t, "stream_a2o", "tool_use.sse", o))
		if err != nil {
			t.Fatal(err)
		}
		c := acc.Choices[0]
		if c.Message.Content != "Okay, let's check the weather." || c.FinishReason != "tool_calls" {
			t.Errorf("message %+v finish %q", c.Message.Content, c.FinishReason)
		}
		if len(c.Message.ToolCalls) != 2 {
			t.Fatalf("tool calls: %+v", c.Message.ToolCalls)
		}
		tc := c.Message.ToolCalls[0]
		if tc.ID != "toolu_01T1x1fJ34qAmk2tNTrN7Up6" || tc.Function.Name != "get_weather" || tc.Function.Arguments != `{"location": "San Francisco, CA"}` {
			t.Errorf("tool call 0: %+v", tc)
		}
		if c.Message.ToolCalls[1].Function.Arguments != "{}" {
			t.Errorf("tool call 1 arguments %q", c.Message.ToolCalls[1].Function.Arguments)
		}
		if acc.Usage.PromptTokens != 472 || acc.Usage.CompletionTokens != 89 || acc.Usage.TotalTokens != 561 {
			t.Errorf("usage %+v", acc.Usage)
		}
		if acc.Model != "gpt-alias" {
			t.Errorf("model %q", acc.Model)
		}
	})
	t.Run("error event", func(t *testing.T) {
		_, err := openAIAccumulate(t, runStream("stream_a2o", o, [][]byte{mustRead(t, "testdata/stream_a2o/error_overloaded.sse")}))
		if err == nil {
			t.Fatal("the SDK saw a clean end")
		}
	})
}

// TestSDKResponses: translated non-stream bodies decode into the SDKs' types as expected.
func TestSDKResponses(t *testing.T) {
	out, err := OpenAIToAnthropicResponse(mustRead(t, "testdata/response_o2a/tool_calls_parallel.json"), Options{Model: "claude-alias"})
	if err != nil {
		t.Fatal(err)
	}
	var msg anthropic.Message
	if err := json.Unmarshal(out, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonToolUse || len(msg.Content) != 2 || msg.Content[0].AsToolUse().Name != "get_current_weather" {
		t.Errorf("message: %s", out)
	}

	out, err = AnthropicToOpenAIResponse(mustRead(t, "testdata/response_a2o/text_cache_usage.json"), Options{Model: "gpt-alias"})
	if err != nil {
		t.Fatal(err)
	}
	var cc openai.ChatCompletion
	if err := json.Unmarshal(out, &cc); err != nil {
		t.Fatal(err)
	}
	if cc.Choices[0].Message.Content != "Hi! My name is Claude." || cc.Usage.PromptTokensDetails.CachedTokens != 2051 || cc.Usage.PromptTokens != 6197 {
		t.Errorf("completion: %s", out)
	}
}
