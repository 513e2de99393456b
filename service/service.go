// Package service holds Sluicegate's use cases (providers, health checks,
// logs, status) and its lifecycle. The desktop app, the admin API and the
// CLI all go through it, so each use case has exactly one implementation.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
	"github.com/sluicegate/sluicegate/storage"
)

// Config is what the composition root knows at start-up.
type Config struct {
	// Version is the binary's version string.
	Version string
	// DataDir holds sluicegate.db.
	DataDir string
	// Addr is the proxy listener's HOST:PORT, used for the base URLs the
	// dashboard shows.
	Addr string
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// Events receives every event the service publishes (request, health
	// and provider events); nil drops them. It must not block.
	Events Publisher
	// Upstream is the proxy's upstream client, shared so that health
	// probes travel exactly the path proxied traffic does; nil makes one.
	Upstream *proxy.Upstream
	// ScheduleUnit is how long one "second" of health_check_interval_secs
	// lasts; 0 means time.Second. Only tests shorten it.
	ScheduleUnit time.Duration
	// AdminToken is the admin API's bearer token, if any; the service
	// redacts it (with every other secret it knows) from health results.
	AdminToken string
	// NoScheduler leaves scheduled health checks off (the CLI's one-shot
	// service must not start probing on its own).
	NoScheduler bool
}

// Publisher receives events; implementations must not block.
type Publisher interface {
	Publish(ev model.Event)
}

// Service is the one instance of Sluicegate's use cases in a process.
type Service struct {
	cfg       Config
	log       *slog.Logger
	startedAt time.Time

	mu      sync.Mutex // guards store, started and closed across Start/Close
	store   *storage.Store
	started bool
	closed  bool

	// writeMu serialises configuration writes, so that the conflict checks
	// and the write they guard see the same state.
	writeMu sync.Mutex
	// routes is the proxy's route table, swapped whole on every change.
	routes proxy.LiveRoutes
	// circuits are the proxy's circuit breakers (SetCircuits); nil
	// until set.
	circuits atomic.Pointer[circuitsBox]
	// logw is the request log's batching writer, set by Start.
	logw atomic.Pointer[storage.LogWriter]
	// logRetention is {log_retention_days, log_retention_rows}.
	logRetention atomic.Pointer[[2]int]
	// corsOrigins is the cors_origins setting for the /v1 guard.
	corsOrigins atomic.Pointer[[]string]
	// providers is the provider list the table was built from (with keys),
	// read by the scheduler without a query.
	providers atomic.Pointer[[]model.Provider]
	// redactor hides every known secret (secretList); both are rebuilt
	// with the route table.
	redactor   atomic.Pointer[model.Redactor]
	secretList atomic.Pointer[[]string]

	upstream *proxy.Upstream
	runMu    sync.Mutex
	// byProvider is the check in flight per provider (at most one).
	byProvider map[int64]*runningCheck
	lastCheck  map[int64]time.Time // provider → start of its newest check
	// checks are the checks in flight by check_id, so one can be
	// cancelled explicitly (and all of them on Close).
	checks       map[string]*runningCheck
	checksClosed bool // Close has begun: no new check may start

	// pending are finished checks the database could not take (disk
	// full), oldest first, written when storage works again.
	pendingMu sync.Mutex
	pending   []pendingCheck

	// warned remembers the last warning logged per subject (a provider or
	// a setting), so a problem is logged once, not on every reload.
	warnMu sync.Mutex
	warned map[string]string

	stop context.CancelFunc // ends the scheduler
	wg   sync.WaitGroup     // scheduler and scheduled checks
}

// compile-time checks: the service is the proxy's route source and sink.
var (
	_ proxy.Routes = (*proxy.LiveRoutes)(nil)
	_ proxy.Sink   = (*Service)(nil)
)

