package translate

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// OpenAI request shapes, as read.

type oaMessageIn struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCalls  []oaToolCall    `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
	Audio      json.RawMessage `json:"audio"`
	Function   json.RawMessage `json:"function_call"`
}

type oaPartIn struct {
	Type     string      `json:"type"`
	Text     string      `json:"text"`
	Refusal  string      `json:"refusal"`
	ImageURL *oaImageURL `json:"image_url"`
	File     *oaFile     `json:"file"`
}

type oaToolIn struct {
	Type     string     `json:"type"`
	Function oaFunction `json:"function"`
}

// Anthropic request shapes, as written.

type anRequestOut struct {
	Model         string          `json:"model"`
	System        []anBlockOut    `json:"system,omitempty"`
	Messages      []anMessageOut  `json:"messages"`
	MaxTokens     int64           `json:"max_tokens"`
	Metadata      *anMetadata     `json:"metadata,omitempty"`
	StopSequences []string        `json:"stop_sequences,omitempty"`
	Stream        bool            `json:"stream,omitempty"`
	Temperature   json.RawMessage `json:"temperature,omitempty"`
	TopP          json.RawMessage `json:"top_p,omitempty"`
	TopK          json.RawMessage `json:"top_k,omitempty"`
	Thinking      *anThinking     `json:"thinking,omitempty"`
	ToolChoice    *anToolChoice   `json:"tool_choice,omitempty"`
	Tools         []anToolOut     `json:"tools,omitempty"`
	OutputConfig  *anOutputConfig `json:"output_config,omitempty"`
}

type anMetadata struct {
	UserID string `json:"user_id"`
}

type anThinking struct {
	Type         string `json:"type"`
	BudgetTokens int64  `json:"budget_tokens"`
}

type anOutputConfig struct {
	Format struct {
		Type   string          `json:"type"`
		Schema json.RawMessage `json:"schema"`
	} `json:"format"`
}

type anMessageOut struct {
	Role    string       `json:"role"`
	Content []anBlockOut `json:"content"`
}

type anBlockOut struct {
	Type      string          `json:"type"`
	Text      *string         `json:"text,omitempty"`
	Source    *anSource       `json:"source,omitempty"`
	Title     string          `json:"title,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   []anBlockOut    `json:"content,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
}

type anToolOut struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
	Strict      *bool           `json:"strict,omitempty"`
}

func anText(s string) anBlockOut { return anBlockOut{Type: "text", Text: &s} }

// thinkingBudgets maps reasoning_effort to an Anthropic thinking budget (tokens). "none" and
// "minimal" mean no thinking, which is Anthropic's default.
var thinkingBudgets = map[string]int64{"low": 2048, "medium": 8192, "high": 24576, "xhigh": 32768}

// minThinkingBudget is the smallest budget_tokens Anthropic accepts.
const minThinkingBudget = 1024

