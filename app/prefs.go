package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// PrefsFile is the desktop preferences file in the data folder.
const PrefsFile = "desktop.json"

// Window size limits: the default fits a 1366×768 laptop screen with a
// panel or two; the minimum keeps the dashboard's sidebar and a page.
const (
	DefaultWidth  = 1200
	DefaultHeight = 680
	MinWidth      = 900
	MinHeight     = 600
)

// Geometry is the window's last size and position on screen.
type Geometry struct {
	X      int `json:"x"`
	Y      int `json:"y"`
	Width  int `json:"width"`
	Height int `json:"height"`
}

// Prefs are the desktop app's own settings (not the proxy's, which live in
// sluicegate.db): they apply to this window only.
type Prefs struct {
	// Addr is the listen address (HOST:PORT); empty means the default.
	// --addr and SLUICEGATE_ADDR override it. Applied on restart.
	Addr string `json:"addr"`
	// CloseToTray: closing the window hides it to the tray (when there
	// is a tray) and the proxy keeps running.
	CloseToTray bool `json:"close_to_tray"`
	// Notifications: a desktop notification when a health check turns a
	// provider unhealthy or healthy again.
	Notifications bool `json:"notifications"`
	// StartAtLogin mirrors the XDG autostart entry.
	StartAtLogin bool `json:"start_at_login"`
	// Window is the last geometry; nil before the first close.
	Window *Geometry `json:"window,omitempty"`
}

// DefaultPrefs are the preferences before the user changed any.
func DefaultPrefs() Prefs {
	return Prefs{CloseToTray: true, Notifications: true}
}

// LoadPrefs reads dir/desktop.json. A missing file gives the defaults; a
// broken one gives the defaults and the error (the caller logs it: a bad
// preferences file must not keep the app from starting).
func LoadPrefs(dir string) (Prefs, error) {
	p := DefaultPrefs()
	b, err := os.ReadFile(filepath.Join(dir, PrefsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read desktop preferences: %w", err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return DefaultPrefs(), fmt.Errorf("desktop preferences %s: %w", filepath.Join(dir, PrefsFile), err)
	}
	if p.Addr != "" {
		if err := ValidateAddr(p.Addr); err != nil {
			p.Addr = ""
			return p, fmt.Errorf("desktop preferences %s: %w", filepath.Join(dir, PrefsFile), err)
		}
	}
	return p, nil
}

// SavePrefs writes dir/desktop.json atomically (temp file and rename), so
// a crash never leaves half a file.
func SavePrefs(dir string, p Prefs) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save desktop preferences: %w", err)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("save desktop preferences: %w", err)
	}
	f, err := os.CreateTemp(dir, PrefsFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("save desktop preferences: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(append(b, '\n'))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("save desktop preferences: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, PrefsFile)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("save desktop preferences: %w", err)
	}
	return nil
}

// ValidateAddr checks a HOST:PORT the desktop app may listen on. Only
// loopback hosts are accepted here: a listener other machines can reach
// needs an admin token, which is a command-line decision (--addr and
// --admin-token), not a checkbox.
func ValidateAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q is not HOST:PORT (for example 127.0.0.1:8750)", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("address %q: the port must be a number from 1 to 65535", addr)
	}
	if !isLoopback(host) {
		return fmt.Errorf("address %q: the desktop app listens on this machine only (127.0.0.1, ::1 or localhost); use --addr with --admin-token to listen beyond it", addr)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// clampGeometry keeps a remembered geometry usable: never below the
// minimum size (a file edited by hand, or a screen that shrank).
func clampGeometry(g Geometry) Geometry {
	g.Width = max(g.Width, MinWidth)
	g.Height = max(g.Height, MinHeight)
	g.X = max(g.X, 0)
	g.Y = max(g.Y, 0)
	return g
}
