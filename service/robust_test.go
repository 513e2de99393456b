package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/storage"
)

// logBuffer is a goroutine-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) lines(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

// rawStore opens the data directory's database directly, to damage it
// the way a crash, a hand edit or an older version could.
func rawStore(t *testing.T, dir string) *storage.Store {
	t.Helper()
	st, err := storage.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestBadRowsDoNotStopStart: a provider that no longer validates and a
// setting that does not decode or is out of range do not stop Start; the
// provider is served as disabled with its reason, the setting takes its
// default, and each is logged once.
func TestBadRowsDoNotStopStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := startService(t, dir, Config{NoScheduler: true})
	good := addProvider(t, s, "good", "http://127.0.0.1:9/v1", true, 0, "m")
	bad := addProvider(t, s, "bad", "http://127.0.0.1:9/v1", true, 0, "n")
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{ProxyKeys: &[]string{"pk-good-key-1"}}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close(ctx)

	st := rawStore(t, dir)
	b, err := st.GetProvider(ctx, bad.ID)
	if err != nil {
		t.Fatal(err)
	}
	b.BaseURL = "http://127.0.0.1:99999/v1" // no longer valid
	if err := st.UpdateProvider(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSettings(ctx, map[string]string{
		"log_retention_days": `"seven"`, "max_body_bytes": "5", "proxy_keys": `["pk-good-key-1","bad key"]`,
	}); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	logs := &logBuffer{}
	s2 := startService(t, dir, Config{NoScheduler: true, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	list, err := s2.ListProviders(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %v %v", list, err)
	}
	if list[0].ID != good.ID || list[0].LoadError != "" || !list[0].Enabled {
		t.Errorf("good provider %+v", list[0])
	}
	if list[1].Enabled || !strings.Contains(list[1].LoadError, "base_url") {
		t.Errorf("bad provider: enabled=%v load_error=%q", list[1].Enabled, list[1].LoadError)
	}
	if r, err := s2.CheckProvider(ctx, bad.ID, model.CheckOptions{}, model.TriggerAPI); err != nil || r.Status != model.HealthDisabled {
		t.Errorf("check of the bad provider: %+v %v", r, err)
	}
	set, err := s2.loadSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultSettings()
	if set.LogRetentionDays != d.LogRetentionDays || set.MaxBodyBytes != d.MaxBodyBytes || len(set.ProxyKeys) != 1 || set.ProxyKeys[0] != "pk-good-key-1" {
		t.Errorf("settings fallback %+v", set)
	}
	_, _ = s2.ListProviders(ctx) // reloads log nothing new
	_, _ = s2.Settings(ctx)
	for what, n := range map[string]int{
		"provider=bad": logs.lines("served as disabled"), "log_retention_days": logs.lines("setting=log_retention_days"),
		"max_body_bytes": logs.lines("setting=max_body_bytes"), "proxy_keys[1]": logs.lines("setting=proxy_keys[1]"),
	} {
		if n != 1 {
			t.Errorf("%s: %d warning lines, want 1\n%s", what, n, logs.b.String())
		}
	}
	if strings.Contains(logs.b.String(), "bad key") {
		t.Error("a proxy key value was logged")
	}
	// Fixing the provider clears the error.
	fixed, err := s2.PatchProvider(ctx, bad.ID, model.ProviderInput{BaseURL: ptr("http://127.0.0.1:9/v1")})
	if err != nil || fixed.LoadError != "" || !fixed.Enabled {
		t.Errorf("fixed: %+v %v", fixed, err)
	}
}

// TestCheckKeptWhileDiskFull: a finished check that a full disk refuses
// is still answered, kept in memory, and written once there is space.
func TestCheckKeptWhileDiskFull(t *testing.T) {
	big := strings.Repeat("overloaded ", 5000) // under the probe's 64 KiB error-body limit
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": big}})
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	s := startService(t, t.TempDir(), Config{NoScheduler: true})
	p := addProvider(t, s, "full", srv.URL+"/v1", true, 0, "a", "b")
	st, _ := s.storage()
	n, err := st.PageCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetMaxPageCount(ctx, n); err != nil {
		t.Fatal(err)
	}
	r1, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
	if err != nil || r1.Status != model.HealthUnhealthy || len(r1.Models) != 2 {
		t.Fatalf("check on a full disk: %+v %v", r1.Status, err)
	}
	if hist, _ := s.HealthHistory(ctx, p.ID, 10, ""); len(hist) != 0 {
		t.Fatalf("stored on a full disk? %d", len(hist))
	}
	if err := st.SetMaxPageCount(ctx, 0); err != nil {
		t.Fatal(err)
	}
	r2, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := s.HealthHistory(ctx, p.ID, 10, "")
	if err != nil || len(hist) != 2 || hist[0].CheckID != r2.CheckID || hist[1].CheckID != r1.CheckID {
		t.Fatalf("history after space came back: %d %v", len(hist), err)
	}
}

// TestPendingChecksBounded: at most maxPendingChecks are kept; the oldest
// goes first.
func TestPendingChecksBounded(t *testing.T) {
	// No scheduler: its tick flushes the pending checks (these name no
	// stored provider, so they would be dropped) while the test counts.
	s := startService(t, t.TempDir(), Config{NoScheduler: true})
	for i := range maxPendingChecks + 5 {
		s.keepPending(model.CheckResult{CheckID: fmt.Sprint("hc_", i)}, 0)
	}
	if len(s.pending) != maxPendingChecks || s.pending[0].r.CheckID != "hc_5" {
		t.Errorf("%d pending, first %s", len(s.pending), s.pending[0].r.CheckID)
	}
}
