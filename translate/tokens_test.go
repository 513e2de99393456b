package translate

import (
	"errors"
	"testing"
)

// TestCountTokens: the estimate is the o200k_base count plus the
// documented overheads, and grows with each part the method counts.
func TestCountTokens(t *testing.T) {
	base := `{"model":"m","messages":[{"role":"user","content":"Hello world"}]}`
	n0, err := CountTokens([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	// "user" and "Hello world" are 1 and 2 o200k tokens.
	if want := msgOverhead + 1 + 2 + replyOverhead; n0 != want {
		t.Errorf("base estimate %d, want %d", n0, want)
	}
	more := []struct{ name, body string }{
		{"system string", `{"system":"Be brief.","messages":[{"role":"user","content":"Hello world"}]}`},
		{"system blocks", `{"system":[{"type":"text","text":"Be brief."}],"messages":[{"role":"user","content":"Hello world"}]}`},
		{"tool", `{"messages":[{"role":"user","content":"Hello world"}],"tools":[{"name":"get_weather","input_schema":{"type":"object"}}]}`},
		{"tool use and result", `{"messages":[{"role":"user","content":"Hello world"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"get_weather","input":{"city":"Paris"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"Sunny"}]}]}`},
		{"thinking", `{"messages":[{"role":"user","content":"Hello world"},{"role":"assistant","content":[{"type":"thinking","thinking":"Let me think","signature":"x"}]}]}`},
		{"image", `{"messages":[{"role":"user","content":[{"type":"text","text":"Hello world"},{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]}`},
	}
	for _, c := range more {
		n, err := CountTokens([]byte(c.body))
		if err != nil || n <= n0 {
			t.Errorf("%s: %d, %v; want more than %d", c.name, n, err, n0)
		}
	}
	for _, bad := range []string{`nope`, `{"messages":5}`, `{"model":"m"}`, `{"messages":[{"role":"user","content":5}]}`} {
		if _, err := CountTokens([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v, want ErrInvalid", bad, err)
		}
	}
}
