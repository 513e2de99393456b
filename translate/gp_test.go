package translate
import ("testing"; gojson "github.com/goccy/go-json")
func FuzzGoccy(f *testing.F) {
	f.Add([]byte(`{"choices":[{"index":0,"delta":{"content":"x"}}]}`))
	f.Add([]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}`))
	f.Fuzz(func(t *testing.T, d []byte) {
		var c oaChunk; _ = gojson.Unmarshal(d, &c)
		var e anEvent; _ = gojson.Unmarshal(d, &e)
	})
}
