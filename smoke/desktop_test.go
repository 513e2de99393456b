//go:build smoke

package smoke

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
)

// bin is the binary under test.
func bin(t *testing.T) string {
	t.Helper()
	b := os.Getenv("SLUICEGATE_BIN")
	if b == "" {
		t.Fatal("SLUICEGATE_BIN is not set: build the desktop binary (make build) and point SLUICEGATE_BIN at it")
	}
	if _, err := os.Stat(b); err != nil {
		t.Fatalf("SLUICEGATE_BIN: %v", err)
	}
	return b
}

// app is a running desktop process.
type app struct {
	cmd    *exec.Cmd
	stderr *desktoptest.SyncBuffer
	done   chan error
}

func launch(t *testing.T, display, addr string, env ...string) *app {
	t.Helper()
	cmd := exec.Command(bin(t), "--addr", addr, "--data-dir", filepath.Join(t.TempDir(), "data"))
	cmd.Env = append(os.Environ(),
		"DISPLAY="+display,
		// No session bus: keeps GLib from spawning dbus daemons that would
		// outlive the test.
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent",
	)
	cmd.Env = append(cmd.Env, env...)
	a := &app{cmd: cmd, stderr: &desktoptest.SyncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = a.stderr
	cmd.Stdout = a.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-a.done
		if t.Failed() {
			t.Logf("app output:\n%s", a.stderr)
		}
	})
	return a
}

func waitHealthy(t *testing.T, a *app, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-a.done:
			a.done <- err
			t.Fatalf("app exited before /healthz answered: %v", err)
		default:
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("/healthz did not answer within 30s")
}

// findWindow returns the id of a visible (mapped) window whose title
// matches name.
func findWindow(t *testing.T, display, name string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", name)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, _ := cmd.Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			return ids[len(ids)-1]
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no visible window named %q within %s", name, within)
	return ""
}

// geometry returns a window's position and size.
func geometry(t *testing.T, display, win string) (x, y, w, h int) {
	t.Helper()
	out := xdo(t, display, "getwindowgeometry", "--shell", win)
	vals := map[string]int{}
	for _, line := range strings.Fields(out) {
		if k, v, ok := strings.Cut(line, "="); ok {
			vals[k], _ = strconv.Atoi(v)
		}
	}
	return vals["X"], vals["Y"], vals["WIDTH"], vals["HEIGHT"]
}

func xdo(t *testing.T, display string, args ...string) string {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %v: %v %s", args, err, out)
	}
	return string(out)
}

// waitFor polls cond until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDesktopWindowPaintsDashboard launches the real app, waits for the
// proxy, and checks that the window is mapped and painted with the
// dashboard (not blank); then SIGTERM shuts it down cleanly.
func TestDesktopWindowPaintsDashboard(t *testing.T) {
	display := desktoptest.StartXvfb(t, 1280, 800)
	addr := desktoptest.FreeAddr(t)
	a := launch(t, display, addr)
	waitHealthy(t, a, addr)
	findWindow(t, display, "^Sluicegate$", 20*time.Second)

	// First paint comes a second or so after the window maps; the
	// dashboard is painted once the status bar has loaded its data.
	var shot []byte
	var n int
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var img image.Image
		shot, img = desktoptest.Screenshot(t, display)
		if n = desktoptest.Colours(img); n >= 200 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	desktoptest.SaveShot(t, "desktop.png", shot)
	if n < 200 {
		t.Fatalf("window looks blank: %d distinct colours in the screenshot (want ≥ 200)", n)
	}

	// The proxy in the same process answers on the real listener.
	resp, err := http.Get("http://" + addr + "/admin/v1/status")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status over the network: %v %v", resp, err)
	}
	resp.Body.Close()

	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.done:
		a.done <- err
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("app did not exit within 15s of SIGTERM")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("port still open after exit")
	}
}

