package model

import (
	"fmt"
	"time"
)

// Model and provider health statuses (API.md §3 "Health checks").
const (
	HealthHealthy   = "healthy"
	HealthDegraded  = "degraded"
	HealthUnhealthy = "unhealthy"
	HealthDisabled  = "disabled"
	HealthUnknown   = "unknown"
	// HealthCancelled is a model whose probe the check's cancel stopped
	// before it finished; it counts as neither healthy nor unhealthy.
	HealthCancelled = "cancelled"
)

// Probe error types.
const (
	// CheckErrUpstream: the provider answered with a non-2xx status.
	CheckErrUpstream = "upstream_error"
	// CheckErrConnect: no connection or no response (refused, DNS, TLS, reset).
	CheckErrConnect = "connect_error"
	// CheckErrTimeout: no answer within the probe's timeout.
	CheckErrTimeout = "timeout"
	// CheckErrCanceled: the check was stopped (shutdown, client gone).
	CheckErrCanceled = "canceled"
	// CheckErrInvalidResponse: the provider answered 2xx with a body that
	// is not what was asked for (a model list that is not JSON, or too big).
	CheckErrInvalidResponse = "invalid_response"
	// CheckErrInternal: the probe itself failed (a bug); see the message.
	CheckErrInternal = "internal_error"
)

// What started a health check.
const (
	TriggerAPI      = "api"      // POST /admin/v1/providers/{id}/health or /health/check (the dashboard too)
	TriggerSchedule = "schedule" // health_check_interval_secs
	TriggerCLI      = "cli"      // sluicegate check
)

// CheckError says why a model is unhealthy.
type CheckError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// ModelResult is one model's probe.
type ModelResult struct {
	Model          string      `json:"model"`
	UpstreamModel  string      `json:"upstream_model"`
	Status         string      `json:"status"`
	ResponseTimeMs int64       `json:"response_time_ms"`
	StatusCode     *int        `json:"status_code"`
	Error          *CheckError `json:"error"`
	// Note says what the probe adapted, e.g. "retried with
	// max_completion_tokens", so a surprising result can be explained.
	Note string `json:"note,omitempty"`
}

// CheckSummary counts a check's models.
type CheckSummary struct {
	TotalModels     int `json:"total_models"`
	HealthyModels   int `json:"healthy_models"`
	UnhealthyModels int `json:"unhealthy_models"`
}

// CheckResult is one provider's health check, as answered and as stored
// in its history.
type CheckResult struct {
	CheckID           string        `json:"check_id"`
	ProviderID        int64         `json:"provider_id"`
	ProviderKey       string        `json:"provider_key"`
	ProviderType      ProviderType  `json:"provider_type"`
	Status            string        `json:"status"`
	Models            []ModelResult `json:"models"`
	Summary           CheckSummary  `json:"summary"`
	AvgResponseTimeMs int64         `json:"avg_response_time_ms"`
	// StartedAt is when the check began, CheckedAt when it finished.
	StartedAt  time.Time `json:"started_at"`
	CheckedAt  time.Time `json:"checked_at"`
	DurationMs int64     `json:"duration_ms"`
	Trigger    string    `json:"trigger"`
}

// HealthStartedEvent is the data of a health.started event, published
// when any check starts, whatever started it.
type HealthStartedEvent struct {
	CheckID     string `json:"check_id"`
	ProviderID  int64  `json:"provider_id"`
	ProviderKey string `json:"provider_key"`
	Trigger     string `json:"trigger"`
	ModelsTotal int    `json:"models_total"`
}

// RunningCheck is a check in flight, as GET /admin/v1/health/running
// shows it: Models holds the results so far, in the order they finished.
type RunningCheck struct {
	CheckID     string        `json:"check_id"`
	ProviderID  int64         `json:"provider_id"`
	ProviderKey string        `json:"provider_key"`
	Trigger     string        `json:"trigger"`
	StartedAt   time.Time     `json:"started_at"`
	ModelsTotal int           `json:"models_total"`
	Models      []ModelResult `json:"models"`
}

// CheckRunningError refuses a check of a provider that is already being
// checked (409 check_running); CheckID is the running check, which the
// client can follow instead of starting a second one.
type CheckRunningError struct {
	CheckID     string
	ProviderKey string
}

func (e *CheckRunningError) Error() string {
	return fmt.Sprintf("provider %q is already being checked (check %s); follow it through health.model events or GET /admin/v1/health/running, or cancel it with DELETE /admin/v1/health/checks/%s",
		e.ProviderKey, e.CheckID, e.CheckID)
}

// HealthModelEvent is the data of a health.model event.
type HealthModelEvent struct {
	CheckID    string `json:"check_id"`
	ProviderID int64  `json:"provider_id"`
	ModelResult
}

// CheckOptions are the options of a health check as a client sends them;
// absent (nil) fields take the defaults, and an explicit value out of
// range is an error.
type CheckOptions struct {
	// Models are aliases of the provider or raw upstream names; empty
	// means every mapped model.
	Models []string `json:"models"`
	// MaxConcurrent bounds probes in flight (1..10, default 2).
	MaxConcurrent *int `json:"max_concurrent"`
	// TimeoutSecs bounds each probe (1..120, default 30).
	TimeoutSecs *int `json:"timeout_secs"`
}

// CheckAllResult is the answer of POST /admin/v1/health/check.
type CheckAllResult struct {
	Providers          []CheckResult `json:"providers"`
	TotalProviders     int           `json:"total_providers"`
	HealthyProviders   int           `json:"healthy_providers"`
	UnhealthyProviders int           `json:"unhealthy_providers"`
}

// ModelHealthSummary is one model's health over a window, for the chart.
type ModelHealthSummary struct {
	Model         string         `json:"model"`
	UptimePercent float64        `json:"uptime_percent"`
	Checks        int            `json:"checks"`
	P50Ms         int64          `json:"p50_ms"`
	P95Ms         int64          `json:"p95_ms"`
	LastStatus    string         `json:"last_status"`
	LastCheckedAt time.Time      `json:"last_checked_at"`
	Series        []LatencyPoint `json:"series"`
}

// LatencyPoint is one probe in a model's time series.
type LatencyPoint struct {
	At             time.Time `json:"at"`
	ResponseTimeMs int64     `json:"response_time_ms"`
	Status         string    `json:"status"`
}

// HealthSummary is the answer of GET .../health/summary.
type HealthSummary struct {
	ProviderID int64                `json:"provider_id"`
	Window     string               `json:"window"`
	From       time.Time            `json:"from"`
	To         time.Time            `json:"to"`
	Models     []ModelHealthSummary `json:"models"`
}
