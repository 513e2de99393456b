package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Anthropic request shapes, as read.

type anMessageIn struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type anBlockIn struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Source    json.RawMessage `json:"source"` // an object for images and documents
	Title     string          `json:"title"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	IsError   bool            `json:"is_error"`
}

// anSource is an image or document source, read and written.
type anSource struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
	FileID    string `json:"file_id,omitempty"`
}

type anToolIn struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
	Strict      *bool           `json:"strict"`
}

type anToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse *bool  `json:"disable_parallel_tool_use,omitempty"`
}

// OpenAI request shapes, as written.

type oaRequestOut struct {
	Model             string          `json:"model"`
	Messages          []oaMessageOut  `json:"messages"`
	MaxTokens         *int64          `json:"max_tokens,omitempty"`
	Temperature       json.RawMessage `json:"temperature,omitempty"`
	TopP              json.RawMessage `json:"top_p,omitempty"`
	TopK              json.RawMessage `json:"top_k,omitempty"`
	Stop              []string        `json:"stop,omitempty"`
	Stream            bool            `json:"stream,omitempty"`
	StreamOptions     *oaStreamOpts   `json:"stream_options,omitempty"`
	Tools             []oaTool        `json:"tools,omitempty"`
	ToolChoice        any             `json:"tool_choice,omitempty"`
	ParallelToolCalls *bool           `json:"parallel_tool_calls,omitempty"`
	ReasoningEffort   string          `json:"reasoning_effort,omitempty"`
	ResponseFormat    any             `json:"response_format,omitempty"`
	User              string          `json:"user,omitempty"`
}

type oaStreamOpts struct {
	IncludeUsage bool `json:"include_usage"`
}

type oaMessageOut struct {
	Role       string       `json:"role"`
	Content    any          `json:"content"` // string, []oaPart or nil
	ToolCalls  []oaToolCall `json:"tool_calls,omitempty"`
	ToolCallID string       `json:"tool_call_id,omitempty"`
}

type oaPart struct {
	Type     string      `json:"type"`
	Text     *string     `json:"text,omitempty"`
	ImageURL *oaImageURL `json:"image_url,omitempty"`
	File     *oaFile     `json:"file,omitempty"`
}

type oaImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

type oaFile struct {
	Filename string `json:"filename,omitempty"`
	FileData string `json:"file_data,omitempty"`
	FileID   string `json:"file_id,omitempty"`
}

// oaToolCall is a tool call, read and written.
type oaToolCall struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type oaTool struct {
	Type     string     `json:"type"`
	Function oaFunction `json:"function"`
}

type oaFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

func textPart(s string) oaPart { return oaPart{Type: "text", Text: &s} }

// AnthropicToOpenAIRequest translates a /v1/messages body into a chat.completions body.
// upstreamModel replaces "model". The error is an *UnsupportedError for a refused field, or
// wraps ErrInvalid for a body that is not a valid Messages request.
func AnthropicToOpenAIRequest(body []byte, upstreamModel string) ([]byte, Options, error) {
	var fields map[string]json.RawMessage
	if err := unmarshal(body, &fields); err != nil {
		return nil, Options{}, invalidf("body is not a JSON object: %v", err)
	}
	var o Options
	out := oaRequestOut{Model: upstreamModel}
	var thinkingEffort, configEffort string
	var system []oaMessageOut
	var haveMessages, haveMaxTokens bool
	// Sorted, so that the first refused field named is always the same one.
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		raw := fields[key]
		var err error
		switch key {
		case "model":
			err = decodeField(raw, &o.Model, "model")
		case "messages":
			haveMessages = true
			out.Messages, err = anMessagesToOpenAI(raw)
		case "system":
			system, err = anSystemToOpenAI(raw, "system")
		case "max_tokens":
			var v int64
			v, haveMaxTokens, err = integer(raw, "max_tokens")
			if haveMaxTokens {
				// max_tokens rather than max_completion_tokens: every OpenAI-compatible
				// server (vLLM, Ollama, llama.cpp, DeepSeek, OpenRouter) reads it.
				out.MaxTokens = &v
			}
		case "temperature":
			out.Temperature, err = number(raw, key)
		case "top_p":
			out.TopP, err = number(raw, key)
		case "top_k":
			// Passed on: vLLM, OpenRouter, llama.cpp, LM Studio and Ollama read top_k; a
			// provider that does not know it answers 400 itself, which is not silent.
			out.TopK, err = number(raw, key)
		case "stop_sequences":
			if !isNull(raw) {
				err = decodeField(raw, &out.Stop, key)
			}
		case "stream":
			if !isNull(raw) {
				err = decodeField(raw, &o.Stream, key)
			}
		case "tools":
			out.Tools, err = anToolsToOpenAI(raw)
		case "tool_choice":
			out.ToolChoice, out.ParallelToolCalls, err = anToolChoiceToOpenAI(raw)
		case "metadata":
			var m struct {
				UserID *string `json:"user_id"`
			}
			if !isNull(raw) {
				err = decodeField(raw, &m, key)
			}
			if m.UserID != nil {
				out.User = *m.UserID
			}
		case "thinking":
			thinkingEffort, err = anThinkingToEffort(raw)
		case "output_config":
			configEffort, out.ResponseFormat, err = anOutputConfigToOpenAI(raw)
		case "cache_control", "service_tier", "inference_geo", "speed", "diagnostics", "context_management":
			// Dropped, harmless: caching, capacity, region and diagnostics hints, and
			// server-side context pruning, none of which changes what the model is asked.
		case "container", "mcp_servers":
			err = unsupported(key, "Anthropic server-side feature with no equivalent at an OpenAI-type provider")
		default:
			err = unsupported(key, "no equivalent at an OpenAI-type provider")
		}
		if err != nil {
			return nil, Options{}, err
		}
	}
	if !haveMessages {
		return nil, Options{}, invalidf("messages: required")
	}
	if !haveMaxTokens {
		return nil, Options{}, invalidf("max_tokens: required")
	}
	out.Messages = append(system, out.Messages...)
	if len(out.Tools) == 0 {
		// Without tools, "auto"/"none" and the parallel flag choose nothing, and OpenAI
		// refuses them without tools; a forced tool stays, for the provider to refuse.
		if out.ToolChoice == "auto" || out.ToolChoice == "none" {
			out.ToolChoice = nil
		}
		out.ParallelToolCalls = nil
	}
	// output_config.effort is the newer, more direct knob; it wins over a thinking budget.
	out.ReasoningEffort = thinkingEffort
	if configEffort != "" {
		out.ReasoningEffort = configEffort
	}
	if o.Stream {
		out.Stream = true
		// Always ask for the usage chunk so message_delta can carry real token counts.
		out.StreamOptions = &oaStreamOpts{IncludeUsage: true}
	}
	return marshal(out), o, nil
}

// anSystemToOpenAI turns a system prompt (string or text blocks) into one system message; field
// names it in errors ("system", or "messages[i].content" for a system turn among the messages).
// Blocks are joined with a blank line: many OpenAI-compatible chat templates accept only one
// system message, and only a string one.
func anSystemToOpenAI(raw json.RawMessage, field string) ([]oaMessageOut, error) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil, nil
		}
		return []oaMessageOut{{Role: "system", Content: s}}, nil
	}
	var blocks []anBlockIn
	if err := decodeField(raw, &blocks, field); err != nil {
		return nil, err
	}
	texts := make([]string, 0, len(blocks))
	for i, b := range blocks {
		if b.Type != "text" {
			return nil, unsupported(fmt.Sprintf("%s[%d].type", field, i), fmt.Sprintf("%q blocks in the system prompt have no OpenAI equivalent", b.Type))
		}
		texts = append(texts, b.Text)
	}
	if len(texts) == 0 {
		return nil, nil
	}
	return []oaMessageOut{{Role: "system", Content: strings.Join(texts, "\n\n")}}, nil
}

// anContent decodes message content: a string becomes one text block.
func anContent(raw json.RawMessage, field string) ([]anBlockIn, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []anBlockIn{{Type: "text", Text: s}}, nil
	}
	var blocks []anBlockIn
	if err := decodeField(raw, &blocks, field); err != nil {
		return nil, err
	}
	return blocks, nil
}

func anMessagesToOpenAI(raw json.RawMessage) ([]oaMessageOut, error) {
	var msgs []anMessageIn
	if err := decodeField(raw, &msgs, "messages"); err != nil {
		return nil, err
	}
	out := make([]oaMessageOut, 0, len(msgs))
	for i, m := range msgs {
		field := fmt.Sprintf("messages[%d]", i)
		if isNull(m.Content) {
			return nil, invalidf("%s.content: required", field)
		}
		var err error
		switch m.Role {
		case "user":
			out, err = anUserToOpenAI(out, m.Content, field)
		case "assistant":
			out, err = anAssistantToOpenAI(out, m.Content, field)
		case "system":
			// Not in the Messages API reference, but Claude Code sends system turns among the
			// messages (e.g. its environment notes): they stay system messages, in place.
			var sys []oaMessageOut
			if sys, err = anSystemToOpenAI(m.Content, field+".content"); err == nil {
				out = append(out, sys...)
			}
		default:
			err = invalidf("%s.role: %q is not user, assistant or system", field, m.Role)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// anUserToOpenAI appends a user turn: its tool_result blocks become tool messages (first, as
// OpenAI wants them right after the assistant's tool_calls), the rest one user message.
func anUserToOpenAI(out []oaMessageOut, raw json.RawMessage, field string) ([]oaMessageOut, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return append(out, oaMessageOut{Role: "user", Content: s}), nil
	}
	blocks, err := anContent(raw, field+".content")
	if err != nil {
		return nil, err
	}
	var parts, toolImages []oaPart
	for j, b := range blocks {
		bf := fmt.Sprintf("%s.content[%d]", field, j)
		if b.Type == "tool_result" {
			msg, images, err := anToolResultToOpenAI(b, bf)
			if err != nil {
				return nil, err
			}
			out = append(out, msg)
			toolImages = append(toolImages, images...)
			continue
		}
		p, err := anPartToOpenAI(b, bf)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	// OpenAI tool messages carry text only, so images a tool returned follow as a user message.
	parts = append(toolImages, parts...)
	if len(parts) == 0 {
		return out, nil
	}
	if len(parts) == 1 && parts[0].Type == "text" {
		// A plain string is what every OpenAI-compatible server accepts.
		return append(out, oaMessageOut{Role: "user", Content: *parts[0].Text}), nil
	}
	return append(out, oaMessageOut{Role: "user", Content: parts}), nil
}

// anPartToOpenAI maps one user content block (text, image, document).
func anPartToOpenAI(b anBlockIn, field string) (oaPart, error) {
	switch b.Type {
	case "text":
		return textPart(b.Text), nil
	case "image":
		src, err := blockSource(b, field)
		if err != nil {
			return oaPart{}, err
		}
		switch src.Type {
		case "base64":
			return oaPart{Type: "image_url", ImageURL: &oaImageURL{URL: "data:" + src.MediaType + ";base64," + src.Data}}, nil
		case "url":
			return oaPart{Type: "image_url", ImageURL: &oaImageURL{URL: src.URL}}, nil
		}
		return oaPart{}, unsupported(field+".source.type", fmt.Sprintf("image source %q has no OpenAI equivalent", src.Type))
	case "document":
		src, err := blockSource(b, field)
		if err != nil {
			return oaPart{}, err
		}
		switch {
		case src.Type == "base64" && src.MediaType == "application/pdf":
			name := b.Title
			if name == "" {
				name = "document.pdf"
			}
			return oaPart{Type: "file", File: &oaFile{Filename: name, FileData: "data:application/pdf;base64," + src.Data}}, nil
		case src.Type == "text":
			// A plain-text document is text to the model; its title, if any, leads it.
			t := src.Data
			if b.Title != "" {
				t = b.Title + "\n\n" + t
			}
			return textPart(t), nil
		}
		return oaPart{}, unsupported(field+".source", fmt.Sprintf("document source %q (%s) has no OpenAI equivalent", src.Type, src.MediaType))
	case "tool_use", "thinking", "redacted_thinking":
		return oaPart{}, invalidf("%s: %s blocks belong in assistant messages", field, b.Type)
	}
	return oaPart{}, unsupported(field+".type", fmt.Sprintf("%q content has no OpenAI equivalent", b.Type))
}

// blockSource decodes the source object of an image or document block.
func blockSource(b anBlockIn, field string) (anSource, error) {
	var src anSource
	if isNull(b.Source) {
		return src, invalidf("%s.source: required", field)
	}
	err := decodeField(b.Source, &src, field+".source")
	return src, err
}

// toolErrorPrefix marks the text of a tool_result with is_error, which OpenAI has no flag for.
const toolErrorPrefix = "[tool error] "

// anToolResultToOpenAI maps a tool_result block to a tool message plus the images it held.
func anToolResultToOpenAI(b anBlockIn, field string) (oaMessageOut, []oaPart, error) {
	msg := oaMessageOut{Role: "tool", ToolCallID: b.ToolUseID}
	var text string
	var images []oaPart
	if !isNull(b.Content) {
		blocks, err := anContent(b.Content, field+".content")
		if err != nil {
			return msg, nil, err
		}
		var texts []string
		for k, c := range blocks {
			p, err := anPartToOpenAI(c, fmt.Sprintf("%s.content[%d]", field, k))
			if err != nil {
				return msg, nil, err
			}
			if p.Type == "text" {
				texts = append(texts, *p.Text)
			} else {
				images = append(images, p)
			}
		}
		text = strings.Join(texts, "\n")
	}
	if b.IsError {
		text = toolErrorPrefix + text
	}
	msg.Content = text
	return msg, images, nil
}

func anAssistantToOpenAI(out []oaMessageOut, raw json.RawMessage, field string) ([]oaMessageOut, error) {
	blocks, err := anContent(raw, field+".content")
	if err != nil {
		return nil, err
	}
	msg := oaMessageOut{Role: "assistant"}
	var text strings.Builder
	hasText := false
	for j, b := range blocks {
		bf := fmt.Sprintf("%s.content[%d]", field, j)
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
			hasText = true
		case "tool_use":
			args := "{}"
			if !isNull(b.Input) {
				if !isJSONObject(b.Input) {
					return nil, invalidf("%s.input: must be a JSON object", bf)
				}
				args = string(compactJSON(b.Input))
			}
			var tc oaToolCall
			tc.ID, tc.Type = b.ID, "function"
			tc.Function.Name, tc.Function.Arguments = b.Name, args
			msg.ToolCalls = append(msg.ToolCalls, tc)
		case "thinking", "redacted_thinking":
			// Dropped: earlier turns' thinking is context the Anthropic API itself strips,
			// and OpenAI chat messages have no standard field to carry it back.
		default:
			return nil, unsupported(bf+".type", fmt.Sprintf("%q content in an assistant message has no OpenAI equivalent", b.Type))
		}
	}
	if hasText {
		msg.Content = text.String()
	}
	if !hasText && len(msg.ToolCalls) == 0 {
		msg.Content = ""
	}
	return append(out, msg), nil
}

func anToolsToOpenAI(raw json.RawMessage) ([]oaTool, error) {
	if isNull(raw) {
		return nil, nil
	}
	var tools []anToolIn
	if err := decodeField(raw, &tools, "tools"); err != nil {
		return nil, err
	}
	out := make([]oaTool, 0, len(tools))
	for i, t := range tools {
		if t.Type != "" && t.Type != "custom" {
			// Server tools (web_search, code_execution) run at Anthropic; client tools with
			// Anthropic-defined schemas (bash, text_editor, computer) have no schema to send.
			return nil, unsupported(fmt.Sprintf("tools[%d].type", i), fmt.Sprintf("Anthropic-defined tool %q has no equivalent at an OpenAI-type provider", t.Type))
		}
		if t.Name == "" {
			return nil, invalidf("tools[%d].name: required", i)
		}
		schema := t.InputSchema
		if isNull(schema) {
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		out = append(out, oaTool{Type: "function", Function: oaFunction{
			Name: t.Name, Description: t.Description, Parameters: compactJSON(schema), Strict: t.Strict,
		}})
	}
	return out, nil
}

func anToolChoiceToOpenAI(raw json.RawMessage) (any, *bool, error) {
	if isNull(raw) {
		return nil, nil, nil
	}
	var tc anToolChoice
	if err := decodeField(raw, &tc, "tool_choice"); err != nil {
		return nil, nil, err
	}
	var parallel *bool
	if tc.DisableParallelToolUse != nil {
		p := !*tc.DisableParallelToolUse
		parallel = &p
	}
	switch tc.Type {
	case "auto":
		return "auto", parallel, nil
	case "any":
		return "required", parallel, nil
	case "none":
		return "none", parallel, nil
	case "tool":
		if tc.Name == "" {
			return nil, nil, invalidf("tool_choice.name: required")
		}
		return map[string]any{"type": "function", "function": map[string]string{"name": tc.Name}}, parallel, nil
	}
	return nil, nil, invalidf("tool_choice.type: %q is not auto, any, tool or none", tc.Type)
}

// anThinkingToEffort maps the thinking parameter to reasoning_effort: a budget becomes low
// (< 4096 tokens), medium (< 16384) or high; adaptive and disabled leave the provider's default.
func anThinkingToEffort(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var t struct {
		Type         string          `json:"type"`
		BudgetTokens json.RawMessage `json:"budget_tokens"`
	}
	if err := decodeField(raw, &t, "thinking"); err != nil {
		return "", err
	}
	switch t.Type {
	case "enabled":
		budget, _, err := integer(t.BudgetTokens, "thinking.budget_tokens")
		if err != nil {
			return "", err
		}
		switch {
		case budget < 4096:
			return "low", nil
		case budget < 16384:
			return "medium", nil
		}
		return "high", nil
	case "adaptive", "disabled":
		return "", nil
	}
	return "", invalidf("thinking.type: %q is not enabled, adaptive or disabled", t.Type)
}

// anOutputConfigToOpenAI maps output_config: effort → reasoning_effort, format (JSON schema)
// → response_format json_schema.
func anOutputConfigToOpenAI(raw json.RawMessage) (string, any, error) {
	if isNull(raw) {
		return "", nil, nil
	}
	var c map[string]json.RawMessage
	if err := decodeField(raw, &c, "output_config"); err != nil {
		return "", nil, err
	}
	var effort string
	var format any
	for k, v := range c {
		switch k {
		case "effort":
			if err := decodeField(v, &effort, "output_config.effort"); err != nil {
				return "", nil, err
			}
			if effort == "max" {
				effort = "xhigh" // the highest level OpenAI names
			}
		case "format":
			if isNull(v) {
				continue
			}
			var f struct {
				Type   string          `json:"type"`
				Schema json.RawMessage `json:"schema"`
			}
			if err := decodeField(v, &f, "output_config.format"); err != nil {
				return "", nil, err
			}
			if f.Type != "json_schema" || isNull(f.Schema) {
				return "", nil, unsupported("output_config.format.type", fmt.Sprintf("%q has no OpenAI equivalent", f.Type))
			}
			format = map[string]any{"type": "json_schema", "json_schema": map[string]any{
				"name": "output", "schema": compactJSON(f.Schema), "strict": true,
			}}
		default:
			return "", nil, unsupported("output_config."+k, "no equivalent at an OpenAI-type provider")
		}
	}
	return effort, format, nil
}

// compactJSON returns raw without insignificant whitespace (raw is known to be valid JSON).
func compactJSON(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	b.Grow(len(raw))
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return json.RawMessage(b.Bytes())
}
