package translate

import (
	"encoding/json"
	"errors"
	"fmt"
)

// oaChunk is one chat.completion.chunk (or an error event some providers send mid-stream).
type oaChunk struct {
	ID      string `json:"id"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content          string       `json:"content"`
			Refusal          string       `json:"refusal"`
			ReasoningContent string       `json:"reasoning_content"`
			Reasoning        string       `json:"reasoning"`
			ToolCalls        []oaToolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *oaUsage        `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// Kinds of the open Anthropic content block.
const (
	blockNone = iota
	blockText
	blockThinking
	blockTool
)

// errStreamClosed is returned for input after a translator has failed.
var errStreamClosed = errors.New("translate: stream already failed")

// openAIToAnthropic reads OpenAI chunks and writes Anthropic events.
type openAIToAnthropic struct {
	o      Options
	p      sseParser
	out    []byte
	id     string // message id: the upstream chunk id, or generated
	err    error  // sticky: the first malformed input
	upErr  error  // the upstream's own error event, reported by End
	usage  *oaUsage
	finish string // upstream finish_reason, once seen

	started, done, sawFinish, hasToolUse, refused bool

	kind      int          // kind of the open block
	index     int          // Anthropic index of the open block
	next      int          // Anthropic index of the next block
	toolIndex int          // OpenAI tool_calls index of the open tool_use block
	toolID    string       // id of the open tool_use block
	toolSeen  map[int]bool // OpenAI tool_calls indexes already given a block

	genID func(prefix string) string // newID; tests make it deterministic
	// general turns the fast path off: tests compare it with the general one.
	general bool
}

// NewOpenAIToAnthropicStream returns a Stream that reads OpenAI chat.completion.chunk SSE and
// writes Anthropic Messages SSE events. The message_delta, with the stop reason and the usage
// of the final usage chunk, is written when [DONE] arrives.
func NewOpenAIToAnthropicStream(o Options) Stream {
	return &openAIToAnthropic{o: o, toolSeen: map[int]bool{}, genID: newID}
}

// Translate implements Stream.
func (s *openAIToAnthropic) Translate(p []byte) ([]byte, error) {
	if s.err != nil {
		return nil, errStreamClosed
	}
	s.out = s.out[:0]
	if err := s.p.feed(p, s.event); err != nil {
		// The events before the malformed one are still the client's: same bytes
		// whatever the upstream split.
		s.err = fmt.Errorf("translate: upstream OpenAI stream: %w", err)
		return s.flush(), s.err
	}
	return s.flush(), nil
}

// End implements Stream. A stream that stopped after a finish_reason but without [DONE] is
// ended cleanly (the model declared its end); one that stopped before is an error.
func (s *openAIToAnthropic) End() ([]byte, error) {
	if s.err != nil {
		return nil, errStreamClosed
	}
	s.out = s.out[:0]
	if err := s.p.end(s.event); err != nil {
		s.err = fmt.Errorf("translate: upstream OpenAI stream: %w", err)
		return s.flush(), s.err
	}
	if s.upErr != nil {
		return s.flush(), s.upErr
	}
	if !s.done {
		if !s.sawFinish {
			s.err = errors.New("translate: upstream OpenAI stream ended before [DONE]")
			return s.flush(), s.err
		}
		s.finishMessage()
	}
	return s.flush(), nil
}

// flush returns the pending output; it is valid until the next call (see Stream).
func (s *openAIToAnthropic) flush() []byte {
	if len(s.out) == 0 {
		return nil
	}
	return s.out
}

func (s *openAIToAnthropic) emit(name string, v any) {
	s.out = sseEvent(s.out, name, marshalEvent(v))
}

func (s *openAIToAnthropic) event(_ string, data []byte) error {
	if s.done {
		return nil // after [DONE] or an error event nothing more is meaningful
	}
	if string(data) == "[DONE]" {
		s.finishMessage()
		return nil
	}
	if s.started && !s.general {
		// Most chunks: one text piece (see fastpath.go).
		if text, ok := fastOpenAIText(data); ok {
			if text != "" {
				s.open(blockText, nil)
				s.out = appendTextDelta(s.out, s.index, "text_delta", "text", text)
			}
			return nil
		}
	}
	var c oaChunk
	if err := decodeEvent(data, &c); err != nil {
		return fmt.Errorf("chunk is not JSON: %w", err)
	}
	if !isNull(c.Error) {
		// A provider error mid-stream (OpenRouter and vLLM send these) becomes the client's
		// error event and ends the stream.
		pe := parseProviderError(500, []byte(`{"error":`+string(c.Error)+`}`))
		typ, kept := pe.typ, anthropicErrorTypes[pe.typ]
		if !kept {
			typ = "api_error"
		}
		msg := withProviderType(pe.message, pe, kept)
		s.out = append(s.out, AnthropicErrorEvent(typ, msg)...)
		s.upErr = fmt.Errorf("translate: %w: %s: %s", ErrUpstreamError, typ, msg)
		s.done = true
		return nil
	}
	s.start(c.ID)
	if c.Usage != nil {
		s.usage = c.Usage
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue // n > 1 is refused in requests; a stray choice is not ours
		}
		d := ch.Delta
		reasoning := d.ReasoningContent
		if reasoning == "" {
			// OpenRouter (and newer vLLM) name it "reasoning"; providers that send both
			// send the same text, so only one is used.
			reasoning = d.Reasoning
		}
		if reasoning != "" {
			s.open(blockThinking, nil)
			s.out = appendTextDelta(s.out, s.index, "thinking_delta", "thinking", reasoning)
		}
		for _, text := range []string{d.Content, d.Refusal} {
			if text != "" {
				s.open(blockText, nil)
				s.out = appendTextDelta(s.out, s.index, "text_delta", "text", text)
			}
		}
		if d.Refusal != "" {
			s.refused = true
		}
		for _, tc := range d.ToolCalls {
			if err := s.toolCall(tc); err != nil {
				return err
			}
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			s.finish, s.sawFinish = *ch.FinishReason, true
			s.closeBlock()
		}
	}
	return nil
}

