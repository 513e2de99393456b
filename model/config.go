package model

import "time"

// ProviderInput is a provider as clients send it (POST, PUT, PATCH,
// import). Every field is a pointer so that "absent" differs from "zero":
// PATCH changes only what is present, and a PUT without api_key keeps the
// stored key.
type ProviderInput struct {
	// ID, CreatedAt and UpdatedAt are read-only. They are accepted so that
	// a provider read with GET (or an export) can be sent back as it is.
	ID        *int64     `json:"id"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`

	Key                       *string            `json:"key"`
	Name                      *string            `json:"name"`
	Type                      *ProviderType      `json:"type"`
	BaseURL                   *string            `json:"base_url"`
	APIKey                    *string            `json:"api_key"`
	Enabled                   *bool              `json:"enabled"`
	Translate                 *bool              `json:"translate"`
	Models                    *[]ModelMapping    `json:"models"`
	Headers                   *map[string]string `json:"headers"`
	ConnectTimeoutSecs        *int               `json:"connect_timeout_secs"`
	ResponseHeaderTimeoutSecs *int               `json:"response_header_timeout_secs"`
	StreamIdleTimeoutSecs     *int               `json:"stream_idle_timeout_secs"`
	HealthCheckIntervalSecs   *int               `json:"health_check_interval_secs"`
}

// Settings are the global settings (API.md §3).
type Settings struct {
	// ProxyKeys are local access keys clients must present; empty = open.
	ProxyKeys []string `json:"proxy_keys"`
	// CORSOrigins may call /v1 from a browser, beyond loopback origins.
	CORSOrigins []string `json:"cors_origins"`
	// MaxBodyBytes bounds a proxied request body.
	MaxBodyBytes int64 `json:"max_body_bytes"`
	// LogRetentionDays and LogRetentionRows bound the request log.
	LogRetentionDays int `json:"log_retention_days"`
	LogRetentionRows int `json:"log_retention_rows"`
	// HistoryRetentionDays bounds the health-check history.
	HistoryRetentionDays int `json:"history_retention_days"`
	// MaxBufferedBytes bounds the total of request bodies the proxy holds
	// in memory at once (beyond it: 503 overloaded).
	MaxBufferedBytes int64 `json:"max_buffered_bytes"`
	// LogBodies turns request/response body capture in the request log on.
	LogBodies bool `json:"log_bodies"`
}

// SettingsInput is a settings change; absent fields keep their values.
type SettingsInput struct {
	ProxyKeys            *[]string `json:"proxy_keys"`
	CORSOrigins          *[]string `json:"cors_origins"`
	MaxBodyBytes         *int64    `json:"max_body_bytes"`
	LogRetentionDays     *int      `json:"log_retention_days"`
	LogRetentionRows     *int      `json:"log_retention_rows"`
	HistoryRetentionDays *int      `json:"history_retention_days"`
	MaxBufferedBytes     *int64    `json:"max_buffered_bytes"`
	LogBodies            *bool     `json:"log_bodies"`
}

// ConfigVersion is the format version of an exported configuration.
const ConfigVersion = 1

// Config is the whole configuration as one document (export and import).
type Config struct {
	Version    int        `json:"version"`
	ExportedAt *time.Time `json:"exported_at,omitempty"`
	Providers  []Provider `json:"providers"`
	Settings   Settings   `json:"settings"`
}

// ConfigInput is an import document. Providers are matched to stored ones
// by key; one without api_key keeps the stored key of the same key.
type ConfigInput struct {
	Version    *int            `json:"version"`
	ExportedAt *time.Time      `json:"exported_at"`
	Providers  []ProviderInput `json:"providers"`
	Settings   *SettingsInput  `json:"settings"`
}

// Preset is a provider template for the dashboard's "Add provider".
type Preset struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Type    ProviderType `json:"type"`
	BaseURL string       `json:"base_url"`
	// Local presets run on this machine and usually need no key.
	Local   bool   `json:"local"`
	KeyHint string `json:"key_hint,omitempty"`
	DocsURL string `json:"docs_url,omitempty"`
	// Models are typical upstream model names to pick aliases from; never
	// null, empty for local servers, whose models depend on what is
	// installed (the form fetches those from the server itself).
	Models []string `json:"models"`
}
