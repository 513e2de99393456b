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
	"github.com/sluicegate/sluicegate/live"
	"github.com/sluicegate/sluicegate/metrics"
	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
	"github.com/sluicegate/sluicegate/service"
)

// cutOffWait bounds how long Stop waits, after closing the connections
// the grace left open, for their proxy handlers to record their requests
// (they return at once when their connection is gone).
const cutOffWait = 5 * time.Second

// instance is one running Sluicegate: listener, service and HTTP server.
type instance struct {
	opts options
	log  *slog.Logger

	mu    sync.Mutex
	addr  string // the listener's address once started
	svc   *service.Service
	srv   *http.Server
	proxy *proxy.Handler
	// stopHub ends the live hub, closing every WebSocket.
	stopHub context.CancelFunc
	// inflight counts the /v1 requests being served, so Stop can let the
	// ones it cut off write their log entries before the service closes.
	inflight sync.WaitGroup
	// inProcess is the trusted handler for the desktop webview, set once
	// Start has built it.
	inProcess atomic.Pointer[http.Handler]
	served    chan error
	// events, when set before Start, also receives the service's events
	// (the desktop app's tray and notifications).
	events service.Publisher
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
	// The live hub fans events out to the dashboard's WebSockets; the
	// server's own warnings and errors reach it (and the error-log ring)
	// through the logger, redacted with the service's secrets.
	hub := live.NewHub(live.Options{QueueSize: in.opts.wsQueueSize})
	hubCtx, stopHub := context.WithCancel(context.Background())
	go func() { _ = hub.Run(hubCtx) }()
	ring := live.NewLogRing(serverLogSize)
	var svcRef atomic.Pointer[service.Service]
	redact := func(s string) string {
		if p := svcRef.Load(); p != nil {
			return p.Redact(s)
		}
		return s
	}
	log := slog.New(live.NewLogHandler(in.log.Handler(), ring, hub.Publish, redact))
	in.log = log
	met := metrics.New()

	// One upstream client for proxied traffic and health probes alike.
	up := proxy.NewUpstream(proxy.UpstreamConfig{})
	pubs := fanout{hub, met}
	if in.events != nil {
		pubs = append(pubs, in.events)
	}
	svc := service.New(service.Config{Version: version, DataDir: in.opts.dataDir, Addr: addr, Logger: log,
		Events: pubs, AdminToken: in.opts.adminToken,
		Upstream: up, ScheduleUnit: in.opts.scheduleUnit})
	svcRef.Store(svc)
	if err := svc.Start(ctx); err != nil {
		_ = ln.Close()
		stopHub()
		return err
	}
	met.GaugeFunc("sluicegate_websocket_subscribers", "WebSocket clients connected to /admin/v1/ws.",
		func() float64 { return float64(hub.Subscribers()) })
	met.CounterFunc("sluicegate_ws_events_dropped_total", "Live events not delivered to slow WebSocket clients.",
		func() float64 { return float64(hub.Dropped()) })
	met.CounterFunc("sluicegate_log_queue_dropped_total", "Finished requests the request log dropped because its queue was full.",
		func() float64 { return float64(svc.LogQueueDropped()) })
	px := proxy.New(svc.Routes(), svc, proxy.WithLogger(in.log), proxy.WithUpstream(up))
	// Health checks feed the route groups' circuits, and the routes
	// endpoints and /metrics show them.
	svc.SetCircuits(px.Circuits())
	met.CircuitStates(svc.GroupCircuits)
	root, err := api.New(api.Config{
		Service:     svc,
		Proxy:       in.track(px),
		Dashboard:   dashboardFS(),
		Addr:        addr,
		AdminToken:  in.opts.adminToken,
		CORSOrigins: svc.CORSOrigins,
		Refuse:      proxy.WriteRefusal,
		Live:        live.NewHandler(hub, live.HandlerConfig{Version: version, Logger: log}),
		ServerLog:   ring,
		Metrics:     met.Handler(),
		Logger:      log,
	})
	if err != nil {
		_ = ln.Close()
		_ = svc.Close(ctx)
		stopHub()
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
	in.svc, in.srv, in.proxy, in.addr, in.stopHub = svc, srv, px, addr, stopHub
	in.mu.Unlock()
	go func() { in.served <- srv.Serve(ln) }()

	base := service.BaseURL(addr)
	in.log.Info("Sluicegate is running",
		"version", version, "dashboard", base+"/", "openai_base_url", base+"/v1",
		"anthropic_base_url", base, "data_dir", in.opts.dataDir)
	in.warnOpenProxy(ctx, svc)
	return nil
}

// warnOpenProxy says at start when other machines can reach the listener
// but no local access key is set: the proxy refuses their /v1 requests
// until there is one, which would otherwise look like a bug.
func (in *instance) warnOpenProxy(ctx context.Context, svc *service.Service) {
	host, _, err := net.SplitHostPort(in.opts.addr)
	if err != nil || api.IsLoopbackHost(host) {
		return
	}
	st, err := svc.Settings(ctx)
	if err != nil {
		in.log.Warn("could not read the settings to check proxy_keys", "err", err)
		return
	}
	if len(st.ProxyKeys) == 0 {
		in.log.Warn("--addr " + in.opts.addr + " is reachable from other machines, but no proxy_keys are set: /v1 requests from other machines are refused until you add a local access key (dashboard Settings, or PUT /admin/v1/settings)")
	}
}

// serverLogSize is how many of the server's own warnings and errors
// GET /admin/v1/server-log keeps.
const serverLogSize = 1000

// fanout publishes each event to every publisher in turn; each must not
// block.
type fanout []service.Publisher

func (f fanout) Publish(ev model.Event) {
	for _, p := range f {
		p.Publish(ev)
	}
}

// track counts the requests next is serving in in.inflight.
func (in *instance) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.inflight.Add(1)
		// Deferred so that a stream aborted with http.ErrAbortHandler is
		// counted out too.
		defer in.inflight.Done()
		next.ServeHTTP(w, r)
	})
}

