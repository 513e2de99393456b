package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"

	"github.com/sluicegate/sluicegate/app"
	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/service"
)

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// runServe is `sluicegate serve`: no window, no display needed.
func runServe(args []string, stdout, stderr io.Writer) int {
	opts, code, ok := parseFlags("serve", args, stdout, stderr)
	if !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	in := newInstance(opts, newLogger(stderr))
	if err := in.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "sluicegate: %v\n", err)
		return exitError
	}
	select {
	case <-ctx.Done():
	case err := <-in.served:
		fmt.Fprintf(stderr, "sluicegate: server stopped: %v\n", err)
		_ = in.Stop(context.Background())
		return exitError
	}
	in.log.Info("shutting down")
	if err := in.Stop(context.Background()); err != nil {
		fmt.Fprintf(stderr, "sluicegate: shutdown: %v\n", err)
		return exitError
	}
	return exitOK
}

// runDesktop is plain `sluicegate`: the window and the server in one process.
func runDesktop(args []string, stdout, stderr io.Writer) int {
	opts, code, ok := parseFlags("", args, stdout, stderr)
	if !ok {
		return code
	}
	if !desktopBuild {
		fmt.Fprintln(stderr, "sluicegate: this binary was built without the desktop window; run `sluicegate serve`, or build the app with `make build`")
		return exitUsage
	}
	// GTK panics without a display; say what to do instead.
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(stderr, "sluicegate: no display found (DISPLAY and WAYLAND_DISPLAY are unset); to run without a window use `sluicegate serve`")
		return exitUsage
	}
	log := newLogger(stderr)
	// The webview's requests go to whichever instance is running: the
	// first one, or the one started on another port after a conflict.
	var current atomic.Pointer[instance]
	// startErr: the last start failed and stderr has the reason already.
	var startErr atomic.Bool
	err := app.Run(app.Config{
		Title:        "Sluicegate",
		Dashboard:    dashboardFS(),
		Handler:      inProcess(&current),
		Icon:         appIcon,
		DataDir:      opts.dataDir,
		Addr:         opts.addr,
		AddrOverride: opts.addrSet,
		DefaultAddr:  defaultAddr,
		StartHidden:  opts.startHidden,
		Stderr:       stderr,
		// The terminal gets the reason at once; the window shows it.
		Start: func(ctx context.Context, addr string, events app.Publisher) (app.Services, error) {
			o := opts
			o.addr = addr
			next := newInstance(o, log)
			next.events = events
			if err := next.Start(ctx); err != nil {
				startErr.Store(true)
				fmt.Fprintf(stderr, "sluicegate: %v\n", err)
				return nil, err
			}
			startErr.Store(false)
			current.Store(next)
			return desktopServices{next}, nil
		},
		Stop: func(ctx context.Context) error {
			if in := current.Load(); in != nil {
				return in.Stop(ctx)
			}
			return nil
		},
	})
	if errors.Is(err, app.ErrAlreadyRunning) {
		fmt.Fprintf(stdout, "sluicegate: %v\n", err)
		return exitOK
	}
	if err != nil {
		if !startErr.Load() {
			fmt.Fprintf(stderr, "sluicegate: %v\n", err)
		}
		return exitError
	}
	return exitOK
}

// inProcess serves the webview's requests with the running instance's
// trusted handler ("starting" until there is one).
func inProcess(current *atomic.Pointer[instance]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := current.Load()
		if in == nil {
			http.Error(w, "Sluicegate is starting", http.StatusServiceUnavailable)
			return
		}
		in.InProcess().ServeHTTP(w, r)
	})
}

// desktopServices is the running instance as the desktop app's tray and
// notifications see it.
type desktopServices struct{ in *instance }

func (d desktopServices) service() *service.Service {
	d.in.mu.Lock()
	defer d.in.mu.Unlock()
	return d.in.svc
}

func (d desktopServices) ProviderCount(ctx context.Context) (int, error) {
	svc := d.service()
	if svc == nil {
		return 0, errors.New("the server is stopped")
	}
	ps, err := svc.ListProviders(ctx)
	return len(ps), err
}

func (d desktopServices) CheckAll(ctx context.Context) (model.CheckAllResult, error) {
	svc := d.service()
	if svc == nil {
		return model.CheckAllResult{}, errors.New("the server is stopped")
	}
	// The tray's check counts as a user's request, like the dashboard's.
	return svc.CheckAll(ctx, nil, model.CheckOptions{}, model.TriggerAPI)
}

func (d desktopServices) LastChecks(ctx context.Context) ([]model.CheckResult, error) {
	svc := d.service()
	if svc == nil {
		return nil, errors.New("the server is stopped")
	}
	return svc.LastChecks(ctx)
}

func (d desktopServices) BaseURLs() (openai, anthropic string) {
	d.in.mu.Lock()
	addr := d.in.addr
	d.in.mu.Unlock()
	base := service.BaseURL(addr)
	return base + "/v1", base
}

func (d desktopServices) Redact(s string) string {
	if svc := d.service(); svc != nil {
		return svc.Redact(s)
	}
	return s
}
