// Package api is Sluicegate's HTTP surface: the root handler that mounts
// the proxy (/v1), the admin API (/admin/v1), /healthz and the embedded
// dashboard, behind the local-security guards of API.md §3.
package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/service"
)

// wsPath is the live-log WebSocket; it alone takes the token as ?token=.
const wsPath = "/admin/v1/ws"

// Service is what the admin API needs from the service layer.
type Service interface {
	// Status describes the running instance.
	Status(ctx context.Context) (model.Status, error)

	// ListProviders returns every provider, keys masked.
	ListProviders(ctx context.Context) ([]model.Provider, error)
	// GetProvider returns one provider, key masked.
	GetProvider(ctx context.Context, id int64) (model.Provider, error)
	// CreateProvider validates and stores a new provider.
	CreateProvider(ctx context.Context, in model.ProviderInput) (model.Provider, error)
	// ReplaceProvider replaces a provider (absent api_key keeps the key).
	ReplaceProvider(ctx context.Context, id int64, in model.ProviderInput) (model.Provider, error)
	// PatchProvider changes the present fields of a provider.
	PatchProvider(ctx context.Context, id int64, in model.ProviderInput) (model.Provider, error)
	// DeleteProvider removes a provider and its history.
	DeleteProvider(ctx context.Context, id int64) error
	// Presets lists provider templates.
	Presets() []model.Preset

	// Settings returns the settings, proxy keys masked.
	Settings(ctx context.Context) (model.Settings, error)
	// UpdateSettings changes the present settings.
	UpdateSettings(ctx context.Context, in model.SettingsInput) (model.Settings, error)
	// Export returns the whole configuration.
	Export(ctx context.Context, includeKeys bool) (model.Config, error)
	// Import validates and then replaces the whole configuration.
	Import(ctx context.Context, in model.ConfigInput) (model.Config, error)

	// CheckProvider runs, stores and publishes one provider's health check.
	CheckProvider(ctx context.Context, id int64, opts model.CheckOptions, trigger string) (model.CheckResult, error)
	// CheckAll checks the given providers (all when none is given).
	CheckAll(ctx context.Context, ids []int64, opts model.CheckOptions, trigger string) (model.CheckAllResult, error)
	// HealthHistory returns a provider's checks, newest first.
	HealthHistory(ctx context.Context, id int64, limit int, before string) ([]model.CheckResult, error)
	// HealthSummary summarises a provider's probes per model over a window.
	HealthSummary(ctx context.Context, id int64, window string) (model.HealthSummary, error)
	// RunningChecks returns every check in flight with its results so far.
	RunningChecks(ctx context.Context) ([]model.RunningCheck, error)
	// CancelCheck stops a running check (model.ErrNotFound if none).
	CancelCheck(ctx context.Context, checkID string) error
	// DiscoverModels asks a stored or unsaved provider's upstream for its
	// model list.
	DiscoverModels(ctx context.Context, in model.DiscoverInput) (model.DiscoverResult, error)

	// ListLogs returns request-log entries, newest first.
	ListLogs(ctx context.Context, f model.LogFilter) ([]model.LogEntry, error)
	// GetLog returns one entry with its captured headers and bodies.
	GetLog(ctx context.Context, id string) (model.LogDetail, error)
	// DeleteLogs clears the request log.
	DeleteLogs(ctx context.Context) error
	// Stats summarises the request log over a window.
	Stats(ctx context.Context, window string) (model.Stats, error)

	// ListRoutes lists every alias and pattern of the enabled providers
	// with their members, circuits and (patterns) what they caught.
	ListRoutes(ctx context.Context) ([]service.Route, error)
	// ResolveRoute says where a model name goes for a client dialect.
	ResolveRoute(ctx context.Context, model, dialect string) (service.ResolvedRoute, error)
}