// TestDesktopPortInUseShowsConflictScreen occupies the port with a plain
// TCP listener: the window must show the conflict screen (not a dialog,
// not a broken dashboard), and a real click on "Use port N instead" starts
// the proxy on N and shows the dashboard.
func TestDesktopPortInUseShowsConflictScreen(t *testing.T) {
	display := desktoptest.StartXvfb(t, 1280, 800)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()

	a := launch(t, display, addr)
	findWindow(t, display, "^Sluicegate$", 30*time.Second)
	// The reason is on stderr too, for a terminal user.
	waitFor(t, 20*time.Second, func() bool { return strings.Contains(a.stderr.String(), "already in use") })

	// The screen is painted once its primary button (the accent colour)
	// shows: that is "Use port N instead".
	var shot []byte
	var btn image.Rectangle
	if !desktoptest.WaitUntil(30*time.Second, func() bool {
		var img image.Image
		shot, img = desktoptest.Screenshot(t, display)
		btn = colourBox(img, color.RGBA{R: 0x18, G: 0x5b, B: 0xb5, A: 0xff})
		return btn.Dx() > 60 && btn.Dy() > 15
	}) {
		desktoptest.SaveShot(t, "desktop-conflict.png", shot)
		t.Fatal("no conflict screen with a primary button (see out/screenshots/desktop-conflict.png)")
	}
	time.Sleep(500 * time.Millisecond) // let the text finish painting
	shot, _ = desktoptest.Screenshot(t, display)
	desktoptest.SaveShot(t, "desktop-conflict.png", shot)
	select {
	case err := <-a.done:
		t.Fatalf("the app exited on a port conflict: %v", err)
	default:
	}

	// A real click on the button. The box also holds the Quit button's
	// link-coloured text further right, so click near its left end.
	cx, cy := btn.Min.X+15, btn.Min.Y+btn.Dy()/2
	var newAddr string
	if !desktoptest.WaitUntil(20*time.Second, func() bool {
		xdo(t, display, "mousemove", strconv.Itoa(cx), strconv.Itoa(cy), "click", "1")
		return desktoptest.WaitUntil(4*time.Second, func() bool {
			line := lineWith(a.stderr.String(), "Sluicegate is running")
			if _, rest, ok := strings.Cut(line, "dashboard=http://"); ok {
				newAddr, _, _ = strings.Cut(rest, "/")
				return true
			}
			return false
		})
	}) {
		t.Fatal("clicking \"Use port N instead\" did not start the proxy")
	}
	if newAddr == addr {
		t.Fatalf("started on the taken address %s", addr)
	}
	resp, err := http.Get("http://" + newAddr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz on %s: %v %v", newAddr, resp, err)
	}
	resp.Body.Close()
	// The dashboard replaces the conflict screen: no primary button left
	// where it was, and a full page painted.
	if !desktoptest.WaitUntil(20*time.Second, func() bool {
		_, img := desktoptest.Screenshot(t, display)
		return desktoptest.Colours(img) >= 200 && !colourBox(img, color.RGBA{R: 0x18, G: 0x5b, B: 0xb5, A: 0xff}).Eq(btn)
	}) {
		shot, _ := desktoptest.Screenshot(t, display)
		desktoptest.SaveShot(t, "desktop-conflict-after.png", shot)
		t.Fatal("the dashboard did not replace the conflict screen (see out/screenshots/desktop-conflict-after.png)")
	}
	// The dashboard works on N: its Providers page loaded the status and
	// opened its live WebSocket to the new address.
	if !desktoptest.WaitUntil(30*time.Second, func() bool { return metricValue(t, newAddr, "sluicegate_websocket_subscribers") >= 1 }) {
		shot, _ := desktoptest.Screenshot(t, display)
		desktoptest.SaveShot(t, "desktop-conflict-after.png", shot)
		t.Fatal("the dashboard never connected to the proxy on the new port (see out/screenshots/desktop-conflict-after.png)")
	}
	time.Sleep(time.Second)
	shot, _ = desktoptest.Screenshot(t, display)
	desktoptest.SaveShot(t, "desktop-conflict-after.png", shot)

	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.done:
		a.done <- err
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("app did not exit within 15s of SIGTERM")
	}
}