func (s *openAIToAnthropic) toolCall(tc oaToolCall) error {
	idx := s.toolIndex
	if tc.Index != nil {
		idx = *tc.Index
	} else if tc.ID != "" && tc.ID != s.toolID {
		// Without an index a new id is a new call (providers that omit the index send
		// each call whole); the same id repeated continues the open call.
		idx = len(s.toolSeen)
	}
	continuing := s.kind == blockTool && idx == s.toolIndex
	if !continuing {
		if s.toolSeen[idx] {
			// Anthropic blocks cannot be reopened; no known provider interleaves calls.
			return fmt.Errorf("tool call %d continued after another tool call started", idx)
		}
		if tc.ID == "" && tc.Function.Name == "" {
			return fmt.Errorf("tool call %d starts without an id or name", idx)
		}
		id := tc.ID
		if id == "" {
			id = s.genID("toolu_")
		}
		s.toolSeen[idx], s.toolIndex, s.toolID, s.hasToolUse = true, idx, id, true
		s.open(blockTool, toolUseBlock{"tool_use", id, tc.Function.Name, json.RawMessage("{}")})
	}
	if tc.Function.Arguments != "" {
		s.emit("content_block_delta", deltaEvent{"content_block_delta", s.index, jsonDelta{"input_json_delta", tc.Function.Arguments}})
	}
	return nil
}

// start writes message_start once.
func (s *openAIToAnthropic) start(id string) {
	if s.started {
		return
	}
	s.started = true
	s.id = id
	if s.id == "" {
		s.id = s.genID("msg_")
	}
	s.emit("message_start", messageStart{Type: "message_start", Message: anMessageResp{
		ID: s.id, Type: "message", Role: "assistant", Model: s.o.Model, Content: []anRespBlock{},
	}})
}

// open makes a block of kind the open one: a text or thinking block stays open across
// deltas; a tool_use block (block != nil) always starts a new one.
func (s *openAIToAnthropic) open(kind int, block any) {
	if s.kind == kind && block == nil {
		return
	}
	s.closeBlock()
	if block == nil {
		empty := ""
		switch kind {
		case blockText:
			block = anRespBlock{Type: "text", Text: &empty}
		case blockThinking:
			block = anRespBlock{Type: "thinking", Thinking: &empty, Signature: &empty}
		}
	}
	s.kind, s.index = kind, s.next
	s.next++
	s.emit("content_block_start", blockStart{"content_block_start", s.index, block})
}

func (s *openAIToAnthropic) closeBlock() {
	if s.kind == blockNone {
		return
	}
	s.emit("content_block_stop", blockStop{"content_block_stop", s.index})
	s.kind = blockNone
}

// finishMessage writes the end: the open block's stop, message_delta and message_stop.
func (s *openAIToAnthropic) finishMessage() {
	s.start("")
	s.closeBlock()
	finish := s.finish
	if s.refused {
		finish = "content_filter"
	}
	u := usageToAnthropic(s.usage)
	s.emit("message_delta", messageDelta{
		Type:  "message_delta",
		Delta: stopDelta{StopReason: finishToStop(finish, s.hasToolUse)},
		Usage: u,
	})
	s.emit("message_stop", typeOnly{"message_stop"})
	s.done = true
}

// Anthropic stream event shapes.

type messageStart struct {
	Type    string        `json:"type"`
	Message anMessageResp `json:"message"`
}

type blockStart struct {
	Type         string `json:"type"`
	Index        int    `json:"index"`
	ContentBlock any    `json:"content_block"`
}

type toolUseBlock struct {
	Type  string          `json:"type"`
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

type deltaEvent struct {
	Type  string `json:"type"`
	Index int    `json:"index"`
	Delta any    `json:"delta"`
}

type textDelta struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type thinkingDelta struct {
	Type     string `json:"type"`
	Thinking string `json:"thinking"`
}

type jsonDelta struct {
	Type        string `json:"type"`
	PartialJSON string `json:"partial_json"`
}

type blockStop struct {
	Type  string `json:"type"`
	Index int    `json:"index"`
}

type stopDelta struct {
	StopReason   string  `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
}

type messageDelta struct {
	Type  string    `json:"type"`
	Delta stopDelta `json:"delta"`
	Usage anUsage   `json:"usage"`
}

type typeOnly struct {
	Type string `json:"type"`
}
