package translate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The round trips compare decoded structures after normalising what the mapping table says
// legitimately changes (spelling of the same meaning, or fields documented as dropped).

func asMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m, ok := decodeJSON(t, b).(map[string]any)
	if !ok {
		t.Fatalf("not an object: %s", b)
	}
	return m
}

// dropKeys removes keys from every object in v, recursively.
func dropKeys(v any, keys ...string) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range keys {
			delete(x, k)
		}
		for _, c := range x {
			dropKeys(c, keys...)
		}
	case []any:
		for _, c := range x {
			dropKeys(c, keys...)
		}
	}
}

func textBlocks(v any) []any {
	if s, ok := v.(string); ok {
		return []any{map[string]any{"type": "text", "text": s}}
	}
	l, _ := v.([]any)
	return l
}

// normAnthropicRequest: system as one joined text block, content as blocks, no harmless
// fields.
func normAnthropicRequest(m map[string]any) map[string]any {
	dropKeys(m, "cache_control")
	delete(m, "model")
	delete(m, "service_tier")
	if sys, ok := m["system"]; ok {
		var texts []string
		for _, b := range textBlocks(sys) {
			texts = append(texts, b.(map[string]any)["text"].(string))
		}
		m["system"] = strings.Join(texts, "\n\n")
	}
	msgs, _ := m["messages"].([]any)
	for _, mm := range msgs {
		msg := mm.(map[string]any)
		msg["content"] = textBlocks(msg["content"])
	}
	return m
}

// normOpenAIRequest: one system message with string content, text-only content as a string,
// max_completion_tokens as max_tokens (default 4096), arguments decoded, dropped fields gone.
func normOpenAIRequest(t *testing.T, m map[string]any) map[string]any {
	for _, k := range []string{"model", "stream_options", "seed", "store", "n", "logprobs", "presence_penalty", "frequency_penalty", "service_tier", "metadata"} {
		delete(m, k)
	}
	dropKeys(m, "detail")
	if tools, ok := m["tools"].([]any); ok {
		for _, tl := range tools {
			fn := tl.(map[string]any)["function"].(map[string]any)
			if _, ok := fn["parameters"]; !ok { // the documented default schema
				fn["parameters"] = map[string]any{"type": "object", "properties": map[string]any{}}
			}
		}
	}
	if v, ok := m["max_completion_tokens"]; ok {
		m["max_tokens"] = v
		delete(m, "max_completion_tokens")
	}
	if _, ok := m["max_tokens"]; !ok {
		m["max_tokens"] = json.Number("4096")
	}
	if s, ok := m["stop"].(string); ok {
		m["stop"] = []any{s}
	}
	if rf, ok := m["response_format"].(map[string]any); ok {
		js := rf["json_schema"].(map[string]any)
		delete(js, "strict")
		delete(js, "name") // Anthropic formats have no name; "output" is sent
	}
	var system []string
	var msgs []any
	for _, mm := range m["messages"].([]any) {
		msg := mm.(map[string]any)
		delete(msg, "name") // speaker names are dropped (Anthropic has none)
		if s, ok := msg["content"].([]any); ok {
			allText := true
			var texts []string
			for _, p := range s {
				pm := p.(map[string]any)
				if pm["type"] != "text" {
					allText = false
					break
				}
				texts = append(texts, pm["text"].(string))
			}
			if allText {
				msg["content"] = strings.Join(texts, "")
			}
		}
		if calls, ok := msg["tool_calls"].([]any); ok {
			for _, c := range calls {
				fn := c.(map[string]any)["function"].(map[string]any)
				var args any
				if err := json.Unmarshal([]byte(fn["arguments"].(string)), &args); err != nil {
					t.Fatalf("arguments: %v", err)
				}
				fn["arguments"] = args
			}
		}
		if r := msg["role"]; r == "system" || r == "developer" {
			system = append(system, msg["content"].(string))
			continue
		}
		msgs = append(msgs, msg)
	}
	if len(system) > 0 {
		msgs = append([]any{map[string]any{"role": "system", "content": strings.Join(system, "\n\n")}}, msgs...)
	}
	m["messages"] = msgs
	return m
}

func TestRoundTripAnthropicRequest(t *testing.T) {
	// Fixtures whose mapping is lossy by design (documented in MAPPING.md) are left out:
	// thinking budgets and effort, is_error markers, tool_result images, text documents, system
	// turns among the messages (OpenAI → Anthropic gathers every system message in "system").
	lossy := map[string]bool{"thinking.json": true, "output_config.json": true, "tool_use_and_results.json": true,
		"tool_result_image.json": true, "documents.json": true, "system_turn_in_messages.json": true}
	extra := map[string]string{
		"tool_round": `{"model":"m","max_tokens":100,"messages":[{"role":"user","content":"weather?"},
			{"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris","days":[1,2]}},{"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}]},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"},{"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"noon"}]},{"type":"text","text":"thanks"}]}]}`,
		"pdf": `{"model":"m","max_tokens":100,"messages":[{"role":"user","content":[{"type":"document","title":"a.pdf","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}},{"type":"text","text":"sum up"}]}]}`,
	}
	files, _ := filepath.Glob("testdata/request_a2o/*.json")
	for _, f := range files {
		if strings.Contains(f, ".golden") || lossy[filepath.Base(f)] {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		extra[f] = string(b)
	}
	for name, body := range extra {
		t.Run(name, func(t *testing.T) {
			oa, _, err := AnthropicToOpenAIRequest([]byte(body), "m")
			if err != nil {
				t.Fatal(err)
			}
			back, _, err := OpenAIToAnthropicRequest(oa, "m")
			if err != nil {
				t.Fatalf("back: %v\n%s", err, oa)
			}
			got := normAnthropicRequest(asMap(t, back))
			want := normAnthropicRequest(asMap(t, []byte(body)))
			// tool_result content comes back as blocks.
			want = asMap(t, []byte(strings.ReplaceAll(string(indent(t, want)), `"content": "sunny"`, `"content": [{"type":"text","text":"sunny"}]`)))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("A→O→A changed meaning:\ngot  %s\nwant %s\nvia  %s", indent(t, got), indent(t, want), oa)
			}
		})
	}
}

