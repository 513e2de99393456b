package translate

import (
	"fmt"

	gojson "github.com/goccy/go-json"
)

// The stream translators decode one upstream event and encode one client event per chunk.
// With encoding/json that was most of a translated stream's cost: its decoder validates each
// event in a first pass and then decodes it by reflection in a second. goccy/go-json is a
// drop-in implementation of the same API and struct tags, about 4× faster on these events
// (BenchmarkStreamTextDelta), so the per-chunk path uses it, as do the request translations'
// decoding of the body and its fields (decodeField) and every encoding (marshal). The small
// helpers that try a string first (and the error-body reader) stay on encoding/json.

// decodeEvent unmarshals one upstream SSE event's data into v.
func decodeEvent(data []byte, v any) error { return gojson.Unmarshal(data, v) }

// marshalEvent encodes one client event without HTML escaping ("<", ">" and "&" stay as the
// model wrote them), like marshal.
func marshalEvent(v any) []byte {
	b, err := gojson.MarshalWithOption(v, gojson.DisableHTMLEscape())
	if err != nil {
		// Only unsupported Go values fail, and every event here is built from plain types.
		panic(fmt.Sprintf("translate: marshal %T: %v", v, err))
	}
	return b
}
