package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Start-up states the dashboard renders (App.StartupState).
const (
	StateStarting = "starting" // the server is being started
	StateRunning  = "running"  // the normal dashboard
	StateConflict = "conflict" // the address is taken: the conflict screen
	StateFailed   = "failed"   // another start-up error (shown, then Quit)
)

// Who holds a taken address.
const (
	HolderSluicegate = "sluicegate" // answers /admin/v1/status like us
	HolderOther      = "other"      // another program
)

// StartupState is what the window shows instead of, or before, the
// dashboard. JSON names are the dashboard's (window.go.app.App.StartupState).
type StartupState struct {
	State string `json:"state"`
	// Addr is the address the server listens on (running) or wanted.
	Addr string `json:"addr"`
	// Holder and HolderVersion describe who holds Addr (conflict).
	Holder        string `json:"holder,omitempty"`
	HolderVersion string `json:"holder_version,omitempty"`
	// SuggestedAddr is a free address on the same host ("" when none of
	// the next ports is free).
	SuggestedAddr string `json:"suggested_addr,omitempty"`
	SuggestedPort int    `json:"suggested_port,omitempty"`
	// Message is the one-line reason (conflict, failed).
	Message string `json:"message,omitempty"`
	// AddrOverride: --addr or SLUICEGATE_ADDR chose Addr, so the
	// desktop setting does not apply.
	AddrOverride bool `json:"addr_override"`
}

// searchPorts is how many ports after a taken one NextFreeAddr tries.
const searchPorts = 100

// NextFreeAddr returns the first address after addr's port, on the same
// host, that can be bound right now (checked by binding it). The port may
// be taken again before it is used; the caller then reports a new conflict.
func NextFreeAddr(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("next free port after %q: %w", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", 0, fmt.Errorf("next free port after %q: port is not a number", addr)
	}
	for n := p + 1; n <= p+searchPorts && n <= 65535; n++ {
		cand := net.JoinHostPort(host, strconv.Itoa(n))
		ln, err := net.Listen("tcp", cand)
		if err != nil {
			continue
		}
		_ = ln.Close()
		return cand, n, nil
	}
	return "", 0, fmt.Errorf("none of the %d ports after %s is free", searchPorts, addr)
}

// ProbeHolder asks whoever listens on addr whether it is a Sluicegate:
// GET /admin/v1/status answers with our status (or, for one started with
// an admin token, our 401 envelope). It returns HolderOther for anything
// else, including no answer within the context's deadline.
func ProbeHolder(ctx context.Context, addr string) (holder, version string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return HolderOther, ""
	}
	// A wildcard listener is reached on loopback.
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	u := "http://" + net.JoinHostPort(host, port) + "/admin/v1/status"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return HolderOther, ""
	}
	// Never through an HTTP proxy from the environment: the holder is here.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 2 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return HolderOther, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch resp.StatusCode {
	case http.StatusOK:
		var st struct {
			Version       string `json:"version"`
			OpenAIBaseURL string `json:"openai_base_url"`
		}
		if json.Unmarshal(body, &st) == nil && st.Version != "" && st.OpenAIBaseURL != "" {
			return HolderSluicegate, st.Version
		}
	case http.StatusUnauthorized:
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &env) == nil && env.Error.Code == "unauthorized" && strings.Contains(env.Error.Message, "Sluicegate") {
			return HolderSluicegate, ""
		}
	}
	return HolderOther, ""
}

// conflictState describes a taken address for the conflict screen.
func conflictState(ctx context.Context, addr string, override bool, cause error) StartupState {
	st := StartupState{State: StateConflict, Addr: addr, AddrOverride: override}
	st.Holder, st.HolderVersion = ProbeHolder(ctx, addr)
	if next, port, err := NextFreeAddr(addr); err == nil {
		st.SuggestedAddr, st.SuggestedPort = next, port
	}
	if cause != nil {
		st.Message = cause.Error()
	}
	return st
}

// isAddrInUse reports whether err is a taken listen address (syscall's
// EADDRINUSE exists on Linux, macOS and Windows alike).
func isAddrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE)
}
