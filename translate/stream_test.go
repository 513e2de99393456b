package translate

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func streamFixtures(t testing.TB, dir string) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.sse"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, f := range files {
		if strings.Contains(f, ".golden") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestStreamSplitAnywhere: every fixture cut at every byte boundary, and fed one byte at a
// time, gives exactly the client bytes of the whole-piece run.
func TestStreamSplitAnywhere(t *testing.T) {
	o := Options{Model: "client-model", Stream: true, IncludeUsage: true}
	for _, dir := range []string{"stream_a2o", "stream_o2a"} {
		for i, body := range streamFixtures(t, dir) {
			want := runStream(dir, o, [][]byte{body})
			for cut := 0; cut <= len(body); cut++ {
				got := runStream(dir, o, [][]byte{body[:cut], body[cut:]})
				if !bytes.Equal(got, want) {
					t.Fatalf("%s #%d cut at %d:\n%s\nwant\n%s", dir, i, cut, got, want)
				}
			}
			var bytewise [][]byte
			for j := range body {
				bytewise = append(bytewise, body[j:j+1])
			}
			if got := runStream(dir, o, bytewise); !bytes.Equal(got, want) {
				t.Fatalf("%s #%d byte by byte:\n%s\nwant\n%s", dir, i, got, want)
			}
		}
	}
}

// TestStreamEventByEvent: output is produced as the upstream events arrive, not at the end.
func TestStreamEventByEvent(t *testing.T) {
	s := NewOpenAIToAnthropicStream(Options{Model: "m"})
	out, err := s.Translate([]byte(`data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hel"}}]}` + "\n\n"))
	if err != nil || !bytes.Contains(out, []byte(`"text":"Hel"`)) || !bytes.Contains(out, []byte("event: message_start")) {
		t.Fatalf("first event not translated at once: %q, %v", out, err)
	}
	out, err = s.Translate([]byte(`data: {"id":"c","choices":[{"index":0,"delta":{"content":"lo"}}]}`))
	if err != nil || len(out) != 0 {
		t.Fatalf("an event without its blank line must wait: %q, %v", out, err)
	}
	out, err = s.Translate([]byte("\n\n"))
	if err != nil || !bytes.Contains(out, []byte(`"text":"lo"`)) {
		t.Fatalf("second event: %q, %v", out, err)
	}

	a := NewAnthropicToOpenAIStream(Options{Model: "m"})
	out, err = a.Translate([]byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":3}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"))
	if err != nil || !bytes.Contains(out, []byte(`"content":"Hi"`)) || !bytes.Contains(out, []byte(`"role":"assistant"`)) {
		t.Fatalf("Anthropic events not translated at once: %q, %v", out, err)
	}
}

func TestStreamMalformed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dir     string
		in      string
		wantErr string // in the golden-style output
	}{
		{"o2a not json", "stream_o2a", "data: {nope\n\n", "# translate error: translate: upstream OpenAI stream: chunk is not JSON"},
		{"o2a truncated", "stream_o2a", `data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}` + "\n\n", "# end error: translate: upstream OpenAI stream ended before [DONE]"},
		{"o2a empty", "stream_o2a", "", "# end error: translate: upstream OpenAI stream ended before [DONE]"},
		{"o2a interleaved tools", "stream_o2a", `data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{"}}]}}]}` + "\n\n" +
			`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":"{"}}]}}]}` + "\n\n" +
			`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"}"}}]}}]}` + "\n\n", "tool call 0 continued after another tool call started"},
		{"o2a tool without id or name", "stream_o2a", `data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}` + "\n\n", "starts without an id or name"},
		{"a2o not json", "stream_a2o", "event: message_start\ndata: {\"type\":\n\n", "# translate error: translate: upstream Anthropic stream: event is not JSON"},
		{"a2o delta before start", "stream_a2o", "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n", "content_block_delta before message_start"},
		{"a2o json delta for text block", "stream_a2o", "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}\n\n", "not a tool_use block"},
		{"a2o truncated", "stream_a2o", "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n", "# end error: translate: upstream Anthropic stream ended before message_stop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(runStream(tc.dir, Options{Model: "m"}, [][]byte{[]byte(tc.in)}))
			if !strings.Contains(got, tc.wantErr) {
				t.Errorf("got:\n%s\nwant it to contain %q", got, tc.wantErr)
			}
		})
	}
}

// TestStreamStickyError: after malformed input, the stream refuses more input and End fails.
func TestStreamStickyError(t *testing.T) {
	for _, s := range []Stream{NewOpenAIToAnthropicStream(Options{}), NewAnthropicToOpenAIStream(Options{})} {
		if _, err := s.Translate([]byte("data: {\n\n")); err == nil {
			t.Fatal("malformed input accepted")
		}
		if _, err := s.Translate([]byte("data: [DONE]\n\n")); err == nil {
			t.Error("input after a failure accepted")
		}
		if _, err := s.End(); err == nil {
			t.Error("End after a failure succeeded")
		}
	}
}

