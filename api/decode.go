package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Body limits: admin documents are small; an import carries the whole
// configuration.
const (
	maxAdminBody  = 1 << 20
	maxImportBody = 16 << 20
)

// decodeJSON reads one JSON object from r's body into dst, refusing
// unknown fields, trailing data and bodies over limit. Its errors are
// *apiError values that name the field when there is one.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{HTTPStatus: http.StatusRequestEntityTooLarge, Code: "request_too_large",
				Message: fmt.Sprintf("request body is larger than %d bytes", limit)}
		}
		return errBadRequest.with("could not read the request body: " + err.Error())
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errBadRequest.with("request body is empty; send a JSON object")
	}
	// Every admin body is an object. A bare null would decode into the
	// zero value, which for an import means "no providers": refuse it.
	if trimmed[0] != '{' {
		return errBadRequest.with("request body must be a JSON object ({...})")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return locateError(jsonError(err), body, reflect.TypeOf(dst))
	}
	if dec.More() {
		return errBadRequest.with("request body has data after the JSON object; send exactly one object")
	}
	return nil
}

// jsonError turns a decoding error into a message a person can act on.
func jsonError(err error) *apiError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errBadRequest.with(fmt.Sprintf("request body is not valid JSON (at byte %d): %v", syn.Offset, syn))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errBadRequest.with(fmt.Sprintf("request body must be a JSON object, not %s", typ.Value))
		}
		return &apiError{HTTPStatus: http.StatusBadRequest, Code: "invalid_field", Field: typ.Field,
			Message: fmt.Sprintf("%s: must be %s, got %s", typ.Field, jsonKind(typ.Type), typ.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errBadRequest.with("request body is not valid JSON: it ends too early")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &apiError{HTTPStatus: http.StatusBadRequest, Code: "unknown_field", Field: name,
			Message: fmt.Sprintf("unknown field %q; check its spelling against GET /admin/v1/openapi.json", name)}
	}
	return errBadRequest.with("request body is not valid JSON: " + err.Error())
}

// jsonKind names a Go type the way a JSON user thinks of it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a string"
}

// locateError replaces the field of an unknown-field or type error with
// its full path in the document, such as models[1].upstrem or
// providers[2].connect_timeout_secs: encoding/json names only the last key
// of an unknown field and drops array indexes from a type error's path.
func locateError(e *apiError, body []byte, t reflect.Type) *apiError {
	if e.Field == "" {
		return e
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return e
	}
	path, want, got, found := locate(doc, t, "", e.Code == "unknown_field")
	if !found {
		return e
	}
	c := *e
	c.Field = path
	if e.Code == "unknown_field" {
		c.Message = fmt.Sprintf("unknown field %q; check its spelling against GET /admin/v1/openapi.json", path)
	} else {
		c.Message = fmt.Sprintf("%s: must be %s, got %s", path, want, got)
	}
	return &c
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// locate walks v (decoded with UseNumber) along the Go type t that it is
// meant to fill and returns the path of the first key t does not have
// (unknown) or of the first value of the wrong JSON kind (!unknown),
// visiting object keys in sorted order so the answer is deterministic.
func locate(v any, t reflect.Type, path string, unknown bool) (at, want, got string, found bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil || reflect.PointerTo(t).Implements(unmarshalerType) {
		return "", "", "", false // null fits anything; custom decoders judge themselves
	}
	mismatch := func(kind string) (string, string, string, bool) {
		if unknown {
			return "", "", "", false
		}
		return path, jsonKind(t), kind, true
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return mismatch(kindOf(v))
		}
		for _, k := range sortedKeys(obj) {
			f, ok := fieldByJSONName(t, k)
			if !ok {
				if unknown {
					return join(path, k), "", "", true
				}
				continue
			}
			if at, w, g, ok := locate(obj[k], f.Type, join(path, k), unknown); ok {
				return at, w, g, true
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return mismatch(kindOf(v))
		}
		for _, k := range sortedKeys(obj) {
			if at, w, g, ok := locate(obj[k], t.Elem(), join(path, k), unknown); ok {
				return at, w, g, true
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return mismatch(kindOf(v))
		}
		for i, x := range arr {
			if at, w, g, ok := locate(x, t.Elem(), fmt.Sprintf("%s[%d]", path, i), unknown); ok {
				return at, w, g, true
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return mismatch(kindOf(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return mismatch(kindOf(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return mismatch(kindOf(v))
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return mismatch("number " + string(n))
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			return mismatch(kindOf(v))
		}
	}
	return "", "", "", false
}

// fieldByJSONName finds the struct field that encoding/json would fill
// from key name: an exact tag match first, then a case-insensitive one.
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	var fold *reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			// encoding/json promotes an embedded struct's fields.
			if ef, ok := fieldByJSONName(f.Type, name); ok {
				return ef, true
			}
			continue
		}
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f, true
		}
		if fold == nil && strings.EqualFold(tag, name) {
			fold = &f
		}
	}
	if fold != nil {
		return *fold, true
	}
	return reflect.StructField{}, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// kindOf names the JSON kind of a value decoded with UseNumber.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}
