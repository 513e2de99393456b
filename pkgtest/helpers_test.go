//go:build pkg

package pkgtest

import (
	"bufio"
	"bytes"
	"context"
	"image"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer is a bytes.Buffer a process writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a started long-running process, killed in Cleanup.
type proc struct {
	cmd    *exec.Cmd
	output *syncBuffer
	done   chan error
}

func start(t *testing.T, env []string, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	p := &proc{cmd: cmd, output: &syncBuffer{}, done: make(chan error, 1)}
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
	ok := waitUntil(30*time.Second, func() bool {
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

// waitUntil polls cond every 100ms until it holds or within has passed.
func waitUntil(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startXvfb starts a private X server and returns its DISPLAY value;
// -displayfd lets Xvfb pick a free display number and tell us which.
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1366x768x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb (apt package xvfb): %v", err)
	}
	_ = w.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb did not report a display")
		}
		return ":" + n
	case <-time.After(15 * time.Second):
		t.Fatal("Xvfb did not start within 15s")
	}
	return ""
}

// xdotoolSearch returns the ids of the visible windows matching a
// search (e.g. "--name", "^Sluicegate$" or "--class", "^sluicegate$").
func xdotoolSearch(display string, by, pattern string) []string {
	cmd := exec.Command("xdotool", "search", "--onlyvisible", by, pattern)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, _ := cmd.Output() // exit 1 means "none found"
	return strings.Fields(string(out))
}

// screenshot captures the whole screen as a PNG.
func screenshot(t *testing.T, display string) ([]byte, image.Image) {
	t.Helper()
	cmd := exec.Command("import", "-window", "root", "png:-")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("import (apt package imagemagick): %v", err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	return out, img
}

// colours counts the distinct colours in img; a blank or half-painted
// window has very few, a rendered dashboard with text has hundreds.
func colours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
		}
	}
	return len(seen)
}

// saveShot keeps a screenshot in out/screenshots (or $SCREENSHOT_DIR).
func saveShot(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(root, "out", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshot dir: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Logf("save screenshot: %v", err)
	}
}
