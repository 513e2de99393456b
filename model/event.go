package model

import "time"

// Event types published to the live hub and the WebSocket (API.md §3).
const (
	EventHello           = "hello"
	EventRequestStarted  = "request.started"
	EventRequestProgress = "request.progress"
	EventRequestFinished = "request.finished"
	EventHealthStarted   = "health.started"
	EventHealthModel     = "health.model"
	EventHealthFinished  = "health.finished"
	EventProviderChanged = "provider.changed"
	EventDropped         = "dropped"
	EventLog             = "log"
	// EventLogsCleared: the request log was cleared (DELETE
	// /admin/v1/logs); dashboards drop the rows they show.
	EventLogsCleared = "logs.cleared"
)

// Event is one message on the live stream: {"type","ts","data"}.
type Event struct {
	Type string    `json:"type"`
	TS   time.Time `json:"ts"`
	Data any       `json:"data"`
}

// Error sources recorded in the request log and sent as
// X-Sluicegate-Error-Source.
const (
	ErrorSourceUpstream = "upstream"
	ErrorSourceProxy    = "proxy"
)

// StatusClientClosed is logged when the client goes away before the
// response finished (nginx's 499 convention). It is never sent on the wire.
const StatusClientClosed = 499

// RequestStarted is the data of a request.started event.
type RequestStarted struct {
	ID          string `json:"id"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Model       string `json:"model"`
	ProviderKey string `json:"provider_key"`
	Stream      bool   `json:"stream"`
}

// RequestProgress is the data of a request.progress event.
type RequestProgress struct {
	ID     string `json:"id"`
	TTFBMs int64  `json:"ttfb_ms"`
}

// Usage is the token accounting an upstream response reported.
type Usage struct {
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
}

// LogEntry is one finished proxied request: the request.finished event's
// data and a row of the request log. ID equals X-Sluicegate-Request-Id.
type LogEntry struct {
	ID            string    `json:"id"`
	StartedAt     time.Time `json:"started_at"`
	Method        string    `json:"method"`
	Path          string    `json:"path"`
	Model         string    `json:"model"`
	ProviderKey   string    `json:"provider_key"`
	UpstreamModel string    `json:"upstream_model"`
	Stream        bool      `json:"stream"`
	Status        int       `json:"status"`
	ErrorSource   *string   `json:"error_source"`
	ErrorType     string    `json:"error_type"`
	ErrorMessage  string    `json:"error_message"`
	LatencyMs     int64     `json:"latency_ms"`
	TTFBMs        int64     `json:"ttfb_ms"`
	BytesIn       int64     `json:"bytes_in"`
	BytesOut      int64     `json:"bytes_out"`
	Usage         *Usage    `json:"usage"`
	// Capture holds the redacted headers and bodies the proxy captured. It
	// is stored with the entry but never sent on the live stream.
	Capture *LogCapture `json:"-"`
}

// ProviderChanged is the data of a provider.changed event.
type ProviderChanged struct {
	ID     int64  `json:"id"`
	Action string `json:"action"` // "created", "updated" or "deleted"
}
