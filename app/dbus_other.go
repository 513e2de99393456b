//go:build !linux

package app

// signalRunning: on macOS and Windows, Wails' SingleInstanceLock alone
// handles a second launch.
func signalRunning(uniqueID string) bool { return false }

// hasTrayHost: macOS and Windows always have a tray (menu bar, taskbar).
func hasTrayHost() bool { return true }
