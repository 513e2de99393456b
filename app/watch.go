package app

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/sluicegate/sluicegate/model"
)

// healthWatch remembers each provider's last check status, to tell when
// one turns unhealthy or healthy again.
type healthWatch struct {
	mu   sync.Mutex
	last map[int64]string // provider id → status of its last check
}

func newHealthWatch() *healthWatch {
	return &healthWatch{last: map[int64]string{}}
}

// note is one desktop notification.
type note struct {
	Summary string
	Body    string
}

// bad: the provider fails for some or all of its models.
func bad(status string) bool {
	return status == model.HealthUnhealthy || status == model.HealthDegraded
}

// observe records a finished check. It returns the notification to show
// when the provider turned bad, or good again after being bad, and
// announce asks for one; redact cleans the upstream's message.
func (w *healthWatch) observe(r model.CheckResult, announce bool, redact func(string) string) (note, bool) {
	w.mu.Lock()
	prev, seen := w.last[r.ProviderID]
	w.last[r.ProviderID] = r.Status
	w.mu.Unlock()
	if !announce {
		return note{}, false
	}
	switch {
	case bad(r.Status) && !bad(prev):
		verb := "is unhealthy"
		if r.Status == model.HealthDegraded {
			verb = fmt.Sprintf("is degraded (%d of %d models failing)", r.Summary.UnhealthyModels, r.Summary.TotalModels)
		}
		return note{Summary: "Provider " + r.ProviderKey + " " + verb, Body: failureMessage(r, redact)}, true
	case seen && bad(prev) && r.Status == model.HealthHealthy:
		return note{Summary: "Provider " + r.ProviderKey + " is healthy again", Body: "Its last health check passed."}, true
	}
	return note{}, false
}

// forget drops a deleted provider.
func (w *healthWatch) forget(id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.last, id)
}

// unhealthy counts the providers whose last check was bad.
func (w *healthWatch) unhealthy() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.last {
		if bad(s) {
			n++
		}
	}
	return n
}

// failureMessage is the upstream's message for the first failing model,
// e.g. "gpt-4o: 401 invalid api key", with secrets redacted.
func failureMessage(r model.CheckResult, redact func(string) string) string {
	for _, m := range r.Models {
		if m.Error == nil || !bad(m.Status) {
			continue
		}
		msg := strings.TrimSpace(m.Error.Message)
		if msg == "" {
			msg = m.Error.Type
		}
		if redact != nil {
			msg = redact(msg)
		}
		const limit = 300 // a notification is a glance, not a log
		if len(msg) > limit {
			msg = msg[:limit] + "…"
		}
		return m.Model + ": " + msg
	}
	return "Its last health check failed."
}

// trayCheckDone marks, in the event stream, the end of a tray-started
// check: every health event of that check was published before it.
const trayCheckDone = "desktop.tray_check_done"

// watchEvents follows the service's events: health results update the
// tray icon and may notify; provider changes update the tray's label.
// Checks the dashboard started (trigger "api") are the user's own and
// shown there, so only scheduled and tray-started checks notify.
func (a *App) watchEvents(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-a.events:
			switch ev.Type {
			case trayCheckDone:
				a.trayChecks.Add(-1)
			case model.EventHealthFinished:
				r, ok := ev.Data.(model.CheckResult)
				if !ok {
					continue
				}
				announce := r.Trigger == model.TriggerSchedule ||
					(r.Trigger == model.TriggerAPI && a.trayChecks.Load() > 0)
				a.mu.Lock()
				announce = announce && a.prefs.Notifications
				svcs := a.services
				a.mu.Unlock()
				var redact func(string) string
				if svcs != nil {
					redact = svcs.Redact
				}
				if n, ok := a.watch.observe(r, announce, redact); ok {
					if err := a.notify.Notify(n.Summary, n.Body); err != nil {
						fmt.Fprintf(a.cfg.Stderr, "sluicegate: %v\n", err)
					}
				}
				a.tray.update()
			case model.EventProviderChanged:
				if pc, ok := ev.Data.(model.ProviderChanged); ok && pc.Action == "deleted" {
					a.watch.forget(pc.ID)
				}
				a.tray.update()
			}
		}
	}
}

// seedHealth loads the last stored checks, so the first scheduled check
// after a restart notifies only real changes.
func (a *App) seedHealth(ctx context.Context, svcs Services) {
	last, err := svcs.LastChecks(ctx)
	if err != nil {
		return
	}
	for _, r := range last {
		a.watch.observe(r, false, nil)
	}
}

// runTrayCheck runs a health check of all providers for the tray.
func (a *App) runTrayCheck(ctx context.Context) {
	a.mu.Lock()
	svcs := a.services
	a.mu.Unlock()
	if svcs == nil {
		return
	}
	a.trayChecks.Add(1)
	if _, err := svcs.CheckAll(ctx); err != nil {
		fmt.Fprintf(a.cfg.Stderr, "sluicegate: tray health check: %v\n", err)
	}
	// Blocking on purpose: the counter must come down after the check's
	// own events, in order.
	select {
	case a.events <- model.Event{Type: trayCheckDone}:
	case <-ctx.Done():
	}
}
