package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
	"github.com/sluicegate/sluicegate/model"
)

// TestValidateAdminToken: the token rules accept what they should.
func TestValidateAdminToken(t *testing.T) {
	for _, tc := range []struct {
		name, addr, token, wantErr string
	}{
		{"loopback, no token", "127.0.0.1:8750", "", ""},
		{"loopback, short token", "127.0.0.1:8750", "abc", ""},
		{"remote, 16 characters", "0.0.0.0:8750", "0123456789abcdef", ""},
		{"remote, 15 characters", "0.0.0.0:8750", "0123456789abcde", "at least 16"},
		{"remote, none", "192.168.1.2:8750", "", "admin token is required"},
		{"inner space is fine", "127.0.0.1:8750", "pass phrase token", ""},
		{"trailing CRLF", "127.0.0.1:8750", "s3cr3t\r\n", "whitespace"},
		{"DEL character", "127.0.0.1:8750", "s3c\x7fr3t", "control character"},
		{"NUL character", "127.0.0.1:8750", "s3c\x00r3t", "control character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := options{addr: tc.addr, dataDir: "d", adminToken: tc.token, shutdownGrace: time.Second}.validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
			}
			if tc.token != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.token)) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// TestOpenProxyWarning: listening beyond loopback without proxy_keys logs
// one WARN line at start; with a key set, or on loopback, none.
func TestOpenProxyWarning(t *testing.T) {
	const warning = "/v1 requests from other machines are refused until"
	dataDir := filepath.Join(t.TempDir(), "data")
	start := func(addr string) (*instance, string) {
		t.Helper()
		var buf desktoptest.SyncBuffer
		in := newInstance(options{addr: addr, dataDir: dataDir, adminToken: "0123456789abcdef", shutdownGrace: time.Second},
			slog.New(slog.NewTextHandler(&buf, nil)))
		if err := in.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		return in, buf.String()
	}
	stop := func(in *instance) {
		t.Helper()
		if err := in.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	in, log := start("0.0.0.0:0")
	var warns []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, warning) {
			warns = append(warns, l)
		}
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "level=WARN") || !strings.Contains(warns[0], "proxy_keys") {
		t.Errorf("want one WARN line about proxy_keys; log:\n%s", log)
	}
	keys := []string{"local-key-1"}
	if _, err := in.svc.UpdateSettings(context.Background(), model.SettingsInput{ProxyKeys: &keys}); err != nil {
		t.Fatal(err)
	}
	stop(in)

	in, log = start("0.0.0.0:0")
	stop(in)
	if strings.Contains(log, warning) {
		t.Errorf("warned although proxy_keys are set:\n%s", log)
	}

	dataDir = filepath.Join(t.TempDir(), "fresh")
	in, log = start("127.0.0.1:0")
	stop(in)
	if strings.Contains(log, warning) {
		t.Errorf("warned on loopback:\n%s", log)
	}
}

// TestDesktopFlags: --hidden exists for the desktop app only, and the
// address counts as chosen (overriding the desktop setting) only when
// --addr or SLUICEGATE_ADDR gave it.
func TestDesktopFlags(t *testing.T) {
	tests := []struct {
		name, cmd, env string
		args           []string
		ok             bool
		hidden, set    bool
	}{
		{"desktop defaults", "", "", nil, true, false, false},
		{"desktop hidden", "", "", []string{"--hidden"}, true, true, false},
		{"desktop --addr", "", "", []string{"--addr", "127.0.0.1:9001"}, true, false, true},
		{"desktop env addr", "", "127.0.0.1:9002", nil, true, false, true},
		{"serve has no --hidden", "serve", "", []string{"--hidden"}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envAddr, tt.env)
			t.Setenv(envDataDir, t.TempDir())
			var out, errOut strings.Builder
			o, _, ok := parseFlags(tt.cmd, tt.args, &out, &errOut)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%s)", ok, tt.ok, errOut.String())
			}
			if ok && (o.startHidden != tt.hidden || o.addrSet != tt.set) {
				t.Errorf("startHidden=%v addrSet=%v, want %v %v", o.startHidden, o.addrSet, tt.hidden, tt.set)
			}
		})
	}
}
