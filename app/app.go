// Package app is the desktop side of Sluicegate: the Wails window, its
// lifecycle, the tray, notifications, and a thin facade of desktop-only
// actions bound to the dashboard. It is the only package that uses the
// Wails runtime.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/sluicegate/sluicegate/model"
)

// UniqueID names the single-instance lock (a D-Bus name on Linux).
const UniqueID = "dev.sluicegate.app"

// ErrAlreadyRunning: another Sluicegate window runs on this desktop; it
// was asked to show itself, and this process has nothing more to do.
var ErrAlreadyRunning = errors.New("Sluicegate is already running; its window was brought to the front")

// Services is what the tray and the notifications need from the running
// proxy. The composition root adapts the service to it, so this package
// does not depend on the service package.
type Services interface {
	// ProviderCount is the number of configured providers.
	ProviderCount(ctx context.Context) (int, error)
	// CheckAll runs a health check of every enabled provider.
	CheckAll(ctx context.Context) (model.CheckAllResult, error)
	// LastChecks is the latest stored check of each provider.
	LastChecks(ctx context.Context) ([]model.CheckResult, error)
	// BaseURLs are the URLs SDKs use (OpenAI's ends in /v1).
	BaseURLs() (openai, anthropic string)
	// Redact removes known secrets from a message.
	Redact(s string) string
}

// Publisher receives live events; Publish must not block.
type Publisher interface {
	Publish(ev model.Event)
}

// Config is what the window needs from the composition root.
type Config struct {
	// Title is the window title.
	Title string
	// Dashboard is the built frontend (frontend/dist).
	Dashboard fs.FS
	// Handler answers the webview's API requests in-process (the trusted
	// face of the root handler).
	Handler http.Handler
	// Icon is the PNG window and tray icon.
	Icon []byte
	// DataDir holds sluicegate.db and desktop.json; OpenDataDir opens it.
	DataDir string
	// Addr is the listen address from --addr or SLUICEGATE_ADDR when
	// AddrOverride is set; otherwise the default, which the desktop
	// setting replaces.
	Addr         string
	AddrOverride bool
	// DefaultAddr is the built-in address (shown in Settings as what an
	// empty setting means).
	DefaultAddr string
	// StartHidden starts in the tray (--hidden, used by the autostart
	// entry); without a tray the window shows anyway.
	StartHidden bool
	// Stderr gets the lines a terminal user should see.
	Stderr io.Writer
	// Start brings the proxy server up on addr once the window exists. A
	// taken address (an error wrapping syscall.EADDRINUSE) shows the
	// conflict screen; any other error is shown in a dialog and the app
	// quits.
	// events receives the service's events (health checks, provider
	// changes) for the tray and the notifications.
	Start func(ctx context.Context, addr string, events Publisher) (Services, error)
	// Stop shuts the server down when the app quits.
	Stop func(ctx context.Context) error
}

// App is bound to the dashboard as window.go.app.App. Its methods are the
// desktop-only actions; everything else goes through the HTTP API.
type App struct {
	cfg Config
	ctx context.Context
	// ready is closed once the first start-up attempt is over.
	ready chan struct{}
	// quitting: the next close really quits (tray Quit, a signal).
	quitting atomic.Bool
	// started: the server runs (Stop is needed at the end).
	started atomic.Bool
	// trayOn: a tray icon is shown, so closing may hide the window.
	trayOn bool
	tray   *trayUI

	mu       sync.Mutex
	state    StartupState
	prefs    Prefs
	services Services
	// startErr is a start-up error the user was shown (for the exit code).
	startErr error

	watch  *healthWatch
	events chan model.Event
	// trayChecks counts tray-started checks whose results are not yet
	// all seen by the watcher (see watchEvents).
	trayChecks atomic.Int32
	notify     notifier

	restoreOnce sync.Once
}

// notifier shows a desktop notification.
type notifier interface {
	Notify(summary, body string) error
}

