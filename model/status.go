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
	// ProxyEnv says which proxy variables the server's environment sets.
	ProxyEnv ProxyEnv `json:"proxy_env"`
}

// ProxyEnv describes the HTTP proxy variables of the server's environment.
// SDKs started from the same environment send their requests to that proxy
// unless NO_PROXY exempts the base URL's host, a common reason a call never
// reaches a local Sluicegate. Only whether a variable is set is reported:
// its value may carry credentials (http://user:pass@proxy:3128).
type ProxyEnv struct {
	// HTTPProxy, HTTPSProxy and AllProxy report HTTP_PROXY, HTTPS_PROXY and
	// ALL_PROXY (either case) set to a non-empty value.
	HTTPProxy  bool `json:"http_proxy"`
	HTTPSProxy bool `json:"https_proxy"`
	AllProxy   bool `json:"all_proxy"`
	// NoProxyCoversLoopback reports NO_PROXY (either case) exempting the
	// host of the base URLs (127.0.0.1 or localhost).
	NoProxyCoversLoopback bool `json:"no_proxy_covers_loopback"`
	// LoopbackProxied is the warning: a proxy is set and NO_PROXY does not
	// exempt the base URLs' host.
	LoopbackProxied bool `json:"loopback_proxied"`
}
