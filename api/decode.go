package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Body limits: admin documents are small; an import carries the whole
// configuration.
const (
	maxAdminBody  = 1 << 20
	maxImportBody = 16 << 20
)

// decodeJSON reads one JSON object from r's body into dst, refusing
// unknown fields (names are matched exactly, case included), duplicate
// keys at any depth, trailing data and bodies over limit. Its errors are
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
	// The syntax and the single object come first, so a malformed body
	// gets the parser's message with its offset.
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errBadRequest.with("request body has data after the JSON object; send exactly one object")
	}
	// encoding/json matches field names case-insensitively, lets the last
	// of two equal keys win and drops the field from a custom decoder's
	// error. So the document is walked against dst's type first, which
	// finds those faults with the full path of the field; the decode that
	// follows only fills dst.
	if e := checkDocument(raw, reflect.TypeOf(dst)); e != nil {
		return e
	}
	fill := json.NewDecoder(bytes.NewReader(raw))
	fill.DisallowUnknownFields()
	if err := fill.Decode(dst); err != nil {
		return jsonError(err)
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
		return fieldTypeError(typ.Field, jsonKind(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errBadRequest.with("request body is not valid JSON: it ends too early")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return unknownField(strings.Trim(name, `"`), "")
	}
	return errBadRequest.with("request body is not valid JSON: " + err.Error())
}

func fieldTypeError(path, want, got string) *apiError {
	return &apiError{HTTPStatus: http.StatusBadRequest, Code: "invalid_field", Field: path,
		Message: fmt.Sprintf("%s: must be %s, got %s", path, want, got)}
}

// unknownField is the error for a key the target type does not have;
// near, when set, is the field it differs from only in case.
func unknownField(path, near string) *apiError {
	msg := fmt.Sprintf("unknown field %q; check its spelling against GET /admin/v1/openapi.json", path)
	if near != "" {
		msg = fmt.Sprintf("unknown field %q; field names are case-sensitive: did you mean %q?", path, near)
	}
	return &apiError{HTTPStatus: http.StatusBadRequest, Code: "unknown_field", Field: path, Message: msg}
}

// jsonKind names a Go type the way a JSON user thinks of it.
func jsonKind(t reflect.Type) string {
	if t == timeType {
		return "an RFC 3339 timestamp such as 2025-01-02T15:04:05Z"
	}
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

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType            = reflect.TypeFor[time.Time]()
)

// errStopWalk ends a walk whose document is not valid JSON: the real
// decode reports the syntax error with its offset.
var errStopWalk = errors.New("stop walk")

// checkDocument walks body, which must fill a value of type t, and
// returns the first fault in document order: a duplicate key, an unknown
// (or differently-cased) field, or a value of the wrong kind or format,
// each with the field's full path such as models[1].upstrem. It returns
// nil for a document without such faults, and for invalid JSON.
func checkDocument(body []byte, t reflect.Type) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := walker{dec: dec}
	if err := w.value(t, ""); err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return ae
		}
	}
	return nil
}

// walker reads a JSON document token by token alongside the Go type it
// is meant to fill.
type walker struct{ dec *json.Decoder }

// value checks the next value in the stream against t; a nil t accepts
// any value (an interface field) but still refuses duplicate keys.
func (w walker) value(t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Kind() == reflect.Interface {
		t = nil
	}
	if t != nil && (reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType)) {
		return w.custom(t, path)
	}
	tok, err := w.dec.Token()
	if err != nil {
		return errStopWalk
	}
	mismatch := func(got string) error {
		if t == nil {
			return nil
		}
		return fieldTypeError(path, jsonKind(t), got)
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return w.array(t, path, mismatch)
		}
		return w.object(t, path, mismatch)
	case nil:
		return nil // null leaves any field as it is
	case string:
		if t != nil && t.Kind() != reflect.String {
			return mismatch("string")
		}
	case bool:
		if t != nil && t.Kind() != reflect.Bool {
			return mismatch("bool")
		}
	case json.Number:
		if t == nil {
			return nil
		}
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if _, err := strconv.ParseInt(string(v), 10, t.Bits()); err != nil {
				return mismatch("number " + string(v))
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if _, err := strconv.ParseUint(string(v), 10, t.Bits()); err != nil {
				return mismatch("number " + string(v))
			}
		case reflect.Float32, reflect.Float64:
		default:
			return mismatch("number")
		}
	}
	return nil
}

// object checks an object whose '{' has been read.
func (w walker) object(t reflect.Type, path string, mismatch func(string) error) error {
	if t != nil && t.Kind() != reflect.Struct && t.Kind() != reflect.Map {
		return mismatch("object")
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return errStopWalk
		}
		key, _ := tok.(string)
		at := join(path, key)
		if seen[key] {
			return &apiError{HTTPStatus: http.StatusBadRequest, Code: "duplicate_field", Field: at,
				Message: fmt.Sprintf("field %q appears more than once; send each field once", at)}
		}
		seen[key] = true
		var elem reflect.Type
		switch {
		case t == nil:
		case t.Kind() == reflect.Map:
			elem = t.Elem()
		default:
			f, near, ok := fieldByJSONName(t, key)
			if !ok {
				return unknownField(at, near)
			}
			elem = f.Type
		}
		if err := w.value(elem, at); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil { // the closing '}'
		return errStopWalk
	}
	return nil
}

// array checks an array whose '[' has been read.
func (w walker) array(t reflect.Type, path string, mismatch func(string) error) error {
	if t != nil && t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
		return mismatch("array")
	}
	var elem reflect.Type
	if t != nil {
		elem = t.Elem()
	}
	for i := 0; w.dec.More(); i++ {
		if err := w.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil { // the closing ']'
		return errStopWalk
	}
	return nil
}

// custom checks a value of a type with its own decoder (time.Time) by
// running that decoder, so its failure names the field. The decoder's
// own message is left out: it may quote the value.
func (w walker) custom(t reflect.Type, path string) error {
	var raw json.RawMessage
	if err := w.dec.Decode(&raw); err != nil {
		return errStopWalk
	}
	if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
		return fieldTypeError(path, jsonKind(t), kindOfRaw(raw))
	}
	return nil
}

// kindOfRaw names the JSON kind of a raw value, and quotes a short string
// so a malformed timestamp can be seen (timestamps are not secrets).
func kindOfRaw(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		if len(raw) <= 40 {
			return "string " + string(raw)
		}
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// fieldByJSONName finds the struct field that key name fills, matched
// exactly as the API contract spells it. When there is none, near is the
// field name that differs only in case, if any.
func fieldByJSONName(t reflect.Type, name string) (f reflect.StructField, near string, ok bool) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
			// encoding/json promotes an embedded struct's fields.
			ef, n, ok := fieldByJSONName(sf.Type, name)
			if ok {
				return ef, "", true
			}
			if near == "" {
				near = n
			}
			continue
		}
		if tag == "-" || !sf.IsExported() {
			continue
		}
		if tag == "" {
			tag = sf.Name
		}
		if tag == name {
			return sf, "", true
		}
		if near == "" && strings.EqualFold(tag, name) {
			near = tag
		}
	}
	return reflect.StructField{}, near, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