// OpenAIToAnthropicRequest translates a chat.completions body into a /v1/messages body.
// upstreamModel replaces "model". The error is an *UnsupportedError for a refused field, or
// wraps ErrInvalid for a body that is not a valid chat completions request.
func OpenAIToAnthropicRequest(body []byte, upstreamModel string) ([]byte, Options, error) {
	var fields map[string]json.RawMessage
	if err := unmarshal(body, &fields); err != nil {
		return nil, Options{}, invalidf("body is not a JSON object: %v", err)
	}
	var o Options
	out := anRequestOut{Model: upstreamModel}
	var maxTokens, maxCompletion int64
	var haveMax, haveMaxCompletion, haveMessages, parallelOff bool
	var effort, user, safetyID string
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		raw := fields[key]
		var err error
		switch key {
		case "model":
			err = decodeField(raw, &o.Model, key)
		case "messages":
			haveMessages = true
			out.System, out.Messages, err = oaMessagesToAnthropic(raw)
		case "max_tokens":
			maxTokens, haveMax, err = integer(raw, key)
		case "max_completion_tokens":
			maxCompletion, haveMaxCompletion, err = integer(raw, key)
		case "temperature":
			// Passed as is: Anthropic's range is 0-1, OpenAI's 0-2; a value above 1 is
			// refused by the provider itself rather than silently rescaled here.
			out.Temperature, err = number(raw, key)
		case "top_p":
			out.TopP, err = number(raw, key)
		case "top_k":
			out.TopK, err = number(raw, key)
		case "stop":
			out.StopSequences, err = oaStop(raw)
		case "stream":
			if !isNull(raw) {
				err = decodeField(raw, &o.Stream, key)
			}
		case "stream_options":
			var so struct {
				IncludeUsage bool `json:"include_usage"`
			}
			if !isNull(raw) {
				err = decodeField(raw, &so, key)
			}
			o.IncludeUsage = so.IncludeUsage
		case "tools":
			out.Tools, err = oaToolsToAnthropic(raw)
		case "tool_choice":
			out.ToolChoice, err = oaToolChoiceToAnthropic(raw)
		case "parallel_tool_calls":
			var p *bool
			if !isNull(raw) {
				err = decodeField(raw, &p, key)
			}
			parallelOff = p != nil && !*p
		case "user":
			if !isNull(raw) {
				err = decodeField(raw, &user, key)
			}
		case "safety_identifier":
			if !isNull(raw) {
				err = decodeField(raw, &safetyID, key)
			}
		case "reasoning_effort":
			if !isNull(raw) {
				err = decodeField(raw, &effort, key)
			}
		case "response_format":
			out.OutputConfig, err = oaResponseFormat(raw)
		case "n":
			var n int64
			var ok bool
			n, ok, err = integer(raw, key)
			if err == nil && ok && n != 1 {
				err = unsupported(key, "Anthropic returns one choice per request; n must be 1")
			}
		case "logprobs":
			var b bool
			if !isNull(raw) {
				err = decodeField(raw, &b, key)
			}
			if err == nil && b {
				err = unsupported(key, "Anthropic does not return log probabilities")
			}
		case "top_logprobs":
			if !isNull(raw) {
				err = unsupported(key, "Anthropic does not return log probabilities")
			}
		case "modalities":
			var m []string
			if !isNull(raw) {
				err = decodeField(raw, &m, key)
			}
			if err == nil && slices.Contains(m, "audio") {
				err = unsupported(key, "Anthropic has no audio output")
			}
		case "audio":
			if !isNull(raw) {
				err = unsupported(key, "Anthropic has no audio output")
			}
		case "frequency_penalty", "presence_penalty":
			// Zero is the default and means nothing; any other value would change the
			// answer and Anthropic has no such knob.
			var f float64
			if !isNull(raw) {
				err = decodeField(raw, &f, key)
			}
			if err == nil && f != 0 {
				err = unsupported(key, "Anthropic has no repetition penalties")
			}
		case "logit_bias":
			var m map[string]json.RawMessage
			if !isNull(raw) {
				err = decodeField(raw, &m, key)
			}
			if err == nil && len(m) > 0 {
				err = unsupported(key, "Anthropic has no token biasing")
			}
		case "verbosity":
			var v string
			if !isNull(raw) {
				err = decodeField(raw, &v, key)
			}
			if err == nil && v != "" && v != "medium" {
				err = unsupported(key, "Anthropic has no verbosity setting")
			}
		case "seed", "store", "metadata", "service_tier", "prompt_cache_key", "prompt_cache_retention", "prompt_cache_options", "prediction":
			// Dropped, harmless: best-effort determinism, OpenAI-side storage and its tags,
			// capacity tier, cache routing and predicted-output speedups do not change what
			// the model is asked.
		case "functions", "function_call":
			err = unsupported(key, "deprecated function calling is not translated; use tools and tool_choice")
		default:
			err = unsupported(key, "no equivalent at an Anthropic-type provider")
		}
		if err != nil {
			return nil, Options{}, err
		}
	}
	if !haveMessages {
		return nil, Options{}, invalidf("messages: required")
	}
	// max_completion_tokens supersedes the deprecated max_tokens when both are sent.
	out.MaxTokens = defaultMaxTokens
	switch {
	case haveMaxCompletion:
		out.MaxTokens = maxCompletion
	case haveMax:
		out.MaxTokens = maxTokens
	}
	if budget, ok := thinkingBudgets[effort]; ok {
		if !haveMax && !haveMaxCompletion {
			// Thinking counts toward max_tokens: keep the default room for the answer.
			out.MaxTokens = defaultMaxTokens + budget
		}
		budget = min(budget, out.MaxTokens-1)
		if budget < minThinkingBudget {
			return nil, Options{}, unsupported("reasoning_effort", fmt.Sprintf("Anthropic thinking needs max_tokens above %d", minThinkingBudget))
		}
		out.Thinking = &anThinking{Type: "enabled", BudgetTokens: budget}
	} else if effort != "" && effort != "none" && effort != "minimal" {
		return nil, Options{}, invalidf("reasoning_effort: unknown value %q", effort)
	}
	if parallelOff {
		if out.ToolChoice == nil {
			out.ToolChoice = &anToolChoice{Type: "auto"}
		}
		if out.ToolChoice.Type != "none" {
			t := true
			out.ToolChoice.DisableParallelToolUse = &t
		}
	}
	if len(out.Tools) == 0 && out.ToolChoice != nil && (out.ToolChoice.Type == "auto" || out.ToolChoice.Type == "none") {
		// Without tools, "auto"/"none" (and the parallel flag they carry) choose nothing,
		// and Anthropic refuses tool_choice without tools.
		out.ToolChoice = nil
	}
	if user == "" {
		user = safetyID // both name the end user; Anthropic has one field for it
	}
	if user != "" {
		out.Metadata = &anMetadata{UserID: user}
	}
	out.Stream = o.Stream
	return marshal(out), o, nil
}

