package model

import "testing"

func TestRedactor(t *testing.T) {
	r := NewRedactor("sk-live-0123456789", "sk-live-0123", "abc", "", "tok-admin-xyz", "tok-admin-xyz")
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"no secrets here", "no secrets here"},
		{"Incorrect API key provided: sk-live-0123456789.", "Incorrect API key provided: [REDACTED]."},
		{"prefix only sk-live-0123 and full sk-live-0123456789", "prefix only [REDACTED] and full [REDACTED]"},
		{"abc is too short to be redacted", "abc is too short to be redacted"},
		{"token=tok-admin-xyz&x=tok-admin-xyz", "token=[REDACTED]&x=[REDACTED]"},
	} {
		if got := r.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var nilR *Redactor
	if got := nilR.Redact("sk-live-0123456789"); got != "sk-live-0123456789" {
		t.Errorf("nil redactor changed text: %q", got)
	}
	if got := NewRedactor().Redact("x"); got != "x" {
		t.Errorf("empty redactor changed text: %q", got)
	}
}
