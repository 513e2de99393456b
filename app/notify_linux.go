//go:build linux

package app

import (
	"fmt"

	"github.com/godbus/dbus/v5"
)

// dbusNotifier sends desktop notifications over the session bus
// (org.freedesktop.Notifications, Desktop Notifications Specification).
type dbusNotifier struct{}

// Notify shows one notification. Without a session bus or a notification
// daemon it returns the error; the caller logs it and goes on.
func (dbusNotifier) Notify(summary, body string) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return fmt.Errorf("notification: no session bus: %w", err)
	}
	obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
	call := obj.Call("org.freedesktop.Notifications.Notify", 0,
		"Sluicegate", // app_name
		uint32(0),    // replaces_id
		"sluicegate", // app_icon
		summary, body,
		[]string{},                // actions
		map[string]dbus.Variant{}, // hints
		int32(-1),                 // expire_timeout: the server's default
	)
	if call.Err != nil {
		return fmt.Errorf("notification: %w", call.Err)
	}
	return nil
}

func newNotifier() notifier { return dbusNotifier{} }