// adminRoutes is every admin endpoint. It drives both the mux and the
// test that holds openapi.json to the truth.
func (h *handlers) adminRoutes() []adminRoute {
	return []adminRoute{
		{"GET", "/admin/v1/status", h.status},
		{"GET", "/admin/v1/providers", h.listProviders},
		{"POST", "/admin/v1/providers", h.createProvider},
		{"POST", "/admin/v1/providers/discover", h.discover},
		{"GET", "/admin/v1/providers/{id}", h.getProvider},
		{"PUT", "/admin/v1/providers/{id}", h.changeProvider},
		{"PATCH", "/admin/v1/providers/{id}", h.changeProvider},
		{"DELETE", "/admin/v1/providers/{id}", h.deleteProvider},
		{"POST", "/admin/v1/providers/{id}/health", h.checkProvider},
		{"GET", "/admin/v1/providers/{id}/health/history", h.healthHistory},
		{"GET", "/admin/v1/providers/{id}/health/summary", h.healthSummary},
		{"POST", "/admin/v1/health/check", h.checkAll},
		{"GET", "/admin/v1/health/running", h.runningChecks},
		{"DELETE", "/admin/v1/health/checks/{check_id}", h.cancelCheck},
		{"GET", "/admin/v1/presets", h.presets},
		{"GET", "/admin/v1/settings", h.getSettings},
		{"PUT", "/admin/v1/settings", h.putSettings},
		{"GET", "/admin/v1/export", h.export},
		{"POST", "/admin/v1/import", h.importConfig},
		{"GET", "/admin/v1/logs", h.listLogs},
		{"GET", "/admin/v1/logs/{id}", h.getLog},
		{"DELETE", "/admin/v1/logs", h.deleteLogs},
		{"GET", "/admin/v1/stats", h.stats},
		{"GET", "/admin/v1/server-log", h.serverLog},
		{"GET", "/admin/v1/routes", h.listRoutes},
		{"GET", "/admin/v1/routes/resolve", h.resolveRoute},
		{"GET", wsPath, h.websocket},
		{"GET", "/admin/v1/openapi.json", serveOpenAPI},
	}
}

// adminRoute is one admin endpoint.
type adminRoute struct {
	method, pattern string
	handler         http.HandlerFunc
}

// Config wires the root handler.
type Config struct {
	// Service answers the admin API.
	Service Service
	// Proxy serves everything under /v1/.
	Proxy http.Handler
	// Dashboard is the built frontend (the contents of frontend/dist).
	Dashboard fs.FS
	// Addr is the listener's HOST:PORT, for the Host and Origin checks.
	Addr string
	// AdminToken, when set, is required on admin routes.
	AdminToken string
	// CORSOrigins returns the extra origins allowed to call /v1; may be nil.
	CORSOrigins func() []string
	// Refuse writes a refused /v1 request's error in the dialect the path
	// implies (main passes proxy.WriteRefusal); required.
	Refuse RefusalWriter
	// Live serves the WebSocket at /admin/v1/ws (after the guards); nil
	// answers 503.
	Live http.Handler
	// ServerLog is the ring of the server's own warnings and errors; nil
	// serves an empty list.
	ServerLog ServerLog
	// Metrics serves GET /metrics (Prometheus text), behind the same
	// guards as the admin API; nil leaves /metrics out.
	Metrics http.Handler
	// Logger receives errors; nil discards them.
	Logger *slog.Logger
}

// RefusalWriter answers a request for an LLM API path that Sluicegate
// refuses before the proxy sees it, in the client's dialect, marked as a
// proxy-made error. status is 403 or 404; code is the OpenAI error.code.
type RefusalWriter func(w http.ResponseWriter, r *http.Request, status int, code, msg string)

// unprefixedAPIPaths are the API paths an SDK calls when its base URL
// lacks /v1 — the commonest set-up mistake.
var unprefixedAPIPaths = map[string]bool{
	"/chat/completions":      true,
	"/completions":           true,
	"/embeddings":            true,
	"/responses":             true,
	"/messages":              true,
	"/messages/count_tokens": true,
}

// Server holds the two faces of the same routes.
type Server struct {
	routes  http.Handler
	network http.Handler
	guard   *guard
}

