package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"

	"github.com/sluicegate/sluicegate/model"
)

// SDK tests of translation: each official SDK talks its own dialect to
// Sluicegate, which serves the model from a fake provider of the other
// dialect.

// sdkErrors are the upstream errors both fakes send, by model: status and
// the provider's message.
var sdkErrors = map[string]struct {
	status int
	msg    string
}{
	"e400": {400, "Invalid value for 'max_tokens': must be positive."},
	"e401": {401, "Incorrect API key provided: sk-up***. You can find your API key at the provider."},
	"e429": {429, "Rate limit reached for requests per min (RPM): Limit 3."},
	"e500": {500, "The server had an error while processing your request."},
	"e529": {529, "Overloaded"},
}

func chunk(delta string, finish string) string {
	f := "null"
	if finish != "" {
		f = `"` + finish + `"`
	}
	return `data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":` + delta + `,"finish_reason":` + f + "}]}\n\n"
}

// openAIProviderFake behaves like an OpenAI-compatible provider (with
// DeepSeek-style reasoning_content) for the models "text", "tool",
// "think" and the sdkErrors.
func openAIProviderFake(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model         string `json:"model"`
		Stream        bool   `json:"stream"`
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &req)
	if e, ok := sdkErrors[req.Model]; ok {
		jsonHandler(e.status, fmt.Sprintf(`{"error":{"message":%q,"type":"server_error","param":null,"code":null}}`, e.msg), "X-Request-Id", "req_"+req.Model)(w, r)
		return
	}
	usage := "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":7,\"total_tokens\":27}}\n\n"
	if !req.StreamOptions.IncludeUsage {
		usage = ""
	}
	switch {
	case req.Model == "text" && !req.Stream:
		jsonHandler(200, `{"id":"chatcmpl-7","object":"chat.completion","created":1,"model":"up","choices":[{"index":0,"message":{"role":"assistant","content":"Hello, world"},"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":3,"total_tokens":23}}`)(w, r)
	case req.Model == "text":
		sseHandler(0, chunk(`{"role":"assistant","content":""}`, ""), chunk(`{"content":"Hello,"}`, ""), chunk(`{"content":" world"}`, ""), chunk(`{}`, "stop"), usage, "data: [DONE]\n\n")(w, r)
	case req.Model == "tool" && !req.Stream:
		jsonHandler(200, `{"id":"chatcmpl-7","object":"chat.completion","created":1,"model":"up","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29}}`)(w, r)
	case req.Model == "tool":
		sseHandler(0,
			chunk(`{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}`, ""),
			chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}`, ""),
			chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"ty\": \"Par"}}]}`, ""),
			chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"is\"}"}}]}`, ""),
			chunk(`{}`, "tool_calls"), usage, "data: [DONE]\n\n")(w, r)
	case req.Model == "think":
		sseHandler(0,
			chunk(`{"role":"assistant","content":null,"reasoning_content":"Let me "}`, ""),
			chunk(`{"reasoning_content":"think."}`, ""),
			chunk(`{"content":"42"}`, ""),
			chunk(`{}`, "stop"), usage, "data: [DONE]\n\n")(w, r)
	default:
		jsonHandler(404, `{"error":{"message":"model not found","type":"invalid_request_error","param":null,"code":"model_not_found"}}`)(w, r)
	}
}

func anEvent(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }

// anthropicProviderFake behaves like Anthropic's Messages API for the
// models "text", "tool" and the sdkErrors.
func anthropicProviderFake(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model  string `json:"model"`
		Stream bool   `json:"stream"`
	}
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &req)
	if e, ok := sdkErrors[req.Model]; ok {
		typ := map[int]string{400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}[e.status]
		jsonHandler(e.status, fmt.Sprintf(`{"type":"error","error":{"type":%q,"message":%q}}`, typ, e.msg), "Request-Id", "req_"+req.Model)(w, r)
		return
	}
	start := anEvent("message_start", `{"type":"message_start","message":{"id":"msg_7","type":"message","role":"assistant","model":"up","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":1}}}`)
	stop := anEvent("message_stop", `{"type":"message_stop"}`)
	switch {
	case req.Model == "text" && !req.Stream:
		jsonHandler(200, `{"id":"msg_7","type":"message","role":"assistant","model":"up","content":[{"type":"text","text":"Hello, world"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":3}}`)(w, r)
	case req.Model == "text":
		sseHandler(0, start,
			anEvent("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
			anEvent("ping", `{"type":"ping"}`),
			anEvent("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello,"}}`),
			anEvent("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}}`),
			anEvent("content_block_stop", `{"type":"content_block_stop","index":0}`),
			anEvent("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":7}}`),
			stop)(w, r)
	case req.Model == "tool" && !req.Stream:
		jsonHandler(200, `{"id":"msg_7","type":"message","role":"assistant","model":"up","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":9}}`)(w, r)
	case req.Model == "tool":
		sseHandler(0, start,
			anEvent("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}`),
			anEvent("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"ci"}}`),
			anEvent("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"ty\": \"Paris\"}"}}`),
			anEvent("content_block_stop", `{"type":"content_block_stop","index":0}`),
			anEvent("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":9}}`),
			stop)(w, r)
	default:
		jsonHandler(404, `{"type":"error","error":{"type":"not_found_error","message":"model: nope"}}`)(w, r)
	}
}

