package proxy

import (
	"context"
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

// llmFake behaves like OpenAI's and Anthropic's APIs for the models
// "ok", "rate" (429) and "boom" (500), streaming when asked.
func llmFake(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	body := string(b)
	anthropic := strings.HasPrefix(r.URL.Path, "/v1/messages")
	stream := strings.Contains(body, `"stream":true`)
	switch {
	case strings.Contains(body, `"model":"rate"`):
		if anthropic {
			jsonHandler(429, `{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}`,
				"Retry-After", "12", "Request-Id", "req_011CSHoEeqs5C35K2UUqR7Fy", "Anthropic-Ratelimit-Requests-Remaining", "0")(w, r)
		} else {
			jsonHandler(429, `{"error":{"message":"Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`,
				"Retry-After", "12", "X-Request-Id", "req_9f2c", "X-Ratelimit-Remaining-Tokens", "0")(w, r)
		}
	case strings.Contains(body, `"model":"boom"`):
		if anthropic {
			jsonHandler(500, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`, "Request-Id", "req_500")(w, r)
		} else {
			jsonHandler(500, `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`)(w, r)
		}
	case anthropic && stream:
		sseHandler(0,
			"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"ok\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n",
			"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
			"event: ping\ndata: {\"type\":\"ping\"}\n\n",
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n",
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n",
			"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n",
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")(w, r)
	case anthropic:
		jsonHandler(200, `{"id":"msg_1","type":"message","role":"assistant","model":"ok","content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":2}}`, "Request-Id", "req_ok")(w, r)
	case stream:
		sseHandler(0,
			"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"ok\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n",
			"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"ok\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n",
			"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"ok\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\n",
			"data: [DONE]\n\n")(w, r)
	default:
		jsonHandler(200, `{"id":"c1","object":"chat.completion","created":1,"model":"ok","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}`, "X-Request-Id", "req_ok")(w, r)
	}
}

// sdkHarness is one fake behind the proxy, with an OpenAI and an Anthropic
// provider serving the same three models.
func sdkHarness(t *testing.T) (*harness, *fake) {
	f := newFake(t, llmFake)
	oa := provider("oa", model.TypeOpenAI, f.URL+"/v1", "ok", "ok", "rate", "rate", "boom", "boom")
	an := provider("an", model.TypeAnthropic, f.URL, "claude-ok", "ok", "claude-rate", "rate", "claude-boom", "boom")
	oa.APIKey, an.APIKey = "sk-upstream", "sk-ant-upstream"
	return newHarness(t, Settings{}, oa, an), f
}

// TestOpenAISDK: openai-go sees the same results and errors through the
// proxy as when it calls the fake directly.
func TestOpenAISDK(t *testing.T) {
	hs, f := sdkHarness(t)
	ctx := context.Background()
	client := func(base string) openai.Client {
		return openai.NewClient(ooption.WithBaseURL(base+"/v1/"), ooption.WithAPIKey("sk-client"),
			ooption.WithMaxRetries(0), ooption.WithHTTPClient(hs.client))
	}
	via, direct := client(hs.srv.URL), client(f.URL)
	params := func(m string) openai.ChatCompletionNewParams {
		return openai.ChatCompletionNewParams{Model: m, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
	}

	got, err := via.Chat.Completions.New(ctx, params("ok"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := direct.Chat.Completions.New(ctx, params("ok"))
	if got.RawJSON() != want.RawJSON() || got.Choices[0].Message.Content != "Hello" {
		t.Errorf("completion %s, want %s", got.RawJSON(), want.RawJSON())
	}

	collect := func(c openai.Client) ([]string, error) {
		s := c.Chat.Completions.NewStreaming(ctx, params("ok"))
		var chunks []string
		for s.Next() {
			chunks = append(chunks, s.Current().RawJSON())
		}
		return chunks, s.Err()
	}
	gotChunks, err := collect(via)
	wantChunks, _ := collect(direct)
	if err != nil || strings.Join(gotChunks, "\n") != strings.Join(wantChunks, "\n") || len(gotChunks) != 3 {
		t.Errorf("stream: %v %q, want %q", err, gotChunks, wantChunks)
	}

	for _, m := range []string{"rate", "boom"} {
		_, gerr := via.Chat.Completions.New(ctx, params(m))
		_, werr := direct.Chat.Completions.New(ctx, params(m))
		var ge, we *openai.Error
		if !errors.As(gerr, &ge) || !errors.As(werr, &we) {
			t.Fatalf("%s: errors %v / %v", m, gerr, werr)
		}
		if ge.StatusCode != we.StatusCode || ge.Type != we.Type || ge.Code != we.Code || ge.Message != we.Message || ge.Message == "" {
			t.Errorf("%s: via proxy %d %s %s %q, direct %d %s %s %q", m, ge.StatusCode, ge.Type, ge.Code, ge.Message, we.StatusCode, we.Type, we.Code, we.Message)
		}
		if ge.Response.Header.Get("Retry-After") != we.Response.Header.Get("Retry-After") {
			t.Errorf("%s: retry-after %q vs %q", m, ge.Response.Header.Get("Retry-After"), we.Response.Header.Get("Retry-After"))
		}
	}

	// A proxy-made error surfaces as a normal API error too.
	_, err = via.Chat.Completions.New(ctx, params("missing"))
	var pe *openai.Error
	if !errors.As(err, &pe) || pe.StatusCode != 404 || pe.Code != "model_not_found" {
		t.Errorf("unknown model: %v", err)
	}
}

// TestAnthropicSDK: anthropic-sdk-go sees the same results and errors
// through the proxy as when it calls the fake directly.
func TestAnthropicSDK(t *testing.T) {
	hs, f := sdkHarness(t)
	ctx := context.Background()
	client := func(base string) anthropic.Client {
		return anthropic.NewClient(aoption.WithBaseURL(base), aoption.WithAPIKey("sk-client"),
			aoption.WithMaxRetries(0), aoption.WithHTTPClient(hs.client))
	}
	via, direct := client(hs.srv.URL), client(f.URL)
	params := func(m string) anthropic.MessageNewParams {
		return anthropic.MessageNewParams{Model: anthropic.Model(m), MaxTokens: 16,
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}}
	}

	got, err := via.Messages.New(ctx, params("claude-ok"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := direct.Messages.New(ctx, params("ok"))
	if got.RawJSON() != want.RawJSON() || got.Content[0].Text != "Hello" {
		t.Errorf("message %s, want %s", got.RawJSON(), want.RawJSON())
	}

	collect := func(c anthropic.Client, m string) (string, []string, error) {
		s := c.Messages.NewStreaming(ctx, params(m))
		var acc anthropic.Message
		var types []string
		for s.Next() {
			ev := s.Current()
			types = append(types, ev.Type)
			if err := acc.Accumulate(ev); err != nil {
				return "", nil, err
			}
		}
		if len(acc.Content) == 0 {
			return "", types, s.Err()
		}
		return acc.Content[0].Text, types, s.Err()
	}
	gotText, gotTypes, err := collect(via, "claude-ok")
	wantText, wantTypes, _ := collect(direct, "ok")
	if err != nil || gotText != "Hello" || gotText != wantText || strings.Join(gotTypes, ",") != strings.Join(wantTypes, ",") {
		t.Errorf("stream: %v %q %v, want %q %v", err, gotText, gotTypes, wantText, wantTypes)
	}

	for _, m := range []string{"rate", "boom"} {
		_, gerr := via.Messages.New(ctx, params("claude-"+m))
		_, werr := direct.Messages.New(ctx, params(m))
		var ge, we *anthropic.Error
		if !errors.As(gerr, &ge) || !errors.As(werr, &we) {
			t.Fatalf("%s: errors %v / %v", m, gerr, werr)
		}
		if ge.StatusCode != we.StatusCode || ge.Type() != we.Type() || ge.Message != we.Message || ge.RequestID != we.RequestID || ge.Message == "" {
			t.Errorf("%s: via proxy %d %s %q %s, direct %d %s %q %s", m, ge.StatusCode, ge.Type(), ge.Message, ge.RequestID, we.StatusCode, we.Type(), we.Message, we.RequestID)
		}
	}

	// A mid-stream failure is an error for the SDK, not a short message.
	start := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"ok\",\"content\":[],\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"
	raw := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + fmt.Sprintf("%x\r\n%s\r\n", len(start), start)
	hs.setProviders(Settings{}, provider("an", model.TypeAnthropic, "http://"+resetServer(t, raw, 20*time.Millisecond), "claude-ok", "ok"))
	if _, _, err := collect(via, "claude-ok"); err == nil {
		t.Error("a stream reset mid-way ended cleanly for the SDK")
	}
}
