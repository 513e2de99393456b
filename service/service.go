// Package service holds Sluicegate's use cases (providers, health checks,
// logs, status) and its lifecycle. The desktop app, the admin API and the
// CLI all go through it, so each use case has exactly one implementation.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/sluicegate/sluicegate/model"
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
}

// Service is the one instance of Sluicegate's use cases in a process.
type Service struct {
	cfg       Config
	log       *slog.Logger
	startedAt time.Time

	mu     sync.Mutex // guards store and closed across Start/Close
	store  *storage.Store
	closed bool
}

// New returns an unstarted service; it has no side effects.
func New(cfg Config) *Service {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{cfg: cfg, log: log}
}

// ErrNotStarted is returned by use cases called before Start.
var ErrNotStarted = errors.New("service not started")

// Start opens the database. It may be called once.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil || s.closed {
		return errors.New("service: Start called twice")
	}
	st, err := storage.Open(ctx, s.cfg.DataDir)
	if err != nil {
		return err
	}
	s.store = st
	s.startedAt = time.Now().UTC()
	s.log.Info("database open", "path", st.Path())
	return nil
}

// Close releases everything Start opened. It is safe to call more than
// once and concurrently; later calls return nil.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}

func (s *Service) storage() (*storage.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store == nil || s.closed {
		return nil, ErrNotStarted
	}
	return s.store, nil
}

// DataDir is the folder that holds the database.
func (s *Service) DataDir() string { return s.cfg.DataDir }

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