// New builds the root handler.
func New(cfg Config) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Refuse == nil {
		return nil, errors.New("api: Config.Refuse is required")
	}
	g, err := newGuard(cfg.Addr, cfg.AdminToken, cfg.CORSOrigins, cfg.Refuse)
	if err != nil {
		return nil, err
	}
	wrongBase := wrongBaseURL(service.BaseURL(cfg.Addr), cfg.Refuse)
	h := &handlers{svc: cfg.Service, log: log, live: cfg.Live, serverLogRing: cfg.ServerLog}

	admin := http.NewServeMux()
	for _, rt := range h.adminRoutes() {
		admin.HandleFunc(rt.method+" "+rt.pattern, rt.handler)
	}
	admin.HandleFunc("/admin/v1/", func(w http.ResponseWriter, r *http.Request) {
		notFoundOrNotAllowed(admin, w, r, log)
	})

	proxy := cfg.Proxy
	if proxy == nil {
		proxy = http.NotFoundHandler()
	}
	dash := newDashboard(cfg.Dashboard)

	// routes is shared by both faces; guarded adds the network checks
	// around each family.
	build := func(guarded bool) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /healthz", healthz)
		a, p := http.Handler(admin), proxy
		if guarded {
			a, p = g.checkAdmin(admin), g.checkCORS(proxy)
		}
		mux.Handle("/admin/v1/", a)
		if cfg.Metrics != nil {
			m := cfg.Metrics
			if guarded {
				m = g.checkAdmin(m)
			}
			mux.Handle("GET /metrics", m)
		}
		mux.Handle("/v1/", p)
		for path := range unprefixedAPIPaths {
			mux.Handle("POST "+path, wrongBase)
		}
		mux.Handle("/", dash)
		if guarded {
			return g.checkHost(mux)
		}
		return mux
	}
	return &Server{routes: build(false), network: build(true), guard: g}, nil
}

// wrongBaseURL answers an API call that lacks the /v1 prefix with a 404
// in its dialect that gives the base URL to use, instead of the
// dashboard's 405.
func wrongBaseURL(base string, refuse RefusalWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg string
		if strings.HasPrefix(r.URL.Path, "/messages") {
			msg = fmt.Sprintf("there is no API at %s: Sluicegate serves it at %s/v1%s. Set the base URL of Anthropic SDKs and Claude Code (ANTHROPIC_BASE_URL) to %s; they add /v1 themselves (OpenAI SDKs: %s/v1)",
				r.URL.Path, base, r.URL.Path, base, base)
		} else {
			msg = fmt.Sprintf("there is no API at %s: Sluicegate serves it at %s/v1%s. Set the base URL of OpenAI SDKs to %s/v1 (Anthropic SDKs and Claude Code: %s)",
				r.URL.Path, base, r.URL.Path, base, base)
		}
		refuse(w, r, http.StatusNotFound, "unknown_url", msg)
	})
}

// Network is the handler for the TCP listener: every request passes the
// Host check, admin routes the Origin and token checks, /v1 the CORS rules.
func (s *Server) Network() http.Handler { return s.network }

// InProcess is the handler for the desktop webview's own requests, which
// reach it through Wails' AssetServer without a socket. They are trusted;
// never serve this handler on a listener.
func (s *Server) InProcess() http.Handler { return s.routes }

func healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handlers are the admin API's endpoints.
type handlers struct {
	svc           Service
	log           *slog.Logger
	live          http.Handler
	serverLogRing ServerLog
}

func (h *handlers) status(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Status(r.Context())
	h.reply(w, http.StatusOK, st, err)
}

// notFoundOrNotAllowed answers an admin request no route matched: 405 with
// Allow when the path exists under another method, else 404. (ServeMux
// would fall through to the catch-all instead of answering 405 itself.)
func notFoundOrNotAllowed(mux *http.ServeMux, w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/admin/v1/" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		writeError(w, log, errNotFound.with("no admin endpoint "+r.URL.Path+"; see GET /admin/v1/openapi.json"))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, log, errMethodNotAllowed.with(r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+strings.Join(allow, ", ")))
}
