//go:build pkg

package pkgtest

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
)

const (
	desktopFile  = "/usr/share/applications/dev.sluicegate.Sluicegate.desktop"
	metainfoFile = "/usr/share/metainfo/dev.sluicegate.Sluicegate.metainfo.xml"
	binFile      = "/usr/bin/sluicegate"
)

// iconSizes are the hicolor sizes the package must ship.
var iconSizes = []int{16, 32, 48, 64, 128, 256, 512}

func iconFile(n int) string {
	return fmt.Sprintf("/usr/share/icons/hicolor/%dx%d/apps/sluicegate.png", n, n)
}

// wantDepends are the packages the desktop binary needs at run time.
var wantDepends = []string{"libc6", "libgtk-3-0", "libwebkit2gtk-4.1-0"}

// debFields reads control fields of the .deb.
func debFields(t *testing.T, deb string, names ...string) map[string]string {
	t.Helper()
	out := command(t, "dpkg-deb", append([]string{"--field", deb}, names...)...)
	fields := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") {
			fields[k] = strings.TrimSpace(v)
		}
	}
	return fields
}

func TestDebControlFields(t *testing.T) {
	deb := debPath(t)
	arch := strings.TrimSpace(command(t, "dpkg", "--print-architecture"))
	f := debFields(t, deb, "Package", "Version", "Architecture", "Depends", "Maintainer", "Description")
	for _, tc := range []struct{ field, want string }{
		{"Package", "sluicegate"},
		{"Version", expectedVersion(t)},
		{"Architecture", arch},
	} {
		if got := f[tc.field]; got != tc.want {
			t.Errorf("%s: %q, want %q", tc.field, got, tc.want)
		}
	}
	var deps []string
	for _, d := range strings.Split(f["Depends"], ",") {
		deps = append(deps, strings.TrimSpace(d))
	}
	slices.Sort(deps)
	if !slices.Equal(deps, wantDepends) {
		t.Errorf("Depends: %q, want %q", deps, wantDepends)
	}
	for _, k := range []string{"Maintainer", "Description"} {
		if f[k] == "" {
			t.Errorf("%s is empty", k)
		}
	}
}

// TestDebDependsOwnLinkedLibraries ties Depends to the binary: each
// dependency is the Debian package that owns a library the packaged
// binary links (so a renamed library package shows up here).
func TestDebDependsOwnLinkedLibraries(t *testing.T) {
	dir := extract(t)
	out := command(t, "ldd", filepath.Join(dir, binFile))
	var paths []string
	for _, line := range strings.Split(out, "\n") {
		_, rest, ok := strings.Cut(line, "=> ")
		if !ok {
			continue
		}
		p, _, _ := strings.Cut(strings.TrimSpace(rest), " (")
		if !strings.HasPrefix(p, "/") {
			t.Fatalf("ldd cannot resolve a library: %s", line)
		}
		// On merged-/usr systems dpkg knows a library under /lib or
		// /usr/lib, whichever its package ships; ask for both.
		paths = append(paths, p)
		if alt, ok := strings.CutPrefix(p, "/usr"); ok {
			paths = append(paths, alt)
		} else {
			paths = append(paths, "/usr"+p)
		}
	}
	// dpkg -S exits 1 when some paths are unknown (the alternates); the
	// known ones are still printed as "pkg[:arch][, pkg2]: path".
	res, _ := commandErr("dpkg", append([]string{"-S"}, paths...)...)
	owners := map[string]bool{}
	for _, line := range strings.Split(res, "\n") {
		pkgs, _, ok := strings.Cut(line, ": /")
		if !ok {
			continue
		}
		for _, p := range strings.Split(pkgs, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(p), ":")
			owners[name] = true
		}
	}
	for _, d := range wantDepends {
		if !owners[d] {
			t.Errorf("Depends names %s, but no library the binary links belongs to it (owners: %v)", d, owners)
		}
	}
}

