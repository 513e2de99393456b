package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sluicegate/sluicegate/live"
	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
	"github.com/sluicegate/sluicegate/service"
)

// Stream shape of the mock: 20 chunks, 5 ms apart (the scenario).
const (
	streamChunks = 20
	streamGap    = 5 * time.Millisecond
)

// mockResponse is a realistic non-streaming chat completion.
var mockResponse = []byte(`{"id":"chatcmpl-bench0001","object":"chat.completion","created":1735689600,"model":"mock-model","choices":[{"index":0,"message":{"role":"assistant","content":"Quaternions extend complex numbers with three imaginary units; they are handy for 3D rotations without gimbal lock.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":24,"total_tokens":66},"system_fingerprint":"fp_bench"}`)

// streamChunk is the i-th event of a mock stream.
func streamChunk(i int) string {
	return fmt.Sprintf("data: {\"id\":\"chatcmpl-bench0001\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,\"model\":\"mock-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok%02d \"},\"finish_reason\":null}],\"i\":%d}\n\n", i, i)
}

// streamBody is everything a mock stream sends, to check chunks arrive
// complete and in order.
func streamBody() string {
	var b bytes.Buffer
	for i := 0; i < streamChunks; i++ {
		b.WriteString(streamChunk(i))
	}
	b.WriteString("data: [DONE]\n\n")
	return b.String()
}

var streamFlag = []byte(`"stream":true`)

// mockHandler answers like an OpenAI-compatible server.
func mockHandler() http.Handler {
	chunks := make([][]byte, streamChunks)
	for i := range chunks {
		chunks[i] = []byte(streamChunk(i))
	}
	cl := strconv.Itoa(len(mockResponse))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !bytes.Contains(body, streamFlag) {
			h := w.Header()
			h["Content-Type"] = []string{"application/json"}
			h["Content-Length"] = []string{cl}
			h["X-Request-Id"] = []string{"req_bench"}
			_, _ = w.Write(mockResponse)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		f := w.(http.Flusher)
		for i, c := range chunks {
			if i > 0 {
				time.Sleep(streamGap)
			}
			if _, err := w.Write(c); err != nil {
				return
			}
			f.Flush()
		}
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	})
}

// baselineHandler is the naive proxy the issue compares against: a
// minimal httputil.ReverseProxy on http.DefaultTransport (2 idle
// connections per host).
func baselineHandler(upstream string) http.Handler {
	u, err := url.Parse(upstream)
	if err != nil {
		panic(err)
	}
	return &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }}
}

// pooledBaselineHandler is the second baseline: the same minimal
// httputil.ReverseProxy, on a transport with Sluicegate's connection-pool
// settings (proxy/upstream.go: 512 idle connections per host, no global
// cap, 90 s idle timeout, no decompression, 16 KiB read and write
// buffers, HTTP/2 attempted), so that a ratio against it credits the
// proxy's code rather than its pool.
func pooledBaselineHandler(upstream string) http.Handler {
	u, err := url.Parse(upstream)
	if err != nil {
		panic(err)
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   512,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		DisableCompression:    true,
		ReadBufferSize:        16 << 10,
		WriteBufferSize:       16 << 10,
	}
	return &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }, Transport: tr}
}

// countingSink is the event sink wired into Sluicegate for the benchmark:
// it does what a non-blocking sink must (take the event, never wait) and
// counts, so the events are really built and published.
type countingSink struct{ n atomic.Int64 }

func (s *countingSink) Publish(model.Event) { s.n.Add(1) }

// sluicegateHandler is Sluicegate's proxy with one provider pointing at
// the mock, alias bench-model → mock-model (so the body splice runs).
func sluicegateHandler(upstream string) http.Handler {
	tb := proxy.NewTable([]model.Provider{{
		Key: "mock", Name: "Mock", Type: model.TypeOpenAI, BaseURL: upstream + "/v1", Enabled: true,
		Models: []model.ModelMapping{{Alias: "bench-model", Upstream: "mock-model"}, {Alias: groupModel, Upstream: "mock-model", Priority: 1, FailoverOn: []int{429, 503}}},
		// Anthropic Messages requests for bench-model are translated
		// (the translated-stream scenario); chat completions are not.
		Translate: true,
	}, groupMember("mock2", upstream, 2), groupMember("mock3", upstream, 3)}, proxy.Settings{})
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return proxy.New(tb, &countingSink{}, proxy.WithLogger(logger))
}

