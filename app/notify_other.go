//go:build !linux

package app

// noNotifier drops notifications: other platforms are not wired yet.
type noNotifier struct{}

func (noNotifier) Notify(summary, body string) error { return nil }

func newNotifier() notifier { return noNotifier{} }