// New returns an unstarted service; it has no side effects.
func New(cfg Config) *Service {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	up := cfg.Upstream
	if up == nil {
		up = proxy.NewUpstream(proxy.UpstreamConfig{})
	}
	return &Service{cfg: cfg, log: log, upstream: up, byProvider: map[int64]*runningCheck{}, lastCheck: map[int64]time.Time{},
		checks: map[string]*runningCheck{}, warned: map[string]string{}}
}

// ErrNotStarted is returned by use cases called before Start (and after
// Close); it is model.ErrNotStarted, so callers need not import service.
var ErrNotStarted = model.ErrNotStarted

// Start opens the database and loads the route table. It may be called
// once.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return errors.New("service: Start called twice")
	}
	s.started = true
	s.mu.Unlock()

	st, err := storage.Open(ctx, s.cfg.DataDir)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.store, s.startedAt = st, s.now()
	s.mu.Unlock()
	if err := s.refreshRoutes(ctx); err != nil {
		_ = s.Close(ctx)
		return err
	}
	s.logw.Store(s.startLogWriter(st))
	s.log.Info("database open", "path", st.Path())
	if !s.cfg.NoScheduler {
		sctx, cancel := context.WithCancel(context.Background())
		s.mu.Lock()
		s.stop = cancel
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.schedule(sctx)
		}()
	}
	return nil
}

func (s *Service) now() time.Time { return time.Now().UTC() }

// Routes is the live route table for the proxy.
func (s *Service) Routes() proxy.Routes { return &s.routes }

// CORSOrigins returns the cors_origins setting (for the /v1 guard).
func (s *Service) CORSOrigins() []string {
	if p := s.corsOrigins.Load(); p != nil {
		return *p
	}
	return nil
}

// Publish forwards an event to the configured publisher. The proxy calls
// it on every request, so it must stay cheap and never block.
func (s *Service) Publish(ev model.Event) {
	if ev.Type == model.EventRequestFinished {
		if e, ok := ev.Data.(model.LogEntry); ok {
			if e.ErrorMessage != "" {
				e.ErrorMessage = s.Redact(e.ErrorMessage)
				ev.Data = e
			}
			s.recordRequest(e)
		}
	}
	if s.cfg.Events != nil {
		s.cfg.Events.Publish(ev)
	}
}

// refreshRoutes rebuilds the route table from the stored providers and
// settings and swaps it in for the next request.
func (s *Service) refreshRoutes(ctx context.Context) error {
	st, err := s.storage()
	if err != nil {
		return err
	}
	ps, err := st.ListProviders(ctx)
	if err != nil {
		return err
	}
	s.markBroken(ps)
	set, err := s.loadSettings(ctx)
	if err != nil {
		return err
	}
	s.routes.Store(proxy.NewTable(ps, proxySettings(set)))
	s.providers.Store(&ps)
	secrets := s.secrets(ps, set)
	s.secretList.Store(&secrets)
	s.redactor.Store(model.NewRedactor(secrets...))
	origins := set.CORSOrigins
	s.corsOrigins.Store(&origins)
	s.logRetention.Store(&[2]int{set.LogRetentionDays, set.LogRetentionRows})
	return nil
}

// secrets are every secret the service knows: provider keys and header
// values, proxy keys and the admin token.
func (s *Service) secrets(ps []model.Provider, set model.Settings) []string {
	out := append([]string{s.cfg.AdminToken}, set.ProxyKeys...)
	for i := range ps {
		out = append(out, providerSecrets(&ps[i])...)
	}
	return out
}

// providerSecrets are p's API key and header values. A value such as
// "Bearer TOKEN" also yields TOKEN alone: an upstream that echoes the
// credential it got usually echoes just the token.
func providerSecrets(p *model.Provider) []string {
	out := []string{p.APIKey}
	for _, v := range p.Headers {
		out = append(out, v)
		if fields := strings.Fields(v); len(fields) > 1 {
			out = append(out, fields...)
		}
	}
	return out
}

