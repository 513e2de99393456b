//go:build linux

package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// autostartSupported: Linux desktops read XDG autostart entries.
const autostartSupported = true

// AutostartPath is $XDG_CONFIG_HOME/autostart/sluicegate.desktop
// (~/.config when XDG_CONFIG_HOME is unset or not absolute, as the XDG
// Base Directory spec says).
func AutostartPath() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("autostart entry: no home folder: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", "sluicegate.desktop"), nil
}

// SetAutostart writes (on) or removes (off) the autostart entry that runs
// exe hidden in the tray at login.
func SetAutostart(on bool, exe string) error {
	path, err := AutostartPath()
	if err != nil {
		return err
	}
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the autostart entry: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write the autostart entry: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(autostartEntry(exe)), 0o644); err != nil {
		return fmt.Errorf("write the autostart entry: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write the autostart entry: %w", err)
	}
	return nil
}

// AutostartEnabled reports whether the autostart entry exists.
func AutostartEnabled() bool {
	path, err := AutostartPath()
	if err != nil {
		return false
	}
	_, err = os.Stat(path)
	return err == nil
}