// Stop lets in-flight requests finish for the shutdown grace, then cuts
// off what is left, and closes everything. Running out of grace is not a
// failure: the streams it cut off are recorded as ended by the shutdown.
// Safe to call when Start failed or was never called.
func (in *instance) Stop(ctx context.Context) error {
	in.mu.Lock()
	svc, srv, px, stopHub := in.svc, in.srv, in.proxy, in.stopHub
	in.svc, in.srv, in.proxy, in.stopHub = nil, nil, nil, nil
	in.mu.Unlock()
	var errs []error
	if srv != nil {
		// Before Shutdown, so requests it cuts off are not taken for
		// clients that went away (499).
		px.BeginShutdown()
		// WebSockets are hijacked connections that Shutdown does not wait
		// for: the hub closes them (1001, going away).
		stopHub()
		graceCtx, cancel := context.WithTimeout(ctx, in.opts.shutdownGrace)
		err := srv.Shutdown(graceCtx)
		cancel()
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				errs = append(errs, fmt.Errorf("stop the server: %w", err))
			}
			in.log.Info("shutdown grace is over; closing the requests still open", "grace", in.opts.shutdownGrace.String())
			if err := srv.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close the server: %w", err))
			}
			in.waitCutOff()
		}
	}
	if svc != nil {
		errs = append(errs, svc.Close(ctx))
	}
	return errors.Join(errs...)
}

// waitCutOff waits (for at most cutOffWait) until the proxy handlers whose
// connections were closed have returned and logged their requests.
func (in *instance) waitCutOff() {
	done := make(chan struct{})
	go func() {
		in.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(cutOffWait):
		in.log.Warn("some requests were still finishing when the service closed", "waited", cutOffWait.String())
	}
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

// addrInUseError is a taken listen address: its message says what to do,
// and it unwraps to syscall.EADDRINUSE.
type addrInUseError struct {
	msg string
	err error
}

func (e *addrInUseError) Error() string { return e.msg }
func (e *addrInUseError) Unwrap() error { return e.err }

// listen opens the TCP listener with an error a person can act on.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		_, port, _ := net.SplitHostPort(addr)
		// Wrapped, so the desktop app can tell a taken port (its conflict
		// screen) from other failures; the text is serve's one line.
		return nil, &addrInUseError{msg: fmt.Sprintf("port %s is already in use (%s); is another Sluicegate running? Choose another port with --addr (or %s), e.g. --addr 127.0.0.1:8751", port, addr, envAddr), err: err}
	}
	return nil, fmt.Errorf("cannot listen on %s: %v; change it with --addr (or %s)", addr, err, envAddr)
}