func oaStop(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, nil
	}
	var list []string
	if err := decodeField(raw, &list, "stop"); err != nil {
		return nil, err
	}
	return list, nil
}

// oaMessagesToAnthropic splits system/developer messages into the system prompt (in order) and
// maps the rest, merging consecutive same-role turns (Anthropic wants alternation; tool
// results travel in user turns).
func oaMessagesToAnthropic(raw json.RawMessage) ([]anBlockOut, []anMessageOut, error) {
	var msgs []oaMessageIn
	if err := decodeField(raw, &msgs, "messages"); err != nil {
		return nil, nil, err
	}
	var system []anBlockOut
	var out []anMessageOut
	add := func(role string, blocks []anBlockOut) {
		if len(blocks) == 0 {
			return
		}
		if n := len(out); n > 0 && out[n-1].Role == role {
			out[n-1].Content = append(out[n-1].Content, blocks...)
			return
		}
		out = append(out, anMessageOut{Role: role, Content: blocks})
	}
	for i, m := range msgs {
		field := fmt.Sprintf("messages[%d]", i)
		if !isNull(m.Audio) {
			return nil, nil, unsupported(field+".audio", "Anthropic has no audio")
		}
		if !isNull(m.Function) {
			return nil, nil, unsupported(field+".function_call", "deprecated function calling is not translated; use tool_calls")
		}
		switch m.Role {
		case "system", "developer":
			blocks, err := oaContentToAnthropic(m.Content, field+".content", false)
			if err != nil {
				return nil, nil, err
			}
			system = append(system, blocks...)
		case "user":
			blocks, err := oaContentToAnthropic(m.Content, field+".content", true)
			if err != nil {
				return nil, nil, err
			}
			add("user", blocks)
		case "assistant":
			blocks, err := oaContentToAnthropic(m.Content, field+".content", false)
			if err != nil {
				return nil, nil, err
			}
			for j, tc := range m.ToolCalls {
				input := json.RawMessage("{}")
				if strings.TrimSpace(tc.Function.Arguments) != "" {
					if !isJSONObject([]byte(tc.Function.Arguments)) {
						return nil, nil, invalidf("%s.tool_calls[%d].function.arguments: not a JSON object", field, j)
					}
					input = compactJSON(json.RawMessage(tc.Function.Arguments))
				}
				blocks = append(blocks, anBlockOut{Type: "tool_use", ID: tc.ID, Name: tc.Function.Name, Input: input})
			}
			add("assistant", blocks)
		case "tool":
			blocks, err := oaContentToAnthropic(m.Content, field+".content", false)
			if err != nil {
				return nil, nil, err
			}
			add("user", []anBlockOut{{Type: "tool_result", ToolUseID: m.ToolCallID, Content: blocks}})
		case "function":
			return nil, nil, unsupported(field+".role", "deprecated function messages are not translated; use tool messages")
		default:
			return nil, nil, invalidf("%s.role: unknown role %q", field, m.Role)
		}
	}
	return system, out, nil
}

// oaContentToAnthropic maps message content (string or parts). Images and files are allowed
// only in user messages (media is true), as in OpenAI.
func oaContentToAnthropic(raw json.RawMessage, field string, media bool) ([]anBlockOut, error) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil, nil // Anthropic refuses empty text blocks
		}
		return []anBlockOut{anText(s)}, nil
	}
	var parts []oaPartIn
	if err := decodeField(raw, &parts, field); err != nil {
		return nil, err
	}
	var out []anBlockOut
	for j, p := range parts {
		pf := fmt.Sprintf("%s[%d]", field, j)
		switch p.Type {
		case "text":
			if p.Text != "" {
				out = append(out, anText(p.Text))
			}
		case "refusal":
			if p.Refusal != "" {
				out = append(out, anText(p.Refusal))
			}
		case "image_url":
			if !media {
				return nil, invalidf("%s: images are allowed in user messages only", pf)
			}
			if p.ImageURL == nil || p.ImageURL.URL == "" {
				return nil, invalidf("%s.image_url.url: required", pf)
			}
			src, err := imageSource(p.ImageURL.URL, pf)
			if err != nil {
				return nil, err
			}
			out = append(out, anBlockOut{Type: "image", Source: src})
		case "file":
			if !media {
				return nil, invalidf("%s: files are allowed in user messages only", pf)
			}
			b, err := oaFileToAnthropic(p.File, pf)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		case "input_audio":
			return nil, unsupported(pf+".type", "Anthropic has no audio input")
		default:
			return nil, unsupported(pf+".type", fmt.Sprintf("%q content has no Anthropic equivalent", p.Type))
		}
	}
	return out, nil
}

