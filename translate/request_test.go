package translate

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRequestRefused: every field with no honest equivalent is an *UnsupportedError naming it.
func TestRequestRefused(t *testing.T) {
	const an = `"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]`
	const oa = `"model":"m","messages":[{"role":"user","content":"hi"}]`
	type translator func([]byte, string) ([]byte, Options, error)
	a2o, o2a := translator(AnthropicToOpenAIRequest), translator(OpenAIToAnthropicRequest)
	for _, tc := range []struct {
		name  string
		fn    translator
		body  string
		field string
	}{
		{"a2o container", a2o, `{` + an + `,"container":"c_1"}`, "container"},
		{"a2o mcp_servers", a2o, `{` + an + `,"mcp_servers":[{"type":"url","url":"https://x","name":"x"}]}`, "mcp_servers"},
		{"a2o unknown field", a2o, `{` + an + `,"frobnicate":true}`, "frobnicate"},
		{"a2o server tool", a2o, `{` + an + `,"tools":[{"type":"web_search_20250305","name":"web_search"}]}`, "tools[0].type"},
		{"a2o bash tool", a2o, `{` + an + `,"tools":[{"type":"bash_20250124","name":"bash"}]}`, "tools[0].type"},
		{"a2o document url", a2o, `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"url","url":"https://x/a.pdf"}}]}]}`, "messages[0].content[0].source"},
		{"a2o image file id", a2o, `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"file_1"}}]}]}`, "messages[0].content[0].source.type"},
		{"a2o search_result block", a2o, `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"search_result","source":"x","title":"t","content":[]}]}]}`, "messages[0].content[0].type"},
		{"a2o server_tool_use in history", a2o, `{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"server_tool_use","id":"s","name":"web_search","input":{}}]}]}`, "messages[0].content[0].type"},
		{"a2o output format other", a2o, `{` + an + `,"output_config":{"format":{"type":"regex"}}}`, "output_config.format.type"},
		{"o2a n=2", o2a, `{` + oa + `,"n":2}`, "n"},
		{"o2a logprobs", o2a, `{` + oa + `,"logprobs":true}`, "logprobs"},
		{"o2a top_logprobs", o2a, `{` + oa + `,"top_logprobs":3}`, "top_logprobs"},
		{"o2a modalities audio", o2a, `{` + oa + `,"modalities":["text","audio"]}`, "modalities"},
		{"o2a audio output", o2a, `{` + oa + `,"audio":{"voice":"alloy","format":"wav"}}`, "audio"},
		{"o2a input_audio", o2a, `{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAA","format":"wav"}}]}]}`, "messages[0].content[0].type"},
		{"o2a json_object", o2a, `{` + oa + `,"response_format":{"type":"json_object"}}`, "response_format.type"},
		{"o2a frequency_penalty", o2a, `{` + oa + `,"frequency_penalty":0.5}`, "frequency_penalty"},
		{"o2a presence_penalty", o2a, `{` + oa + `,"presence_penalty":-1}`, "presence_penalty"},
		{"o2a logit_bias", o2a, `{` + oa + `,"logit_bias":{"50256":-100}}`, "logit_bias"},
		{"o2a verbosity", o2a, `{` + oa + `,"verbosity":"low"}`, "verbosity"},
		{"o2a functions", o2a, `{` + oa + `,"functions":[{"name":"f"}]}`, "functions"},
		{"o2a web_search_options", o2a, `{` + oa + `,"web_search_options":{}}`, "web_search_options"},
		{"o2a custom tool", o2a, `{` + oa + `,"tools":[{"type":"custom","custom":{"name":"x"}}]}`, "tools[0].type"},
		{"o2a allowed_tools choice", o2a, `{` + oa + `,"tool_choice":{"type":"allowed_tools","allowed_tools":{}}}`, "tool_choice.type"},
		{"o2a file id", o2a, `{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-abc"}}]}]}`, "messages[0].content[0].file.file_id"},
		{"o2a non-pdf file", o2a, `{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"data:text/csv;base64,YQ=="}}]}]}`, "messages[0].content[0].file"},
		{"o2a function role", o2a, `{"model":"m","messages":[{"role":"function","name":"f","content":"x"}]}`, "messages[0].role"},
		{"o2a assistant audio", o2a, `{"model":"m","messages":[{"role":"assistant","audio":{"id":"audio_1"}}]}`, "messages[0].audio"},
		{"o2a thinking needs room", o2a, `{` + oa + `,"reasoning_effort":"low","max_tokens":500}`, "reasoning_effort"},
		{"o2a unknown field", o2a, `{` + oa + `,"frobnicate":1}`, "frobnicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.fn([]byte(tc.body), "up")
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want *UnsupportedError", err)
			}
			if ue.Field != tc.field {
				t.Errorf("field = %q, want %q", ue.Field, tc.field)
			}
			if !strings.HasPrefix(ue.Error(), tc.field+": ") || ue.Reason == "" {
				t.Errorf("Error() = %q", ue.Error())
			}
		})
	}
}

