package api

import (
	"fmt"
	"net/http"
	"testing"
)

// TestStrictDecoding: admin bodies are matched exactly as the contract
// spells them. A differently-cased field is unknown, a key sent twice is
// refused wherever it is, and a value that its field's own decoder refuses
// (a timestamp) names the field. Nothing is written by any of them.
func TestStrictDecoding(t *testing.T) {
	s, alpha, _ := seedBad(t)
	idPath := fmt.Sprintf("/admin/v1/providers/%d", alpha.ID)
	const ok = `"key":"newp","type":"openai","base_url":"https://example.com/v1"`
	bad := func(name, method, path, body string, code, field, inMsg string) badCase {
		return badCase{name: name, method: method, path: path, body: body, status: http.StatusBadRequest,
			code: code, field: field, inMsg: inMsg}
	}
	runBadCases(t, s, []badCase{
		// Case: encoding/json would fill "key" from "Key".
		bad("top-level field in another case", "POST", "/admin/v1/providers",
			`{"Key":"newp","type":"openai","base_url":"https://example.com/v1"}`, "unknown_field", "Key", `"key"`),
		bad("upper-case field on PATCH", "PATCH", idPath, `{"NAME":"x"}`, "unknown_field", "NAME", `"name"`),
		bad("nested field in another case", "POST", "/admin/v1/providers",
			`{`+ok+`,"models":[{"alias":"a","upstream":"u"},{"Alias":"b","upstream":"u"}]}`, "unknown_field", "models[1].Alias", `"alias"`),
		bad("settings field in another case", "PUT", "/admin/v1/settings", `{"Proxy_Keys":["k1"]}`, "unknown_field", "Proxy_Keys", `"proxy_keys"`),
		bad("import field in another case", "POST", "/admin/v1/import", `{"version":1,"Providers":[]}`, "unknown_field", "Providers", `"providers"`),
		// Duplicates: encoding/json would keep the last one.
		bad("duplicate top-level key", "POST", "/admin/v1/providers",
			`{`+ok+`,"key":"other"}`, "duplicate_field", "key", "more than once"),
		bad("duplicate in a model", "POST", "/admin/v1/providers",
			`{`+ok+`,"models":[{"alias":"a","upstream":"u","alias":"b"}]}`, "duplicate_field", "models[0].alias", "more than once"),
		bad("duplicate header", "PATCH", idPath,
			`{"headers":{"X-A":"1","X-A":"2"}}`, "duplicate_field", "headers.X-A", "more than once"),
		bad("duplicate setting", "PUT", "/admin/v1/settings",
			`{"proxy_keys":[],"proxy_keys":["k1"]}`, "duplicate_field", "proxy_keys", "more than once"),
		bad("duplicate deep in an import", "POST", "/admin/v1/import",
			`{"version":1,"providers":[{`+ok+`,"models":[{"alias":"a","upstream":"u","upstream":"v"}]}]}`, "duplicate_field", "providers[0].models[0].upstream", "more than once"),
		bad("duplicate check option", "POST", idPath+"/health", `{"timeout_secs":5,"timeout_secs":6}`, "duplicate_field", "timeout_secs", "more than once"),
		// Timestamps and other type errors name the field.
		bad("bad timestamp", "POST", "/admin/v1/import", `{"version":1,"exported_at":"yesterday","providers":[]}`, "invalid_field", "exported_at", "RFC 3339"),
		bad("timestamp as number", "POST", "/admin/v1/import", `{"version":1,"exported_at":12,"providers":[]}`, "invalid_field", "exported_at", "RFC 3339"),
		bad("version as string", "POST", "/admin/v1/import", `{"version":"1","providers":[]}`, "invalid_field", "version", "whole number"),
		bad("nested type error", "POST", "/admin/v1/import",
			`{"version":1,"providers":[{`+ok+`,"enabled":"yes"}]}`, "invalid_field", "providers[0].enabled", "true or false"),
	})
}