// TestAnthropicSDKOverOpenAIProvider: anthropic-sdk-go, calling models of
// an OpenAI-type provider: messages, streamed text, a tool_use with
// streamed JSON input, thinking, each error status as the SDK's error
// with the provider's message, and a mid-stream reset as an error.
func TestAnthropicSDKOverOpenAIProvider(t *testing.T) {
	f := newFake(t, openAIProviderFake)
	p := translating("oa", model.TypeOpenAI, f.URL+"/v1")
	p.APIKey = "sk-up"
	hs := newHarness(t, Settings{}, p)
	ctx := context.Background()
	c := anthropic.NewClient(aoption.WithBaseURL(hs.srv.URL), aoption.WithAPIKey("sk-client"),
		aoption.WithMaxRetries(0), aoption.WithHTTPClient(hs.client))
	params := func(m string) anthropic.MessageNewParams {
		return anthropic.MessageNewParams{Model: anthropic.Model("oa/" + m), MaxTokens: 256,
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is the weather in Paris?"))},
			Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{Name: "get_weather", Description: anthropic.String("Weather of a city"),
				InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}, Required: []string{"city"}}}}},
		}
	}

	msg, err := c.Messages.New(ctx, params("text"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 1 || msg.Content[0].Text != "Hello, world" || msg.StopReason != anthropic.StopReasonEndTurn || msg.Usage.InputTokens != 20 || msg.Usage.OutputTokens != 3 {
		t.Errorf("message %s", msg.RawJSON())
	}
	msg, err = c.Messages.New(ctx, params("tool"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 1 || msg.Content[0].Type != "tool_use" || msg.Content[0].ID != "call_1" || string(msg.Content[0].Input) != `{"city":"Paris"}` || msg.StopReason != anthropic.StopReasonToolUse {
		t.Errorf("tool message %s", msg.RawJSON())
	}

	stream := func(m string) (anthropic.Message, []string, error) {
		s := c.Messages.NewStreaming(ctx, params(m))
		defer s.Close()
		var acc anthropic.Message
		var types []string
		for s.Next() {
			ev := s.Current()
			types = append(types, ev.Type)
			if err := acc.Accumulate(ev); err != nil {
				return acc, types, err
			}
		}
		return acc, types, s.Err()
	}
	acc, types, err := stream("text")
	if err != nil || len(acc.Content) != 1 || acc.Content[0].Text != "Hello, world" || acc.StopReason != anthropic.StopReasonEndTurn || acc.Usage.OutputTokens != 7 {
		t.Errorf("streamed text: %v %+v %v", err, acc.Content, types)
	}
	if len(types) < 5 || types[0] != "message_start" || types[len(types)-1] != "message_stop" {
		t.Errorf("event types %v", types)
	}
	acc, _, err = stream("tool")
	if err != nil || len(acc.Content) != 1 || acc.Content[0].Name != "get_weather" || acc.Content[0].ID != "call_1" || acc.StopReason != anthropic.StopReasonToolUse {
		t.Fatalf("streamed tool_use: %v %+v", err, acc.Content)
	}
	var input map[string]string
	if err := json.Unmarshal(acc.Content[0].Input, &input); err != nil || input["city"] != "Paris" {
		t.Errorf("streamed tool input %s: %v", acc.Content[0].Input, err)
	}
	acc, _, err = stream("think")
	if err != nil || len(acc.Content) != 2 || acc.Content[0].Type != "thinking" || acc.Content[0].Thinking != "Let me think." || acc.Content[1].Text != "42" {
		t.Errorf("streamed thinking: %v %+v", err, acc.Content)
	}

	wantType := map[int]string{400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}
	for m, e := range sdkErrors {
		_, err := c.Messages.New(ctx, params(m))
		var ae *anthropic.Error
		if !errors.As(err, &ae) {
			t.Fatalf("%s: %v is not an *anthropic.Error", m, err)
		}
		if ae.StatusCode != e.status || !strings.Contains(ae.Error(), e.msg) || string(ae.Type()) != wantType[e.status] {
			t.Errorf("%s: status %d type %s error %q; want %d %s with %q", m, ae.StatusCode, ae.Type(), ae.Error(), e.status, wantType[e.status], e.msg)
		}
	}

	// A reset mid-stream is an error for the SDK, not a short message.
	first := chunk(`{"role":"assistant","content":"Hel"}`, "")
	raw := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + fmt.Sprintf("%x\r\n%s\r\n", len(first), first)
	p.BaseURL = "http://" + resetServer(t, raw, 20*time.Millisecond) + "/v1"
	hs.setProviders(Settings{}, p)
	if _, _, err := stream("text"); err == nil {
		t.Error("a stream reset mid-way ended cleanly for the SDK")
	}
}

// TestOpenAISDKOverAnthropicProvider: openai-go, calling models of an
// Anthropic-type provider: chat, streaming with include_usage, tool calls
// (plain and streamed), each error status as an *openai.Error with the
// provider's message, and a mid-stream reset as an error.
func TestOpenAISDKOverAnthropicProvider(t *testing.T) {
	f := newFake(t, anthropicProviderFake)
	p := translating("an", model.TypeAnthropic, f.URL)
	p.APIKey = "sk-ant-up"
	hs := newHarness(t, Settings{}, p)
	ctx := context.Background()
	c := openai.NewClient(ooption.WithBaseURL(hs.srv.URL+"/v1/"), ooption.WithAPIKey("sk-client"),
		ooption.WithMaxRetries(0), ooption.WithHTTPClient(hs.client))
	params := func(m string) openai.ChatCompletionNewParams {
		return openai.ChatCompletionNewParams{Model: "an/" + m,
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What is the weather in Paris?")},
			Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
				Name: "get_weather", Parameters: openai.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}})},
		}
	}

	got, err := c.Chat.Completions.New(ctx, params("text"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Choices) != 1 || got.Choices[0].Message.Content != "Hello, world" || got.Choices[0].FinishReason != "stop" || got.Usage.PromptTokens != 20 || got.Usage.CompletionTokens != 3 {
		t.Errorf("completion %s", got.RawJSON())
	}
	got, err = c.Chat.Completions.New(ctx, params("tool"))
	if err != nil {
		t.Fatal(err)
	}
	if tc := got.Choices[0].Message.ToolCalls; len(tc) != 1 || tc[0].ID != "toolu_1" || tc[0].Function.Name != "get_weather" || tc[0].Function.Arguments != `{"city":"Paris"}` || got.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("tool call %s", got.RawJSON())
	}

	stream := func(m string, includeUsage bool) (openai.ChatCompletionAccumulator, int, error) {
		pp := params(m)
		if includeUsage {
			pp.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
		}
		s := c.Chat.Completions.NewStreaming(ctx, pp)
		defer s.Close()
		var acc openai.ChatCompletionAccumulator
		n := 0
		for s.Next() {
			n++
			acc.AddChunk(s.Current())
		}
		return acc, n, s.Err()
	}
	acc, n, err := stream("text", true)
	if err != nil || len(acc.Choices) != 1 || acc.Choices[0].Message.Content != "Hello, world" || acc.Choices[0].FinishReason != "stop" || n < 3 {
		t.Errorf("streamed text: %v %d chunks %s", err, n, acc.RawJSON())
	}
	if acc.Usage.PromptTokens != 20 || acc.Usage.CompletionTokens != 7 {
		t.Errorf("include_usage: usage %+v, want 20/7", acc.Usage)
	}
	acc, _, err = stream("text", false)
	if err != nil || acc.Usage.TotalTokens != 0 {
		t.Errorf("without include_usage: %v usage %+v, want none", err, acc.Usage)
	}
	acc, _, err = stream("tool", false)
	if err != nil || len(acc.Choices) != 1 || len(acc.Choices[0].Message.ToolCalls) != 1 {
		t.Fatalf("streamed tool call: %v %s", err, acc.RawJSON())
	}
	if tc := acc.Choices[0].Message.ToolCalls[0]; tc.ID != "toolu_1" || tc.Function.Name != "get_weather" || tc.Function.Arguments != `{"city": "Paris"}` || acc.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("streamed tool call %+v finish %q", tc, acc.Choices[0].FinishReason)
	}

	for m, e := range sdkErrors {
		_, err := c.Chat.Completions.New(ctx, params(m))
		var oe *openai.Error
		if !errors.As(err, &oe) {
			t.Fatalf("%s: %v is not an *openai.Error", m, err)
		}
		if oe.StatusCode != e.status || !strings.Contains(oe.Message, e.msg) {
			t.Errorf("%s: status %d message %q; want %d with %q", m, oe.StatusCode, oe.Message, e.status, e.msg)
		}
	}

	first := anEvent("message_start", `{"type":"message_start","message":{"id":"msg_7","type":"message","role":"assistant","model":"up","content":[],"usage":{"input_tokens":20,"output_tokens":1}}}`)
	raw := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + fmt.Sprintf("%x\r\n%s\r\n", len(first), first)
	p.BaseURL = "http://" + resetServer(t, raw, 20*time.Millisecond)
	hs.setProviders(Settings{}, p)
	if _, _, err := stream("text", false); err == nil {
		t.Error("a stream reset mid-way ended cleanly for the SDK")
	}
}
