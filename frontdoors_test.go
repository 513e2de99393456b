package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// TestHealthFrontDoorsAgree drives one provider's health check through
// every front door — the provider endpoint, the all-providers endpoint,
// the scheduler and the `check` binary — against one fake upstream, and
// checks that they store the same result.
func TestHealthFrontDoorsAgree(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(string(b), `"bad-upstream"`) {
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","choices":[]}`)
	}))
	defer upstream.Close()

	dataDir := filepath.Join(t.TempDir(), "data")
	in := newInstance(options{addr: "127.0.0.1:0", dataDir: dataDir, scheduleUnit: 10 * time.Millisecond},
		slog.New(slog.DiscardHandler))
	if err := in.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer in.Stop(context.Background())
	base := "http://" + in.addr

	code, body := call(t, "POST", base+"/admin/v1/providers", `{"key":"q","type":"openai","base_url":"`+upstream.URL+`/v1","api_key":"sk-q","models":[{"alias":"good","upstream":"good-upstream"},{"alias":"bad","upstream":"bad-upstream"}]}`, nil)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body = call(t, "POST", base+"/admin/v1/providers/1/health", "", nil); code != 200 {
		t.Fatalf("provider endpoint: %d %s", code, body)
	}
	if code, body = call(t, "POST", base+"/admin/v1/health/check", `{"max_concurrent":1}`, nil); code != 200 {
		t.Fatalf("all-providers endpoint: %d %s", code, body)
	}
	var all model.CheckAllResult
	if err := json.Unmarshal([]byte(body), &all); err != nil || all.TotalProviders != 1 || all.HealthyProviders != 0 || all.UnhealthyProviders != 1 {
		t.Errorf("all-providers counts (a degraded provider is not healthy): %+v %v", all, err)
	}
	// An explicit out-of-range value is refused, not replaced by the default.
	for _, bad := range []string{`{"max_concurrent":0}`, `{"timeout_secs":0}`, `{"max_concurrent":11}`} {
		if code, body = call(t, "POST", base+"/admin/v1/providers/1/health", bad, nil); code != 400 || !strings.Contains(body, `"field"`) {
			t.Errorf("%s: %d %s, want a 400 naming the field", bad, code, body)
		}
	}
	// Turn the schedule on (30 "seconds" of 10 ms) until it has run once.
	if code, body = call(t, "PATCH", base+"/admin/v1/providers/1", `{"health_check_interval_secs":30}`, nil); code != 200 {
		t.Fatalf("patch: %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(history(t, base), `"trigger":"schedule"`) {
		if time.Now().After(deadline) {
			t.Fatal("the scheduler did not run within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body = call(t, "PATCH", base+"/admin/v1/providers/1", `{"health_check_interval_secs":0}`, nil); code != 200 {
		t.Fatalf("patch: %d %s", code, body)
	}

	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cli := exec.Command(bin, "check", "--data-dir", dataDir, "--provider", "q", "--json")
	out, err := cli.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("check with an unhealthy model: %v, want exit 1\n%s", err, out)
	}
	var cliRes model.CheckAllResult
	if err := json.Unmarshal(out, &cliRes); err != nil || len(cliRes.Providers) != 1 {
		t.Fatalf("check --json: %v\n%s", err, out)
	}

	var hist struct{ Data []model.CheckResult }
	if err := json.Unmarshal([]byte(history(t, base)), &hist); err != nil {
		t.Fatal(err)
	}
	triggers := map[string]int{}
	for _, r := range hist.Data {
		triggers[r.Trigger]++
		if r.Status != model.HealthDegraded || len(r.Models) != 2 {
			t.Errorf("%s check: status %s with %d models", r.Trigger, r.Status, len(r.Models))
			continue
		}
		for _, m := range r.Models {
			want := map[string]struct {
				upstream, status string
				code             int
				errMsg           string
			}{
				"good": {"good-upstream", model.HealthHealthy, 200, ""},
				"bad":  {"bad-upstream", model.HealthUnhealthy, 429, "You exceeded your current quota"},
			}[m.Model]
			gotErr := ""
			if m.Error != nil {
				gotErr = m.Error.Message
			}
			if m.UpstreamModel != want.upstream || m.Status != want.status || m.StatusCode == nil || *m.StatusCode != want.code || gotErr != want.errMsg {
				t.Errorf("%s check, model %s: %+v (error %q)", r.Trigger, m.Model, m, gotErr)
			}
		}
	}
	if triggers[model.TriggerAPI] != 2 || triggers[model.TriggerSchedule] < 1 || triggers[model.TriggerCLI] != 1 {
		t.Errorf("stored checks by front door: %v", triggers)
	}
	if hist.Data[0].Trigger != model.TriggerCLI || hist.Data[0].CheckID != cliRes.Providers[0].CheckID {
		t.Errorf("newest stored check is not the CLI's: %s", hist.Data[0].Trigger)
	}
}

func history(t *testing.T, base string) string {
	t.Helper()
	code, body := call(t, "GET", base+"/admin/v1/providers/1/health/history?limit=50", "", nil)
	if code != 200 {
		t.Fatalf("history: %d %s", code, body)
	}
	return body
}
