//go:build smoke

package smoke

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
)

// startBus starts a private D-Bus session bus for one test and returns its
// address; the daemon is killed when the test ends.
func startBus(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("start dbus-daemon (apt package dbus): %v", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		t.Fatalf("dbus-daemon printed %q", out)
	}
	pid, err := strconv.Atoi(lines[1])
	if err != nil {
		t.Fatalf("dbus-daemon pid %q", lines[1])
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGTERM) })
	return lines[0]
}

// busConn connects to the private bus.
func busConn(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect to the test bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// fakeWatcher is a StatusNotifierWatcher (what a panel's tray runs): it
// records the items that register.
type fakeWatcher struct {
	items chan string // "sender path"
}

func (w *fakeWatcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.items <- string(sender) + " " + service
	return nil
}

func (w *fakeWatcher) RegisterStatusNotifierHost(service string) *dbus.Error { return nil }

// startWatcher owns org.kde.StatusNotifierWatcher on the bus.
func startWatcher(t *testing.T, conn *dbus.Conn) *fakeWatcher {
	t.Helper()
	w := &fakeWatcher{items: make(chan string, 4)}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	claimName(t, conn, "org.kde.StatusNotifierWatcher")
	return w
}

func claimName(t *testing.T, conn *dbus.Conn, name string) {
	t.Helper()
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", name, reply, err)
	}
}

// notification is one Notify call the fake daemon received.
type notification struct{ app, summary, body string }

// fakeNotifications is org.freedesktop.Notifications (a desktop's
// notification daemon).
type fakeNotifications struct {
	calls chan notification
	n     atomic.Uint32
}

func (f *fakeNotifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.calls <- notification{app, summary, body}
	return f.n.Add(1), nil
}

func (f *fakeNotifications) GetCapabilities() ([]string, *dbus.Error) { return []string{"body"}, nil }