// Run opens the window and blocks until the app quits. It returns
// ErrAlreadyRunning when another instance took over, or the start-up
// error the user was shown.
func Run(cfg Config) error {
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	// Wails' own lock makes a second instance exit with status 1 after
	// it has started; asking first lets this one exit 0 before anything
	// opens. The lock below still owns the name for the first instance.
	if signalRunning(UniqueID) {
		return ErrAlreadyRunning
	}
	a := newApp(cfg)
	prefs, err := LoadPrefs(cfg.DataDir)
	if err != nil {
		fmt.Fprintf(cfg.Stderr, "sluicegate: %v (using the defaults)\n", err)
	}
	a.prefs = prefs
	a.state = StartupState{State: StateStarting, Addr: a.listenAddr(), AddrOverride: cfg.AddrOverride}
	a.trayOn = hasTrayHost()
	width, height := DefaultWidth, DefaultHeight
	if g := prefs.Window; g != nil {
		c := clampGeometry(*g)
		width, height = c.Width, c.Height
	}
	err = wails.Run(&options.App{
		Title:     cfg.Title,
		Width:     width,
		Height:    height,
		MinWidth:  MinWidth,
		MinHeight: MinHeight,
		// Hidden in the tray only when there is a tray to come back from.
		StartHidden:      cfg.StartHidden && a.trayOn,
		BackgroundColour: &options.RGBA{R: 245, G: 247, B: 250, A: 255}, // the light theme's page colour, so the first frame does not flash
		AssetServer: &assetserver.Options{
			Assets:  cfg.Dashboard,
			Handler: cfg.Handler,
		},
		OnStartup:     a.startup,
		OnDomReady:    a.domReady,
		OnBeforeClose: a.beforeClose,
		OnShutdown:    a.shutdown,
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId:               UniqueID,
			OnSecondInstanceLaunch: a.secondInstance,
		},
		Bind: []any{a},
		Linux: &linux.Options{
			Icon:        cfg.Icon,
			ProgramName: "sluicegate",
		},
	})
	if err != nil {
		return fmt.Errorf("desktop window: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.startErr
}

func newApp(cfg Config) *App {
	return &App{
		cfg:    cfg,
		ready:  make(chan struct{}),
		watch:  newHealthWatch(),
		events: make(chan model.Event, 256),
		notify: newNotifier(),
	}
}

// listenAddr is the address to listen on at start: --addr/env, else the
// desktop setting, else the default.
func (a *App) listenAddr() string {
	if !a.cfg.AddrOverride && a.prefs.Addr != "" {
		return a.prefs.Addr
	}
	return a.cfg.Addr
}

func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	a.handleSignals(ctx)
	if a.trayOn {
		a.tray = startTray(a)
	}
	// After the tray exists: the watcher updates it. Events published
	// meanwhile wait in the channel.
	go a.watchEvents(ctx)
	a.mu.Lock()
	addr := a.state.Addr
	a.mu.Unlock()
	a.tryStart(ctx, addr)
	close(a.ready)
}

// handleSignals makes SIGTERM and Ctrl+C quit even when closing the
// window would only hide it: Wails turns a signal into the same close as
// the window's button.
func (a *App) handleSignals(ctx context.Context) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-ch:
			a.quit()
		case <-ctx.Done():
		}
	}()
}

// quit really quits: the server stops and the process ends.
func (a *App) quit() {
	a.quitting.Store(true)
	runtime.Quit(a.ctx)
}

// tryStart starts the server on addr and records the outcome.
func (a *App) tryStart(ctx context.Context, addr string) StartupState {
	svcs, err := a.cfg.Start(ctx, addr, a)
	a.mu.Lock()
	override := a.cfg.AddrOverride
	a.mu.Unlock()
	var st StartupState
	switch {
	case err == nil:
		st = StartupState{State: StateRunning, Addr: addr, AddrOverride: override}
		a.started.Store(true)
		a.mu.Lock()
		a.services = svcs
		a.startErr = nil
		a.mu.Unlock()
		a.seedHealth(ctx, svcs)
	case isAddrInUse(err):
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		st = conflictState(pctx, addr, override, err)
		cancel()
		a.mu.Lock()
		a.startErr = err
		a.mu.Unlock()
		// Started hidden at login with the port taken: the user has to
		// see it to choose.
		runtime.WindowShow(ctx)
	default:
		st = StartupState{State: StateFailed, Addr: addr, AddrOverride: override, Message: err.Error()}
		a.mu.Lock()
		a.startErr = err
		a.mu.Unlock()
		// The user started a desktop app, so the reason goes in a dialog,
		// not only in a terminal they may not have.
		runtime.WindowShow(ctx)
		_, _ = runtime.MessageDialog(ctx, runtime.MessageDialogOptions{
			Type:    runtime.ErrorDialog,
			Title:   "Sluicegate cannot start",
			Message: err.Error(),
		})
		a.quit()
	}
	a.mu.Lock()
	a.state = st
	a.mu.Unlock()
	a.tray.update()
	return st
}

