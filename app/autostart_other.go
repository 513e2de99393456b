//go:build !linux

package app

import "errors"

// autostartSupported: start at login is implemented for Linux (XDG) only.
const autostartSupported = false

// SetAutostart is not implemented on this platform yet.
func SetAutostart(on bool, exe string) error {
	if !on {
		return nil
	}
	return errors.New("start at login is not available on this platform yet")
}

// AutostartEnabled is always false on this platform.
func AutostartEnabled() bool { return false }
