package translate

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// OpenAI response shapes.

type oaUsage struct {
	PromptTokens            int64                `json:"prompt_tokens"`
	CompletionTokens        int64                `json:"completion_tokens"`
	TotalTokens             int64                `json:"total_tokens"`
	PromptTokensDetails     *oaPromptDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *oaCompletionDetails `json:"completion_tokens_details,omitempty"`
}

type oaPromptDetails struct {
	CachedTokens     int64 `json:"cached_tokens"`
	CacheWriteTokens int64 `json:"cache_write_tokens,omitempty"`
}

type oaCompletionDetails struct {
	ReasoningTokens int64 `json:"reasoning_tokens"`
}

type oaCompletionIn struct {
	ID      string `json:"id"`
	Choices []struct {
		Message struct {
			Content          json.RawMessage `json:"content"`
			Refusal          string          `json:"refusal"`
			ToolCalls        []oaToolCall    `json:"tool_calls"`
			ReasoningContent string          `json:"reasoning_content"`
			Reasoning        string          `json:"reasoning"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *oaUsage `json:"usage"`
}

type oaCompletionOut struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []oaChoiceOut `json:"choices"`
	Usage   *oaUsage      `json:"usage,omitempty"`
}

type oaChoiceOut struct {
	Index        int             `json:"index"`
	Message      oaRespMessage   `json:"message"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason string          `json:"finish_reason"`
}

type oaRespMessage struct {
	Role             string       `json:"role"`
	Content          *string      `json:"content"`
	ReasoningContent string       `json:"reasoning_content,omitempty"`
	ToolCalls        []oaToolCall `json:"tool_calls,omitempty"`
	Refusal          *string      `json:"refusal"`
}

// Anthropic response shapes.

type anUsage struct {
	InputTokens              int64              `json:"input_tokens"`
	OutputTokens             int64              `json:"output_tokens"`
	CacheCreationInputTokens int64              `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64              `json:"cache_read_input_tokens"`
	OutputTokensDetails      *anOutputTokensDet `json:"output_tokens_details,omitempty"`
}

type anOutputTokensDet struct {
	ThinkingTokens int64 `json:"thinking_tokens"`
}

type anMessageResp struct {
	ID           string        `json:"id"`
	Type         string        `json:"type"`
	Role         string        `json:"role"`
	Model        string        `json:"model"`
	Content      []anRespBlock `json:"content"`
	StopReason   *string       `json:"stop_reason"`
	StopSequence *string       `json:"stop_sequence"`
	Usage        anUsage       `json:"usage"`
}

// anRespBlock is a response content block; pointers keep the fields each type needs.
type anRespBlock struct {
	Type      string          `json:"type"`
	Text      *string         `json:"text,omitempty"`
	Thinking  *string         `json:"thinking,omitempty"`
	Signature *string         `json:"signature,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
}

type anRespBlockIn struct {
	Type     string          `json:"type"`
	Text     string          `json:"text"`
	Thinking string          `json:"thinking"`
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Input    json.RawMessage `json:"input"`
}

type anMessageRespIn struct {
	ID         string          `json:"id"`
	Content    []anRespBlockIn `json:"content"`
	StopReason string          `json:"stop_reason"`
	Usage      anUsage         `json:"usage"`
}

// finishToStop maps an OpenAI finish_reason to an Anthropic stop_reason. A provider that
// returned tool calls but said "stop" (Ollama and others do) still gets tool_use, because
// agents like Claude Code run tools when stop_reason says so.
func finishToStop(finish string, hasToolUse bool) string {
	switch finish {
	case "length":
		return "max_tokens"
	case "tool_calls", "function_call":
		return "tool_use"
	case "content_filter":
		return "refusal"
	}
	if hasToolUse {
		return "tool_use"
	}
	return "end_turn"
}

// stopToFinish maps an Anthropic stop_reason to an OpenAI finish_reason.
func stopToFinish(stop string) string {
	switch stop {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	}
	return "stop" // end_turn, stop_sequence, pause_turn
}

// usageToAnthropic converts OpenAI usage. OpenAI's prompt_tokens include cached and
// cache-written tokens; Anthropic's input_tokens exclude both.
func usageToAnthropic(u *oaUsage) anUsage {
	if u == nil {
		return anUsage{}
	}
	a := anUsage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens}
	if d := u.PromptTokensDetails; d != nil {
		a.CacheReadInputTokens = d.CachedTokens
		a.CacheCreationInputTokens = d.CacheWriteTokens
		a.InputTokens = max(0, u.PromptTokens-d.CachedTokens-d.CacheWriteTokens)
	}
	if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens > 0 {
		a.OutputTokensDetails = &anOutputTokensDet{ThinkingTokens: d.ReasoningTokens}
	}
	return a
}

// usageToOpenAI converts Anthropic usage (the inverse of usageToAnthropic).
func usageToOpenAI(a anUsage) *oaUsage {
	prompt := a.InputTokens + a.CacheReadInputTokens + a.CacheCreationInputTokens
	u := &oaUsage{
		PromptTokens:        prompt,
		CompletionTokens:    a.OutputTokens,
		TotalTokens:         prompt + a.OutputTokens,
		PromptTokensDetails: &oaPromptDetails{CachedTokens: a.CacheReadInputTokens, CacheWriteTokens: a.CacheCreationInputTokens},
	}
	if a.OutputTokensDetails != nil {
		u.CompletionTokensDetails = &oaCompletionDetails{ReasoningTokens: a.OutputTokensDetails.ThinkingTokens}
	}
	return u
}

// oaText returns message content that is a string or an array of text parts.
func oaText(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []oaPartIn
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", fmt.Errorf("content is neither a string nor parts: %w", err)
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
		b.WriteString(p.Refusal)
	}
	return b.String(), nil
}

