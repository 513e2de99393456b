package translate

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrUpstreamError is wrapped by End when the upstream stream carried an error event. The
// client already received it translated; writing the caller's own error event after it is
// harmless (the client's SDK raised on the first one).
var ErrUpstreamError = errors.New("upstream sent an error event")

// anEvent is one Anthropic stream event; the fields used depend on its type.
type anEvent struct {
	Type    string `json:"type"`
	Message *struct {
		ID    string  `json:"id"`
		Usage anUsage `json:"usage"`
	} `json:"message"`
	Index        int `json:"index"`
	ContentBlock *struct {
		Type     string          `json:"type"`
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Text     string          `json:"text"`
		Thinking string          `json:"thinking"`
		Input    json.RawMessage `json:"input"`
	} `json:"content_block"`
	Delta *struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		Thinking    string `json:"thinking"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage *struct {
		InputTokens              *int64             `json:"input_tokens"`
		OutputTokens             *int64             `json:"output_tokens"`
		CacheCreationInputTokens *int64             `json:"cache_creation_input_tokens"`
		CacheReadInputTokens     *int64             `json:"cache_read_input_tokens"`
		OutputTokensDetails      *anOutputTokensDet `json:"output_tokens_details"`
	} `json:"usage"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// anthropicToOpenAI reads Anthropic events and writes OpenAI chunks.
type anthropicToOpenAI struct {
	o       Options
	p       sseParser
	out     []byte
	err     error // sticky: the first malformed input
	upErr   error // the upstream's own error event, reported by End
	id      string
	created int64
	usage   anUsage

	started, done bool

	tools    map[int]*toolState // Anthropic block index → its tool call
	nextTool int

	genID func(prefix string) string // newID; tests make it deterministic
	// general turns the fast path off: tests compare it with the general one.
	general bool
}

type toolState struct {
	index   int  // OpenAI tool_calls index
	hasArgs bool // a non-empty arguments piece was written
}

// NewAnthropicToOpenAIStream returns a Stream that reads Anthropic Messages SSE and writes
// OpenAI chat.completion.chunk SSE, ending with the usage chunk (when o.IncludeUsage) and
// "data: [DONE]". Pings become SSE comments, which keep idle clients alive.
func NewAnthropicToOpenAIStream(o Options) Stream {
	return &anthropicToOpenAI{o: o, created: time.Now().Unix(), tools: map[int]*toolState{}, genID: newID}
}

// Translate implements Stream.
func (s *anthropicToOpenAI) Translate(p []byte) ([]byte, error) {
	if s.err != nil {
		return nil, errStreamClosed
	}
	s.out = s.out[:0]
	if err := s.p.feed(p, s.event); err != nil {
		// The events before the malformed one are still the client's: same bytes
		// whatever the upstream split.
		s.err = fmt.Errorf("translate: upstream Anthropic stream: %w", err)
		return s.flush(), s.err
	}
	return s.flush(), nil
}

// End implements Stream.
func (s *anthropicToOpenAI) End() ([]byte, error) {
	if s.err != nil {
		return nil, errStreamClosed
	}
	s.out = s.out[:0]
	if err := s.p.end(s.event); err != nil {
		s.err = fmt.Errorf("translate: upstream Anthropic stream: %w", err)
		return s.flush(), s.err
	}
	if s.upErr != nil {
		return s.flush(), s.upErr
	}
	if !s.done {
		s.err = errors.New("translate: upstream Anthropic stream ended before message_stop")
		return s.flush(), s.err
	}
	return s.flush(), nil
}

// flush returns the pending output; it is valid until the next call (see Stream).
func (s *anthropicToOpenAI) flush() []byte {
	if len(s.out) == 0 {
		return nil
	}
	return s.out
}

func (s *anthropicToOpenAI) event(_ string, data []byte) error {
	if s.done {
		return nil
	}
	if s.started && !s.general {
		// Most events: one text piece (see fastpath.go).
		if text, ok := fastAnthropicText(data); ok {
			if text != "" {
				s.out = appendContentChunk(s.out, s.id, s.created, s.o.Model, text)
			}
			return nil
		}
	}
	var e anEvent
	if err := decodeEvent(data, &e); err != nil {
		return fmt.Errorf("event is not JSON: %w", err)
	}
	switch e.Type {
	case "ping":
		s.out = append(s.out, ": ping\n\n"...)
	case "error":
		typ, msg := "api_error", "upstream stream error"
		if e.Error != nil {
			if e.Error.Type != "" {
				typ = e.Error.Type
			}
			if e.Error.Message != "" {
				msg = e.Error.Message
			}
		}
		s.out = append(s.out, OpenAIErrorEvent(typ, msg)...)
		s.upErr = fmt.Errorf("translate: %w: %s: %s", ErrUpstreamError, typ, msg)
		s.done = true
	case "message_start":
		if e.Message == nil {
			return errors.New("message_start without message")
		}
		s.id = e.Message.ID
		if s.id == "" {
			s.id = s.genID("chatcmpl-")
		}
		s.usage = e.Message.Usage
		s.started = true
		empty := ""
		s.chunk(chunkDelta{Role: "assistant", Content: &empty}, nil)
	case "content_block_start":
		if err := s.needStart(e.Type); err != nil {
			return err
		}
		if e.ContentBlock == nil {
			return errors.New("content_block_start without content_block")
		}
		b := e.ContentBlock
		switch b.Type {
		case "text":
			if b.Text != "" {
				s.chunk(chunkDelta{Content: &b.Text}, nil)
			}
		case "thinking":
			if b.Thinking != "" {
				s.chunk(chunkDelta{ReasoningContent: b.Thinking}, nil)
			}
		case "tool_use":
			t := &toolState{index: s.nextTool}
			s.nextTool++
			s.tools[e.Index] = t
			args := ""
			if !isNull(b.Input) && string(compactJSON(b.Input)) != "{}" {
				args = string(compactJSON(b.Input)) // input sent whole, not streamed
				t.hasArgs = true
			}
			s.chunk(chunkDelta{ToolCalls: []chunkToolCall{{Index: t.index, ID: b.ID, Type: "function",
				Function: chunkFunction{Name: b.Name, Arguments: &args}}}}, nil)
		}
	case "content_block_delta":
		if err := s.needStart(e.Type); err != nil {
			return err
		}
		if e.Delta == nil {
			return errors.New("content_block_delta without delta")
		}
		d := e.Delta
		switch d.Type {
		case "text_delta":
			if d.Text != "" {
				s.chunk(chunkDelta{Content: &d.Text}, nil)
			}
		case "thinking_delta":
			if d.Thinking != "" {
				s.chunk(chunkDelta{ReasoningContent: d.Thinking}, nil)
			}
		case "input_json_delta":
			t := s.tools[e.Index]
			if t == nil {
				return fmt.Errorf("input_json_delta for block %d, which is not a tool_use block", e.Index)
			}
			if d.PartialJSON != "" {
				t.hasArgs = true
				s.chunk(chunkDelta{ToolCalls: []chunkToolCall{{Index: t.index, Function: chunkFunction{Arguments: &d.PartialJSON}}}}, nil)
			}
		}
		// signature_delta and citations_delta have no OpenAI field.
	case "content_block_stop":
		if t := s.tools[e.Index]; t != nil && !t.hasArgs {
			// A tool without arguments streams no JSON; OpenAI clients parse the
			// arguments string, so give them an empty object.
			args := "{}"
			t.hasArgs = true
			s.chunk(chunkDelta{ToolCalls: []chunkToolCall{{Index: t.index, Function: chunkFunction{Arguments: &args}}}}, nil)
		}
	case "message_delta":
		if err := s.needStart(e.Type); err != nil {
			return err
		}
		if u := e.Usage; u != nil {
			// message_delta usage is cumulative; fields it carries replace message_start's.
			setIf(&s.usage.InputTokens, u.InputTokens)
			setIf(&s.usage.OutputTokens, u.OutputTokens)
			setIf(&s.usage.CacheCreationInputTokens, u.CacheCreationInputTokens)
			setIf(&s.usage.CacheReadInputTokens, u.CacheReadInputTokens)
			if u.OutputTokensDetails != nil {
				s.usage.OutputTokensDetails = u.OutputTokensDetails
			}
		}
		if e.Delta != nil && e.Delta.StopReason != "" {
			finish := stopToFinish(e.Delta.StopReason)
			s.chunk(chunkDelta{}, &finish)
		}
	case "message_stop":
		if err := s.needStart(e.Type); err != nil {
			return err
		}
		if s.o.IncludeUsage {
			s.out = sseEvent(s.out, "", marshalEvent(chunk{ID: s.id, Object: "chat.completion.chunk", Created: s.created,
				Model: s.o.Model, Choices: []chunkChoice{}, Usage: usageToOpenAI(s.usage)}))
		}
		s.out = append(s.out, "data: [DONE]\n\n"...)
		s.done = true
	}
	// Other event types are ignored, as Anthropic's versioning policy asks of clients.
	return nil
}

func setIf(dst *int64, v *int64) {
	if v != nil {
		*dst = *v
	}
}

func (s *anthropicToOpenAI) needStart(typ string) error {
	if !s.started {
		return fmt.Errorf("%s before message_start", typ)
	}
	return nil
}

// chunk writes one chat.completion.chunk with one choice.
func (s *anthropicToOpenAI) chunk(d chunkDelta, finish *string) {
	s.out = sseEvent(s.out, "", marshalEvent(chunk{ID: s.id, Object: "chat.completion.chunk", Created: s.created,
		Model: s.o.Model, Choices: []chunkChoice{{Delta: d, Logprobs: json.RawMessage("null"), FinishReason: finish}}}))
}

// OpenAI chunk shapes.

type chunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []chunkChoice `json:"choices"`
	Usage   *oaUsage      `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int             `json:"index"`
	Delta        chunkDelta      `json:"delta"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
}

type chunkDelta struct {
	Role             string          `json:"role,omitempty"`
	Content          *string         `json:"content,omitempty"`
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	ToolCalls        []chunkToolCall `json:"tool_calls,omitempty"`
}

type chunkToolCall struct {
	Index    int           `json:"index"`
	ID       string        `json:"id,omitempty"`
	Type     string        `json:"type,omitempty"`
	Function chunkFunction `json:"function"`
}

type chunkFunction struct {
	Name      string  `json:"name,omitempty"`
	Arguments *string `json:"arguments,omitempty"`
}
