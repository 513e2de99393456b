package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// TestSpliceModel: only the top-level model value changes; everything else
// survives byte for byte.
func TestSpliceModel(t *testing.T) {
	cases := []struct {
		name, in, model, want string
		err                   error
	}{
		{"simple", `{"model":"a"}`, "b", `{"model":"b"}`, nil},
		{"order and spacing kept", "{ \"z\":1 ,\n\t\"model\" :  \"a\" , \"a\":[1,2] }", "gpt-4o", "{ \"z\":1 ,\n\t\"model\" :  \"gpt-4o\" , \"a\":[1,2] }", nil},
		{"numbers kept", `{"a":1e400,"b":12345678901234567890,"c":1.0,"d":-0.0,"model":"m"}`, "x", `{"a":1e400,"b":12345678901234567890,"c":1.0,"d":-0.0,"model":"x"}`, nil},
		{"escapes kept", `{"s":"\u00e9\n\"\\/","model":"m","t":"\ud83d\ude00"}`, "x", `{"s":"\u00e9\n\"\\/","model":"x","t":"\ud83d\ude00"}`, nil},
		{"nested model untouched", `{"tools":[{"model":"inner"}],"meta":{"model":"m2"},"model":"m"}`, "x", `{"tools":[{"model":"inner"}],"meta":{"model":"m2"},"model":"x"}`, nil},
		{"model in a string untouched", `{"prompt":"\"model\":\"m\"","model":"m"}`, "x", `{"prompt":"\"model\":\"m\"","model":"x"}`, nil},
		{"escaped key", `{"mod\u0065l":"m"}`, "x", `{"mod\u0065l":"x"}`, nil},
		{"escaped value", `{"model":"a\/b"}`, "x", `{"model":"x"}`, nil},
		{"new value escaped", `{"model":"m"}`, "a\"b\\c\n\x01</>é\u2028", `{"model":"a\"b\\c\n\u0001</>é\u2028"}`, nil},
		{"invalid utf8 in new value", `{"model":"m"}`, "a\xffb", `{"model":"a\ufffdb"}`, nil},
		{"duplicate model keys all replaced", `{"model":"a","x":1,"model":"b"}`, "c", `{"model":"c","x":1,"model":"c"}`, nil},
		{"unicode model", `{"model":"模型"}`, "x", `{"model":"x"}`, nil},
		{"trailing whitespace", "{\"model\":\"m\"}\n", "x", "{\"model\":\"x\"}\n", nil},
		{"empty", ``, "x", "", ErrNotJSONObject},
		{"truncated", `{"model":"m"`, "x", "", ErrNotJSONObject},
		{"array", `[{"model":"m"}]`, "x", "", ErrNotJSONObject},
		{"string", `"model"`, "x", "", ErrNotJSONObject},
		{"two values", `{"model":"m"} {}`, "x", "", ErrNotJSONObject},
		{"trailing comma", `{"model":"m",}`, "x", "", ErrNotJSONObject},
		{"no model", `{"messages":[]}`, "x", "", ErrNoModel},
		{"model null", `{"model":null}`, "x", "", ErrNoModel},
		{"model number", `{"model":4}`, "x", "", ErrNoModel},
		{"model empty", `{"model":""}`, "x", "", ErrNoModel},
		{"last duplicate not a string", `{"model":"a","model":1}`, "x", "", ErrNoModel},
		{"Model is another key", `{"Model":"m"}`, "x", "", ErrNoModel},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SpliceModel([]byte(c.in), c.model)
			if !errors.Is(err, c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if c.err == nil && string(got) != c.want {
				t.Fatalf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestScanBody: the model and stream flag read from a body.
func TestScanBody(t *testing.T) {
	for _, c := range []struct {
		in     string
		model  string
		stream bool
	}{
		{`{"model":"a","stream":true}`, "a", true},
		{`{"stream":false,"model":"a\u0062"}`, "ab", false},
		{`{"stream":"true","model":"a"}`, "a", false},
		{`{"model":"a","x":{"stream":true}}`, "a", false},
	} {
		info, err := scanBody([]byte(c.in))
		if err != nil || info.model != c.model || info.stream != c.stream {
			t.Errorf("%s: %+v %v", c.in, info, err)
		}
	}
}

// FuzzSpliceModel: for any valid JSON object with a top-level string
// model, the output equals the input with only that value changed; any
// other input is an error, never a panic.
func FuzzSpliceModel(f *testing.F) {
	seeds := []struct{ body, model string }{
		{`{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true}`, "gpt-4o-2024-08-06"},
		{`{"a":1e400,"b":12345678901234567890,"c":1.0,"model":"m"}`, "x"},
		{`{"mod\u0065l":"m","s":"\ud83d\ude00\n"}`, "a\"b"},
		{`{"model":"a","model":"b"}`, "c"},
		{`{"tools":[{"model":"inner","x":[[[]]]}],"model":"m"}`, "模型"},
		{` { "model" : "m" } `, "\x00\xff"},
		{`{"model":1}`, "x"},
		{`[1,2]`, "x"},
		{`{"model":"m"`, "x"},
		{`{}`, ""},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.model)
	}
	f.Fuzz(func(t *testing.T, body []byte, newModel string) {
		// The response-side parsers see untrusted bytes too: no panics.
		_ = topLevelValue(body, "usage")
		obs := observer{mode: observeSSE}
		obs.write(body)
		obs.finish()

		out, err := SpliceModel(body, newModel)
		var in map[string]json.RawMessage
		decErr := json.Unmarshal(body, &in)
		var model string
		hasModel := decErr == nil && json.Unmarshal(in["model"], &model) == nil && in["model"] != nil && model != "" && in["model"][0] == '"'
		if !hasModel {
			if err == nil {
				t.Fatalf("accepted %q without a top-level model string", body)
			}
			return
		}
		if err != nil {
			t.Fatalf("rejected valid body %q: %v", body, err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("output is not JSON: %q → %q", body, out)
		}
		if len(got) != len(in) {
			t.Fatalf("keys changed: %q → %q", body, out)
		}
		for k, v := range in {
			if k == "model" {
				continue
			}
			if !bytes.Equal(got[k], v) {
				t.Fatalf("key %q changed: %s → %s", k, v, got[k])
			}
		}
		var gotModel, wantModel string
		enc, _ := json.Marshal(newModel)
		_ = json.Unmarshal(enc, &wantModel)
		if json.Unmarshal(got["model"], &gotModel) != nil || gotModel != wantModel {
			t.Fatalf("model %s, want %q", got["model"], wantModel)
		}
		// Outside the model values the bytes are the input's: same prefix
		// before the first value and same suffix after the last.
		info, _ := scanBody(body)
		first, last := info.spans[0], info.spans[len(info.spans)-1]
		if !bytes.HasPrefix(out, body[:first.start]) || !bytes.HasSuffix(out, body[last.end:]) {
			t.Fatalf("bytes outside the model changed: %q → %q", body, out)
		}
	})
}

// TestTopLevelValue: the response-side key finder returns the raw value
// of a top-level key and never panics on broken input.
func TestTopLevelValue(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"id":"x","usage":{"prompt_tokens":1}}`, `{"prompt_tokens":1}`},
		{`{"choices":[{"usage":1}],"usage":null}`, `null`},
		{` { "a" : "b\"" , "usage" : 5 } `, `5`},
		{`{"x":{"usage":1}}`, ``},
		{`{"usage"`, ``},
		{`{"usage":`, ``},
		{`{"a":"unterminated`, ``},
		{`[1]`, ``},
		{``, ``},
	} {
		if got := string(topLevelValue([]byte(c.in), "usage")); got != c.want {
			t.Errorf("%s: %q, want %q", c.in, got, c.want)
		}
	}
}
