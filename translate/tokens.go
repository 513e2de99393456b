package translate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

// Token estimate for POST /v1/messages/count_tokens when the provider is
// OpenAI-type and has no such endpoint. The count is made with a real BPE
// tokenizer, o200k_base (GPT-4o and later), whose vocabulary is compiled
// into the binary, so nothing is downloaded at run time. It is an
// estimate: the provider's own model may tokenize differently.
//
// Method (also in the README):
//   - text is tokenized as is: the system prompt (string or text blocks),
//     every text and thinking block, and a message's string content;
//   - a tool_use block counts its name plus its input as compact JSON; a
//     tool_result its text content (string or blocks) plus its tool_use_id;
//   - each tool definition counts its name, description and input_schema
//     as compact JSON, plus toolOverhead;
//   - each message adds msgOverhead (role and separators, as OpenAI's
//     chat format spends), and the reply adds replyOverhead;
//   - an image counts imageTokens (Anthropic's figure for an image of
//     about 1.15 megapixels, the largest that is not downscaled); a PDF
//     document counts pdfPageTokens per 100 KB of data, at least one page;
//     a plain-text document its text.

const (
	msgOverhead   = 3
	replyOverhead = 3
	toolOverhead  = 8
	imageTokens   = 1600
	pdfPageTokens = 1500
)

var o200k = sync.OnceValues(func() (tokenizer.Codec, error) { return tokenizer.Get(tokenizer.O200kBase) })

type countBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Thinking  string          `json:"thinking"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	Source    *struct {
		Type string `json:"type"`
		Data string `json:"data"`
	} `json:"source"`
}

type countRequest struct {
	System   json.RawMessage `json:"system"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"input_schema"`
	} `json:"tools"`
}

// CountTokens estimates the input tokens of an Anthropic count_tokens (or
// messages) request body with the o200k_base tokenizer; see the method
// above. An error wraps ErrInvalid when the body is not such a request.
func CountTokens(body []byte) (int, error) {
	var req countRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if req.Messages == nil {
		return 0, fmt.Errorf("%w: messages: is required", ErrInvalid)
	}
	enc, err := o200k()
	if err != nil {
		return 0, fmt.Errorf("tokenizer o200k_base: %w", err)
	}
	c := counter{enc: enc}
	if len(req.System) > 0 {
		if err := c.content(req.System); err != nil {
			return 0, fmt.Errorf("%w: system: %v", ErrInvalid, err)
		}
		c.n += msgOverhead
	}
	for i, m := range req.Messages {
		c.n += msgOverhead
		c.text(m.Role)
		if err := c.content(m.Content); err != nil {
			return 0, fmt.Errorf("%w: messages[%d].content: %v", ErrInvalid, i, err)
		}
	}
	for _, t := range req.Tools {
		c.n += toolOverhead
		c.text(t.Name)
		c.text(t.Description)
		c.json(t.InputSchema)
	}
	return c.n + replyOverhead, nil
}

type counter struct {
	enc tokenizer.Codec
	n   int
}

func (c *counter) text(s string) {
	if s == "" {
		return
	}
	n, err := c.enc.Count(s)
	if err != nil {
		// Not valid UTF-8 for the tokenizer: about four bytes a token.
		n = (len(s) + 3) / 4
	}
	c.n += n
}

// json counts a raw JSON value compacted, as a model would see it.
func (c *counter) json(raw json.RawMessage) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		c.text(string(raw))
		return
	}
	c.text(b.String())
}

// content counts a string or an array of content blocks.
func (c *counter) content(raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		c.text(s)
		return nil
	}
	var blocks []countBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return fmt.Errorf("must be a string or an array of content blocks: %v", err)
	}
	for _, b := range blocks {
		switch b.Type {
		case "text":
			c.text(b.Text)
		case "thinking":
			c.text(b.Thinking)
		case "tool_use", "server_tool_use":
			c.text(b.Name)
			c.json(b.Input)
		case "tool_result":
			c.text(b.ToolUseID)
			if err := c.content(b.Content); err != nil {
				return err
			}
		case "image":
			c.n += imageTokens
		case "document":
			c.document(b)
		}
	}
	return nil
}

func (c *counter) document(b countBlock) {
	if b.Source == nil {
		return
	}
	switch b.Source.Type {
	case "text":
		c.text(b.Source.Data)
	default:
		size := base64.StdEncoding.DecodedLen(len(b.Source.Data))
		c.n += pdfPageTokens * max(1, size/(100<<10))
	}
}