// redactorWith is the current redactor plus p's own secrets, for a
// provider read from storage that the table may not have caught up with.
func (s *Service) redactorWith(p *model.Provider) *model.Redactor {
	var known []string
	if l := s.secretList.Load(); l != nil {
		known = *l
	}
	return model.NewRedactor(append(append([]string{s.cfg.AdminToken}, known...), providerSecrets(p)...)...)
}

// Redact replaces every secret the service knows (provider keys and
// header values, proxy keys, the admin token) in text with
// model.Redacted, for text that is stored, logged or answered.
func (s *Service) Redact(text string) string {
	return s.redactor.Load().Redact(text)
}

// markBroken serves every provider that could not be read or no longer
// validates as disabled, with the reason in LoadError: one bad row must
// not stop the server or hide the other providers.
func (s *Service) markBroken(ps []model.Provider) {
	for i := range ps {
		p := &ps[i]
		if p.LoadError == "" {
			if err := validateProvider(p); err != nil {
				p.LoadError = fmt.Sprintf("invalid stored provider: %v", err)
			}
		}
		if p.LoadError != "" {
			p.Enabled = false
			s.warnOnce("provider:"+p.Key, p.LoadError, "provider served as disabled until it is fixed",
				"provider", p.Key, "id", p.ID, "reason", p.LoadError)
		}
	}
}

// warnOnce logs msg at warning level unless the same reason was the last
// one logged for subject.
func (s *Service) warnOnce(subject, reason, msg string, args ...any) {
	s.warnMu.Lock()
	seen := s.warned[subject] == reason
	s.warned[subject] = reason
	s.warnMu.Unlock()
	if !seen {
		s.log.Warn(msg, args...)
	}
}

// proxySettings are the proxy's share of the settings.
func proxySettings(set model.Settings) proxy.Settings {
	return proxy.Settings{ProxyKeys: set.ProxyKeys, MaxBodyBytes: set.MaxBodyBytes, MaxBufferedBytes: set.MaxBufferedBytes, LogBodies: set.LogBodies}
}

// Close releases everything Start opened. It is safe to call more than
// once and concurrently; later calls return nil.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	stop, st := s.stop, s.store
	s.mu.Unlock()
	// Every check ends (its probes are cancelled) before the database
	// closes under it: checks are detached from their callers, so only
	// this stops them.
	if stop != nil {
		stop()
	}
	s.cancelAllChecks()
	s.wg.Wait()
	var errs []error
	if w := s.logw.Swap(nil); w != nil {
		// Requests finished before Close are stored before the database
		// closes.
		errs = append(errs, w.Close(ctx))
	}
	if st != nil {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// providerSnapshot is the provider list of the current route table.
func (s *Service) providerSnapshot() []model.Provider {
	if p := s.providers.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *Service) storage() (*storage.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store == nil || s.closed {
		return nil, ErrNotStarted
	}
	return s.store, nil
}

// Status describes the running instance for the dashboard's status bar.
func (s *Service) Status(ctx context.Context) (model.Status, error) {
	st, err := s.storage()
	if err != nil {
		return model.Status{}, err
	}
	n, err := st.CountProviders(ctx)
	if err != nil {
		return model.Status{}, err
	}
	base := BaseURL(s.cfg.Addr)
	return model.Status{
		Version:          s.cfg.Version,
		Addr:             s.cfg.Addr,
		OpenAIBaseURL:    base + "/v1",
		AnthropicBaseURL: base,
		DataDir:          s.cfg.DataDir,
		StartedAt:        s.startedAt,
		Providers:        n,
		ProxyEnv:         proxyEnvFor(os.Getenv, base),
	}, nil
}

// BaseURL is the http:// URL clients on this machine use to reach addr.
// A wildcard bind (":8750", "0.0.0.0:8750", "[::]:8750") is reached
// through 127.0.0.1, the address every local SDK can use.
func BaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, port))
}
