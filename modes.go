package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/sluicegate/sluicegate/app"
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
	in := newInstance(opts, newLogger(stderr))
	startErr := false
	err := app.Run(app.Config{
		Title:     "Sluicegate",
		Dashboard: dashboardFS(),
		Handler:   in.InProcess(),
		Icon:      appIcon,
		DataDir:   opts.dataDir,
		// The terminal gets the reason at once; the window shows it in a
		// dialog until the user dismisses it.
		Start: func(ctx context.Context) error {
			err := in.Start(ctx)
			if err != nil {
				startErr = true
				fmt.Fprintf(stderr, "sluicegate: %v\n", err)
			}
			return err
		},
		Stop: in.Stop,
	})
	if err != nil {
		if !startErr {
			fmt.Fprintf(stderr, "sluicegate: %v\n", err)
		}
		return exitError
	}
	return exitOK
}
