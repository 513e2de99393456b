package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
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
	if len(bytes.TrimSpace(body)) == 0 {
		return errBadRequest.with("request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
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
