package app

import (
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

func result(id int64, key, status string, msg string) model.CheckResult {
	r := model.CheckResult{ProviderID: id, ProviderKey: key, Status: status,
		Summary: model.CheckSummary{TotalModels: 2, UnhealthyModels: 1}}
	if msg != "" {
		r.Models = []model.ModelResult{
			{Model: "fine", Status: model.HealthHealthy},
			{Model: "gpt-x", Status: model.HealthUnhealthy, Error: &model.CheckError{Type: model.CheckErrUpstream, Message: msg}},
		}
	}
	return r
}

func TestHealthWatchTransitions(t *testing.T) {
	redact := func(s string) string { return strings.ReplaceAll(s, "sk-secret", "[redacted]") }
	w := newHealthWatch()
	steps := []struct {
		r        model.CheckResult
		announce bool
		want     string // summary, "" for none
		body     string
	}{
		{result(1, "acme", model.HealthHealthy, ""), true, "", ""},
		{result(1, "acme", model.HealthUnhealthy, "401 bad key sk-secret"), true, "Provider acme is unhealthy", "gpt-x: 401 bad key [redacted]"},
		{result(1, "acme", model.HealthUnhealthy, "401 again"), true, "", ""}, // still bad: no repeat
		{result(1, "acme", model.HealthHealthy, ""), true, "Provider acme is healthy again", ""},
		{result(2, "beta", model.HealthDegraded, "503 overloaded"), true, "Provider beta is degraded (1 of 2 models failing)", "gpt-x: 503 overloaded"},
		{result(3, "gamma", model.HealthUnhealthy, "down"), false, "", ""}, // not announced, but remembered
		{result(3, "gamma", model.HealthHealthy, ""), true, "Provider gamma is healthy again", ""},
	}
	for i, s := range steps {
		n, ok := w.observe(s.r, s.announce, redact)
		if ok != (s.want != "") || n.Summary != s.want || (s.body != "" && n.Body != s.body) {
			t.Errorf("step %d: got %v %+v, want %q / %q", i, ok, n, s.want, s.body)
		}
		if strings.Contains(n.Body, "sk-secret") {
			t.Errorf("step %d: secret in the notification: %q", i, n.Body)
		}
	}
	if got := w.unhealthy(); got != 1 { // beta
		t.Errorf("unhealthy = %d, want 1", got)
	}
	w.forget(2)
	if got := w.unhealthy(); got != 0 {
		t.Errorf("unhealthy after forget = %d", got)
	}
}

func TestTrayLabel(t *testing.T) {
	tests := []struct {
		st   StartupState
		n    int
		want string
	}{
		{StartupState{State: StateRunning, Addr: "127.0.0.1:8750"}, 3, "Running on 127.0.0.1:8750 · 3 providers"},
		{StartupState{State: StateRunning, Addr: "127.0.0.1:8750"}, 1, "Running on 127.0.0.1:8750 · 1 provider"},
		{StartupState{State: StateRunning, Addr: "127.0.0.1:8750"}, -1, "Running on 127.0.0.1:8750"},
		{StartupState{State: StateConflict, Addr: "127.0.0.1:8750"}, 0, "Not running: 127.0.0.1:8750 is taken"},
		{StartupState{State: StateStarting}, 0, "Starting…"},
	}
	for _, tt := range tests {
		if got := trayLabel(tt.st, tt.n); got != tt.want {
			t.Errorf("trayLabel = %q, want %q", got, tt.want)
		}
	}
}

func TestTrayIconsDiffer(t *testing.T) {
	ok, warn := trayIcons(nil) // no icon: a plain square, still two variants
	if len(ok) == 0 || len(warn) == 0 || string(ok) == string(warn) {
		t.Fatalf("icons: %d and %d bytes, equal=%v", len(ok), len(warn), string(ok) == string(warn))
	}
}
