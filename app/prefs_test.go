package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPrefsRoundTripAndDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p, err := LoadPrefs(dir)
	if err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if p != DefaultPrefs() || !p.CloseToTray || !p.Notifications {
		t.Fatalf("defaults: %+v", p)
	}
	want := Prefs{Addr: "127.0.0.1:9000", CloseToTray: false, Notifications: true, StartAtLogin: true,
		Window: &Geometry{X: 10, Y: 20, Width: 1000, Height: 700}}
	if err := SavePrefs(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := LoadPrefs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Addr != want.Addr || got.CloseToTray || !got.StartAtLogin || *got.Window != *want.Window {
		t.Fatalf("round trip: %+v", got)
	}
	// Atomic write: no temp file is left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != PrefsFile {
		t.Errorf("data dir holds %v, want only %s", entries, PrefsFile)
	}
}

func TestLoadPrefsBrokenFiles(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
		wantAddr               string
	}{
		{"not json", "{", "desktop.json", ""},
		{"remote addr", `{"addr":"0.0.0.0:8750","close_to_tray":false}`, "this machine only", ""},
		{"bad port", `{"addr":"127.0.0.1:99999"}`, "port must be", ""},
		{"fine", `{"addr":"[::1]:8751"}`, "", "[::1]:8751"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, PrefsFile), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := LoadPrefs(dir)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
			}
			if p.Addr != tt.wantAddr {
				t.Errorf("addr = %q, want %q", p.Addr, tt.wantAddr)
			}
		})
	}
}

func TestValidateAddr(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8750": true, "localhost:1": true, "[::1]:65535": true,
		"127.0.0.1": false, "127.0.0.1:0": false, "127.0.0.1:x": false,
		"192.168.1.2:8750": false, ":8750": false,
	} {
		if err := ValidateAddr(addr); (err == nil) != ok {
			t.Errorf("ValidateAddr(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestClampGeometry(t *testing.T) {
	got := clampGeometry(Geometry{X: -50, Y: 10, Width: 300, Height: 2000})
	if got != (Geometry{X: 0, Y: 10, Width: MinWidth, Height: 2000}) {
		t.Errorf("clamp: %+v", got)
	}
	if DefaultWidth > 1366 || DefaultHeight > 768-60 {
		t.Errorf("default %dx%d does not fit a 1366×768 screen with panels", DefaultWidth, DefaultHeight)
	}
}
