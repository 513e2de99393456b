package model

import "time"

// Status is the answer of GET /admin/v1/status.
type Status struct {
	Version          string    `json:"version"`
	Addr             string    `json:"addr"`
	OpenAIBaseURL    string    `json:"openai_base_url"`
	AnthropicBaseURL string    `json:"anthropic_base_url"`
	DataDir          string    `json:"data_dir"`
	StartedAt        time.Time `json:"started_at"`
	Providers        int       `json:"providers"`
}
