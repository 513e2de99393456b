//go:build linux

package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAutostartWritesValidEntryAndRemovesIt toggles start at login in a
// private XDG_CONFIG_HOME: the entry must pass desktop-file-validate and
// start the app hidden; turning it off removes it.
func TestAutostartWritesValidEntryAndRemovesIt(t *testing.T) {
	validate, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Fatal("desktop-file-validate is missing: install desktop-file-utils (scripts/deps.sh --test)")
	}
	for _, exe := range []string{"/usr/bin/sluicegate", "/opt/My Apps/sluicegate", `/tmp/we"ird $dir\50%/sluicegate`} {
		t.Run(exe, func(t *testing.T) {
			cfg := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", cfg)
			path := filepath.Join(cfg, "autostart", "sluicegate.desktop")
			if got, _ := AutostartPath(); got != path {
				t.Fatalf("path %q, want %q", got, path)
			}
			if AutostartEnabled() {
				t.Fatal("enabled before writing")
			}
			if err := SetAutostart(true, exe); err != nil {
				t.Fatal(err)
			}
			if !AutostartEnabled() {
				t.Fatal("not enabled after writing")
			}
			out, err := exec.Command(validate, path).CombinedOutput()
			if err != nil || len(strings.TrimSpace(string(out))) > 0 {
				b, _ := os.ReadFile(path)
				t.Fatalf("desktop-file-validate: %v %s\n%s", err, out, b)
			}
			b, _ := os.ReadFile(path)
			if !strings.Contains(string(b), " --hidden\n") {
				t.Errorf("Exec does not start hidden:\n%s", b)
			}
			if err := SetAutostart(false, exe); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("entry still there: %v", err)
			}
			// Turning off what is off is fine.
			if err := SetAutostart(false, exe); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAutostartPathWithoutXDGConfigHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "relative/ignored")
	got, err := AutostartPath()
	if err != nil || got != filepath.Join(home, ".config", "autostart", "sluicegate.desktop") {
		t.Fatalf("AutostartPath = %q, %v", got, err)
	}
}

func TestExecQuote(t *testing.T) {
	tests := map[string]string{
		"/usr/bin/sluicegate":     "/usr/bin/sluicegate",
		"/opt/My Apps/sluicegate": `"/opt/My Apps/sluicegate"`,
		"/a/100%/b":               "/a/100%%/b",
		`/we"ird/$x`:              `"/we\\"ird/\\$x"`,
		`/back\slash`:             `"/back\\\\slash"`,
	}
	for in, want := range tests {
		if got := execQuote(in); got != want {
			t.Errorf("execQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
