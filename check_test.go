package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/service"
)

// TestCheckCommand runs `sluicegate check` in-process against a data
// folder prepared through the service: exit codes 0/1/2, the human table
// and the messages a user sees.
func TestCheckCommand(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(string(b), `"down"`) {
			w.WriteHeader(500)
			_, _ = io.WriteString(w, `{"error":{"message":"backend on fire"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","choices":[]}`)
	}))
	defer upstream.Close()

	empty := filepath.Join(t.TempDir(), "empty")
	dir := filepath.Join(t.TempDir(), "data")
	svc := service.New(service.Config{DataDir: dir, NoScheduler: true})
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ key, upstream string }{{"up", "fine"}, {"mixed", "down"}} {
		typ := model.TypeOpenAI
		key, base := p.key, upstream.URL+"/v1"
		models := []model.ModelMapping{{Alias: p.key + "-m", Upstream: p.upstream}}
		if _, err := svc.CreateProvider(context.Background(), model.ProviderInput{Key: &key, Type: &typ, BaseURL: &base, Models: &models}); err != nil {
			t.Fatal(err)
		}
	}
	_ = svc.Close(context.Background())

	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		out     string
		errText string
	}{
		{"healthy provider", []string{"--provider", "up"}, 0, "up        up-m   healthy", ""},
		{"by id", []string{"--provider", "1", "--json"}, 0, `"status": "healthy"`, ""},
		{"unhealthy model", []string{"--provider", "mixed"}, 1, "upstream_error: backend on fire", ""},
		{"all providers", nil, 1, "mixed: unhealthy (0 of 1 models healthy", ""},
		{"unknown provider", []string{"--provider", "nope"}, 2, "", `no provider "nope"; known: up, mixed`},
		{"bad concurrency", []string{"--max-concurrent", "20"}, 2, "", "--max-concurrent: must be 1..10, got 20"},
		{"bad timeout", []string{"--timeout-secs", "0"}, 2, "", "--timeout-secs: must be 1..120"},
		{"unknown flag", []string{"--nope"}, 2, "", "flag provided but not defined"},
		{"stray argument", []string{"up"}, 2, "", `unexpected argument "up"`},
		{"help", []string{"--help"}, 0, "Exit status: 0 when every checked model is healthy", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"check", "--data-dir", dir}, tc.args...)
			if code := run(args, &out, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tc.out) || !strings.Contains(errOut.String(), tc.errText) {
				t.Errorf("stdout %q (want %q)\nstderr %q (want %q)", out.String(), tc.out, errOut.String(), tc.errText)
			}
		})
	}

	var out, errOut bytes.Buffer
	if code := run([]string{"check", "--data-dir", empty}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "no Sluicegate database in "+empty) {
		t.Errorf("missing database: exit %d, stderr %q", code, errOut.String())
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("check created %s: %v", empty, err)
	}
	// A database with no providers is a set-up error too.
	st := service.New(service.Config{DataDir: empty, NoScheduler: true})
	if err := st.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = st.Close(context.Background())
	errOut.Reset()
	if code := run([]string{"check", "--data-dir", empty}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "no providers are configured") {
		t.Errorf("no providers: exit %d, stderr %q", code, errOut.String())
	}
}
