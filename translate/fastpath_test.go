package translate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestFastOpenAIText(t *testing.T) {
	tests := []struct {
		name, data string
		want       string
		ok         bool
	}{
		{"plain", `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}`, "Hi", true},
		{"escapes", `{"choices":[{"index":0,"delta":{"content":"a\n\"b\"\\ \u00e9 \ud83d\ude00 \/"}}]}`, "a\n\"b\"\\ é 😀 /", true},
		{"role and empty content", `{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`, "", true},
		{"null content", `{"choices":[{"index":0,"delta":{"content":null}}]}`, "", true},
		{"unknown fields skipped", ` {"x":[1,{"y":-2.5e+3}],"choices":[{"delta":{"content":"z","extra":true},"index":0}],"usage":null,"error":null} `, "z", true},
		{"finish reason", `{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`, "", false},
		{"usage", `{"choices":[],"usage":{"prompt_tokens":1}}`, "", false},
		{"no choices", `{"choices":[]}`, "", false},
		{"two choices", `{"choices":[{"index":0,"delta":{}},{"index":1,"delta":{}}]}`, "", false},
		{"index 1", `{"choices":[{"index":1,"delta":{"content":"x"}}]}`, "", false},
		{"no index", `{"choices":[{"delta":{"content":"x"}}]}`, "", false},
		{"refusal", `{"choices":[{"index":0,"delta":{"refusal":"no"}}]}`, "", false},
		{"reasoning", `{"choices":[{"index":0,"delta":{"reasoning_content":"hm"}}]}`, "", false},
		{"tool calls", `{"choices":[{"index":0,"delta":{"tool_calls":[]}}]}`, "", false},
		{"error", `{"error":{"message":"x"}}`, "", false},
		{"key in other case", `{"choices":[{"index":0,"delta":{"Content":"x"}}]}`, "", false},
		{"escaped key", `{"choices":[{"index":0,"delta":{"c\u006fntent":"x"}}]}`, "", false},
		{"duplicate key", `{"choices":[{"index":0,"delta":{"content":"x","content":"y"}}]}`, "", false},
		{"lone surrogate", `{"choices":[{"index":0,"delta":{"content":"\ud83d"}}]}`, "", false},
		{"invalid utf-8", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xff\"}}]}", "", false},
		{"control character", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\tb\"}}]}", "", false},
		{"bad number", `{"n":01,"choices":[{"index":0,"delta":{"content":"x"}}]}`, "", false},
		{"trailing garbage", `{"choices":[{"index":0,"delta":{"content":"x"}}]}x`, "", false},
		{"truncated", `{"choices":[{"index":0,"delta":{"content":"x"}}]`, "", false},
		{"id not a string", `{"id":1,"choices":[{"index":0,"delta":{"content":"x"}}]}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fastOpenAIText([]byte(tt.data))
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("fastOpenAIText = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestFastAnthropicText(t *testing.T) {
	tests := []struct {
		name, data string
		want       string
		ok         bool
	}{
		{"plain", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`, "Hi", true},
		{"order and escapes", `{"delta":{"text":"a\tb","type":"text_delta"},"index":3,"type":"content_block_delta"}`, "a\tb", true},
		{"unknown field", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x","citations":[]},"z":{}}`, "x", true},
		{"thinking", `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}`, "", false},
		{"other event", `{"type":"message_delta","delta":{"stop_reason":"end_turn"}}`, "", false},
		{"usage present", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"},"usage":{}}`, "", false},
		{"index float", `{"type":"content_block_delta","index":1.5,"delta":{"type":"text_delta","text":"x"}}`, "", false},
		{"index negative", `{"type":"content_block_delta","index":-1,"delta":{"type":"text_delta","text":"x"}}`, "", false},
		{"delta null", `{"type":"content_block_delta","index":0,"delta":null}`, "", false},
		{"type in other case", `{"Type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fastAnthropicText([]byte(tt.data))
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("fastAnthropicText = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestAppendContentChunkMatchesMarshal(t *testing.T) {
	for _, c := range []struct{ id, model, text string }{
		{"chatcmpl-1", "gpt-4o", "Hello"},
		{"msg_\"x\"", "m<&>", "line\nbreak \u2028 \x01 é \xff"},
		{"", "", ""},
	} {
		text := c.text
		want := sseEvent(nil, "", marshalEvent(chunk{ID: c.id, Object: "chat.completion.chunk", Created: 1700000000,
			Model: c.model, Choices: []chunkChoice{{Delta: chunkDelta{Content: &text}, Logprobs: json.RawMessage("null")}}}))
		if got := appendContentChunk(nil, c.id, 1700000000, c.model, c.text); !bytes.Equal(got, want) {
			t.Errorf("appendContentChunk:\n%s\nwant\n%s", got, want)
		}
	}
}

// FuzzFastPathsMatchDecoder: for any event, a translator with its fast path gives the same
// client bytes and errors as one that decodes every event the general way, and whatever a fast
// path accepts, encoding/json decodes to the same text.
func FuzzFastPathsMatchDecoder(f *testing.F) {
	f.Add([]byte(`{"id":"c","choices":[{"index":0,"delta":{"content":"Hi \u00e9\n"},"finish_reason":null}]}`))
	f.Add([]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\"b"}}`))
	f.Add([]byte(`{"choices":[{"index":0,"delta":{"content":"x","Content":"y"}}]}`))
	f.Add([]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x","TEXT":"y"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// One SSE data line: newlines would split it into several.
		data = bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\n"), []byte(" ")), []byte("\r"), []byte(" "))

		if text, ok := fastOpenAIText(data); ok {
			var c oaChunk
			if err := json.Unmarshal(data, &c); err != nil || len(c.Choices) != 1 || c.Choices[0].Delta.Content != text {
				t.Fatalf("fastOpenAIText accepted %q as %q; encoding/json: %v %+v", data, text, err, c)
			}
		}
		if text, ok := fastAnthropicText(data); ok {
			var e anEvent
			if err := json.Unmarshal(data, &e); err != nil || e.Type != "content_block_delta" || e.Delta == nil || e.Delta.Text != text {
				t.Fatalf("fastAnthropicText accepted %q as %q; encoding/json: %v %+v", data, text, err, e)
			}
		}

		for _, dir := range []string{"stream_o2a", "stream_a2o"} {
			start := "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n"
			if dir == "stream_a2o" {
				start = "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n"
			}
			body := []byte(start + "data: " + string(data) + "\n\n")
			o := Options{Model: "m", Stream: true, IncludeUsage: true}
			fast := runStream(dir, o, [][]byte{body})
			general := runStreamWith(dir, o, body, func(s Stream) {
				switch s := s.(type) {
				case *openAIToAnthropic:
					s.general = true
				case *anthropicToOpenAI:
					s.general = true
				}
			})
			if !bytes.Equal(fast, general) {
				t.Fatalf("%s: event %q\nfast path:\n%s\ngeneral:\n%s", dir, data, fast, general)
			}
		}
	})
}

// runStreamWith is runStream with set applied to the new translator first.
func runStreamWith(dir string, o Options, body []byte, set func(Stream)) []byte {
	s := newStream(dir, o)
	set(s)
	var out strings.Builder
	b, err := s.Translate(body)
	out.Write(b)
	if err != nil {
		return []byte(out.String() + "# translate error: " + err.Error() + "\n")
	}
	b, err = s.End()
	out.Write(b)
	if err != nil {
		out.WriteString("# end error: " + err.Error() + "\n")
	}
	return []byte(out.String())
}

// TestUnmarshalMalformed: malformed documents (like the one goccy/go-json panicked on while
// fuzzing) are errors, from events and from request bodies alike, and a valid document too deep
// for the validator still decodes.
func TestUnmarshalMalformed(t *testing.T) {
	for _, data := range []string{`{"choices":[{"delta":{"\g`, `{"deltA":{"te\C`, `{"a":"\u12`, `[`, ``} {
		var c oaChunk
		if err := unmarshal([]byte(data), &c); err == nil {
			t.Errorf("unmarshal(%q) = nil error", data)
		}
		var e anEvent
		if err := decodeEvent([]byte(data), &e); err == nil {
			t.Errorf("decodeEvent(%q) = nil error", data)
		}
	}
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	var v any
	if err := unmarshal([]byte(`{"x":`+deep+`}`), &v); err != nil {
		t.Errorf("a valid document nested deeper than fastScan follows: %v", err)
	}
}
