package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
	"github.com/sluicegate/sluicegate/model"
)

func TestRunCommands(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		env        map[string]string
		code       int
		wantOut    string
		wantErr    string
		notWantOut string
	}{
		{name: "version", args: []string{"version"}, code: 0, wantOut: "sluicegate " + version},
		{name: "help", args: []string{"help"}, code: 0, wantOut: "sluicegate serve [flags]"},
		{name: "--help", args: []string{"--help"}, code: 0, wantOut: "--data-dir DIR"},
		{name: "serve --help", args: []string{"serve", "--help"}, code: 0, wantOut: "--admin-token"},
		{name: "help hides a token", args: []string{"--help"}, env: map[string]string{envToken: "tok-secret"}, code: 0, notWantOut: "tok-secret"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, wantErr: `unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"serve", "--nope"}, code: 2, wantErr: "-nope"},
		{name: "stray argument", args: []string{"serve", "extra"}, code: 2, wantErr: `unexpected argument "extra"`},
		{name: "bad addr", args: []string{"serve", "--addr", "8750"}, code: 2, wantErr: "not HOST:PORT"},
		{name: "bad port", args: []string{"serve", "--addr", "127.0.0.1:http2x"}, code: 2, wantErr: "port"},
		{name: "non-loopback needs token", args: []string{"serve", "--addr", "0.0.0.0:8750"}, code: 2, wantErr: "--admin-token"},
		{name: "wildcard needs token", args: []string{"serve", "--addr", ":8750"}, code: 2, wantErr: "--admin-token"},
		{name: "env addr is read", args: []string{"serve"}, env: map[string]string{envAddr: "192.168.7.7:1"}, code: 2, wantErr: "192.168.7.7:1 listens beyond"},
		{name: "desktop without window build", args: []string{}, code: 2, wantErr: "sluicegate serve"},
		{name: "help shows the grace", args: []string{"serve", "--help"}, code: 0, wantOut: "--shutdown-grace DURATION"},
		// Admin tokens that could never match what a client sends, or that
		// are too short to guard a listener other machines reach; the
		// message never shows the token.
		{name: "token with trailing newline", args: []string{"serve", "--admin-token", "tok-secret-value-long\n"}, code: 2, wantErr: "whitespace", notWantOut: "tok-secret"},
		{name: "token with leading space", args: []string{"serve"}, env: map[string]string{envToken: " tok-secret-value-long"}, code: 2, wantErr: "whitespace", notWantOut: "tok-secret"},
		{name: "token with inner CR", args: []string{"serve", "--admin-token", "tok-secret\rvalue-long"}, code: 2, wantErr: "control character", notWantOut: "tok-secret"},
		{name: "token with inner LF", args: []string{"serve", "--admin-token", "tok-secret\nvalue-long"}, code: 2, wantErr: "control character", notWantOut: "tok-secret"},
		{name: "token with tab", args: []string{"serve", "--admin-token", "tok-secret\tvalue-long"}, code: 2, wantErr: "control character", notWantOut: "tok-secret"},
		{name: "short token off loopback", args: []string{"serve", "--addr", "0.0.0.0:8750", "--admin-token", "tok-secret-15ch"}, code: 2, wantErr: "at least 16 characters", notWantOut: "tok-secret"},
		{name: "bad grace env", args: []string{"serve"}, env: map[string]string{envShutdownGrace: "ten"}, code: 2, wantErr: envShutdownGrace},
		{name: "bad grace flag", args: []string{"serve", "--shutdown-grace", "soon"}, code: 2, wantErr: "shutdown-grace"},
		{name: "negative grace", args: []string{"serve", "--shutdown-grace", "-1s"}, code: 2, wantErr: "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			code := run(tc.args, &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut.String())
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), tc.wantOut)
			}
			if !strings.Contains(errOut.String(), tc.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut.String(), tc.wantErr)
			}
			if tc.notWantOut != "" && strings.Contains(out.String()+errOut.String(), tc.notWantOut) {
				t.Errorf("output shows %q", tc.notWantOut)
			}
			if tc.code == 2 && strings.Count(strings.TrimSpace(errOut.String()), "\n") > 0 {
				t.Errorf("usage errors are one line; got:\n%s", errOut.String())
			}
		})
	}
}

// buildBinary compiles this command (without the window) for tests that
// need a real process.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "sluicegate-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sluicegate")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveProc is a running `sluicegate serve` child process.
type serveProc struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	stderr *desktoptest.SyncBuffer
	done   chan error
}

// startServe runs the real binary on a free loopback port and waits until
// /healthz answers.
func startServe(t *testing.T, dataDir string, args ...string) *serveProc {
	t.Helper()
	return serveAt(t, freePort(t), dataDir, args...)
}

// serveAt runs the real binary's `serve` on addr (a restart must reuse the
// same port) and waits until /healthz answers.
func serveAt(t *testing.T, addr, dataDir string, args ...string) *serveProc {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	p := &serveProc{base: "http://" + addr, stderr: &desktoptest.SyncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--data-dir", dataDir}, args...)...)
	p.cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=")
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		p.done <- nil
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if resp, err := http.Get(p.base + "/healthz"); err == nil {
			resp.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer: %s", p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
}

// TestServeProcess is issue 2's acceptance for `serve` against the real
// binary: health and status answer, the guards refuse DNS rebinding and
// cross-origin admin calls, the database is private, SIGTERM is clean.
func TestServeProcess(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dataDir)
	base := p.base
	addr := strings.TrimPrefix(base, "http://")

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Fatalf("/healthz: %d %s", resp.StatusCode, body)
	}

	resp, err = http.Get(base + "/admin/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	var st model.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st.Addr != addr || st.OpenAIBaseURL != base+"/v1" || st.AnthropicBaseURL != base || st.DataDir != dataDir {
		t.Errorf("status: %+v", st)
	}

	for _, tc := range []struct {
		name, method, path string
		header             map[string]string
		host               string
		want               int
	}{
		{"rebinding host", "GET", "/healthz", nil, "evil.example", 403},
		{"rebinding host admin", "GET", "/admin/v1/status", nil, "evil.example:80", 403},
		{"cross-origin admin POST", "POST", "/admin/v1/status", map[string]string{"Origin": "http://evil.example"}, "", 403},
		{"dashboard", "GET", "/", nil, "", 200},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, nil)
		if tc.host != "" {
			req.Host = tc.host
		}
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}

	for path, want := range map[string]os.FileMode{dataDir: 0o700, filepath.Join(dataDir, "sluicegate.db"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", path, fi.Mode().Perm(), want)
		}
	}

	// A second instance on the same port: one line naming port and flag.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bin, _ := buildBinary()
	out, err := exec.CommandContext(ctx, bin, "serve", "--addr", addr, "--data-dir", t.TempDir()).CombinedOutput()
	var ee *exec.ExitError
	_, port, _ := net.SplitHostPort(addr)
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("second instance: %v, want exit 1", err)
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 ||
		!strings.Contains(lines[0], "port "+port+" is already in use") || !strings.Contains(lines[0], "--addr") {
		t.Errorf("second instance output:\n%s", out)
	}

	p.stop(t)
	if !strings.Contains(p.stderr.String(), "shutting down") {
		t.Errorf("no shutdown log:\n%s", p.stderr.String())
	}
}
