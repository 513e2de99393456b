package translate

import (
	"bytes"
	"testing"
)

// TestAppendTextDeltaMatchesMarshal: the hand-written text and thinking delta events are the
// bytes the generic encoder makes of the same event, for any text.
func TestAppendTextDeltaMatchesMarshal(t *testing.T) {
	texts := []string{"", "tok00 ", `quote " back \ slash`, "nl\n cr\r tab\t bs\b ff\f nul\x00 us\x1f del\x7f",
		"<html> & </script>", "héllo ✓ 😀", "\u2028\u2029", "bad \xff\xfe utf8 \xc3", "a\xe2\x80"}
	for _, text := range texts {
		for _, tc := range []struct {
			typ, field string
			delta      any
		}{
			{"text_delta", "text", textDelta{"text_delta", text}},
			{"thinking_delta", "thinking", thinkingDelta{"thinking_delta", text}},
		} {
			want := sseEvent(nil, "content_block_delta", marshalEvent(deltaEvent{"content_block_delta", 7, tc.delta}))
			got := appendTextDelta(nil, 7, tc.typ, tc.field, text)
			if !bytes.Equal(got, want) {
				t.Errorf("%s %q:\n got %q\nwant %q", tc.typ, text, got, want)
			}
		}
	}
}

func FuzzAppendTextDelta(f *testing.F) {
	f.Add("tok \x00\"\\\xff\u2028")
	f.Fuzz(func(t *testing.T, text string) {
		want := sseEvent(nil, "content_block_delta", marshalEvent(deltaEvent{"content_block_delta", 0, textDelta{"text_delta", text}}))
		if got := appendTextDelta(nil, 0, "text_delta", "text", text); !bytes.Equal(got, want) {
			t.Fatalf("got %q\nwant %q", got, want)
		}
	})
}