// imageSource maps an image_url (https or data: URL) to an Anthropic image source.
func imageSource(url, field string) (*anSource, error) {
	if rest, ok := strings.CutPrefix(url, "data:"); ok {
		mediaType, data, ok := strings.Cut(rest, ";base64,")
		if !ok {
			return nil, unsupported(field+".image_url.url", "only base64 data: URLs can be sent to Anthropic")
		}
		return &anSource{Type: "base64", MediaType: mediaType, Data: data}, nil
	}
	return &anSource{Type: "url", URL: url}, nil
}

// oaFileToAnthropic maps a file part: inline PDF data → a base64 document.
func oaFileToAnthropic(f *oaFile, field string) (anBlockOut, error) {
	if f == nil {
		return anBlockOut{}, invalidf("%s.file: required", field)
	}
	if f.FileID != "" {
		return anBlockOut{}, unsupported(field+".file.file_id", "OpenAI file ids do not exist at Anthropic; send file_data")
	}
	rest, ok := strings.CutPrefix(f.FileData, "data:")
	mediaType, data, ok2 := strings.Cut(rest, ";base64,")
	if !ok || !ok2 {
		return anBlockOut{}, invalidf("%s.file.file_data: must be a base64 data: URL", field)
	}
	if mediaType != "application/pdf" {
		return anBlockOut{}, unsupported(field+".file", fmt.Sprintf("Anthropic documents are PDFs; %q is not", mediaType))
	}
	return anBlockOut{Type: "document", Source: &anSource{Type: "base64", MediaType: mediaType, Data: data}, Title: f.Filename}, nil
}

func oaToolsToAnthropic(raw json.RawMessage) ([]anToolOut, error) {
	if isNull(raw) {
		return nil, nil
	}
	var tools []oaToolIn
	if err := decodeField(raw, &tools, "tools"); err != nil {
		return nil, err
	}
	out := make([]anToolOut, 0, len(tools))
	for i, t := range tools {
		if t.Type != "function" {
			return nil, unsupported(fmt.Sprintf("tools[%d].type", i), fmt.Sprintf("%q tools have no Anthropic equivalent", t.Type))
		}
		if t.Function.Name == "" {
			return nil, invalidf("tools[%d].function.name: required", i)
		}
		schema := t.Function.Parameters
		if isNull(schema) {
			// OpenAI allows omitting parameters for a no-argument function; Anthropic
			// requires an object schema.
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		out = append(out, anToolOut{Name: t.Function.Name, Description: t.Function.Description, InputSchema: compactJSON(schema), Strict: t.Function.Strict})
	}
	return out, nil
}

func oaToolChoiceToAnthropic(raw json.RawMessage) (*anToolChoice, error) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "auto":
			return &anToolChoice{Type: "auto"}, nil
		case "required":
			return &anToolChoice{Type: "any"}, nil
		case "none":
			return &anToolChoice{Type: "none"}, nil
		}
		return nil, invalidf("tool_choice: unknown value %q", s)
	}
	var tc struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := decodeField(raw, &tc, "tool_choice"); err != nil {
		return nil, err
	}
	if tc.Type != "function" {
		return nil, unsupported("tool_choice.type", fmt.Sprintf("%q has no Anthropic equivalent", tc.Type))
	}
	if tc.Function.Name == "" {
		return nil, invalidf("tool_choice.function.name: required")
	}
	return &anToolChoice{Type: "tool", Name: tc.Function.Name}, nil
}

// oaResponseFormat maps response_format: text is the default, json_schema becomes
// output_config.format, json_object (JSON without a schema) has no honest equivalent.
func oaResponseFormat(raw json.RawMessage) (*anOutputConfig, error) {
	if isNull(raw) {
		return nil, nil
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	}
	if err := decodeField(raw, &rf, "response_format"); err != nil {
		return nil, err
	}
	switch rf.Type {
	case "text":
		return nil, nil
	case "json_schema":
		if isNull(rf.JSONSchema.Schema) {
			return nil, invalidf("response_format.json_schema.schema: required")
		}
		c := &anOutputConfig{}
		c.Format.Type, c.Format.Schema = "json_schema", compactJSON(rf.JSONSchema.Schema)
		return c, nil
	}
	return nil, unsupported("response_format.type", fmt.Sprintf("%q has no Anthropic equivalent (json_schema has)", rf.Type))
}
