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
	// EventCircuitChanged: a route group member's circuit state changed
	// (model.CircuitState).
	EventCircuitChanged = "circuit.changed"
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

// LogEntry is one finished proxied request, or one attempt of a request
// that a route group passed on to its next member: the request.finished
// event's data and a row of the request log. The row of the attempt whose
// response reached the client has the ID the client got as
// X-Sluicegate-Request-Id; the attempts before it have IDs of their own
// and all share ClientRequestID.
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
	// ClientRequestID is the X-Sluicegate-Request-Id the client got; it
	// links the attempts of one request. Equal to ID for a request that
	// was tried once.
	ClientRequestID string `json:"client_request_id"`
	// Attempt is this row's place (1-based) among the tries of the
	// request, of Attempts: the members of its route group (1 for a
	// route that is no group).
	Attempt  int `json:"attempt"`
	Attempts int `json:"attempts"`
	// Capture holds the redacted headers and bodies the proxy captured. It
	// is stored with the entry but never sent on the live stream.
	Capture *LogCapture `json:"-"`
}

// ProviderChanged is the data of a provider.changed event.
type ProviderChanged struct {
	ID     int64  `json:"id"`
	Action string `json:"action"` // "created", "updated" or "deleted"
}

// Circuit states of a route group member (a provider).
const (
	// CircuitClosed: the member is tried in its priority order.
	CircuitClosed = "closed"
	// CircuitOpen: the member failed recently (a failed health check,
	// failures in a row, or a Retry-After); it is tried after every other
	// member until Until.
	CircuitOpen = "open"
	// CircuitHalfOpen: the cool-down has passed; the member is back in its
	// order, and its next failure opens the circuit again at once, its next
	// success closes it.
	CircuitHalfOpen = "half_open"
)

// CircuitState is the circuit of one provider as route groups see it: the
// data of a circuit.changed event and an entry of GET /admin/v1/routes.
type CircuitState struct {
	ProviderKey string `json:"provider_key"`
	State       string `json:"state"`
	// Reason says what opened the circuit ("3 failures in a row: connect",
	// "health check unhealthy", "429 with Retry-After 30s"); "" when closed.
	Reason string `json:"reason"`
	// Until is the end of the cool-down while open; nil otherwise.
	Until *time.Time `json:"until"`
	// Failures counts the member's failures in a row.
	Failures int `json:"failures"`
}
