// Command bench measures Sluicegate's proxy against a direct call to a
// mock upstream and against a minimal httputil.ReverseProxy, on this
// machine, in one run. `go run ./bench` (what `make bench` does) starts
// three child processes of itself (mock, baseline, sluicegate), drives
// them with vegeta and a streaming client, interleaving the targets, and
// prints one table per scenario plus a summary of the targets.
// It exits non-zero if any request failed. See bench/README.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	role := flag.String("role", "driver", "driver, or a child role: mock, baseline, sluicegate")
	upstream := flag.String("upstream", "", "child roles: the mock's base URL")
	cpuprofile := flag.String("cpuprofile", "", "write the sluicegate child's CPU profile to this file")
	dur := flag.Duration("duration", 3*time.Second, "length of one measurement of one target")
	rounds := flag.Int("rounds", 2, "measurements per target and scenario (targets interleaved)")
	flag.Parse()
	if *role != "driver" {
		if err := serveRole(*role, *upstream, *cpuprofile); err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			os.Exit(1)
		}
		return
	}
	if err := drive(*dur, *rounds, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// child is one started role process.
type child struct {
	name string
	cmd  *exec.Cmd
	addr string
}

func startChild(role, upstream, cpuprofile string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-role=" + role, "-upstream=" + upstream}
	if cpuprofile != "" {
		args = append(args, "-cpuprofile="+cpuprofile)
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	// The children die with the driver, whatever happens to it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "LISTEN ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start: %q %v", role, line, err)
	}
	return &child{name: role, cmd: cmd, addr: "http://" + addr}, nil
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// procStat is a process's CPU time and peak RSS from /proc.
type procStat struct {
	cpu    time.Duration
	peakKB int64
}

const clkTck = 100 // USER_HZ on Linux

func readProc(pid int) (procStat, error) {
	var s procStat
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the ")" of the command name: utime is field 14, stime 15.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	s.cpu = time.Duration(ut+st) * time.Second / clkTck
	st2, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, ln := range strings.Split(string(st2), "\n") {
		if v, ok := strings.CutPrefix(ln, "VmHWM:"); ok {
			s.peakKB, _ = strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return s, nil
}

// target is one thing the load goes to; proc is the process whose CPU is
// charged to it (the proxy; for direct, the mock).
type target struct {
	name string
	url  string
	proc *child
}

// requestBody is a typical small chat request (~1 KiB), the same bytes for
// every target; only Sluicegate rewrites its model.
func requestBody(model string, stream bool) []byte {
	msgs := `[{"role":"system","content":"You are a helpful assistant. Answer briefly and precisely."},` +
		`{"role":"user","content":"` + strings.Repeat("Explain quaternions for 3D rotations, with an example. ", 12) + `"}]`
	s := ""
	if stream {
		s = `,"stream":true`
	}
	return []byte(`{"model":"` + model + `","messages":` + msgs + `,"temperature":0.7,"max_tokens":256` + s + `}`)
}

func drive(dur time.Duration, rounds int, cpuprofile string) error {
	load0, _ := os.ReadFile("/proc/loadavg")
	start := time.Now()
	mock, err := startChild("mock", "", "")
	if err != nil {
		return err
	}
	defer mock.stop()
	base, err := startChild("baseline", mock.addr, "")
	if err != nil {
		return err
	}
	defer base.stop()
	sg, err := startChild("sluicegate", mock.addr, cpuprofile)
	if err != nil {
		return err
	}
	defer sg.stop()

	targets := []target{
		{"direct", mock.addr, mock},
		{"baseline", base.addr, base},
		{"sluicegate", sg.addr, sg},
	}
	fmt.Printf("# Sluicegate proxy benchmark\n\n%s, %s/%s, %d CPUs (GOMAXPROCS %d), %v per measurement × %d rounds, targets interleaved.\nload average at start: %s\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), dur, rounds, strings.TrimSpace(string(load0)))

	// Warm up every target (connections, JIT-free but page-faulted code).
	for _, t := range targets {
		if _, err := attack(t, 8, 0, 500*time.Millisecond); err != nil {
			return fmt.Errorf("warm-up %s: %w", t.name, err)
		}
	}

	var failures []string
	res := map[string]map[string]*runStats{}
	scenarios := []struct {
		name  string
		conns int
		rate  int
	}{
		{"unloaded: 1 connection, back to back", 1, 0},
		{"fixed rate: 1,000 req/s", 64, 1000},
		{"max throughput: 64 connections", 64, 0},
	}
	for _, sc := range scenarios {
		res[sc.name] = map[string]*runStats{}
		for r := 0; r < rounds; r++ {
			for _, t := range targets {
				st, err := attack(t, sc.conns, sc.rate, dur)
				if err != nil {
					return err
				}
				agg := res[sc.name][t.name]
				if agg == nil {
					agg = &runStats{}
					res[sc.name][t.name] = agg
				}
				agg.merge(st)
			}
		}
		failures = append(failures, printHTTPTable(sc.name, targets, res[sc.name])...)
	}

	streams := map[string]*streamStats{}
	for r := 0; r < rounds; r++ {
		for _, t := range targets {
			st, err := streamRun(t, 100, dur)
			if err != nil {
				return err
			}
			if streams[t.name] == nil {
				streams[t.name] = &streamStats{}
			}
			streams[t.name].merge(st)
		}
	}
	failures = append(failures, printStreamTable(targets, streams)...)

	peak := map[string]int64{}
	for _, t := range targets {
		ps, _ := readProc(t.proc.cmd.Process.Pid)
		peak[t.name] = ps.peakKB
	}
	load1, _ := os.ReadFile("/proc/loadavg")
	printSummary(res, streams, peak)
	fmt.Printf("\nload average at end: %s; wall time %v\n", strings.TrimSpace(string(load1)), time.Since(start).Round(time.Second))
	if len(failures) > 0 {
		return fmt.Errorf("%d run(s) had errors:\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
	return nil
}

// runStats aggregates the HTTP runs of one target in one scenario.
type runStats struct {
	requests  int64
	errors    int64
	elapsed   time.Duration
	latencies []time.Duration
	cpu       time.Duration
	errSample []string
}

func (a *runStats) merge(b *runStats) {
	a.requests += b.requests
	a.errors += b.errors
	a.elapsed += b.elapsed
	a.latencies = append(a.latencies, b.latencies...)
	a.cpu += b.cpu
	if len(a.errSample) < 3 {
		a.errSample = append(a.errSample, b.errSample...)
	}
}

func (a *runStats) pct(p float64) time.Duration { return percentile(a.latencies, p) }

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d)-1) * p)
	return d[i]
}

// attack drives one target with vegeta: conns workers on conns keep-alive
// connections, at a fixed rate, or as fast as they go when rate is 0.
func attack(t target, conns, rate int, dur time.Duration) (*runStats, error) {
	body := requestBody("mock-model", false)
	if t.name == "sluicegate" {
		body = requestBody("bench-model", false)
	}
	tr := vegeta.NewStaticTargeter(vegeta.Target{
		Method: "POST", URL: t.url + "/v1/chat/completions", Body: body,
		Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer sk-bench"}},
	})
	a := vegeta.NewAttacker(
		vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)),
		vegeta.Connections(conns), vegeta.MaxConnections(conns),
		vegeta.KeepAlive(true), vegeta.HTTP2(false), vegeta.Timeout(30*time.Second),
		vegeta.Proxy(func(*http.Request) (*url.URL, error) { return nil, nil }),
	)
	pacer := vegeta.Pacer(vegeta.Rate{Freq: rate, Per: time.Second})
	if rate == 0 {
		pacer = vegeta.ConstantPacer{Freq: 0, Per: time.Second}
	}
	before, err := readProc(t.proc.cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	st := &runStats{}
	t0 := time.Now()
	for r := range a.Attack(tr, pacer, dur, t.name) {
		st.requests++
		st.latencies = append(st.latencies, r.Latency)
		if r.Code != 200 || r.Error != "" {
			st.errors++
			if len(st.errSample) < 3 {
				st.errSample = append(st.errSample, fmt.Sprintf("%d %s %.80s", r.Code, r.Error, r.Body))
			}
		}
	}
	st.elapsed = time.Since(t0)
	a.Stop()
	after, err := readProc(t.proc.cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	st.cpu = after.cpu - before.cpu
	return st, nil
}

// streamStats aggregates the streaming runs of one target.
type streamStats struct {
	streams int64
	errors  int64
	ttfb    []time.Duration
	total   []time.Duration
	cpu     time.Duration
	sample  []string
}

func (a *streamStats) merge(b *streamStats) {
	a.streams += b.streams
	a.errors += b.errors
	a.ttfb = append(a.ttfb, b.ttfb...)
	a.total = append(a.total, b.total...)
	a.cpu += b.cpu
	if len(a.sample) < 3 {
		a.sample = append(a.sample, b.sample...)
	}
}

// streamRun keeps n SSE streams in flight for dur (each worker starts its
// next stream when one ends), checking every stream's chunks arrive
// complete and in order, and recording time to first body byte.
func streamRun(t target, n int, dur time.Duration) (*streamStats, error) {
	body := requestBody("mock-model", true)
	if t.name == "sluicegate" {
		body = requestBody("bench-model", true)
	}
	want := streamBody()
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: n, DisableCompression: true, Proxy: nil,
	}}
	defer client.CloseIdleConnections()
	before, err := readProc(t.proc.cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	st := &streamStats{}
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the starts over one stream's length, so that 100
			// streams are in flight at any time rather than 100 arriving
			// in one burst every 100 ms.
			time.Sleep(time.Duration(w) * streamChunks * streamGap / time.Duration(n))
			for time.Now().Before(deadline) {
				ttfb, total, err := oneStream(client, t.url, body, want)
				mu.Lock()
				st.streams++
				if err != nil {
					st.errors++
					if len(st.sample) < 3 {
						st.sample = append(st.sample, err.Error())
					}
				} else {
					st.ttfb = append(st.ttfb, ttfb)
					st.total = append(st.total, total)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	after, err := readProc(t.proc.cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	st.cpu = after.cpu - before.cpu
	return st, nil
}

var errStreamMismatch = errors.New("stream chunks lost, reordered or changed")

func oneStream(c *http.Client, base string, body []byte, want string) (ttfb, total time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/chat/completions", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk-bench")
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	buf := make([]byte, 0, len(want)+64)
	tmp := make([]byte, 4096)
	for {
		n, rerr := resp.Body.Read(tmp)
		if n > 0 && len(buf) == 0 {
			ttfb = time.Since(t0)
		}
		buf = append(buf, tmp[:n]...)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return 0, 0, rerr
		}
	}
	total = time.Since(t0)
	if string(buf) != want {
		return 0, 0, errStreamMismatch
	}
	return ttfb, total, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }

func printHTTPTable(name string, targets []target, res map[string]*runStats) []string {
	var fails []string
	fmt.Printf("\n## %s\n\n", name)
	fmt.Println("| target | requests | req/s | p50 ms | p90 ms | p99 ms | added p50 ms | CPU µs/req | errors |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	direct := res["direct"].pct(0.5)
	for _, t := range targets {
		s := res[t.name]
		added := "—"
		if t.name != "direct" {
			added = ms(s.pct(0.5) - direct)
		}
		cpu := float64(s.cpu.Microseconds()) / float64(max(s.requests, 1))
		cpuLabel := fmt.Sprintf("%.0f", cpu)
		if t.name == "direct" {
			cpuLabel += " (mock)"
		}
		fmt.Printf("| %s | %d | %.0f | %s | %s | %s | %s | %s | %d |\n", t.name, s.requests,
			float64(s.requests)/s.elapsed.Seconds(), ms(s.pct(0.5)), ms(s.pct(0.9)), ms(s.pct(0.99)), added, cpuLabel, s.errors)
		if s.errors > 0 && t.name != "baseline" {
			fails = append(fails, fmt.Sprintf("%s / %s: %d errors, e.g. %q", name, t.name, s.errors, s.errSample))
		}
	}
	return fails
}

func printStreamTable(targets []target, res map[string]*streamStats) []string {
	var fails []string
	fmt.Printf("\n## 100 concurrent SSE streams (%d chunks, %v apart)\n\n", streamChunks, streamGap)
	fmt.Println("| target | streams | TTFB p50 ms | TTFB p99 ms | added TTFB p50 ms | stream p50 ms | CPU µs/stream | bad streams |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	direct := percentile(res["direct"].ttfb, 0.5)
	for _, t := range targets {
		s := res[t.name]
		added := "—"
		if t.name != "direct" {
			added = ms(percentile(s.ttfb, 0.5) - direct)
		}
		fmt.Printf("| %s | %d | %s | %s | %s | %s | %.0f | %d |\n", t.name, s.streams, ms(percentile(s.ttfb, 0.5)),
			ms(percentile(s.ttfb, 0.99)), added, ms(percentile(s.total, 0.5)),
			float64(s.cpu.Microseconds())/float64(max(s.streams, 1)), s.errors)
		// The baseline's failures are reported, not fatal: they are the
		// naive proxy's known defect (golang/go#40747), part of what the
		// comparison shows.
		if s.errors > 0 && t.name != "baseline" {
			fails = append(fails, fmt.Sprintf("streams / %s: %d errors, e.g. %q", t.name, s.errors, s.sample))
		}
	}
	return fails
}

func printSummary(res map[string]map[string]*runStats, streams map[string]*streamStats, peak map[string]int64) {
	max64 := res["max throughput: 64 connections"]
	rate := func(s *runStats) float64 { return float64(s.requests) / s.elapsed.Seconds() }
	cpuPer := func(s *runStats) float64 { return float64(s.cpu.Microseconds()) / float64(max(s.requests, 1)) }
	ratio := rate(max64["sluicegate"]) / rate(max64["baseline"])
	one := res["unloaded: 1 connection, back to back"]
	addedP50 := one["sluicegate"].pct(0.5) - one["direct"].pct(0.5)
	addedTTFB := percentile(streams["sluicegate"].ttfb, 0.5) - percentile(streams["direct"].ttfb, 0.5)
	// CPU over the run: all HTTP scenarios together, as /proc/PID/stat
	// totals divided by requests; the per-scenario figures are in the
	// tables above.
	var cpuAll time.Duration
	var reqAll int64
	for _, sc := range res {
		cpuAll += sc["sluicegate"].cpu
		reqAll += sc["sluicegate"].requests
	}
	cpuRun := float64(cpuAll.Microseconds()) / float64(max(reqAll, 1))
	var errs int64
	for _, sc := range res {
		errs += sc["sluicegate"].errors
	}
	errs += streams["sluicegate"].errors
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Printf("\n## Targets (Sluicegate)\n\n| target | goal | measured | |\n|---|---|---|---|\n")
	fmt.Printf("| throughput at 64 connections vs baseline | ≥ 1.30× | %.2f× (%.0f vs %.0f req/s; direct %.0f) | %s |\n",
		ratio, rate(max64["sluicegate"]), rate(max64["baseline"]), rate(max64["direct"]), check(ratio >= 1.3))
	fmt.Printf("| proxy CPU per request over the run | ≤ 150 µs | %.0f µs (at 64 conns %.0f µs, baseline %.0f µs; at 1 conn %.0f µs, baseline %.0f µs) | %s |\n",
		cpuRun, cpuPer(max64["sluicegate"]), cpuPer(max64["baseline"]), cpuPer(one["sluicegate"]), cpuPer(one["baseline"]), check(cpuRun <= 150))
	fmt.Printf("| added p50 latency, 1 connection | ≤ 0.200 ms | %s ms | %s |\n", ms(addedP50), check(addedP50 <= 200*time.Microsecond))
	fmt.Printf("| added TTFB p50, 100 streams | ≤ 1.000 ms | %s ms | %s |\n", ms(addedTTFB), check(addedTTFB <= time.Millisecond))
	fmt.Printf("| peak RSS over the run | ≤ 50 MB | %.1f MB (baseline %.1f MB, mock %.1f MB) | %s |\n",
		float64(peak["sluicegate"])/1024, float64(peak["baseline"])/1024, float64(peak["direct"])/1024, check(peak["sluicegate"] <= 50*1024))
	fmt.Printf("| errors, lost or reordered chunks | 0 | %d | %s |\n", errs, check(errs == 0))
}
