package proxy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"

	"github.com/sluicegate/sluicegate/model"
)

// sdkGroupHarness serves, for the given provider type, three route groups
// over llmFake: "grp" (the first member refuses connections, the second
// answers), "grp-rate" (both members answer 429, which they fail over
// on) and "grp-down" (both refuse); plus the pattern group "claude-*"
// (refused, then the answering member), as Claude Code's changing model
// names meet it.
func sdkGroupHarness(t *testing.T, typ model.ProviderType) *harness {
	f := newFake(t, llmFake)
	base, down1, down2 := f.URL, "http://"+closedPort(t), "http://"+closedPort(t)
	if typ == model.TypeOpenAI {
		base, down1, down2 = base+"/v1", down1+"/v1", down2+"/v1"
	}
	up := withMaps(provider("up", typ, base),
		mm("grp", "ok", 2), mm("grp-rate", "rate", 2, 429), mm("claude-*", "ok", 2))
	rate := withMaps(provider("rate", typ, base), mm("grp-rate", "rate", 1, 429))
	down := withMaps(provider("down", typ, down1), mm("grp", "", 1), mm("grp-down", "", 1), mm("claude-*", "", 1))
	down2p := withMaps(provider("down2", typ, down2), mm("grp-down", "", 2))
	return newHarness(t, Settings{}, up, rate, down, down2p)
}

// TestOpenAISDKFailover: openai-go gets a 200 (and a stream) through
// failover, and the right error class when every member fails.
func TestOpenAISDKFailover(t *testing.T) {
	hs := sdkGroupHarness(t, model.TypeOpenAI)
	ctx := context.Background()
	c := openai.NewClient(ooption.WithBaseURL(hs.srv.URL+"/v1/"), ooption.WithAPIKey("sk-client"),
		ooption.WithMaxRetries(0), ooption.WithHTTPClient(hs.client))
	params := func(m string) openai.ChatCompletionNewParams {
		return openai.ChatCompletionNewParams{Model: m, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
	}
	got, err := c.Chat.Completions.New(ctx, params("grp"))
	if err != nil || got.Choices[0].Message.Content != "Hello" {
		t.Fatalf("through failover: %v %+v", err, got)
	}
	s := c.Chat.Completions.NewStreaming(ctx, params("grp"))
	var text strings.Builder
	for s.Next() {
		if ch := s.Current(); len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
		}
	}
	if s.Err() != nil || text.String() != "Hello" {
		t.Errorf("stream through failover: %v %q", s.Err(), text.String())
	}

	// 429 from every member: the last one's rate limit error.
	_, err = c.Chat.Completions.New(ctx, params("grp-rate"))
	var oe *openai.Error
	if !errors.As(err, &oe) || oe.StatusCode != 429 || oe.Code != "rate_limit_exceeded" || !strings.Contains(oe.Message, "Rate limit reached") ||
		oe.Response.Header.Get("Retry-After") != "12" || oe.Response.Header.Get(HeaderAttempts) != "rate=429, up=429" {
		t.Errorf("all rate limited: %v", err)
	}
	// No member answers: a 502, an InternalServerError-class error.
	_, err = c.Chat.Completions.New(ctx, params("grp-down"))
	if !errors.As(err, &oe) || oe.StatusCode != 502 || oe.Code != ErrTypeConnect || oe.Response.Header.Get(HeaderAttempts) != "down=502(connect), down2=502(connect)" {
		t.Errorf("all down: %v", err)
	}
}

// TestAnthropicSDKFailover: anthropic-sdk-go gets a 200 (and a stream)
// through failover, for a Claude Code-style model name caught by
// "claude-*" too, and the right error class when every member fails.
func TestAnthropicSDKFailover(t *testing.T) {
	hs := sdkGroupHarness(t, model.TypeAnthropic)
	ctx := context.Background()
	c := anthropic.NewClient(aoption.WithBaseURL(hs.srv.URL), aoption.WithAPIKey("sk-client"),
		aoption.WithMaxRetries(0), aoption.WithHTTPClient(hs.client))
	params := func(m string) anthropic.MessageNewParams {
		return anthropic.MessageNewParams{Model: anthropic.Model(m), MaxTokens: 16,
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}}
	}
	for _, m := range []string{"grp", "claude-opus-5-5"} {
		got, err := c.Messages.New(ctx, params(m))
		if err != nil || got.Content[0].Text != "Hello" {
			t.Fatalf("%s through failover: %v %+v", m, err, got)
		}
		s := c.Messages.NewStreaming(ctx, params(m))
		var acc anthropic.Message
		for s.Next() {
			if err := acc.Accumulate(s.Current()); err != nil {
				t.Fatal(err)
			}
		}
		if s.Err() != nil || len(acc.Content) == 0 || acc.Content[0].Text != "Hello" {
			t.Errorf("%s stream through failover: %v %+v", m, s.Err(), acc)
		}
	}
	// models.retrieve for the caught name works too.
	if m, err := c.Models.Get(ctx, "claude-opus-5-5", anthropic.ModelGetParams{}); err != nil || m.ID != "claude-opus-5-5" {
		t.Errorf("models.retrieve: %v %+v", err, m)
	}

	_, err := c.Messages.New(ctx, params("grp-rate"))
	var ae *anthropic.Error
	if !errors.As(err, &ae) || ae.StatusCode != 429 || ae.Type() != "rate_limit_error" || ae.RequestID != "req_011CSHoEeqs5C35K2UUqR7Fy" ||
		ae.Response.Header.Get(HeaderAttempts) != "rate=429, up=429" {
		t.Errorf("all rate limited: %v", err)
	}
	_, err = c.Messages.New(ctx, params("grp-down"))
	if !errors.As(err, &ae) || ae.StatusCode != 502 || ae.Type() != "api_error" {
		t.Errorf("all down: %v", err)
	}
}