func TestRoundTripOpenAIRequest(t *testing.T) {
	lossy := map[string]bool{"reasoning_effort.json": true, "reasoning_effort_capped.json": true}
	cases := map[string]string{}
	files, _ := filepath.Glob("testdata/request_o2a/*.json")
	for _, f := range files {
		if strings.Contains(f, ".golden") || lossy[filepath.Base(f)] {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[f] = string(b)
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			an, _, err := OpenAIToAnthropicRequest([]byte(body), "m")
			if err != nil {
				t.Fatal(err)
			}
			back, _, err := AnthropicToOpenAIRequest(an, "m")
			if err != nil {
				t.Fatalf("back: %v\n%s", err, an)
			}
			got := normOpenAIRequest(t, asMap(t, back))
			want := normOpenAIRequest(t, asMap(t, []byte(body)))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("O→A→O changed meaning:\ngot  %s\nwant %s\nvia  %s", indent(t, got), indent(t, want), an)
			}
		})
	}
}

// TestRoundTripResponses: a response translated to the other dialect and back keeps its
// text, reasoning, tool calls, finish reason and usage.
func TestRoundTripResponses(t *testing.T) {
	files, _ := filepath.Glob("testdata/response_o2a/*.json")
	for _, f := range files {
		if strings.Contains(f, ".golden") {
			continue
		}
		t.Run(f, func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			an, err := OpenAIToAnthropicResponse(body, Options{Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			back, err := AnthropicToOpenAIResponse(an, Options{Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			var orig, got oaCompletionIn
			if err := json.Unmarshal(body, &orig); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(back, &got); err != nil {
				t.Fatal(err)
			}
			o, g := orig.Choices[0], got.Choices[0]
			origText, _ := oaText(o.Message.Content)
			gotText, _ := oaText(g.Message.Content)
			if gotText != origText+o.Message.Refusal {
				t.Errorf("text %q, want %q", gotText, origText+o.Message.Refusal)
			}
			if want := o.Message.ReasoningContent + o.Message.Reasoning; g.Message.ReasoningContent != want {
				t.Errorf("reasoning %q, want %q", g.Message.ReasoningContent, want)
			}
			if len(g.Message.ToolCalls) != len(o.Message.ToolCalls) {
				t.Fatalf("tool calls %d, want %d", len(g.Message.ToolCalls), len(o.Message.ToolCalls))
			}
			for i, tc := range o.Message.ToolCalls {
				gc := g.Message.ToolCalls[i]
				var a, b any
				_ = json.Unmarshal([]byte(tc.Function.Arguments), &a)
				_ = json.Unmarshal([]byte(gc.Function.Arguments), &b)
				if gc.ID != tc.ID || gc.Function.Name != tc.Function.Name || !reflect.DeepEqual(a, b) {
					t.Errorf("tool call %d: %+v, want %+v", i, gc, tc)
				}
			}
			wantFinish := o.FinishReason
			if len(o.Message.ToolCalls) > 0 {
				wantFinish = "tool_calls"
			}
			if o.Message.Refusal != "" {
				wantFinish = "content_filter"
			}
			if g.FinishReason != wantFinish {
				t.Errorf("finish %q, want %q", g.FinishReason, wantFinish)
			}
			if orig.Usage != nil {
				ou, gu := orig.Usage, got.Usage
				if gu.PromptTokens != ou.PromptTokens || gu.CompletionTokens != ou.CompletionTokens || gu.TotalTokens != ou.TotalTokens {
					t.Errorf("usage %+v, want %+v", gu, ou)
				}
				if ou.PromptTokensDetails != nil && gu.PromptTokensDetails.CachedTokens != ou.PromptTokensDetails.CachedTokens {
					t.Errorf("cached %d, want %d", gu.PromptTokensDetails.CachedTokens, ou.PromptTokensDetails.CachedTokens)
				}
				if d := ou.CompletionTokensDetails; d != nil && d.ReasoningTokens > 0 && gu.CompletionTokensDetails.ReasoningTokens != d.ReasoningTokens {
					t.Errorf("reasoning tokens %+v, want %d", gu.CompletionTokensDetails, d.ReasoningTokens)
				}
			}
		})
	}
}
