package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestNextFreeAddrSkipsTakenPorts(t *testing.T) {
	// Hold a port and the one after it (when we can get both).
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	var base int
	for try := 0; try < 20 && base == 0; try++ {
		l1, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l1.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		if err != nil {
			l1.Close()
			continue
		}
		held, base = append(held, l1, l2), p
	}
	if base == 0 {
		t.Fatal("could not hold two neighbouring ports")
	}
	addr, port, err := NextFreeAddr("127.0.0.1:" + strconv.Itoa(base))
	if err != nil {
		t.Fatal(err)
	}
	if port <= base+1 || addr != "127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("NextFreeAddr = %s %d, want a port after %d", addr, port, base+1)
	}
	// It really is free.
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("suggested %s is not free: %v", addr, err)
	}
	l.Close()
	if _, _, err := NextFreeAddr("nonsense"); err == nil {
		t.Error("NextFreeAddr accepted an address without a port")
	}
}

func TestProbeHolder(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
		version string
	}{
		{"sluicegate", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/admin/v1/status" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, `{"version":"0.9.1","addr":"127.0.0.1:8750","openai_base_url":"http://127.0.0.1:8750/v1"}`)
		}, HolderSluicegate, "0.9.1"},
		{"sluicegate with an admin token", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"type":"invalid_request_error","code":"unauthorized","message":"this Sluicegate requires the admin token: send it as 'Authorization: Bearer TOKEN'"}}`)
		}, HolderSluicegate, ""},
		{"another web server", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `<html>hello</html>`)
		}, HolderOther, ""},
		{"another JSON API", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"version":"1"}`)
		}, HolderOther, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			holder, version := ProbeHolder(context.Background(), srv.Listener.Addr().String())
			if holder != tt.want || version != tt.version {
				t.Errorf("ProbeHolder = %q %q, want %q %q", holder, version, tt.want, tt.version)
			}
		})
	}
	t.Run("plain TCP listener that never answers", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		if holder, _ := ProbeHolder(ctx, l.Addr().String()); holder != HolderOther {
			t.Errorf("holder = %q", holder)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("probe took %s", time.Since(start))
		}
	})
}

func TestConflictStateAndIsAddrInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = net.Listen("tcp", l.Addr().String())
	if !isAddrInUse(err) {
		t.Fatalf("isAddrInUse(%v) = false", err)
	}
	if isAddrInUse(fmt.Errorf("wrapped: %w", syscall.EACCES)) {
		t.Error("EACCES taken for a conflict")
	}
	if !isAddrInUse(fmt.Errorf("port taken: %w", syscall.EADDRINUSE)) {
		t.Error("a wrapped EADDRINUSE is not a conflict")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st := conflictState(ctx, l.Addr().String(), true, err)
	if st.State != StateConflict || st.Holder != HolderOther || st.SuggestedPort == 0 || !st.AddrOverride || st.Message == "" {
		t.Errorf("state: %+v", st)
	}
}
