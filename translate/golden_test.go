package translate

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Run `go test ./translate/ -run Golden -update` to rewrite the golden files, then review
// the diff: the goldens are the mapping, case by case.
var update = flag.Bool("update", false, "rewrite golden files")

// decodeJSON decodes b into a generic value, numbers kept as json.Number.
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

// indent renders v for a golden file.
func indent(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkGoldenJSON compares got with the golden file structurally (key order and spacing do
// not matter).
func checkGoldenJSON(t *testing.T, path string, got any) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, indent(t, got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	// Round-trip got through JSON so both sides hold the same Go types.
	gotNorm := decodeJSON(t, indent(t, got))
	if !reflect.DeepEqual(gotNorm, decodeJSON(t, want)) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", path, indent(t, got), want)
	}
}

// checkGoldenBytes compares got with the golden file byte for byte.
func checkGoldenBytes(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// inputs lists the fixture files of a testdata folder (not the goldens).
func inputs(t *testing.T, dir, ext string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.Contains(filepath.Base(f), ".golden") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no fixtures in testdata/%s", dir)
	}
	return out
}

func goldenPath(in, suffix string) string {
	return strings.TrimSuffix(in, filepath.Ext(in)) + suffix
}

func TestGoldenRequests(t *testing.T) {
	type translator func([]byte, string) ([]byte, Options, error)
	for _, tc := range []struct {
		dir string
		fn  translator
	}{
		{"request_a2o", AnthropicToOpenAIRequest},
		{"request_o2a", OpenAIToAnthropicRequest},
	} {
		for _, in := range inputs(t, tc.dir, ".json") {
			t.Run(in, func(t *testing.T) {
				body, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				out, o, err := tc.fn(body, "upstream-model")
				if err != nil {
					t.Fatalf("translate: %v", err)
				}
				got := map[string]any{"body": decodeJSON(t, out), "options": o}
				checkGoldenJSON(t, goldenPath(in, ".golden.json"), got)
			})
		}
	}
}

func TestGoldenResponses(t *testing.T) {
	type translator func([]byte, Options) ([]byte, error)
	for _, tc := range []struct {
		dir string
		fn  translator
	}{
		{"response_a2o", AnthropicToOpenAIResponse},
		{"response_o2a", OpenAIToAnthropicResponse},
	} {
		for _, in := range inputs(t, tc.dir, ".json") {
			t.Run(in, func(t *testing.T) {
				body, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				out, err := tc.fn(body, Options{Model: "client-model"})
				if err != nil {
					t.Fatalf("translate: %v", err)
				}
				got := decodeJSON(t, out)
				if m, ok := got.(map[string]any); ok && m["created"] != nil {
					m["created"] = 0 // the clock's value
				}
				checkGoldenJSON(t, goldenPath(in, ".golden.json"), got)
			})
		}
	}
}

// newStream builds a stream translator with a fixed clock and ids, so outputs are stable.
func newStream(dir string, o Options) Stream {
	fixedID := func(prefix string) string { return prefix + "generated" }
	if dir == "stream_a2o" {
		s := NewAnthropicToOpenAIStream(o).(*anthropicToOpenAI)
		s.created, s.genID = 1700000000, fixedID
		return s
	}
	s := NewOpenAIToAnthropicStream(o).(*openAIToAnthropic)
	s.genID = fixedID
	return s
}

// runStream feeds pieces to a new translator and returns the client bytes, with End's error
// (if any) appended as a comment line for the golden file.
func runStream(dir string, o Options, pieces [][]byte) []byte {
	s := newStream(dir, o)
	var out []byte
	for _, p := range pieces {
		b, err := s.Translate(p)
		out = append(out, b...)
		if err != nil {
			return append(out, "# translate error: "+err.Error()+"\n"...)
		}
	}
	b, err := s.End()
	out = append(out, b...)
	if err != nil {
		out = append(out, "# end error: "+err.Error()+"\n"...)
	}
	return out
}

func TestGoldenStreams(t *testing.T) {
	for _, dir := range []string{"stream_a2o", "stream_o2a"} {
		for _, in := range inputs(t, dir, ".sse") {
			for _, usage := range []bool{true, false} {
				suffix := ".golden.sse"
				if !usage {
					if dir == "stream_o2a" {
						continue // include_usage only shapes OpenAI output
					}
					suffix = ".nousage.golden.sse"
				}
				t.Run(in+suffix, func(t *testing.T) {
					body, err := os.ReadFile(in)
					if err != nil {
						t.Fatal(err)
					}
					o := Options{Model: "client-model", Stream: true, IncludeUsage: usage}
					got := runStream(dir, o, [][]byte{body})
					checkGoldenBytes(t, goldenPath(in, suffix), got)
				})
			}
		}
	}
}