// TestRequestInvalid: a body that is not a valid request wraps ErrInvalid.
func TestRequestInvalid(t *testing.T) {
	type translator func([]byte, string) ([]byte, Options, error)
	a2o, o2a := translator(AnthropicToOpenAIRequest), translator(OpenAIToAnthropicRequest)
	for _, tc := range []struct {
		name string
		fn   translator
		body string
	}{
		{"a2o not json", a2o, `{"model":`},
		{"a2o array", a2o, `[1]`},
		{"a2o no messages", a2o, `{"model":"m","max_tokens":1}`},
		{"a2o no max_tokens", a2o, `{"model":"m","messages":[]}`},
		{"a2o bad role", a2o, `{"model":"m","max_tokens":1,"messages":[{"role":"tool","content":"x"}]}`},
		{"a2o max_tokens string", a2o, `{"model":"m","max_tokens":"1","messages":[]}`},
		{"a2o temperature string", a2o, `{"model":"m","max_tokens":1,"temperature":"hot","messages":[]}`},
		{"a2o tool_use input array", a2o, `{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":[1]}]}]}`},
		{"a2o bad tool_choice", a2o, `{"model":"m","max_tokens":1,"tool_choice":{"type":"sometimes"},"messages":[]}`},
		{"a2o thinking type", a2o, `{"model":"m","max_tokens":1,"thinking":{"type":"maybe"},"messages":[]}`},
		{"o2a not json", o2a, `nope`},
		{"o2a no messages", o2a, `{"model":"m"}`},
		{"o2a bad role", o2a, `{"model":"m","messages":[{"role":"robot","content":"x"}]}`},
		{"o2a bad arguments", o2a, `{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{broken"}}]}]}`},
		{"o2a negative max_tokens", o2a, `{"model":"m","max_tokens":-1,"messages":[]}`},
		{"o2a bad effort", o2a, `{"model":"m","reasoning_effort":"extreme","messages":[]}`},
		{"o2a image in system", o2a, `{"model":"m","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x"}}]}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.fn([]byte(tc.body), "up")
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestRequestDropped: harmless fields vanish without an error.
func TestRequestDropped(t *testing.T) {
	out, _, err := AnthropicToOpenAIRequest([]byte(`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],
		"cache_control":{"type":"ephemeral"},"service_tier":"auto","inference_geo":"us","speed":"fast","context_management":{"edits":[]},"diagnostics":{}}`), "up")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cache_control", "service_tier", "inference_geo", "speed", "context_management", "diagnostics"} {
		if strings.Contains(string(out), f) {
			t.Errorf("%s survived: %s", f, out)
		}
	}
	out, _, err = OpenAIToAnthropicRequest([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],
		"seed":1,"store":true,"metadata":{"a":"b"},"service_tier":"flex","prompt_cache_key":"k","prediction":{"type":"content","content":"x"},
		"n":1,"logprobs":false,"top_logprobs":null,"frequency_penalty":0,"presence_penalty":0,"logit_bias":{},"verbosity":"medium","modalities":["text"],"response_format":{"type":"text"}}`), "up")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"seed", "store", "service_tier", "prompt_cache", "prediction", "logprobs", "penalty", "verbosity", "modalities", "response_format", `"n"`, `"a"`} {
		if strings.Contains(string(out), f) {
			t.Errorf("%s survived: %s", f, out)
		}
	}
}

