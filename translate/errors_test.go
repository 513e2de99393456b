package translate

import (
	"encoding/json"
	"strings"
	"testing"
)

type anErrBody struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

type oaErrBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func TestOpenAIErrorToAnthropic(t *testing.T) {
	long := strings.Repeat("é", 3000) // 6000 bytes, cut at 2 KiB on a rune boundary
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		wantType string
		wantMsg  string
	}{
		{"openai 401", 401, `{"error":{"message":"Incorrect API key provided: sk-abc***. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			"invalid_request_error", "Incorrect API key provided: sk-abc***. You can find your API key at https://platform.openai.com/account/api-keys. (provider code: invalid_api_key)"},
		{"openai 429 unknown type", 429, `{"error":{"message":"Rate limit reached for gpt-4o","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
			"rate_limit_error", "Rate limit reached for gpt-4o (provider type: requests, provider code: rate_limit_exceeded)"},
		{"openai 400 context", 400, `{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`,
			"invalid_request_error", "This model's maximum context length is 128000 tokens. (provider code: context_length_exceeded)"},
		{"openai 500 server_error", 500, `{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}`,
			"api_error", "The server had an error while processing your request. (provider type: server_error)"},
		{"openrouter numeric code", 402, `{"error":{"message":"Insufficient credits","code":402}}`,
			"billing_error", "Insufficient credits"},
		{"ollama string error", 404, `{"error":"model \"llama9\" not found, try pulling it first"}`,
			"not_found_error", `model "llama9" not found, try pulling it first`},
		{"vllm top-level", 400, `{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}`,
			"invalid_request_error", "max_tokens is too large (provider type: BadRequestError)"},
		{"fastapi detail", 422, `{"detail":[{"loc":["body","messages"],"msg":"field required"}]}`,
			"invalid_request_error", `[{"loc":["body","messages"],"msg":"field required"}]`},
		{"html gateway", 502, "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>\n",
			"api_error", "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>"},
		{"empty body", 503, ``, "api_error", "upstream returned HTTP 503 with an empty body"},
		{"overloaded 529", 529, `overloaded`, "overloaded_error", "overloaded"},
		{"long text", 500, long, "api_error", strings.Repeat("é", 1024)},
		{"invalid utf8", 500, "bad \xff byte", "api_error", "bad \uFFFD byte"},
		{"long with invalid byte early", 500, "a\xff" + strings.Repeat("b", 3000), "api_error", "a\uFFFD" + strings.Repeat("b", 2046)},
		{"long ascii then rune at the cut", 500, strings.Repeat("a", 2047) + "é tail", "api_error", strings.Repeat("a", 2047)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := OpenAIErrorToAnthropic(tc.status, []byte(tc.body))
			var got anErrBody
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("not JSON: %v: %s", err, out)
			}
			if got.Type != "error" || got.Error.Type != tc.wantType || got.Error.Message != tc.wantMsg {
				t.Errorf("got %+v\nwant type %q message %q", got, tc.wantType, tc.wantMsg)
			}
		})
	}
}

func TestAnthropicErrorToOpenAI(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		wantType string
		wantMsg  string
	}{
		{"overloaded", 529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}`, "overloaded_error", "Overloaded"},
		{"invalid", 400, `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}`, "invalid_request_error", "max_tokens: Field required"},
		{"auth", 401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, "authentication_error", "invalid x-api-key"},
		{"rate limit", 429, `{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}`, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"},
		{"no type", 500, `{"error":{"message":"boom"}}`, "api_error", "boom"},
		{"text", 502, "upstream connect error or disconnect/reset before headers", "api_error", "upstream connect error or disconnect/reset before headers"},
		{"empty 404", 404, "", "not_found_error", "upstream returned HTTP 404 with an empty body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := AnthropicErrorToOpenAI(tc.status, []byte(tc.body))
			var got oaErrBody
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("not JSON: %v: %s", err, out)
			}
			if got.Error.Type != tc.wantType || got.Error.Message != tc.wantMsg {
				t.Errorf("got %+v\nwant type %q message %q", got, tc.wantType, tc.wantMsg)
			}
			if !strings.Contains(string(out), `"param":null`) || !strings.Contains(string(out), `"code":null`) {
				t.Errorf("param/code missing: %s", out)
			}
		})
	}
}

func TestErrorEvents(t *testing.T) {
	got := string(AnthropicErrorEvent("overloaded_error", `Overloaded "now" <b>`))
	want := "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded \\\"now\\\" <b>\"}}\n\n"
	if got != want {
		t.Errorf("Anthropic event:\n%q\nwant\n%q", got, want)
	}
	got = string(OpenAIErrorEvent("api_error", "stream reset"))
	want = "data: {\"error\":{\"message\":\"stream reset\",\"type\":\"api_error\",\"param\":null,\"code\":null}}\n\n"
	if got != want {
		t.Errorf("OpenAI event:\n%q\nwant\n%q", got, want)
	}
}