// domReady puts the window back where it was last time (once: a reload
// of the page must not move it).
func (a *App) domReady(ctx context.Context) {
	a.restoreOnce.Do(func() {
		a.mu.Lock()
		g := a.prefs.Window
		a.mu.Unlock()
		if g != nil {
			c := clampGeometry(*g)
			runtime.WindowSetPosition(ctx, c.X, c.Y)
		}
	})
}

// beforeClose runs for the window's close button and for every quit. It
// saves the window's geometry, then hides the window instead of quitting
// when there is a tray and the user wants that.
func (a *App) beforeClose(ctx context.Context) (prevent bool) {
	a.saveGeometry(ctx)
	if a.quitting.Load() {
		return false
	}
	a.mu.Lock()
	hide := a.trayOn && a.prefs.CloseToTray && a.state.State == StateRunning
	a.mu.Unlock()
	if hide {
		runtime.WindowHide(ctx)
		return true
	}
	return false
}

// saveGeometry remembers the window's size and position for next time.
func (a *App) saveGeometry(ctx context.Context) {
	if !runtime.WindowIsNormal(ctx) {
		return // maximised or minimised: keep the last normal geometry
	}
	w, h := runtime.WindowGetSize(ctx)
	x, y := runtime.WindowGetPosition(ctx)
	if w <= 0 || h <= 0 {
		return
	}
	a.mu.Lock()
	a.prefs.Window = &Geometry{X: x, Y: y, Width: w, Height: h}
	p := a.prefs
	a.mu.Unlock()
	if err := SavePrefs(a.cfg.DataDir, p); err != nil {
		fmt.Fprintf(a.cfg.Stderr, "sluicegate: %v\n", err)
	}
}

func (a *App) shutdown(ctx context.Context) {
	a.tray.stop()
	if a.cfg.Stop != nil && a.started.Load() {
		_ = a.cfg.Stop(ctx)
	}
}

// secondInstance: another launch asked this one to show itself.
func (a *App) secondInstance(options.SecondInstanceData) {
	a.showWindow()
}

// showWindow brings the window to the front.
func (a *App) showWindow() {
	runtime.WindowShow(a.ctx)
	runtime.WindowUnminimise(a.ctx)
}

// StartupState is what the window should show: the dashboard (running)
// or the conflict screen. It waits until the first start-up attempt is
// over.
func (a *App) StartupState() StartupState {
	<-a.ready
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state
}

// UseAddr starts the server on addr after a conflict ("Use port N
// instead", "Change port…"); remember makes addr the desktop setting.
// The returned state is running, or a new conflict.
func (a *App) UseAddr(addr string, remember bool) (StartupState, error) {
	<-a.ready
	a.mu.Lock()
	cur := a.state
	a.mu.Unlock()
	if cur.State != StateConflict {
		return cur, errors.New("Sluicegate is already running; change the address in Settings (applied on restart)")
	}
	if err := a.checkNewAddr(cur.Addr, addr); err != nil {
		return cur, err
	}
	if remember {
		a.mu.Lock()
		a.prefs.Addr = addr
		p := a.prefs
		a.mu.Unlock()
		if err := SavePrefs(a.cfg.DataDir, p); err != nil {
			return cur, err
		}
	}
	return a.tryStart(a.ctx, addr), nil
}

