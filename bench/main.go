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
	logprofile := flag.String("logprofile", "", "write the sluicegate-log child's CPU profile to this file")
	logRounds := flag.Int("logrounds", 10, "rounds of the logging comparison (logging on vs off at 64 connections, interleaved)")
	logDur := flag.Duration("logduration", 2*time.Second, "length of one measurement in the logging comparison")
	overload := flag.Duration("overload", 5*time.Second, "length of the overload run with logging on (0 skips it; the README reports -overload 30s)")
	only := flag.String("only", "", `run one scenario alone: "group" (route group of 3 vs single-provider alias), "translate" (translated vs untranslated streams) or "logging" (request log on vs off at 64 connections, -logrounds of -logduration; -cpuprofile F profiles the logging child to F and the plain one to F.off)`)
	flag.Parse()
	if *role != "driver" {
		if err := serveRole(*role, *upstream, *cpuprofile); err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			os.Exit(1)
		}
		return
	}
	if *only == "group" || *only == "translate" || *only == "logging" {
		n, d := *rounds, *dur
		if *only == "logging" {
			n, d = *logRounds, *logDur
		}
		if err := driveOnly(*only, d, n, *cpuprofile); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *only != "" {
		fmt.Fprintf(os.Stderr, "bench: unknown -only %q (known: group, translate, logging)\n", *only)
		os.Exit(2)
	}
	if err := drive(*dur, *rounds, *logDur, *logRounds, *overload, *cpuprofile, *logprofile); err != nil {
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
	st2, err := readStatus(pid)
	if err != nil {
		return s, err
	}
	s.peakKB, _ = statusField(st2, "VmHWM:")
	return s, nil
}

func readStatus(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	return string(b), err
}

// statusField is the value in KiB of a "Name:   123 kB" line of
// /proc/PID/status.
func statusField(status, name string) (int64, bool) {
	for _, ln := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(ln, name); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// target is one thing the load goes to; proc is the process whose CPU is
// charged to it (the proxy; for direct, the mock). alias is set for
// Sluicegate's targets, which are sent the model alias (so routing and the
// body splice run); the others get the upstream model name.
type target struct {
	name  string
	url   string
	proc  *child
	alias bool
	model string // the model requests name, when not the default one
}

// modelFor is the model a request to t names.
func (t target) modelFor() string {
	if t.model != "" {
		return t.model
	}
	if t.alias {
		return "bench-model"
	}
	return "mock-model"
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

// Target names.
const (
	tDirect   = "direct"
	tBaseline = "baseline"
	tPooled   = "baseline-pooled"
	tSG       = "sluicegate"
	tSGLog    = "sluicegate-log"
)

// Scenario names.
const (
	scOne   = "unloaded: 1 connection, back to back"
	scRate  = "fixed rate: 1,000 req/s"
	scMax   = "max throughput: 64 connections"
	wsSubs  = 5   // WebSocket subscribers of the logging target
	ovConns = 128 // connections of the overload run
)

// drive runs the whole bench: every scenario with rounds measurements of
// dur per target, the logging comparison with logRounds of logDur (its
// ratio scatters too much over two rounds on a shared machine), then the
// overload run.
func drive(dur time.Duration, rounds int, logDur time.Duration, logRounds int, overload time.Duration, cpuprofile, logprofile string) error {
	load0, _ := os.ReadFile("/proc/loadavg")
	start := time.Now()
	mock, err := startChild("mock", "", "")
	if err != nil {
		return err
	}
	defer mock.stop()
	base, err := startChild(tBaseline, mock.addr, "")
	if err != nil {
		return err
	}
	defer base.stop()
	pooled, err := startChild(tPooled, mock.addr, "")
	if err != nil {
		return err
	}
	defer pooled.stop()
	sg, err := startChild(tSG, mock.addr, cpuprofile)
	if err != nil {
		return err
	}
	defer sg.stop()
	sgLog, err := startChild(tSGLog, mock.addr, logprofile)
	if err != nil {
		return err
	}
	defer sgLog.stop()
	subs, err := subscribe(sgLog, wsSubs)
	if err != nil {
		return err
	}
	defer subs.stop()

	targets := []target{
		{name: tDirect, url: mock.addr, proc: mock},
		{name: tBaseline, url: base.addr, proc: base},
		{name: tPooled, url: pooled.addr, proc: pooled},
		{name: tSG, url: sg.addr, proc: sg, alias: true},
	}
	logTarget := target{name: tSGLog, url: sgLog.addr, proc: sgLog, alias: true}
	fmt.Printf("# Sluicegate proxy benchmark\n\n%s, %s/%s, %d CPUs (GOMAXPROCS %d), %v per measurement × %d rounds, targets interleaved (order reversed every other round).\nload average at start: %s\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), dur, rounds, strings.TrimSpace(string(load0)))

	// Warm up every target (connections, page-faulted code, SQLite).
	for _, t := range append(targets, logTarget) {
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
		{scOne, 1, 0},
		{scRate, 64, 1000},
		{scMax, 64, 0},
	}
	for _, sc := range scenarios {
		res[sc.name] = map[string]*runStats{}
		for r := 0; r < rounds; r++ {
			for _, t := range inRound(r, targets) {
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
		for _, t := range inRound(r, targets) {
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

	tr, err := translatedStreams(targets[3], rounds, dur)
	if err != nil {
		return err
	}
	failures = append(failures, printTranslated(tr)...)

	grp, err := groupRun(targets[3], rounds, dur)
	if err != nil {
		return err
	}
	failures = append(failures, printGroup(grp)...)

	logRes, err := interleaved64([]target{targets[3], logTarget}, logRounds, logDur)
	if err != nil {
		return err
	}
	logStats, err := fetchStats(sgLog)
	if err != nil {
		return err
	}
	failures = append(failures, printLogging(logRes, logRounds, logDur, logStats, subs)...)

	peak := map[string]int64{}
	for _, t := range append(targets, logTarget) {
		ps, _ := readProc(t.proc.cmd.Process.Pid)
		peak[t.name] = ps.peakKB
	}
	var ov *overloadResult
	if overload > 0 {
		if ov, err = overloadRun(mock.addr, overload, logprofile); err != nil {
			return err
		}
		failures = append(failures, printOverload(ov)...)
	}
	load1, _ := os.ReadFile("/proc/loadavg")
	printSummary(res, logRes, streams, peak, ov)
	printTranslatedTargets(tr)
	printGroupTarget(grp)
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

func reqRate(s *runStats) float64 { return float64(s.requests) / s.elapsed.Seconds() }

func cpuPerReq(s *runStats) float64 {
	return float64(s.cpu.Microseconds()) / float64(max(s.requests, 1))
}

// isBaseline reports whether name is one of the httputil baselines, whose
// failures are reported, not fatal: they are the naive proxy's known
// defect (golang/go#40747), part of what the comparison shows.
func isBaseline(name string) bool { return name == tBaseline || name == tPooled }

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
	body := requestBody(t.modelFor(), false)
	tr := vegeta.NewStaticTargeter(vegeta.Target{
		Method: "POST", URL: t.url + "/v1/chat/completions", Body: body,
		Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer sk-bench"}},
	})
	// The attacker's own transport, so that its connections can be closed
	// after the measurement: left open, every measurement added conns
	// idle keep-alive connections to the target, each holding a goroutine
	// and buffers there (~32 KB of its RSS), and the targets' peak RSS
	// grew with the number of measurements. The options below configure
	// this transport.
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	a := vegeta.NewAttacker(
		vegeta.Client(&http.Client{Transport: transport}),
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
	want := streamBody()
	return streamRunAs(t, n, dur, "/v1/chat/completions", requestBody(t.modelFor(), true), func(got []byte) bool { return string(got) == want })
}

// streamRunAs is streamRun with the path, body and check of each stream
// given (the translated scenario sends Anthropic requests).
func streamRunAs(t target, n int, dur time.Duration, path string, body []byte, check func([]byte) bool) (*streamStats, error) {
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
				ttfb, total, err := oneStream(client, t.url+path, body, check)
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

func oneStream(c *http.Client, url string, body []byte, check func([]byte) bool) (ttfb, total time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(string(body)))
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
	buf := make([]byte, 0, 8<<10)
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
	if !check(buf) {
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
	direct := res[tDirect].pct(0.5)
	for _, t := range targets {
		s := res[t.name]
		added := "—"
		if t.name != tDirect {
			added = ms(s.pct(0.5) - direct)
		}
		cpuLabel := fmt.Sprintf("%.0f", cpuPerReq(s))
		if t.name == tDirect {
			cpuLabel += " (mock)"
		}
		fmt.Printf("| %s | %d | %.0f | %s | %s | %s | %s | %s | %d |\n", t.name, s.requests,
			reqRate(s), ms(s.pct(0.5)), ms(s.pct(0.9)), ms(s.pct(0.99)), added, cpuLabel, s.errors)
		if s.errors > 0 && !isBaseline(t.name) {
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
	direct := percentile(res[tDirect].ttfb, 0.5)
	for _, t := range targets {
		s := res[t.name]
		added := "—"
		if t.name != tDirect {
			added = ms(percentile(s.ttfb, 0.5) - direct)
		}
		fmt.Printf("| %s | %d | %s | %s | %s | %s | %.0f | %d |\n", t.name, s.streams, ms(percentile(s.ttfb, 0.5)),
			ms(percentile(s.ttfb, 0.99)), added, ms(percentile(s.total, 0.5)),
			float64(s.cpu.Microseconds())/float64(max(s.streams, 1)), s.errors)
		if s.errors > 0 && !isBaseline(t.name) {
			fails = append(fails, fmt.Sprintf("streams / %s: %d errors, e.g. %q", t.name, s.errors, s.sample))
		}
	}
	return fails
}

func printSummary(res map[string]map[string]*runStats, logRes map[string]*runStats, streams map[string]*streamStats, peak map[string]int64, ov *overloadResult) {
	max64, one := res[scMax], res[scOne]
	ratio := reqRate(max64[tSG]) / reqRate(max64[tBaseline])
	ratioPooled := reqRate(max64[tSG]) / reqRate(max64[tPooled])
	addedP50 := one[tSG].pct(0.5) - one[tDirect].pct(0.5)
	ttfb := func(name string) time.Duration {
		return percentile(streams[name].ttfb, 0.5) - percentile(streams[tDirect].ttfb, 0.5)
	}
	addedTTFB := ttfb(tSG)
	cpu64 := cpuPerReq(max64[tSG])
	errs := logRes[tSG].errors + logRes[tSGLog].errors
	for _, sc := range res {
		errs += sc[tSG].errors
	}
	errs += streams[tSG].errors
	fmt.Printf("\n## Targets (Sluicegate)\n\n| target | goal | measured | |\n|---|---|---|---|\n")
	fmt.Printf("| throughput at 64 connections vs naive baseline | ≥ 1.30× | %.2f× (%.0f vs %.0f req/s; direct %.0f) | %s |\n",
		ratio, reqRate(max64[tSG]), reqRate(max64[tBaseline]), reqRate(max64[tDirect]), check(ratio >= 1.3))
	fmt.Printf("| throughput at 64 connections vs pooled baseline | (reported) | %.2f× (%.0f vs %.0f req/s) | |\n",
		ratioPooled, reqRate(max64[tSG]), reqRate(max64[tPooled]))
	fmt.Printf("| proxy CPU per request, 64 connections | ≤ 100 µs | %.0f µs (pooled baseline %.0f µs, naive baseline %.0f µs; at 1 conn %.0f µs, pooled baseline %.0f µs) | %s |\n",
		cpu64, cpuPerReq(max64[tPooled]), cpuPerReq(max64[tBaseline]), cpuPerReq(one[tSG]), cpuPerReq(one[tPooled]), check(cpu64 <= 100))
	fmt.Printf("| added p50 latency, 1 connection | ≤ 0.150 ms | %s ms (pooled baseline %s ms) | %s |\n", ms(addedP50),
		ms(one[tPooled].pct(0.5)-one[tDirect].pct(0.5)), check(addedP50 <= 150*time.Microsecond))
	below := addedTTFB < ttfb(tPooled) && addedTTFB < ttfb(tBaseline)
	fmt.Printf("| added TTFB p50, 100 streams | ≤ 1.000 ms and below both baselines | %s ms (pooled baseline %s ms, naive baseline %s ms) | %s |\n",
		ms(addedTTFB), ms(ttfb(tPooled)), ms(ttfb(tBaseline)), check(addedTTFB <= time.Millisecond && below))
	printLoggingTargets(logRes)
	if ov != nil {
		fmt.Printf("| peak RSS, %v overload with logging on | ≤ 80 MB | %.1f MB | %s |\n", ov.dur, float64(ov.peakKB)/1024, check(ov.peakKB <= 80*1024))
	}
	fmt.Printf("| peak RSS over the run | ≤ 50 MB | %.1f MB (logging on %.1f MB, pooled baseline %.1f MB, baseline %.1f MB, mock %.1f MB) | %s |\n",
		float64(peak[tSG])/1024, float64(peak[tSGLog])/1024, float64(peak[tPooled])/1024, float64(peak[tBaseline])/1024, float64(peak[tDirect])/1024, check(peak[tSG] <= 50*1024))
	fmt.Printf("| errors, lost or reordered chunks | 0 | %d | %s |\n", errs, check(errs == 0))
	fmt.Printf("| allocations per streamed chunk | 0 | see `go test -run TestStreamNoAllocPerChunk -v ./proxy/` | |\n")
}

// printLoggingTargets prints the request log's two targets (issue 9) from
// the interleaved 64-connection runs of sluicegate and sluicegate-log.
func printLoggingTargets(res map[string]*runStats) {
	logRatio := reqRate(res[tSGLog]) / reqRate(res[tSG])
	logCPU := cpuPerReq(res[tSGLog])/cpuPerReq(res[tSG]) - 1
	fmt.Printf("| throughput with logging on (bodies, SQLite, %d WS subscribers) vs off, 64 connections | ≥ 90 %% | %.1f %% (%.0f vs %.0f req/s) | %s |\n",
		wsSubs, 100*logRatio, reqRate(res[tSGLog]), reqRate(res[tSG]), check(logRatio >= 0.9))
	fmt.Printf("| CPU per request with logging on vs off | ≤ +10 %% | %+.1f %% (%.0f vs %.0f µs) | %s |\n",
		100*logCPU, cpuPerReq(res[tSGLog]), cpuPerReq(res[tSG]), check(logCPU <= 0.10))
}

// interleaved64 drives each of ts at 64 connections as fast as they go
// for dur, in every one of rounds rounds (in inRound's order), and
// returns each target's merged measurements by name.
func interleaved64(ts []target, rounds int, dur time.Duration) (map[string]*runStats, error) {
	res := map[string]*runStats{}
	for _, t := range ts {
		res[t.name] = &runStats{}
	}
	for r := 0; r < rounds; r++ {
		for _, t := range inRound(r, ts) {
			st, err := attack(t, 64, 0, dur)
			if err != nil {
				return nil, err
			}
			res[t.name].merge(st)
		}
	}
	return res, nil
}

// inRound is the order in which round r measures items: as given in even
// rounds, reversed in odd ones. Whatever drifts over a round (the
// machine's load, the heap, connection pools) then weighs on every item
// alike over an even number of rounds, instead of always on the last.
func inRound[T any](r int, items []T) []T {
	if r%2 == 0 {
		return items
	}
	out := slices.Clone(items)
	slices.Reverse(out)
	return out
}

// check is a target's verdict in the summary tables.
func check(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