// colourBox is the bounding box of the pixels of exactly colour c.
func colourBox(img image.Image, c color.RGBA) image.Rectangle {
	var box image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				p := image.Rect(x, y, x+1, y+1)
				if box.Empty() {
					box = p
				} else {
					box = box.Union(p)
				}
			}
		}
	}
	return box
}

// TestDesktopWindowFitsAndRemembersGeometry: on a 1366×768 screen the
// window opens at its default size, which fits with room for panels; a
// size and place the user gave it come back on the next start.
func TestDesktopWindowFitsAndRemembersGeometry(t *testing.T) {
	display := desktoptest.StartXvfb(t, 1366, 768)
	dataDir := filepath.Join(t.TempDir(), "data")
	addr := desktoptest.FreeAddr(t)
	a := launchOn(t, display, "unix:path=/nonexistent", addr, dataDir)
	waitHealthy(t, a, addr)
	win := findWindow(t, display, "^Sluicegate$", 20*time.Second)
	_, _, w, h := geometry(t, display, win)
	if w != 1200 || h != 680 {
		t.Errorf("default size %dx%d, want 1200x680", w, h)
	}
	var shot []byte
	waitFor(t, 30*time.Second, func() bool {
		var img image.Image
		shot, img = desktoptest.Screenshot(t, display)
		return desktoptest.Colours(img) >= 200
	})
	time.Sleep(time.Second)
	shot, _ = desktoptest.Screenshot(t, display)
	desktoptest.SaveShot(t, "desktop-1366x768.png", shot)

	// The user resizes and moves it, then quits.
	xdo(t, display, "windowsize", win, "1000", "640")
	xdo(t, display, "windowmove", win, "40", "30")
	waitFor(t, 10*time.Second, func() bool {
		x, y, w, h := geometry(t, display, win)
		return w == 1000 && h == 640 && x == 40 && y == 30
	})
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.done:
		a.done <- err
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("app did not exit within 15s of SIGTERM")
	}
	prefs, err := os.ReadFile(filepath.Join(dataDir, "desktop.json"))
	if err != nil || !strings.Contains(string(prefs), `"width": 1000`) {
		t.Fatalf("desktop.json after quitting: %s %v", prefs, err)
	}

	b := launchOn(t, display, "unix:path=/nonexistent", addr, dataDir)
	waitHealthy(t, b, addr)
	win = findWindow(t, display, "^Sluicegate$", 20*time.Second)
	waitFor(t, 15*time.Second, func() bool {
		x, y, w, h := geometry(t, display, win)
		return w == 1000 && h == 640 && x == 40 && y == 30
	})

	// No session bus, so no tray: closing the window quits.
	if err := CloseWindow(display, win); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-b.done:
		b.done <- err
		if err != nil {
			t.Fatalf("exit after closing the window: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("closing the window without a tray did not quit")
	}
}

// TestDesktopWithoutDisplay: no DISPLAY is a one-line error pointing to
// `sluicegate serve`, never a GTK panic.
func TestDesktopWithoutDisplay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin(t), "--addr", desktoptest.FreeAddr(t), "--data-dir", t.TempDir())
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v, want exit status 2; output:\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "sluicegate serve") {
		t.Errorf("want one line suggesting `sluicegate serve`, got:\n%s", out)
	}
}