func startNotifications(t *testing.T, conn *dbus.Conn) *fakeNotifications {
	t.Helper()
	f := &fakeNotifications{calls: make(chan notification, 8)}
	if err := conn.Export(f, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	claimName(t, conn, "org.freedesktop.Notifications")
	return f
}

// launchOn starts the desktop app with the given session bus, address and
// data folder, plus extra arguments.
func launchOn(t *testing.T, display, bus, addr, dataDir string, extra ...string) *app {
	t.Helper()
	args := append([]string{"--addr", addr, "--data-dir", dataDir}, extra...)
	cmd := exec.Command(bin(t), args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "DBUS_SESSION_BUS_ADDRESS="+bus,
		// Autostart entries and GTK settings stay in the test's folders.
		"XDG_CONFIG_HOME="+filepath.Join(dataDir, "xdg"))
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

// menuItem is one entry of a dbusmenu layout.
type menuItem struct {
	id    int32
	label string
}

// trayMenu reads the tray's menu through com.canonical.dbusmenu GetLayout.
func trayMenu(t *testing.T, conn *dbus.Conn, sender string) []menuItem {
	t.Helper()
	var revision uint32
	var layout struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	obj := conn.Object(sender, "/StatusNotifierItem/menu")
	if err := obj.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&revision, &layout); err != nil {
		t.Fatalf("GetLayout: %v", err)
	}
	var items []menuItem
	for _, c := range layout.Children {
		// Each child is a (ia{sv}av) struct, as []interface{}.
		fields, ok := c.Value().([]interface{})
		if !ok || len(fields) < 2 {
			continue
		}
		id, _ := fields[0].(int32)
		props, _ := fields[1].(map[string]dbus.Variant)
		label := ""
		if v, ok := props["label"]; ok {
			label, _ = v.Value().(string)
		}
		items = append(items, menuItem{id: id, label: label})
	}
	return items
}

// clickMenu activates the tray menu entry labelled label, as a panel does.
func clickMenu(t *testing.T, conn *dbus.Conn, sender, label string) {
	t.Helper()
	for _, it := range trayMenu(t, conn, sender) {
		if it.label == label {
			obj := conn.Object(sender, "/StatusNotifierItem/menu")
			if err := obj.Call("com.canonical.dbusmenu.Event", 0, it.id, "clicked", dbus.MakeVariant(""), uint32(0)).Err; err != nil {
				t.Fatalf("Event clicked %q: %v", label, err)
			}
			return
		}
	}
	t.Fatalf("no tray menu entry %q in %v", label, trayMenu(t, conn, sender))
}

func waitRegistered(t *testing.T, w *fakeWatcher) (sender string) {
	t.Helper()
	select {
	case item := <-w.items:
		sender, path, _ := strings.Cut(item, " ")
		if path != "/StatusNotifierItem" {
			t.Errorf("registered path %q", path)
		}
		return sender
	case <-time.After(30 * time.Second):
		t.Fatal("no tray item registered with the StatusNotifierWatcher within 30s")
	}
	return ""
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestDesktopTrayMenuHealthCheckAndNotification runs the app with a tray
// (a fake StatusNotifierWatcher) and a fake notification daemon on a
// private bus: the item registers; its label counts the providers; "Run
// health check (all)" through dbusmenu probes the fake provider; the
// provider failing gives a notification with the upstream's message, with
// the provider's key redacted; closing the window keeps the proxy running.
func TestDesktopTrayMenuHealthCheckAndNotification(t *testing.T) {
	const secret = "sk-desk-secret-0123456789"
	var failing atomic.Bool
	probes := make(chan string, 10)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		probes <- r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		if failing.Load() {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error"}}`, secret)
			return
		}
		_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","choices":[]}`)
	}))
	defer fake.Close()

	bus := startBus(t)
	conn := busConn(t, bus)
	watcher := startWatcher(t, conn)
	notes := startNotifications(t, conn)
	display := desktoptest.StartXvfb(t, 1280, 800)
	addr := desktoptest.FreeAddr(t)
	a := launchOn(t, display, bus, addr, filepath.Join(t.TempDir(), "data"))
	waitHealthy(t, a, addr)
	sender := waitRegistered(t, watcher)
	win := findWindow(t, display, "^Sluicegate$", 20*time.Second)

	resp, err := http.Post("http://"+addr+"/admin/v1/providers", "application/json", strings.NewReader(
		`{"key":"desk","type":"openai","base_url":"`+fake.URL+`/v1","api_key":"`+secret+`","models":[{"alias":"desk-model","upstream":"desk-upstream"}]}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create provider: %v %v", resp, err)
	}
	resp.Body.Close()
	want := "Running on " + addr + " · 1 provider"
	if !desktoptest.WaitUntil(15*time.Second, func() bool {
		items := trayMenu(t, conn, sender)
		return len(items) > 0 && items[0].label == want
	}) {
		t.Fatalf("tray label: %v, want %q first", trayMenu(t, conn, sender), want)
	}

	// A healthy check from the tray: a probe, no notification.
	clickMenu(t, conn, sender, "Run health check (all)")
	select {
	case p := <-probes:
		if p != "/v1/chat/completions" {
			t.Errorf("probe path %q", p)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no probe reached the fake provider after the tray's Run health check")
	}

	// The provider starts failing: the next tray check notifies. It must
	// start after the first one ended: a check of a provider already being
	// checked is not started twice (409 check_running).
	if !desktoptest.WaitUntil(10*time.Second, func() bool { return runningChecks(t, addr) == 0 }) {
		t.Fatal("the tray's first health check did not finish within 10s")
	}
	failing.Store(true)
	clickMenu(t, conn, sender, "Run health check (all)")
	select {
	case n := <-notes.calls:
		if n.app != "Sluicegate" || !strings.Contains(n.summary, "desk") || !strings.Contains(n.summary, "unhealthy") {
			t.Errorf("notification: %+v", n)
		}
		if !strings.Contains(n.body, "Incorrect API key provided") {
			t.Errorf("notification body lacks the upstream's message: %q", n.body)
		}
		if strings.Contains(n.body, secret) || strings.Contains(n.summary, secret) {
			t.Errorf("the provider's key is in the notification: %+v", n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no notification within 20s of the provider turning unhealthy")
	}
	for _, n := range drain(notes.calls) {
		t.Errorf("unexpected second notification: %+v", n)
	}

	// With a tray, closing the window hides it; the proxy keeps serving.
	if err := CloseWindow(display, win); err != nil {
		t.Fatal(err)
	}
	if !desktoptest.WaitUntil(10*time.Second, func() bool { return !windowVisible(display) }) {
		t.Fatal("the window is still visible after closing it")
	}
	time.Sleep(time.Second) // a quit would have begun by now
	select {
	case err := <-a.done:
		a.done <- err
		t.Fatalf("the app quit when its window was closed with a tray: %v", err)
	default:
	}
	resp, err = http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz after closing the window: %v %v", resp, err)
	}
	resp.Body.Close()

	// The tray's Quit really quits.
	clickMenu(t, conn, sender, "Quit")
	select {
	case err := <-a.done:
		a.done <- err
		if code := exitCode(err); code != 0 {
			t.Fatalf("exit after tray Quit: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the app did not quit from the tray")
	}
}

func drain(ch chan notification) []notification {
	var out []notification
	for {
		select {
		case n := <-ch:
			out = append(out, n)
		case <-time.After(500 * time.Millisecond):
			return out
		}
	}
}

// TestDesktopSecondLaunchShowsFirst starts the app hidden in the tray; a
// second launch on the same session bus shows the first one's window and
// exits 0 at once.
func TestDesktopSecondLaunchShowsFirst(t *testing.T) {
	bus := startBus(t)
	conn := busConn(t, bus)
	watcher := startWatcher(t, conn)
	display := desktoptest.StartXvfb(t, 1280, 800)
	addr := desktoptest.FreeAddr(t)
	first := launchOn(t, display, bus, addr, filepath.Join(t.TempDir(), "data"), "--hidden")
	waitHealthy(t, first, addr)
	waitRegistered(t, watcher)
	// The app is up, and the tray registered after the window was
	// created: had it been shown, it would be mapped by now.
	time.Sleep(time.Second)
	if windowVisible(display) {
		t.Fatal("--hidden with a tray: the window is visible")
	}

	second := launchOn(t, display, bus, desktoptest.FreeAddr(t), filepath.Join(t.TempDir(), "data2"))
	select {
	case err := <-second.done:
		second.done <- err
		if code := exitCode(err); code != 0 {
			t.Fatalf("second launch: %v, want exit 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the second launch did not exit within 20s")
	}
	if !strings.Contains(second.stderr.String(), "already running") {
		t.Errorf("second launch says: %q", second.stderr.String())
	}
	findWindow(t, display, "^Sluicegate$", 15*time.Second)
	select {
	case err := <-first.done:
		t.Fatalf("the first instance exited: %v", err)
	default:
	}
}

// windowVisible reports whether a window titled Sluicegate is mapped.
func windowVisible(display string) bool {
	cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Sluicegate$")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, _ := cmd.Output()
	return len(strings.TrimSpace(string(out))) > 0
}

// lineWith returns the first line of s containing sub.
func lineWith(s, sub string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			return sc.Text()
		}
	}
	return ""
}

// runningChecks is how many health checks the app on addr has in flight.
func runningChecks(t *testing.T, addr string) int {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/admin/v1/health/running")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/v1/health/running: %d %v", resp.StatusCode, err)
	}
	return len(body.Data)
}