// checkNewAddr accepts a loopback address, or another port on the host
// the command line chose (which may be a remote one, with its token).
func (a *App) checkNewAddr(old, addr string) error {
	oldHost, _, _ := net.SplitHostPort(old)
	host, port, err := net.SplitHostPort(addr)
	if err == nil && host == oldHost {
		return ValidateAddr(net.JoinHostPort("127.0.0.1", port)) // the port only
	}
	return ValidateAddr(addr)
}

// Quit ends the app (the conflict screen's Quit button).
func (a *App) Quit() {
	a.quit()
}

// DesktopSettings are the desktop preferences and what the platform
// offers, for the Settings page's Desktop section.
type DesktopSettings struct {
	// Addr is the saved listen address ("" = the default).
	Addr          string `json:"addr"`
	CloseToTray   bool   `json:"close_to_tray"`
	Notifications bool   `json:"notifications"`
	StartAtLogin  bool   `json:"start_at_login"`
	// DefaultAddr is the address used when Addr is empty.
	DefaultAddr string `json:"default_addr"`
	// CurrentAddr is where the server listens now.
	CurrentAddr string `json:"current_addr"`
	// AddrOverride: --addr or SLUICEGATE_ADDR is in effect.
	AddrOverride bool `json:"addr_override"`
	// TrayAvailable: the desktop shows tray icons (StatusNotifierItem).
	TrayAvailable bool `json:"tray_available"`
	// AutostartSupported: start at login works on this platform.
	AutostartSupported bool `json:"autostart_supported"`
}

// DesktopPrefsInput is what the Settings page saves.
type DesktopPrefsInput struct {
	Addr          string `json:"addr"`
	CloseToTray   bool   `json:"close_to_tray"`
	Notifications bool   `json:"notifications"`
	StartAtLogin  bool   `json:"start_at_login"`
}

// GetDesktopSettings returns the desktop preferences.
func (a *App) GetDesktopSettings() DesktopSettings {
	a.mu.Lock()
	defer a.mu.Unlock()
	defaultAddr := a.cfg.DefaultAddr
	if defaultAddr == "" {
		defaultAddr = a.cfg.Addr
	}
	return DesktopSettings{
		Addr:               a.prefs.Addr,
		CloseToTray:        a.prefs.CloseToTray,
		Notifications:      a.prefs.Notifications,
		StartAtLogin:       AutostartEnabled(),
		DefaultAddr:        defaultAddr,
		CurrentAddr:        a.state.Addr,
		AddrOverride:       a.cfg.AddrOverride,
		TrayAvailable:      a.trayOn,
		AutostartSupported: autostartSupported,
	}
}

// SetDesktopSettings validates and saves the desktop preferences, and
// writes or removes the autostart entry. The address applies on restart.
func (a *App) SetDesktopSettings(in DesktopPrefsInput) (DesktopSettings, error) {
	if in.Addr != "" {
		if err := ValidateAddr(in.Addr); err != nil {
			return a.GetDesktopSettings(), err
		}
	}
	if in.StartAtLogin != AutostartEnabled() {
		exe, err := os.Executable()
		if err != nil {
			return a.GetDesktopSettings(), fmt.Errorf("start at login: %w", err)
		}
		if err := SetAutostart(in.StartAtLogin, exe); err != nil {
			return a.GetDesktopSettings(), err
		}
	}
	a.mu.Lock()
	a.prefs.Addr = in.Addr
	a.prefs.CloseToTray = in.CloseToTray
	a.prefs.Notifications = in.Notifications
	a.prefs.StartAtLogin = in.StartAtLogin
	p := a.prefs
	a.mu.Unlock()
	if err := SavePrefs(a.cfg.DataDir, p); err != nil {
		return a.GetDesktopSettings(), err
	}
	return a.GetDesktopSettings(), nil
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

// Publish receives the service's events (the composition root tees them
// here). It never blocks: when the desktop side falls behind, an event is
// dropped, which at worst skips a notification.
func (a *App) Publish(ev model.Event) {
	switch ev.Type {
	case model.EventHealthFinished, model.EventProviderChanged:
	default:
		return // the rest is the dashboard's
	}
	select {
	case a.events <- ev:
	default:
	}
}
