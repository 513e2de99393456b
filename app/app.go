// Package app is the desktop side of Sluicegate: the Wails window, its
// lifecycle, and a thin facade of desktop-only actions bound to the
// dashboard. It is the only package that uses the Wails runtime.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Config is what the window needs from the composition root.
type Config struct {
	// Title is the window title.
	Title string
	// Dashboard is the built frontend (frontend/dist).
	Dashboard fs.FS
	// Handler answers the webview's API requests in-process (the trusted
	// face of the root handler).
	Handler http.Handler
	// Icon is the PNG window icon.
	Icon []byte
	// DataDir is opened by OpenDataDir.
	DataDir string
	// Start brings the proxy server up once the window exists; an error is
	// shown in a dialog and the app quits.
	Start func(ctx context.Context) error
	// Stop shuts the server down when the window closes.
	Stop func(ctx context.Context) error
}

// App is bound to the dashboard as window.go.app.App. Its methods are the
// desktop-only actions; everything else goes through the HTTP API.
type App struct {
	cfg Config
	ctx context.Context
	// startErr is the error Start returned, if any (for the exit code).
	startErr error
}

// Run opens the window and blocks until it is closed. It returns the
// start-up error the user was shown, if there was one.
func Run(cfg Config) error {
	a := &App{cfg: cfg}
	err := wails.Run(&options.App{
		Title:            cfg.Title,
		Width:            1280,
		Height:           820,
		MinWidth:         900,
		MinHeight:        560,
		BackgroundColour: &options.RGBA{R: 245, G: 247, B: 250, A: 255}, // the light theme's page colour, so the first frame does not flash
		AssetServer: &assetserver.Options{
			Assets:  cfg.Dashboard,
			Handler: cfg.Handler,
		},
		OnStartup:  a.startup,
		OnShutdown: a.shutdown,
		Bind:       []any{a},
		Linux: &linux.Options{
			Icon:        cfg.Icon,
			ProgramName: "sluicegate",
		},
	})
	if err != nil {
		return fmt.Errorf("desktop window: %w", err)
	}
	return a.startErr
}

func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	if a.cfg.Start == nil {
		return
	}
	if err := a.cfg.Start(ctx); err != nil {
		a.startErr = err
		// The user started a desktop app, so the reason goes in a dialog,
		// not only in a terminal they may not have.
		_, _ = runtime.MessageDialog(ctx, runtime.MessageDialogOptions{
			Type:    runtime.ErrorDialog,
			Title:   "Sluicegate cannot start",
			Message: err.Error(),
		})
		runtime.Quit(ctx)
	}
}

func (a *App) shutdown(ctx context.Context) {
	if a.cfg.Stop != nil && a.startErr == nil {
		_ = a.cfg.Stop(ctx)
	}
}

// OpenDataDir opens the folder that holds sluicegate.db in the system's
// file manager.
func (a *App) OpenDataDir() error {
	if a.ctx == nil {
		return errors.New("the window is not ready yet")
	}
	dir, err := filepath.Abs(a.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("data folder %q: %w", a.cfg.DataDir, err)
	}
	runtime.BrowserOpenURL(a.ctx, (&url.URL{Scheme: "file", Path: dir}).String())
	return nil
}
