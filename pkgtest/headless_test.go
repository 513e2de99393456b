//go:build pkg

package pkgtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
)

// guiLibraries are name parts of the libraries a desktop build links and
// the headless build must not.
var guiLibraries = []string{"webkit", "javascriptcore", "gtk", "gdk", "soup", "cairo", "pango", "glib", "gobject", "gio-"}

func TestHeadlessLinksNoGUILibraries(t *testing.T) {
	out := command(t, "ldd", headlessBin(t))
	for _, line := range strings.Split(out, "\n") {
		for _, lib := range guiLibraries {
			if strings.Contains(strings.ToLower(line), lib) {
				t.Errorf("the headless binary links %s: %s", lib, strings.TrimSpace(line))
				break
			}
		}
	}
	if !strings.Contains(out, "libc.so") {
		t.Errorf("ldd output does not look like a dynamically linked Go/cgo binary:\n%s", out)
	}
}

// headlessEnv is the environment without a display: the headless build
// must not need one.
func headlessEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "DISPLAY=") || strings.HasPrefix(kv, "WAYLAND_DISPLAY=")
	})
}

// runHeadless runs the headless binary to completion (bounded to a
// minute) and returns its stdout, stderr and exit code.
func runHeadless(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, headlessBin(t), args...)
	cmd.Env = headlessEnv()
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return o.String(), e.String(), 0
}

func TestHeadlessDesktopModeSaysServe(t *testing.T) {
	_, stderr, code := runHeadless(t, "--data-dir", t.TempDir())
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 || !strings.Contains(stderr, "without the desktop window") || !strings.Contains(stderr, "sluicegate serve") {
		t.Errorf("stderr %q: want one line pointing to `sluicegate serve`", stderr)
	}
	stdout, _, code := runHeadless(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "sluicegate "+expectedVersion(t)+" ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

// TestHeadlessServeCheckLogs runs the headless build's three commands
// for real: serve (with a provider added over the admin API and one
// request proxied to a local fake upstream), check on its data dir, and
// logs against the running instance; then a clean SIGTERM stop.
func TestHeadlessServeCheckLogs(t *testing.T) {
	probes := make(chan string, 16)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case probes <- r.URL.Path + " " + string(body):
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"c1","object":"chat.completion","model":"up-model","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`)
	}))
	defer fake.Close()

	dataDir := t.TempDir()
	addr := desktoptest.FreeAddr(t)
	srv := start(t, headlessEnv(), headlessBin(t), "serve", "--addr", addr, "--data-dir", dataDir)
	waitHealthy(t, srv, addr)

	// The embedded dashboard is served.
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "<script") {
		t.Fatalf("GET /: %d, %.200s", resp.StatusCode, page)
	}

	resp, err = http.Post("http://"+addr+"/admin/v1/providers", "application/json", strings.NewReader(
		`{"key":"fake","type":"openai","base_url":"`+fake.URL+`/v1","models":[{"alias":"pkg-model","upstream":"up-model"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create provider: %d", resp.StatusCode)
	}
	resp, err = http.Post("http://"+addr+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"pkg-model","messages":[{"role":"user","content":"hello"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"content":"hi"`) {
		t.Fatalf("proxied request: %d %s", resp.StatusCode, body)
	}
	if p := <-probes; !strings.HasPrefix(p, "/v1/chat/completions ") || !strings.Contains(p, `"model":"up-model"`) {
		t.Fatalf("upstream got %q", p)
	}

	// check: a real probe to the fake upstream, exit 0 when healthy.
	stdout, stderr, code := runHeadless(t, "check", "--data-dir", dataDir, "--json")
	if code != 0 {
		t.Fatalf("check: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	var res struct {
		Providers []struct {
			Key    string `json:"key"`
			Status string `json:"status"`
		} `json:"providers"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("check --json: %v\n%s", err, stdout)
	}
	if len(res.Providers) != 1 || res.Providers[0].Status != "healthy" {
		t.Errorf("check result: %+v", res.Providers)
	}
	select {
	case p := <-probes:
		if !strings.Contains(p, `"max_tokens":1`) {
			t.Errorf("check's probe: %q", p)
		}
	default:
		t.Error("check reported healthy, but no probe reached the fake upstream")
	}

	// logs: the running instance's request log has the proxied request
	// (entries are written in batches, so it may take a moment).
	found := desktoptest.WaitUntil(10*time.Second, func() bool {
		stdout, stderr, code = runHeadless(t, "logs", "--addr", addr, "--json", "--limit", "10")
		if code != 0 {
			t.Fatalf("logs: exit %d\nstderr: %s", code, stderr)
		}
		return strings.Contains(stdout, `"pkg-model"`)
	})
	if !found {
		t.Errorf("logs output has no entry for pkg-model within 10s:\n%s", stdout)
	}

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-srv.done:
		srv.done <- err
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20s of SIGTERM")
	}
	if _, err := os.Stat(filepath.Join(dataDir, "sluicegate.db")); err != nil {
		t.Errorf("no database in the data dir: %v", err)
	}
}
