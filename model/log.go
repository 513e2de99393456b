package model

// LogCapture is what the proxy captured of one request for the request
// log's detail view: headers with secrets already redacted, and bodies up
// to the capture limit (API.md §3 "Request logs").
type LogCapture struct {
	RequestHeaders        map[string][]string `json:"request_headers"`
	ResponseHeaders       map[string][]string `json:"response_headers"`
	RequestBody           string              `json:"request_body"`
	ResponseBody          string              `json:"response_body"`
	RequestBodyTruncated  bool                `json:"request_body_truncated"`
	ResponseBodyTruncated bool                `json:"response_body_truncated"`
}

// LogDetail is one request-log entry with its capture, the answer of
// GET /admin/v1/logs/{id}. Both parts are flattened into one JSON object.
type LogDetail struct {
	LogEntry
	LogCapture
}

// Status classes accepted by LogFilter.StatusClass and used as the keys of
// Stats.ByStatus. A client that went away (499) is its own class, not 4xx.
const (
	StatusClass2xx = "2xx"
	StatusClass4xx = "4xx"
	StatusClass5xx = "5xx"
	StatusClass499 = "499"
)

// LogFilter selects request-log entries, newest first.
type LogFilter struct {
	// Limit is the page size: 0 means 100, more than 1000 means 1000.
	Limit int
	// Before is an entry ID: only entries older than it are returned.
	Before string
	// Errors keeps only failed requests (see LogEntry.IsError).
	Errors bool
	// Provider and Model match provider_key and model exactly when set.
	Provider string
	Model    string
	// ClientRequestID matches client_request_id exactly when set: the
	// attempts of one request.
	ClientRequestID string
	// Status matches the status exactly when not 0.
	Status int
	// StatusClass is "", "2xx", "4xx" (without 499), "5xx" or "499".
	StatusClass string
	// Text is a case-insensitive substring of path, model or error message.
	Text string
}

// IsError reports whether the entry counts as a failed request in the
// errors filter and the statistics: an error status (4xx, 5xx, 499), or an
// error source set on a response that had already started (a stream that
// broke after its 200 header).
func (e LogEntry) IsError() bool {
	return e.Status >= 400 || e.ErrorSource != nil
}

// Stats is the usage summary of GET /admin/v1/stats, computed from the
// request log over a window.
type Stats struct {
	Window   string `json:"window"`
	Requests int64  `json:"requests"`
	Errors   int64  `json:"errors"`
	// ByStatus counts requests by class: "2xx", "4xx", "5xx" and "499" are
	// always present; other classes ("1xx", "3xx") only when seen.
	ByStatus   map[string]int64 `json:"by_status"`
	ByProvider []ProviderStats  `json:"by_provider"`
	ByModel    []ModelStats     `json:"by_model"`
}

// StatsFigures are the figures of one group of requests. Percentiles are
// nearest-rank; TTFB counts only requests that received a first byte.
type StatsFigures struct {
	Requests         int64 `json:"requests"`
	Errors           int64 `json:"errors"`
	LatencyP50Ms     int64 `json:"latency_p50_ms"`
	LatencyP95Ms     int64 `json:"latency_p95_ms"`
	TTFBP50Ms        int64 `json:"ttfb_p50_ms"`
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
}

// ProviderStats are the figures of one provider.
type ProviderStats struct {
	ProviderKey string `json:"provider_key"`
	StatsFigures
}

// ModelStats are the figures of one model alias.
type ModelStats struct {
	Model string `json:"model"`
	StatsFigures
}
