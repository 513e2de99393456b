package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sluicegate/sluicegate/api"
	"github.com/sluicegate/sluicegate/proxy"
	"github.com/sluicegate/sluicegate/service"
)

// shutdownGrace is how long in-flight requests (streams) may finish after
// a stop signal before their connections are closed.
const shutdownGrace = 10 * time.Second

// validate checks the options before anything is opened.
func (o options) validate() error {
	host, port, err := net.SplitHostPort(o.addr)
	if err != nil {
		return fmt.Errorf("--addr %q is not HOST:PORT (for example 127.0.0.1:8750): %v", o.addr, err)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("--addr %q: port %q is not a number from 0 to 65535", o.addr, port)
	}
	if o.adminToken == "" && !api.IsLoopbackHost(host) {
		return fmt.Errorf("--addr %s listens beyond this machine, so an admin token is required: set --admin-token or %s (or use a loopback address such as 127.0.0.1)", o.addr, envToken)
	}
	if o.dataDir == "" {
		return fmt.Errorf("--data-dir is empty; give a folder for sluicegate.db")
	}
	return nil
}

// instance is one running Sluicegate: listener, service and HTTP server.
type instance struct {
	opts options
	log  *slog.Logger

	mu   sync.Mutex
	addr string // the listener's address once started
	svc  *service.Service
	srv  *http.Server
	// inProcess is the trusted handler for the desktop webview, set once
	// Start has built it.
	inProcess atomic.Pointer[http.Handler]
	served    chan error
}

func newInstance(opts options, log *slog.Logger) *instance {
	return &instance{opts: opts, log: log, served: make(chan error, 1)}
}

// Start listens, opens the service and serves in the background.
func (in *instance) Start(ctx context.Context) error {
	ln, err := listen(in.opts.addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	// One upstream client for proxied traffic and health probes alike.
	up := proxy.NewUpstream(proxy.UpstreamConfig{})
	svc := service.New(service.Config{Version: version, DataDir: in.opts.dataDir, Addr: addr, Logger: in.log,
		Upstream: up, ScheduleUnit: in.opts.scheduleUnit})
	if err := svc.Start(ctx); err != nil {
		_ = ln.Close()
		return err
	}
	px := proxy.New(svc.Routes(), svc, proxy.WithLogger(in.log), proxy.WithUpstream(up))
	root, err := api.New(api.Config{
		Service:     svc,
		Proxy:       px,
		Dashboard:   dashboardFS(),
		Addr:        addr,
		AdminToken:  in.opts.adminToken,
		CORSOrigins: svc.CORSOrigins,
		Logger:      in.log,
	})
	if err != nil {
		_ = ln.Close()
		_ = svc.Close(ctx)
		return err
	}
	h := root.InProcess()
	in.inProcess.Store(&h)
	srv := &http.Server{
		Handler:           root.Network(),
		ReadHeaderTimeout: 30 * time.Second, // headers only: bodies and streams are unbounded
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(in.log.Handler(), slog.LevelDebug),
	}
	in.mu.Lock()
	in.svc, in.srv, in.addr = svc, srv, addr
	in.mu.Unlock()
	go func() { in.served <- srv.Serve(ln) }()

	base := service.BaseURL(addr)
	in.log.Info("Sluicegate is running",
		"version", version, "dashboard", base+"/", "openai_base_url", base+"/v1",
		"anthropic_base_url", base, "data_dir", in.opts.dataDir)
	return nil
}

// Stop lets in-flight requests finish for shutdownGrace, then closes
// everything. Safe to call when Start failed or was never called.
func (in *instance) Stop(ctx context.Context) error {
	in.mu.Lock()
	svc, srv := in.svc, in.srv
	in.svc, in.srv = nil, nil
	in.mu.Unlock()
	var errs []error
	if srv != nil {
		ctx, cancel := context.WithTimeout(ctx, shutdownGrace)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
			_ = srv.Close()
		}
	}
	if svc != nil {
		errs = append(errs, svc.Close(ctx))
	}
	return errors.Join(errs...)
}

// InProcess serves the desktop webview's requests through the trusted
// handler once the instance has started.
func (in *instance) InProcess() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := in.inProcess.Load()
		if h == nil {
			http.Error(w, "Sluicegate is starting", http.StatusServiceUnavailable)
			return
		}
		(*h).ServeHTTP(w, r)
	})
}

// listen opens the TCP listener with an error a person can act on.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		_, port, _ := net.SplitHostPort(addr)
		return nil, fmt.Errorf("port %s is already in use (%s); is another Sluicegate running? Choose another port with --addr (or %s), e.g. --addr 127.0.0.1:8751", port, addr, envAddr)
	}
	return nil, fmt.Errorf("cannot listen on %s: %v; change it with --addr (or %s)", addr, err, envAddr)
}