// benchStats is what the logging role reports at GET /bench/stats: how
// much of the request log reached SQLite and the live hub.
type benchStats struct {
	Stored       int64  `json:"stored"`        // log rows in the last 15 min (after retention trims)
	Dropped      uint64 `json:"dropped"`       // log entries dropped (queue full)
	HubDropped   uint64 `json:"hub_dropped"`   // events the hub or a subscriber's queue dropped
	Subscribers  int    `json:"subscribers"`   // WebSocket subscribers connected
	BodiesLogged bool   `json:"bodies_logged"` // the newest row has both bodies
}

// loggingStack is the service stack with the request log on: a real
// service (SQLite file in a temporary directory, the batching log writer,
// log_bodies on), the live hub, and its WebSocket handler at
// /admin/v1/ws, wired as server.go wires them. The proxy routes
// bench-model → mock-model like the plain sluicegate role.
func loggingStack(upstream string) (h http.Handler, closeFn func(), err error) {
	dir, err := os.MkdirTemp("", "sluicegate-bench-")
	if err != nil {
		return nil, nil, err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hub := live.NewHub(live.Options{})
	hubCtx, stopHub := context.WithCancel(context.Background())
	go func() { _ = hub.Run(hubCtx) }()
	svc := service.New(service.Config{Version: "bench", DataDir: dir, Logger: logger, Events: hub, NoScheduler: true})
	closeFn = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = svc.Close(ctx)
		stopHub()
		_ = os.RemoveAll(dir)
	}
	ctx := context.Background()
	if err := svc.Start(ctx); err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("start service: %w", err)
	}
	key, name, typ, base, on := "mock", "Mock", model.TypeOpenAI, upstream+"/v1", true
	models := []model.ModelMapping{{Alias: "bench-model", Upstream: "mock-model"}}
	if _, err := svc.CreateProvider(ctx, model.ProviderInput{Key: &key, Name: &name, Type: &typ, BaseURL: &base, Enabled: &on, Models: &models}); err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("create provider: %w", err)
	}
	if _, err := svc.UpdateSettings(ctx, model.SettingsInput{LogBodies: &on}); err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("log_bodies on: %w", err)
	}
	mux := http.NewServeMux()
	px := proxy.New(svc.Routes(), svc, proxy.WithLogger(logger))
	mux.Handle("/admin/v1/ws", live.NewHandler(hub, live.HandlerConfig{Version: "bench", Logger: logger}))
	mux.HandleFunc("/bench/stats", func(w http.ResponseWriter, r *http.Request) {
		// Everything finished so far is stored first, so the counts are
		// final for the requests the driver has seen answered.
		_ = svc.FlushLogs(r.Context())
		st := benchStats{Dropped: svc.LogQueueDropped(), HubDropped: hub.Dropped(), Subscribers: hub.Subscribers()}
		if sum, err := svc.Stats(r.Context(), "15m"); err == nil {
			st.Stored = sum.Requests
		}
		// The newest row must hold both bodies: proof that log_bodies
		// capture really ran for the measured requests.
		if rows, err := svc.ListLogs(r.Context(), model.LogFilter{Limit: 1}); err == nil && len(rows) == 1 {
			if d, err := svc.GetLog(r.Context(), rows[0].ID); err == nil {
				st.BodiesLogged = d.RequestBody != "" && d.ResponseBody != ""
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	// /v1/ goes to the proxy directly, as in the plain role: the
	// comparison is logging on against off, not ServeMux's pattern match
	// (about 2 µs a request) against none.
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			px.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return h, closeFn, nil
}

// serveRole runs one child process: it listens on a loopback port, prints
// "LISTEN addr" for the driver, and serves until SIGTERM.
func serveRole(role, upstream, cpuprofile string) error {
	var h http.Handler
	switch role {
	case "mock":
		h = mockHandler()
	case "baseline":
		h = baselineHandler(upstream)
	case "baseline-pooled":
		h = pooledBaselineHandler(upstream)
	case "sluicegate-log":
		lh, closeFn, err := loggingStack(upstream)
		if err != nil {
			return err
		}
		defer closeFn()
		h = lh
	case "sluicegate":
		h = sluicegateHandler(upstream)
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "LISTEN %s\n", l.Addr())
	w.Flush()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-sig:
	case err := <-done:
		return err
	}
	_ = srv.Close()
	return nil
}