// TestDesktopHealthCheckRunsInWindow clicks through the real window:
// Health in the sidebar, then "Check all". The dashboard's POST reaches
// the service through Wails' in-process handler (no socket), and the
// probe must arrive at a fake provider.
//
// The click positions are the layout of a 1280×800 screen; if the
// dashboard's layout changes, update them from out/screenshots/desktop-health.png.
func TestDesktopHealthCheckRunsInWindow(t *testing.T) {
	probes := make(chan string, 10)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		probes <- r.URL.Path + " " + string(body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","choices":[]}`)
	}))
	defer fake.Close()

	display := desktoptest.StartXvfb(t, 1280, 800)
	addr := desktoptest.FreeAddr(t)
	a := launch(t, display, addr)
	waitHealthy(t, a, addr)
	fillScreen(t, display, findWindow(t, display, "^Sluicegate$", 20*time.Second), 1280, 800)

	createDeskProvider(t, addr, fake.URL)

	time.Sleep(2 * time.Second)                              // first paint
	xdo(t, display, "mousemove", "70", "150", "click", "1")  // sidebar: Health
	time.Sleep(1500 * time.Millisecond)                      // the page loads the providers
	xdo(t, display, "mousemove", "1185", "40", "click", "1") // header: Check all
	select {
	case p := <-probes:
		if !strings.HasPrefix(p, "/v1/chat/completions ") || !strings.Contains(p, `"model":"desk-upstream"`) || !strings.Contains(p, `"max_tokens":1`) {
			t.Errorf("probe: %s", p)
		}
	case <-time.After(15 * time.Second):
		shot, _ := desktoptest.Screenshot(t, display)
		desktoptest.SaveShot(t, "desktop-health.png", shot)
		t.Fatal("no probe reached the fake provider within 15s of clicking Check all (see out/screenshots/desktop-health.png)")
	}
	// The result is stored and the page shows it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/admin/v1/providers/1/health/history")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), `"status":"healthy"`) && strings.Contains(string(body), `"trigger":"api"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stored check from the window: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	shot, _ := desktoptest.Screenshot(t, display)
	desktoptest.SaveShot(t, "desktop-health.png", shot)
}

// metricValue reads one unlabelled sample from GET /metrics; -1 when absent.
func metricValue(t *testing.T, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	return -1
}