// OpenAIToAnthropicResponse translates a non-stream chat.completion into an Anthropic message.
func OpenAIToAnthropicResponse(body []byte, o Options) ([]byte, error) {
	var in oaCompletionIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("translate: upstream chat completion: %w", err)
	}
	if len(in.Choices) == 0 {
		return nil, fmt.Errorf("translate: upstream chat completion has no choices")
	}
	c := in.Choices[0]
	out := anMessageResp{ID: in.ID, Type: "message", Role: "assistant", Model: o.Model, Content: []anRespBlock{}}
	if out.ID == "" {
		out.ID = newID("msg_")
	}
	reasoning := c.Message.ReasoningContent
	if reasoning == "" {
		reasoning = c.Message.Reasoning
	}
	if reasoning != "" {
		// No signature exists for it; an Anthropic client sending it back gets it dropped
		// by the request translation, so the empty signature is never checked.
		empty := ""
		out.Content = append(out.Content, anRespBlock{Type: "thinking", Thinking: &reasoning, Signature: &empty})
	}
	text, err := oaText(c.Message.Content)
	if err != nil {
		return nil, fmt.Errorf("translate: upstream chat completion: %w", err)
	}
	if text != "" {
		out.Content = append(out.Content, anRespBlock{Type: "text", Text: &text})
	}
	finish := c.FinishReason
	if c.Message.Refusal != "" {
		r := c.Message.Refusal
		out.Content = append(out.Content, anRespBlock{Type: "text", Text: &r})
		finish = "content_filter"
	}
	for i, tc := range c.Message.ToolCalls {
		input, err := toolArgs(tc.Function.Arguments)
		if err != nil {
			return nil, fmt.Errorf("translate: upstream tool_calls[%d]: %w", i, err)
		}
		id := tc.ID
		if id == "" {
			id = newID("toolu_")
		}
		out.Content = append(out.Content, anRespBlock{Type: "tool_use", ID: id, Name: tc.Function.Name, Input: input})
	}
	stop := finishToStop(finish, len(c.Message.ToolCalls) > 0)
	out.StopReason = &stop
	out.Usage = usageToAnthropic(in.Usage)
	return marshal(out), nil
}

// toolArgs parses a tool call's arguments string into an input object ("" means {}).
func toolArgs(args string) (json.RawMessage, error) {
	if strings.TrimSpace(args) == "" {
		return json.RawMessage("{}"), nil
	}
	if !isJSONObject([]byte(args)) {
		return nil, fmt.Errorf("arguments are not a JSON object: %.200q", args)
	}
	return compactJSON(json.RawMessage(args)), nil
}

// AnthropicToOpenAIResponse translates a non-stream Anthropic message into a chat.completion.
func AnthropicToOpenAIResponse(body []byte, o Options) ([]byte, error) {
	var in anMessageRespIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("translate: upstream message: %w", err)
	}
	msg := oaRespMessage{Role: "assistant"}
	var text, thinking strings.Builder
	hasText := false
	for _, b := range in.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
			hasText = true
		case "thinking":
			thinking.WriteString(b.Thinking)
		case "tool_use":
			input := b.Input
			if isNull(input) {
				input = json.RawMessage("{}")
			}
			var tc oaToolCall
			tc.ID, tc.Type = b.ID, "function"
			tc.Function.Name, tc.Function.Arguments = b.Name, string(compactJSON(input))
			msg.ToolCalls = append(msg.ToolCalls, tc)
		}
		// redacted_thinking is encrypted and means nothing to an OpenAI client; server tool
		// blocks cannot occur because server tools are refused in requests.
	}
	if hasText {
		s := text.String()
		msg.Content = &s
	}
	msg.ReasoningContent = thinking.String()
	id := in.ID
	if id == "" {
		id = newID("chatcmpl-")
	}
	out := oaCompletionOut{
		ID: id, Object: "chat.completion", Created: time.Now().Unix(), Model: o.Model,
		Choices: []oaChoiceOut{{Message: msg, Logprobs: json.RawMessage("null"), FinishReason: stopToFinish(in.StopReason)}},
		Usage:   usageToOpenAI(in.Usage),
	}
	return marshal(out), nil
}