// TestStreamUpstreamErrorEvent: the upstream's own error event is translated and End reports
// ErrUpstreamError, so the caller logs a failure.
func TestStreamUpstreamErrorEvent(t *testing.T) {
	s := NewAnthropicToOpenAIStream(Options{})
	out, err := s.Translate([]byte("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"))
	if err != nil || string(out) != string(OpenAIErrorEvent("overloaded_error", "Overloaded")) {
		t.Fatalf("out %q err %v", out, err)
	}
	if _, err := s.End(); !errors.Is(err, ErrUpstreamError) {
		t.Errorf("End: %v, want ErrUpstreamError", err)
	}
	o := NewOpenAIToAnthropicStream(Options{})
	out, err = o.Translate([]byte(`data: {"error":{"message":"Rate limit","type":"rate_limit_error"}}` + "\n\n"))
	if err != nil || string(out) != string(AnthropicErrorEvent("rate_limit_error", "Rate limit")) {
		t.Fatalf("out %q err %v", out, err)
	}
	if _, err := o.End(); !errors.Is(err, ErrUpstreamError) {
		t.Errorf("End: %v, want ErrUpstreamError", err)
	}
}

// TestStreamOpenAIEdgeCases covers provider quirks: tool calls without an index sent whole,
// tool calls with finish_reason "stop", an empty stream that is just [DONE], and comments.
func TestStreamOpenAIEdgeCases(t *testing.T) {
	in := ": keep-alive\n\n" +
		`data: {"id":"x","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"a","arguments":"{\"k\":1}"}},{"id":"call_2","type":"function","function":{"name":"b","arguments":"{}"}}]}}]}` + "\n\n" +
		`data: {"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n" +
		"data: [DONE]\n\n" + "data: {\"ignored\":true}\n\n"
	got := string(runStream("stream_o2a", Options{Model: "m"}, [][]byte{[]byte(in)}))
	for _, want := range []string{
		`"index":0,"content_block":{"type":"tool_use","id":"call_1","name":"a","input":{}}`,
		`"index":0,"delta":{"type":"input_json_delta","partial_json":"{\"k\":1}"}`,
		`{"type":"content_block_stop","index":0}`,
		`"index":1,"content_block":{"type":"tool_use","id":"call_2","name":"b","input":{}}`,
		`"stop_reason":"tool_use"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if strings.Contains(got, "#") {
		t.Errorf("unexpected error:\n%s", got)
	}

	// The same id repeated on every piece, without an index, is one call.
	in = `data: {"id":"x","choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_9","function":{"name":"a","arguments":"{\"k\""}}]}}]}` + "\n\n" +
		`data: {"id":"x","choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_9","function":{"arguments":":2}"}}]}}]}` + "\n\n" +
		`data: {"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}` + "\n\ndata: [DONE]\n\n"
	got = string(runStream("stream_o2a", Options{Model: "m"}, [][]byte{[]byte(in)}))
	if strings.Count(got, "event: content_block_start") != 1 || !strings.Contains(got, `"partial_json":":2}"`) {
		t.Errorf("repeated id:\n%s", got)
	}

	got = string(runStream("stream_o2a", Options{Model: "m"}, [][]byte{[]byte("data: [DONE]\n\n")}))
	if !strings.Contains(got, "event: message_start") || !strings.Contains(got, `"stop_reason":"end_turn"`) || !strings.Contains(got, "event: message_stop") {
		t.Errorf("empty stream:\n%s", got)
	}
}

// TestStreamAnthropicNoArgTool: a tool_use with no streamed JSON still gives OpenAI clients
// parseable arguments ("{}"), and a block's input sent whole is passed as arguments.
func TestStreamAnthropicWholeInput(t *testing.T) {
	in := "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n" +
		"data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{\"a\": 1}}}\n\n" +
		"data: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
		"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"}}\n\n" +
		"data: {\"type\":\"message_stop\"}\n\n"
	got := string(runStream("stream_a2o", Options{Model: "m"}, [][]byte{[]byte(in)}))
	if !strings.Contains(got, `"arguments":"{\"a\":1}"`) || strings.Count(got, `"arguments"`) != 1 {
		t.Errorf("whole input:\n%s", got)
	}
	if !strings.Contains(got, `"finish_reason":"tool_calls"`) || !strings.HasSuffix(got, "data: [DONE]\n\n") {
		t.Errorf("end:\n%s", got)
	}
}

func FuzzOpenAIToAnthropicStream(f *testing.F) { fuzzStream(f, "stream_o2a") }

func FuzzAnthropicToOpenAIStream(f *testing.F) { fuzzStream(f, "stream_a2o") }

// fuzzStream: any input never panics, and cutting it anywhere (at cut1 and cut2) gives the
// same client bytes as one piece.
func fuzzStream(f *testing.F, dir string) {
	for _, body := range streamFixtures(f, dir) {
		f.Add(body, uint16(len(body)/3), uint16(len(body)/2))
	}
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":-1}]}}]}\n\n"), uint16(3), uint16(9))
	f.Add([]byte("event: error\ndata: {}\n\n"), uint16(1), uint16(2))
	f.Fuzz(func(t *testing.T, body []byte, c1, c2 uint16) {
		o := Options{Model: "m", Stream: true, IncludeUsage: true}
		want := runStream(dir, o, [][]byte{body})
		a, b := int(c1)%(len(body)+1), int(c2)%(len(body)+1)
		if a > b {
			a, b = b, a
		}
		got := runStream(dir, o, [][]byte{body[:a], body[a:b], body[b:]})
		if !bytes.Equal(got, want) {
			t.Fatalf("split at %d,%d:\n%q\nwant\n%q", a, b, got, want)
		}
	})
}
