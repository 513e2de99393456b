package proxy

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// dialect is the API shape the client speaks, decided by the path.
type dialect uint8

const (
	dialectOpenAI dialect = iota
	dialectAnthropic
)

// Header names the proxy adds to responses.
const (
	HeaderRequestID   = "X-Sluicegate-Request-Id"
	HeaderProvider    = "X-Sluicegate-Provider"
	HeaderErrorSource = "X-Sluicegate-Error-Source"
)

// proxyError is one row of API.md's "Errors the proxy itself makes" table.
type proxyError struct {
	status        int
	openaiType    string // error.type
	code          string // OpenAI error.code, also the log's error_type
	anthropicType string // error.type in Anthropic's shape
}

var (
	errInvalidRequest = proxyError{http.StatusBadRequest, "invalid_request_error", "invalid_request", "invalid_request_error"}
	errModelNotFound  = proxyError{http.StatusNotFound, "invalid_request_error", "model_not_found", "not_found_error"}
	errUnknownURL     = proxyError{http.StatusNotFound, "invalid_request_error", "unknown_url", "not_found_error"}
	errInvalidKey     = proxyError{http.StatusUnauthorized, "authentication_error", "invalid_api_key", "authentication_error"}
	errTooLarge       = proxyError{http.StatusRequestEntityTooLarge, "invalid_request_error", "request_too_large", "request_too_large"}
	errConnect        = proxyError{http.StatusBadGateway, "api_error", ErrTypeConnect, "api_error"}
	errTimeout        = proxyError{http.StatusGatewayTimeout, "api_error", ErrTypeTimeout, "api_error"}
	errOverloaded     = proxyError{http.StatusServiceUnavailable, "api_error", "overloaded", "overloaded_error"}
	errBodyTimeout    = proxyError{http.StatusRequestTimeout, "invalid_request_error", "request_timeout", "invalid_request_error"}
)

type openAIErrorBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    string  `json:"code"`
	} `json:"error"`
}

type anthropicErrorBody struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// errorJSON renders e with msg in the client's dialect.
func errorJSON(d dialect, e proxyError, msg string) []byte {
	return errorJSONParam(d, e, msg, "")
}

// errorJSONParam is errorJSON with the OpenAI error.param set to the
// request field at fault (when not "").
func errorJSONParam(d dialect, e proxyError, msg, param string) []byte {
	var b []byte
	if d == dialectAnthropic {
		var body anthropicErrorBody
		body.Type = "error"
		body.Error.Type, body.Error.Message = e.anthropicType, msg
		b, _ = json.Marshal(body)
	} else {
		var body openAIErrorBody
		body.Error.Message, body.Error.Type, body.Error.Code = msg, e.openaiType, e.code
		if param != "" {
			body.Error.Param = &param
		}
		b, _ = json.Marshal(body)
	}
	return b
}

// streamErrorEvent is the one SSE event written before aborting a stream
// that failed mid-way, in the client's dialect, so that every SDK raises
// an error instead of seeing a clean end.
func streamErrorEvent(d dialect, errType, msg string) []byte {
	e := proxyError{openaiType: "api_error", code: errType, anthropicType: "api_error"}
	b := errorJSON(d, e, msg)
	out := make([]byte, 0, len(b)+32)
	if d == dialectAnthropic {
		out = append(out, "event: error\n"...)
	}
	out = append(out, "data: "...)
	out = append(out, b...)
	return append(out, "\n\n"...)
}

// writeError sends a proxy-made error response.
func writeError(w http.ResponseWriter, d dialect, e proxyError, msg string) {
	writeErrorParam(w, d, e, msg, "")
}

// writeErrorParam is writeError naming the request field at fault.
func writeErrorParam(w http.ResponseWriter, d dialect, e proxyError, msg, param string) {
	b := errorJSONParam(d, e, msg, param)
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	h[HeaderErrorSource] = []string{"proxy"}
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}
