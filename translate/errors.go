package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxRawMessage bounds the message taken from a non-JSON upstream error body.
const maxRawMessage = 2 << 10

// anthropicErrorTypes are the error types the Anthropic SDKs know.
var anthropicErrorTypes = map[string]bool{
	"invalid_request_error": true, "authentication_error": true, "billing_error": true,
	"permission_error": true, "not_found_error": true, "request_too_large": true,
	"rate_limit_error": true, "timeout_error": true, "api_error": true, "overloaded_error": true,
}

// anthropicTypeForStatus is the Anthropic error type the API uses for status.
func anthropicTypeForStatus(status int) string {
	switch status {
	case 400:
		return "invalid_request_error"
	case 401:
		return "authentication_error"
	case 402:
		return "billing_error"
	case 403:
		return "permission_error"
	case 404:
		return "not_found_error"
	case 408, 504:
		return "timeout_error"
	case 413:
		return "request_too_large"
	case 429:
		return "rate_limit_error"
	case 529:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

// openAITypeForStatus is the OpenAI error type for a status when the provider named none the
// client knows.
func openAITypeForStatus(status int) string {
	switch status {
	case 401:
		return "authentication_error"
	case 403:
		return "permission_error"
	case 404:
		return "not_found_error"
	case 429:
		return "rate_limit_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

// providerError is what an upstream error body said.
type providerError struct {
	message, typ, code string
}

// rawMessage turns a body that is not a JSON error into a message: trimmed, at most 2 KiB,
// cut on a rune boundary.
func rawMessage(status int, body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return fmt.Sprintf("upstream returned HTTP %d with an empty body", status)
	}
	if len(b) > maxRawMessage {
		// Cut before a rune the limit would split (at most 3 bytes back); invalid bytes
		// elsewhere are replaced below.
		cut := maxRawMessage
		for i := cut; i > cut-utf8.UTFMax && i > 0; i-- {
			if utf8.RuneStart(b[i]) {
				cut = i
				break
			}
		}
		b = b[:cut]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// scalarString renders a JSON string or number ("code": 429 or "code": "rate_limit").
func scalarString(raw json.RawMessage) string {
	if isNull(raw) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// parseProviderError reads the error shapes providers use: OpenAI {"error":{...}}, Anthropic
// {"type":"error","error":{...}}, Ollama {"error":"text"}, vLLM/FastAPI {"message"...} or
// {"detail":...}.
func parseProviderError(status int, body []byte) providerError {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return providerError{message: rawMessage(status, body)}
	}
	obj := top
	if e, ok := top["error"]; ok {
		var s string
		if json.Unmarshal(e, &s) == nil {
			return providerError{message: s}
		}
		var inner map[string]json.RawMessage
		if json.Unmarshal(e, &inner) == nil {
			obj = inner
		}
	}
	pe := providerError{
		message: scalarString(obj["message"]),
		typ:     scalarString(obj["type"]),
		code:    scalarString(obj["code"]),
	}
	if pe.typ == "error" { // the envelope's type, not the error's
		pe.typ = ""
	}
	if pe.code == strconv.Itoa(status) { // OpenRouter and vLLM repeat the status as code
		pe.code = ""
	}
	if pe.message == "" {
		if d, ok := top["detail"]; ok {
			if pe.message = scalarString(d); pe.message == "" {
				pe.message = string(compactJSON(d))
			}
		}
	}
	if pe.message == "" {
		pe.message = rawMessage(status, body)
	}
	return pe
}

// withProviderType appends the provider's type (and code) the client's SDK would not know.
func withProviderType(msg string, pe providerError, keptType bool) string {
	var notes []string
	if !keptType && pe.typ != "" {
		notes = append(notes, "provider type: "+pe.typ)
	}
	if pe.code != "" && pe.code != pe.typ {
		notes = append(notes, "provider code: "+pe.code)
	}
	if len(notes) == 0 {
		return msg
	}
	return msg + " (" + strings.Join(notes, ", ") + ")"
}

// OpenAIErrorToAnthropic converts an upstream error body (any status >= 400) from an
// OpenAI-type provider into an Anthropic error body. It always returns valid JSON: the
// provider's message verbatim, its type kept as the Anthropic type when the Anthropic SDKs know
// it, else derived from the status with the provider's type (and code) noted in the message.
func OpenAIErrorToAnthropic(status int, body []byte) []byte {
	pe := parseProviderError(status, body)
	typ, kept := pe.typ, anthropicErrorTypes[pe.typ]
	if !kept {
		typ = anthropicTypeForStatus(status)
	}
	var out anthropicError
	out.Type = "error"
	out.Error.Type, out.Error.Message = typ, withProviderType(pe.message, pe, kept)
	return marshal(out)
}

// AnthropicErrorToOpenAI converts an upstream error body (any status >= 400) from an
// Anthropic-type provider into an OpenAI error body. It always returns valid JSON. Anthropic's
// error types are kept in error.type (the OpenAI SDKs treat it as an opaque string, and the
// vocabulary is shared); a body without one gets a type derived from the status.
func AnthropicErrorToOpenAI(status int, body []byte) []byte {
	pe := parseProviderError(status, body)
	typ, kept := pe.typ, pe.typ != ""
	if !kept {
		typ = openAITypeForStatus(status)
	}
	var out openAIError
	out.Error.Message, out.Error.Type = withProviderType(pe.message, pe, kept), typ
	return marshal(out)
}

type anthropicError struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

type openAIError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// AnthropicErrorEvent returns one Anthropic SSE error event:
// "event: error\ndata: {"type":"error","error":{"type":errType,"message":msg}}\n\n".
func AnthropicErrorEvent(errType, msg string) []byte {
	var e anthropicError
	e.Type = "error"
	e.Error.Type, e.Error.Message = errType, msg
	return sseEvent(nil, "error", marshal(e))
}

// OpenAIErrorEvent returns one OpenAI SSE error event:
// "data: {"error":{"message":msg,"type":errType,"param":null,"code":null}}\n\n".
func OpenAIErrorEvent(errType, msg string) []byte {
	var e openAIError
	e.Error.Message, e.Error.Type = msg, errType
	return sseEvent(nil, "", marshal(e))
}

// sseEvent appends one SSE event (with an event: line when name is set) to dst.
func sseEvent(dst []byte, name string, data []byte) []byte {
	if name != "" {
		dst = append(dst, "event: "...)
		dst = append(dst, name...)
		dst = append(dst, '\n')
	}
	dst = append(dst, "data: "...)
	dst = append(dst, data...)
	return append(dst, "\n\n"...)
}
