package model

import (
	"strings"
	"time"
)

// ProviderType is the API dialect a provider speaks upstream.
type ProviderType string

// The provider types Sluicegate can route to.
const (
	TypeOpenAI    ProviderType = "openai"
	TypeAnthropic ProviderType = "anthropic"
)

// Default per-provider timeouts (API.md §2 "Timeouts").
const (
	// DefaultConnectTimeoutSecs bounds the TCP (and TLS) dial to a provider.
	DefaultConnectTimeoutSecs = 10
	// DefaultResponseHeaderTimeoutSecs is long because non-streaming
	// generations can take minutes before the first header arrives.
	DefaultResponseHeaderTimeoutSecs = 600
	// DefaultStreamIdleTimeoutSecs aborts a stream that sends no byte for
	// this long; a live stream of any total length is never cut.
	DefaultStreamIdleTimeoutSecs = 300
)

// ModelMapping maps a client-facing alias to the provider's own model name.
//
// An alias ending in "*" is a pattern: it catches every model with that
// prefix, and a "*" in Upstream stands for the text the "*" matched. An
// empty Upstream means the model name as the client sent it. "*" alone is
// the default route.
type ModelMapping struct {
	Alias    string `json:"alias"`
	Upstream string `json:"upstream"`
	// Priority makes this provider a member of the alias' route group
	// (lower is tried first); 0 means no group. Several enabled providers
	// may serve one alias only when each gives it a priority.
	Priority int `json:"priority,omitempty"`
	// FailoverOn lists the statuses of this member's responses that pass
	// the request on to the next member instead of returning them (e.g.
	// 429, 503, 529); empty by default. Only for members (Priority > 0).
	FailoverOn []int `json:"failover_on,omitempty"`
}

// IsPattern reports whether the alias is a pattern (ends in "*").
func (m ModelMapping) IsPattern() bool { return strings.HasSuffix(m.Alias, "*") }

// Provider is one configured upstream LLM API.
type Provider struct {
	ID      int64        `json:"id"`
	Key     string       `json:"key"`
	Name    string       `json:"name"`
	Type    ProviderType `json:"type"`
	BaseURL string       `json:"base_url"`
	APIKey  string       `json:"api_key,omitempty"`
	Enabled bool         `json:"enabled"`
	// Translate lets the proxy translate between dialects for this
	// provider (an Anthropic Messages client calling an OpenAI-type
	// provider, or a Chat Completions client an Anthropic-type one). Off,
	// such a request is a 400 naming the endpoint to call. Default true.
	Translate                 bool              `json:"translate"`
	Models                    []ModelMapping    `json:"models"`
	Headers                   map[string]string `json:"headers"`
	ConnectTimeoutSecs        int               `json:"connect_timeout_secs"`
	ResponseHeaderTimeoutSecs int               `json:"response_header_timeout_secs"`
	StreamIdleTimeoutSecs     int               `json:"stream_idle_timeout_secs"`
	HealthCheckIntervalSecs   int               `json:"health_check_interval_secs"`
	CreatedAt                 time.Time         `json:"created_at"`
	UpdatedAt                 time.Time         `json:"updated_at"`
	// LoadError says why the stored provider could not be read or is no
	// longer valid; such a provider is served as disabled until it is
	// fixed with a PUT or PATCH. It is never stored.
	LoadError string `json:"load_error,omitempty"`
}

// ConnectTimeout returns the dial timeout, falling back to the default.
func (p *Provider) ConnectTimeout() time.Duration {
	return secsOr(p.ConnectTimeoutSecs, DefaultConnectTimeoutSecs)
}

// ResponseHeaderTimeout returns the time allowed for response headers,
// falling back to the default.
func (p *Provider) ResponseHeaderTimeout() time.Duration {
	return secsOr(p.ResponseHeaderTimeoutSecs, DefaultResponseHeaderTimeoutSecs)
}

// StreamIdleTimeout returns the longest pause allowed mid-body, falling
// back to the default.
func (p *Provider) StreamIdleTimeout() time.Duration {
	return secsOr(p.StreamIdleTimeoutSecs, DefaultStreamIdleTimeoutSecs)
}

func secsOr(v, def int) time.Duration {
	if v <= 0 {
		v = def
	}
	return time.Duration(v) * time.Second
}

// DiscoverInput is the body of POST /admin/v1/providers/discover: the ID
// of a stored provider, or an unsaved provider's type, base URL and
// credentials. With an ID the other fields, when present, override the
// stored ones (a masked api_key or header value keeps the stored secret),
// so an edit form can test its changes before saving them.
type DiscoverInput struct {
	ID      *int64             `json:"id"`
	Type    *ProviderType      `json:"type"`
	BaseURL *string            `json:"base_url"`
	APIKey  *string            `json:"api_key"`
	Headers *map[string]string `json:"headers"`
}

// DiscoveredModel is one model of an upstream's own model list.
type DiscoveredModel struct {
	ID      string `json:"id"`
	OwnedBy string `json:"owned_by,omitempty"`
	// Created is the model's creation time in Unix seconds, when the
	// upstream says.
	Created int64 `json:"created,omitempty"`
}

// DiscoverResult is the answer of POST /admin/v1/providers/discover. An
// upstream that could not be reached or answered with an error is still
// a result: Reachable, StatusCode and Error say what happened, as in a
// health check's model result.
type DiscoverResult struct {
	// Reachable is true when the upstream answered at all.
	Reachable bool `json:"reachable"`
	// StatusCode is the upstream's status; nil when no response arrived.
	StatusCode *int  `json:"status_code"`
	LatencyMs  int64 `json:"latency_ms"`
	// Models are sorted by ID; empty on an error.
	Models []DiscoveredModel `json:"models"`
	Error  *CheckError       `json:"error"`
}