// TestDesktopLiveLogsOverWebSocket opens Live logs in the real window: the
// page's WebSocket must reach the server's real listener (the webview's page
// is wails://wails/, so it connects to the address from /admin/v1/status),
// and a request proxied by the test must be painted as a new row.
//
// The click position is the layout of a 1280×800 screen; if the sidebar
// changes, update it from out/screenshots/desktop-logs.png.
func TestDesktopLiveLogsOverWebSocket(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}`)
	}))
	defer fake.Close()

	display := desktoptest.StartXvfb(t, 1280, 800)
	addr := desktoptest.FreeAddr(t)
	a := launch(t, display, addr)
	waitHealthy(t, a, addr)
	fillScreen(t, display, findWindow(t, display, "^Sluicegate$", 20*time.Second), 1280, 800)

	createDeskProvider(t, addr, fake.URL)
	// The Providers page (the first page) follows the live stream too: its
	// socket says the window has painted and its dashboard is connected.
	if !desktoptest.WaitUntil(30*time.Second, func() bool { return metricValue(t, addr, "sluicegate_websocket_subscribers") >= 1 }) {
		shot, _ := desktoptest.Screenshot(t, display)
		desktoptest.SaveShot(t, "desktop-logs.png", shot)
		t.Fatal("the window's WebSocket never connected (see out/screenshots/desktop-logs.png)")
	}
	time.Sleep(time.Second)
	providersShot, _ := desktoptest.Screenshot(t, display)

	// Click "Live logs" in the sidebar until the window shows another page
	// whose socket is connected (a click may land before a paint).
	opened := desktoptest.WaitUntil(30*time.Second, func() bool {
		xdo(t, display, "mousemove", "70", "186", "click", "1") // sidebar: Live logs
		return desktoptest.WaitUntil(3*time.Second, func() bool {
			shot, _ := desktoptest.Screenshot(t, display)
			return !bytes.Equal(shot, providersShot) && metricValue(t, addr, "sluicegate_websocket_subscribers") >= 1
		})
	})
	if !opened {
		shot, _ := desktoptest.Screenshot(t, display)
		desktoptest.SaveShot(t, "desktop-logs.png", shot)
		t.Fatal("Live logs did not open in the window (see out/screenshots/desktop-logs.png)")
	}

	// The page settles (backfill done, empty state painted) before the
	// reference shot; then the request must change what the window shows.
	time.Sleep(time.Second)
	before, _ := desktoptest.Screenshot(t, display)
	resp, err := http.Post("http://"+addr+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"desk-model","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("proxied request: %v %v", resp, err)
	}
	resp.Body.Close()

	var after []byte
	changed := desktoptest.WaitUntil(10*time.Second, func() bool {
		after, _ = desktoptest.Screenshot(t, display)
		return !bytes.Equal(before, after)
	})
	desktoptest.SaveShot(t, "desktop-logs.png", after)
	if !changed {
		t.Fatal("the window did not change after the proxied request (see out/screenshots/desktop-logs.png)")
	}
	// Let the row's final paint land, then keep the picture a person would see.
	time.Sleep(500 * time.Millisecond)
	after, _ = desktoptest.Screenshot(t, display)
	desktoptest.SaveShot(t, "desktop-logs.png", after)
	if len(after) <= len(before) {
		t.Errorf("screenshot after the request is not larger (%d ≤ %d bytes): no row painted?", len(after), len(before))
	}
	if n := metricValue(t, addr, "sluicegate_websocket_subscribers"); n != 1 {
		t.Errorf("websocket subscribers: %v, want 1", n)
	}
}

// fillScreen moves the window to the top left corner and sizes it to the
// screen, so that click positions are the dashboard's layout at that size
// (the window's default size is smaller than the test screens). GTK centres
// a new window once it is mapped, which can land after an early move: the
// move is repeated until the geometry holds for half a second.
func fillScreen(t *testing.T, display, win string, width, height int) {
	t.Helper()
	held := 0
	waitFor(t, 15*time.Second, func() bool {
		if x, y, w, h := geometry(t, display, win); x == 0 && y == 0 && w == width && h == height {
			held++
			return held >= 5 // polled every 100 ms
		}
		held = 0
		xdo(t, display, "windowmove", win, "0", "0")
		xdo(t, display, "windowsize", win, strconv.Itoa(width), strconv.Itoa(height))
		return false
	})
}

// meanLuma is the average brightness (0–255) of img, sampled every 4th pixel:
// a light dashboard is well above the middle, a dark one well below.
func meanLuma(img image.Image) float64 {
	b := img.Bounds()
	var sum, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += 0.2126*float64(r>>8) + 0.7152*float64(g>>8) + 0.0722*float64(bl>>8)
			n++
		}
	}
	return sum / n
}

// settle takes screenshots until the screen differs from before (the click
// took effect) and two shots 300 ms apart are identical (painting is done);
// it reports whether the screen changed within the given time.
func settle(t *testing.T, display string, before []byte, within time.Duration) ([]byte, image.Image, bool) {
	t.Helper()
	var prev, shot []byte
	var img image.Image
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		shot, img = desktoptest.Screenshot(t, display)
		if !bytes.Equal(shot, before) && bytes.Equal(shot, prev) {
			return shot, img, true
		}
		prev = shot
		time.Sleep(300 * time.Millisecond)
	}
	return shot, img, false
}

// clickNav clicks a sidebar link, then parks the pointer on the sidebar's
// empty lower part (no hover effect, no tooltip), until the screen changes:
// a click that lands while the webview is still busy is lost, so it is
// repeated (at most three times).
func clickNav(t *testing.T, display string, x, y, parkY int, before []byte) ([]byte, image.Image) {
	t.Helper()
	for attempt := 0; attempt < 3; attempt++ {
		xdo(t, display, "mousemove", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
		xdo(t, display, "mousemove", strconv.Itoa(x), strconv.Itoa(parkY))
		if shot, img, ok := settle(t, display, before, 5*time.Second); ok {
			return shot, img
		}
	}
	t.Fatalf("clicking the sidebar at y=%d did not change the window", y)
	return nil, nil
}

// TestDesktopScreenshotsEveryPage opens every page in the real window, with
// data on it, at 1280×800, 1366×768 and the window's minimum, 900×600 (where
// the sidebar collapses to its icons; 800 px, the narrowest the browser
// layout is tested at, is below the window's minimum width), in the light
// and the dark theme
// (GTK_THEME=Adwaita:dark makes WebKitGTK report prefers-color-scheme: dark),
// and saves desktop-<page>-<theme>-<width>.png for a person to look at. It
// checks each page painted, and that the theme is the one asked for.
//
// The sidebar's links are clicked at their place in the expanded sidebar
// (≥ 1000 px wide) or the collapsed one; if the sidebar changes, update nav
// from the screenshots.
func TestDesktopScreenshotsEveryPage(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`)
	}))
	defer fake.Close()

	pages := []string{"providers", "routes", "health", "logs", "connect", "settings"}
	// nav is where the i-th sidebar link is: rows 36 px apart when the
	// sidebar is expanded, 40 px apart in the 60 px icon column below 1000 px.
	nav := func(width, i int) (x, y int) {
		if width < 1000 {
			return 30, 85 + 40*i
		}
		return 70, 78 + 36*i
	}
	for _, theme := range []string{"light", "dark"} {
		for _, size := range [][2]int{{1280, 800}, {1366, 768}, {900, 600}} {
			t.Run(theme+"-"+strconv.Itoa(size[0]), func(t *testing.T) {
				display := desktoptest.StartXvfb(t, size[0], size[1])
				addr := desktoptest.FreeAddr(t)
				var env []string
				if theme == "dark" {
					env = append(env, "GTK_THEME=Adwaita:dark")
				}
				a := launch(t, display, addr, env...)
				waitHealthy(t, a, addr)
				win := findWindow(t, display, "^Sluicegate$", 20*time.Second)
				fillScreen(t, display, win, size[0], size[1])

				createDeskProvider(t, addr, fake.URL)
				resp, err := http.Post("http://"+addr+"/v1/chat/completions", "application/json",
					strings.NewReader(`{"model":"desk-model","messages":[{"role":"user","content":"hi"}]}`))
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("proxied request: %v %v", resp, err)
				}
				resp.Body.Close()

				// The first page is painted once the dashboard has loaded.
				var before []byte
				waitFor(t, 30*time.Second, func() bool {
					var img image.Image
					before, img = desktoptest.Screenshot(t, display)
					return desktoptest.Colours(img) >= 200
				})
				parkY := size[1] - 150
				for i, page := range pages {
					// Providers is already shown; another page first, so the
					// click on it changes the screen too.
					if i == 0 {
						x, y := nav(size[0], len(pages)-1)
						before, _ = clickNav(t, display, x, y, parkY, before)
					}
					x, y := nav(size[0], i)
					shot, img := clickNav(t, display, x, y, parkY, before)
					before = shot
					desktoptest.SaveShot(t, "desktop-"+page+"-"+theme+"-"+strconv.Itoa(size[0])+".png", shot)
					if n := desktoptest.Colours(img); n < 200 {
						t.Errorf("%s looks blank: %d colours", page, n)
					}
					luma := meanLuma(img)
					if theme == "light" && luma < 128 || theme == "dark" && luma > 128 {
						t.Errorf("%s: mean brightness %.0f does not look like the %s theme", page, luma, theme)
					}
				}
			})
		}
	}
}

// createDeskProvider adds provider "desk" (alias desk-model) pointing at the
// fake upstream at base, through the admin API of the app on addr.
func createDeskProvider(t *testing.T, addr, base string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/admin/v1/providers", "application/json", strings.NewReader(
		`{"key":"desk","type":"openai","base_url":"`+base+`/v1","models":[{"alias":"desk-model","upstream":"desk-upstream"}]}`))
	if err != nil {
		t.Fatalf("create provider: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create provider: status %d", resp.StatusCode)
	}
}
