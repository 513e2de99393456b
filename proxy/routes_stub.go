package proxy

// TEMPORARY (wt-rt-svc): the route types of the issue 13 contract, until
// the proxy branch (wt-rt-proxy) lands with the real ones; delete this
// file on that merge.

// RouteMember is one provider of a route, as the admin API shows it.
type RouteMember struct {
	ProviderKey string
	Anthropic   bool
	Upstream    string
	Priority    int
	FailoverOn  []int
}

// RouteInfo is one alias or pattern and the providers that serve it.
type RouteInfo struct {
	Alias   string
	Pattern bool
	Group   bool
	Members []RouteMember
}