func TestDebContents(t *testing.T) {
	out := command(t, "dpkg-deb", "--contents", debPath(t))
	want := map[string]string{ // path → mode as dpkg-deb prints it
		binFile:      "-rwxr-xr-x",
		desktopFile:  "-rw-r--r--",
		metainfoFile: "-rw-r--r--",
	}
	for _, n := range iconSizes {
		want[iconFile(n)] = "-rw-r--r--"
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		// -rwxr-xr-x root/root  17016752 2026-11-27 17:53 ./usr/bin/sluicegate
		f := strings.Fields(sc.Text())
		if len(f) < 6 {
			t.Fatalf("unexpected dpkg-deb --contents line: %q", sc.Text())
		}
		if f[1] != "root/root" {
			t.Errorf("%s is owned by %s, want root/root", f[5], f[1])
		}
		if strings.HasPrefix(f[0], "d") {
			continue
		}
		got[strings.TrimPrefix(f[5], ".")] = f[0]
	}
	for path, mode := range want {
		if m, ok := got[path]; !ok {
			t.Errorf("missing %s", path)
		} else if m != mode {
			t.Errorf("%s: mode %s, want %s", path, m, mode)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("unexpected file %s", path)
		}
	}
}

// extract unpacks the .deb into a temp dir and returns it.
func extract(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	command(t, "dpkg-deb", "-x", debPath(t), dir)
	return dir
}

// metainfo is the part of the AppStream file the checks read.
type metainfo struct {
	ID         string `xml:"id"`
	Launchable []struct {
		Type  string `xml:"type,attr"`
		Value string `xml:",chardata"`
	} `xml:"launchable"`
	Icon     string   `xml:"icon"`
	Binaries []string `xml:"provides>binary"`
	Releases []struct {
		Version string `xml:"version,attr"`
		Date    string `xml:"date,attr"`
	} `xml:"releases>release"`
}

// desktopEntry reads the [Desktop Entry] group's keys.
func desktopEntry(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	group := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			group = line
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && group == "[Desktop Entry]" {
			keys[k] = v
		}
	}
	return keys
}

// TestDebFilesValidate runs the freedesktop and AppStream validators on
// the files as the .deb holds them, and checks that they agree with each
// other (desktop id, icon name, binary, version).
func TestDebFilesValidate(t *testing.T) {
	dir := extract(t)
	desktop := filepath.Join(dir, desktopFile)
	meta := filepath.Join(dir, metainfoFile)

	// desktop-file-validate exits 0 on warnings and hints; it prints
	// them, so any output counts as a failure.
	if out := command(t, "desktop-file-validate", desktop); strings.TrimSpace(out) != "" {
		t.Errorf("desktop-file-validate: %s", out)
	}
	command(t, "appstreamcli", "validate", "--no-net", "--explain", meta)
	// validate-tree also checks the metainfo against the installed tree
	// (its launchable desktop entry is there).
	command(t, "appstreamcli", "validate-tree", "--no-net", "--explain", dir)

	entry := desktopEntry(t, desktop)
	var m metainfo
	b, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse metainfo: %v", err)
	}
	desktopID := filepath.Base(desktopFile)
	if m.ID+".desktop" != desktopID {
		t.Errorf("metainfo id %q does not name the desktop entry %s", m.ID, desktopID)
	}
	if len(m.Launchable) != 1 || m.Launchable[0].Type != "desktop-id" || m.Launchable[0].Value != desktopID {
		t.Errorf("metainfo launchable %+v, want desktop-id %s", m.Launchable, desktopID)
	}
	if len(m.Releases) == 0 || m.Releases[0].Version != expectedVersion(t) {
		t.Errorf("metainfo's newest release %+v, want version %s (add a <release> when VERSION changes)", m.Releases, expectedVersion(t))
	}
	if !slices.Equal(m.Binaries, []string{filepath.Base(binFile)}) {
		t.Errorf("metainfo provides binaries %q, want [sluicegate]", m.Binaries)
	}
	if entry["Exec"] != filepath.Base(binFile) {
		t.Errorf("Exec=%q, want sluicegate (on PATH as %s)", entry["Exec"], binFile)
	}
	if entry["Icon"] != "sluicegate" || m.Icon != "sluicegate" {
		t.Errorf("Icon=%q and metainfo icon %q, want the theme name sluicegate", entry["Icon"], m.Icon)
	}
	for _, n := range iconSizes {
		f, err := os.Open(filepath.Join(dir, iconFile(n)))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", iconFile(n), err)
		} else if cfg.Width != n || cfg.Height != n {
			t.Errorf("%s is %dx%d", iconFile(n), cfg.Width, cfg.Height)
		}
	}
	if out := command(t, filepath.Join(dir, binFile), "version"); !strings.HasPrefix(out, "sluicegate "+expectedVersion(t)+" ") {
		t.Errorf("packaged binary's version: %q, want %s", out, expectedVersion(t))
	}
}

