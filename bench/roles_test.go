package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// post sends one chat request to base and returns the status and body.
func post(t *testing.T, base, model string, stream bool) (int, string) {
	t.Helper()
	resp, err := http.Post(base+"/v1/chat/completions", "application/json", bytes.NewReader(requestBody(model, stream)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestProxyRoles: both baselines and both Sluicegate roles relay the
// mock's answer unchanged, the Sluicegate ones for the alias; the
// Sluicegate ones relay streams unchanged too. (The baselines' streams
// break now and then, golang/go#40747: the bench counts that, so it is
// not asserted here.)
func TestProxyRoles(t *testing.T) {
	mock := httptest.NewServer(mockHandler())
	t.Cleanup(mock.Close)
	logH, closeLog, err := loggingStack(mock.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeLog)
	for _, tc := range []struct {
		name   string
		h      http.Handler
		model  string
		stream bool
	}{
		{tBaseline, baselineHandler(mock.URL), "mock-model", false},
		{tPooled, pooledBaselineHandler(mock.URL), "mock-model", false},
		{tSG, sluicegateHandler(mock.URL), "bench-model", true},
		{tSGLog, logH, "bench-model", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			t.Cleanup(srv.Close)
			if st, b := post(t, srv.URL, tc.model, false); st != 200 || b != string(mockResponse) {
				t.Errorf("completion: %d %q", st, b)
			}
			if !tc.stream {
				return
			}
			if st, b := post(t, srv.URL, tc.model, true); st != 200 || b != streamBody() {
				t.Errorf("stream: %d %q", st, b)
			}
		})
	}
}

// TestLoggingRole: the logging role stores every request with both bodies
// in SQLite and delivers its request.finished event to every WebSocket
// subscriber, which /bench/stats reports.
func TestLoggingRole(t *testing.T) {
	mock := httptest.NewServer(mockHandler())
	t.Cleanup(mock.Close)
	h, closeFn, err := loggingStack(mock.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFn)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := &child{name: tSGLog, addr: srv.URL}
	subs, err := subscribe(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(subs.stop)
	const n = 4
	for i := 0; i < n; i++ {
		if st, _ := post(t, srv.URL, "bench-model", i%2 == 1); st != 200 {
			t.Fatalf("request %d: status %d", i, st)
		}
	}
	st, err := fetchStats(c) // flushes the log writer first
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != n || !st.BodiesLogged || st.Dropped != 0 || st.Subscribers != 3 {
		t.Errorf("stats %+v; want %d rows with bodies, none dropped, 3 subscribers", st, n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		lo, hi := subs.received()
		if lo == n && hi == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscribers received %d–%d request.finished events; want %d each (%v)", lo, hi, n, subs.failures())
		}
		time.Sleep(10 * time.Millisecond) // events arrive over sockets: poll
	}
}

func TestStatusField(t *testing.T) {
	status := "Name:\tbench\nVmHWM:\t   35656 kB\nVmRSS:\t   30000 kB\n"
	for _, tc := range []struct {
		name string
		want int64
		ok   bool
	}{{"VmHWM:", 35656, true}, {"VmRSS:", 30000, true}, {"VmSwap:", 0, false}} {
		if got, ok := statusField(status, tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("%s: %d %v, want %d %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestGroupRole: the sluicegate role serves bench-group, a route group of
// three whose first member answers, with the mock's answer unchanged and
// the attempts header naming one try.
func TestGroupRole(t *testing.T) {
	mock := httptest.NewServer(mockHandler())
	t.Cleanup(mock.Close)
	srv := httptest.NewServer(sluicegateHandler(mock.URL))
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", bytes.NewReader(requestBody(groupModel, false)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != string(mockResponse) || resp.Header.Get("X-Sluicegate-Attempts") != "mock=200" {
		t.Errorf("%d %q attempts %q", resp.StatusCode, b, resp.Header.Get("X-Sluicegate-Attempts"))
	}
	if st, b := post(t, srv.URL, groupModel, true); st != 200 || b != streamBody() {
		t.Errorf("stream: %d %q", st, b)
	}
}