// TestRequestModelReplaced: the upstream name replaces the client's, which Options keeps.
func TestRequestModelReplaced(t *testing.T) {
	out, o, err := OpenAIToAnthropicRequest([]byte(`{"model":"alias","messages":[{"role":"user","content":"hi"}]}`), "claude-real")
	if err != nil || o.Model != "alias" || !strings.Contains(string(out), `"model":"claude-real"`) {
		t.Fatalf("out=%s o=%+v err=%v", out, o, err)
	}
	out, o, err = AnthropicToOpenAIRequest([]byte(`{"model":"alias","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`), "gpt-real")
	if err != nil || o.Model != "alias" || !strings.Contains(string(out), `"model":"gpt-real"`) {
		t.Fatalf("out=%s o=%+v err=%v", out, o, err)
	}
}

// TestToolChoiceWithoutTools: a choice that chooses nothing is dropped when there are no
// tools (both APIs refuse tool_choice without tools); a forced tool is kept.
func TestToolChoiceWithoutTools(t *testing.T) {
	out, _, err := AnthropicToOpenAIRequest([]byte(`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true}}`), "up")
	if err != nil || strings.Contains(string(out), "tool_choice") || strings.Contains(string(out), "parallel_tool_calls") {
		t.Errorf("a2o auto: %s %v", out, err)
	}
	out, _, err = AnthropicToOpenAIRequest([]byte(`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"tool","name":"f"}}`), "up")
	if err != nil || !strings.Contains(string(out), `"tool_choice":{"function":{"name":"f"},"type":"function"}`) {
		t.Errorf("a2o forced: %s %v", out, err)
	}
	out, _, err = OpenAIToAnthropicRequest([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"none","parallel_tool_calls":false}`), "up")
	if err != nil || strings.Contains(string(out), "tool_choice") {
		t.Errorf("o2a none: %s %v", out, err)
	}
	out, _, err = OpenAIToAnthropicRequest([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}`), "up")
	if err != nil || !strings.Contains(string(out), `"tool_choice":{"type":"any"}`) {
		t.Errorf("o2a required: %s %v", out, err)
	}
}

// FuzzRequests: arbitrary bodies never panic any request or response translation, and a
// request that translates gives valid JSON. (Seeds run in every go test; the stream targets
// are the ones scripts/test.sh fuzzes.)
func FuzzRequests(f *testing.F) {
	for _, dir := range []string{"request_a2o", "request_o2a", "response_a2o", "response_o2a"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && !strings.Contains(p, ".golden") {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, fn := range []func([]byte, string) ([]byte, Options, error){AnthropicToOpenAIRequest, OpenAIToAnthropicRequest} {
			if out, _, err := fn(body, "up"); err == nil && !json.Valid(out) {
				t.Fatalf("invalid JSON out: %s", out)
			}
		}
		for _, fn := range []func([]byte, Options) ([]byte, error){AnthropicToOpenAIResponse, OpenAIToAnthropicResponse} {
			if out, err := fn(body, Options{}); err == nil && !json.Valid(out) {
				t.Fatalf("invalid JSON out: %s", out)
			}
		}
		for _, fn := range []func(int, []byte) []byte{OpenAIErrorToAnthropic, AnthropicErrorToOpenAI} {
			if out := fn(500, body); !json.Valid(out) {
				t.Fatalf("invalid error JSON: %s", out)
			}
		}
	})
}