// TestDebInstallOpensWindow installs the .deb with dpkg, opens the
// installed app under Xvfb and removes the package again.
func TestDebInstallOpensWindow(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("installing the .deb needs root (dpkg -i): run the pkg tests as root, as CI does, e.g. sudo go test -tags pkg ./pkgtest")
	}
	deb, err := filepath.Abs(debPath(t))
	if err != nil {
		t.Fatal(err)
	}
	// The test removes the package at the end; it must not remove one
	// the machine's user installed.
	if st, _ := commandErr("dpkg-query", "-W", "-f=${db:Status-Status}", "sluicegate"); st == "installed" {
		t.Fatal("the sluicegate package is already installed on this machine; the test installs and removes it, so remove it first: dpkg -r sluicegate")
	}
	command(t, "dpkg", "-i", deb)
	t.Cleanup(func() {
		if out, err := commandErr("dpkg", "-r", "sluicegate"); err != nil {
			t.Errorf("dpkg -r sluicegate: %v\n%s", err, out)
		}
		for _, p := range []string{binFile, desktopFile, metainfoFile, iconFile(48)} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s is still there after dpkg -r", p)
			}
		}
	})
	if v := command(t, "dpkg-query", "-W", "-f=${db:Status-Status} ${Version}", "sluicegate"); v != "installed "+expectedVersion(t) {
		t.Fatalf("dpkg-query after install: %q", v)
	}
	for _, p := range []string{binFile, desktopFile, metainfoFile, iconFile(16), iconFile(512)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("after dpkg -i: %v", err)
		}
	}

	display := desktoptest.StartXvfb(t, 1366, 768)
	addr := desktoptest.FreeAddr(t)
	home := t.TempDir()
	env := append(os.Environ(),
		"DISPLAY="+display,
		// No session bus: keeps GLib from spawning dbus daemons that
		// would outlive the test.
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent",
		// WebKit's caches and any settings go to the temp dir, not root's home.
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
	)
	// Launched as the menu would: by name from PATH.
	app := start(t, env, "sluicegate", "--addr", addr, "--data-dir", filepath.Join(home, "sluicegate"))
	if app.cmd.Path != binFile {
		t.Fatalf("sluicegate on PATH is %s, want the installed %s", app.cmd.Path, binFile)
	}
	waitHealthy(t, app, addr)
	if !desktoptest.WaitUntil(30*time.Second, func() bool { return len(xdotoolSearch(display, "--name", "^Sluicegate$")) > 0 }) {
		t.Fatal("no visible window named Sluicegate within 30s")
	}
	// Docks match the window to the menu entry by WM_CLASS.
	class := desktopEntry(t, desktopFile)["StartupWMClass"]
	if ids := xdotoolSearch(display, "--class", "^"+class+"$"); class == "" || len(ids) == 0 {
		t.Errorf("no visible window of class %q (StartupWMClass of %s)", class, desktopFile)
	}
	// First paint comes a second or so after the window maps.
	var shot []byte
	n := 0
	desktoptest.WaitUntil(30*time.Second, func() bool {
		s, im := desktoptest.Screenshot(t, display)
		shot, n = s, desktoptest.Colours(im)
		return n >= 200
	})
	desktoptest.SaveShot(t, "pkg-installed.png", shot)
	if n < 200 {
		t.Fatalf("the installed app's window looks blank: %d distinct colours (want ≥ 200); see out/screenshots/pkg-installed.png", n)
	}
	resp, err := http.Get("http://" + addr + "/admin/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/admin/v1/status: %d", resp.StatusCode)
	}

	if err := app.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-app.done:
		app.done <- err
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the installed app did not exit within 20s of SIGTERM")
	}
}
