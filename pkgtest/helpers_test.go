//go:build pkg

package pkgtest

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
)

// root is the repository root, seen from this package's directory.
const root = ".."

// expectedVersion is the version `make package` stamps: the Makefile's
// VERSION (or the VERSION in the environment, as make itself takes it).
func expectedVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("make", "--no-print-directory", "-s", "-C", root, "version").Output()
	if err != nil {
		t.Fatalf("make version: %v", err)
	}
	v := strings.TrimSpace(string(out))
	if v == "" {
		t.Fatal("make version printed nothing")
	}
	return v
}

// debPath is the .deb under test.
func debPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SLUICEGATE_DEB"); p != "" {
		return fromRoot(p)
	}
	matches, err := filepath.Glob(filepath.Join(root, "build", "package", "sluicegate_*.deb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) != 1 {
		t.Fatalf("want exactly one build/package/sluicegate_*.deb, found %d: run `make package` (or set SLUICEGATE_DEB)", len(matches))
	}
	return matches[0]
}

// fromRoot reads a path given in the environment relative to the
// repository root (where make runs), as absolute paths are.
func fromRoot(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}

// headlessBin is the headless binary under test.
func headlessBin(t *testing.T) string {
	t.Helper()
	p := fromRoot(os.Getenv("SLUICEGATE_HEADLESS_BIN"))
	if p == "" {
		p = filepath.Join(root, "build", "bin", "sluicegate-headless")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("headless binary: %v: run `make build-headless` (or set SLUICEGATE_HEADLESS_BIN)", err)
	}
	return abs
}

// command runs name with args (bounded to a minute) and returns its
// combined output; a non-zero exit fails the test with that output.
func command(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := commandErr(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func commandErr(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// proc is a started long-running process, killed in Cleanup.
type proc struct {
	cmd    *exec.Cmd
	output *desktoptest.SyncBuffer
	done   chan error
}

func start(t *testing.T, env []string, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	p := &proc{cmd: cmd, output: &desktoptest.SyncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.output, p.output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.output)
		}
	})
	return p
}

// waitHealthy polls /healthz until it answers 200, failing early when
// the process exits.
func waitHealthy(t *testing.T, p *proc, addr string) {
	t.Helper()
	ok := desktoptest.WaitUntil(30*time.Second, func() bool {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("process exited before /healthz answered: %v", err)
		default:
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if !ok {
		t.Fatal("/healthz did not answer 200 within 30s")
	}
}

// xdotoolSearch returns the ids of the visible windows matching a
// search (e.g. "--name", "^Sluicegate$" or "--class", "^sluicegate$").
func xdotoolSearch(display string, by, pattern string) []string {
	cmd := exec.Command("xdotool", "search", "--onlyvisible", by, pattern)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, _ := cmd.Output() // exit 1 means "none found"
	return strings.Fields(string(out))
}
