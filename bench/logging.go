package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegate/sluicegate/live"
	"github.com/sluicegate/sluicegate/model"
)

// subscribers are WebSocket clients of a logging child's live stream,
// each reading every frame in full and counting its request.finished
// lines (see countFinished).
type subscribers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	events []atomic.Int64 // request.finished events received, per subscriber
	mu     sync.Mutex
	errs   []string // why a subscriber stopped before stop
}

// subscribe connects n subscribers to c's /admin/v1/ws and waits until
// the child counts all of them.
func subscribe(c *child, n int) (*subscribers, error) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &subscribers{cancel: cancel, events: make([]atomic.Int64, n)}
	wsURL := "ws://" + strings.TrimPrefix(c.addr, "http://") + "/admin/v1/ws"
	for i := 0; i < n; i++ {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := countFinished(ctx, wsURL, &s.events[i])
			if err != nil && ctx.Err() == nil {
				s.mu.Lock()
				s.errs = append(s.errs, err.Error())
				s.mu.Unlock()
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := fetchStats(c)
		if err == nil && st.Subscribers == n {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s: %d of %d WebSocket subscribers connected (%v; %v)", c.name, st.Subscribers, n, err, s.failures())
		}
		time.Sleep(20 * time.Millisecond) // polling a child process: no channel to wait on
	}
}

// finishedPrefix starts every request.finished line of the live stream
// (API.md: one JSON object a line, "type" first).
var finishedPrefix = []byte(`{"type":"` + model.EventRequestFinished + `"`)

// countFinished reads the live stream at wsURL until ctx ends, adding the
// request.finished messages it receives to n. It reads every frame in
// full, as any client must, but does not decode the messages: what a
// client does with them is the client's cost, not the server's, and the
// driver shares the two cores with the measured child. (Decoding them as
// live.Follow does cost ~15 µs a request for 5 subscribers, which showed
// as ~5 points of the logging child's throughput; BenchmarkDecodeFrame in
// live/ measures that decoding.)
func countFinished(ctx context.Context, wsURL string, n *atomic.Int64) error {
	return live.FollowFrames(ctx, wsURL, nil, func(frame []byte) error {
		var count int64
		for len(frame) > 0 {
			var line []byte
			line, frame, _ = bytes.Cut(frame, []byte{'\n'})
			if bytes.HasPrefix(line, finishedPrefix) {
				count++
			}
		}
		n.Add(count)
		return nil
	})
}

// received is the fewest and most request.finished events a subscriber
// got.
func (s *subscribers) received() (lo, hi int64) {
	lo = -1
	for i := range s.events {
		n := s.events[i].Load()
		if lo < 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	return lo, hi
}

// settled is received once every subscriber has caught up with want
// events (the entries stored) and with each other, or after 2 s: when a
// run ends, its last frames (up to 25 ms of events) are still on their
// way.
func (s *subscribers) settled(want int64) (lo, hi int64) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		lo, hi = s.received()
		if (lo == hi && lo >= want) || time.Now().After(deadline) {
			return lo, hi
		}
		time.Sleep(10 * time.Millisecond) // counts move with socket reads: poll
	}
}

// missedEvents is a failure when, with no event dropped by the hub, the
// subscribers did not all receive the same request.finished events. (The
// stored count is no exact reference: a retention trim that empties a
// minute takes that minute out of the statistics.)
func missedEvents(scenario string, st benchStats, lo, hi int64) []string {
	if st.HubDropped == 0 && lo != hi {
		return []string{fmt.Sprintf("%s: subscribers received %d–%d request.finished events, and the hub dropped none", scenario, lo, hi)}
	}
	return nil
}

func (s *subscribers) failures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

func (s *subscribers) stop() {
	s.cancel()
	s.wg.Wait()
}

// fetchStats asks a logging child for its request-log and hub counters
// (it flushes the log writer first).
func fetchStats(c *child) (benchStats, error) {
	var st benchStats
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.addr+"/bench/stats", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("%s stats: %w", c.name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("%s stats: status %d", c.name, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("%s stats: %w", c.name, err)
	}
	return st, nil
}

// printLogging compares Sluicegate with the request log on (bodies, SQLite,
// 5 WebSocket subscribers) against the plain proxy, from the logging
// comparison's interleaved rounds at 64 connections, and checks that the
// log really ran: rows stored with bodies, events delivered to every
// subscriber.
func printLogging(res map[string]*runStats, rounds int, dur time.Duration, st benchStats, subs *subscribers) []string {
	off, on := res[tSG], res[tSGLog]
	lo, hi := subs.settled(st.Stored)
	fmt.Printf("\n## logging on (log_bodies, SQLite, %d WebSocket subscribers) vs off: 64 connections, %d interleaved rounds of %v\n\n", wsSubs, rounds, dur)
	fmt.Println("| target | req/s | CPU µs/req | p50 ms | p99 ms |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, r := range []struct {
		name string
		s    *runStats
	}{{tSG + " (logging off)", off}, {tSGLog + " (logging on)", on}} {
		fmt.Printf("| %s | %.0f | %.0f | %s | %s |\n", r.name, reqRate(r.s), cpuPerReq(r.s), ms(r.s.pct(0.5)), ms(r.s.pct(0.99)))
	}
	fmt.Printf("\nlogging on over the whole run: %d rows stored (last 15 min), %d log entries dropped, newest row has both bodies: %v; "+
		"request.finished events per WebSocket subscriber: %d–%d; hub drops: %d\n",
		st.Stored, st.Dropped, st.BodiesLogged, lo, hi, st.HubDropped)
	var fails []string
	for _, t := range []struct {
		name string
		s    *runStats
	}{{tSG, off}, {tSGLog, on}} {
		if t.s.errors > 0 {
			fails = append(fails, fmt.Sprintf("logging / %s: %d errors, e.g. %v", t.name, t.s.errors, t.s.errSample))
		}
	}
	if !st.BodiesLogged {
		fails = append(fails, "logging: the newest request-log row has no captured bodies")
	}
	if st.Stored == 0 {
		fails = append(fails, "logging: no request-log row was stored")
	}
	if hi == 0 {
		fails = append(fails, "logging: no WebSocket subscriber received a request.finished event")
	}
	fails = append(fails, missedEvents("logging", st, lo, hi)...)
	if f := subs.failures(); len(f) > 0 {
		fails = append(fails, fmt.Sprintf("logging: %d WebSocket subscriber(s) dropped: %q", len(f), f))
	}
	return fails
}

// overloadResult is the overload run: requests at full speed with the
// request log on, and the logging process's memory meanwhile.
type overloadResult struct {
	dur        time.Duration
	stats      *runStats
	peakKB     int64 // VmHWM at the end
	startKB    int64 // VmRSS after warm-up
	samplesKB  []int64
	log        benchStats
	subsLo     int64
	subsHi     int64
	subsFailed []string
}

// overloadRun starts a fresh logging child with its 5 subscribers and
// drives it with ovConns connections as fast as they go for dur, sampling
// its RSS every second (profile, when set, gets its CPU profile): the request log's queue and the hub's queues are
// bounded, so memory must level off however far the writer falls behind.
func overloadRun(mockAddr string, dur time.Duration, profile string) (*overloadResult, error) {
	if profile != "" {
		profile += ".overload"
	}
	c, subs, err := startLogging(mockAddr, profile)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	defer subs.stop()
	t := target{name: tSGLog, url: c.addr, proc: c, alias: true}
	ov := &overloadResult{dur: dur}
	ov.startKB, _ = rssKB(c.cmd.Process.Pid)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if kb, err := rssKB(c.cmd.Process.Pid); err == nil {
					ov.samplesKB = append(ov.samplesKB, kb)
				}
			}
		}
	}()
	ov.stats, err = attack(t, ovConns, 0, dur)
	close(stop)
	<-sampled
	if err != nil {
		return nil, err
	}
	ps, err := readProc(c.cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	ov.peakKB = ps.peakKB
	if ov.log, err = fetchStats(c); err != nil {
		return nil, err
	}
	ov.subsLo, ov.subsHi = subs.settled(ov.log.Stored)
	ov.subsFailed = subs.failures()
	return ov, nil
}

var errNoRSS = errors.New("no VmRSS line")

// rssKB is a process's current resident set (VmRSS) in KiB.
func rssKB(pid int) (int64, error) {
	b, err := readStatus(pid)
	if err != nil {
		return 0, err
	}
	if v, ok := statusField(b, "VmRSS:"); ok {
		return v, nil
	}
	return 0, errNoRSS
}

func printOverload(ov *overloadResult) []string {
	fmt.Printf("\n## overload: %v at full speed, %d connections, logging on (log_bodies, SQLite, %d WebSocket subscribers)\n\n", ov.dur, ovConns, wsSubs)
	s := ov.stats
	samples := make([]string, len(ov.samplesKB))
	for i, kb := range ov.samplesKB {
		samples[i] = fmt.Sprintf("%.0f", float64(kb)/1024)
	}
	fmt.Printf("| requests | req/s | errors | CPU µs/req | RSS after warm-up | peak RSS | rows stored | log entries dropped | events per subscriber | hub drops |\n")
	fmt.Printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	fmt.Printf("| %d | %.0f | %d | %.0f | %.1f MB | %.1f MB | %d | %d | %d–%d | %d |\n", s.requests, reqRate(s), s.errors, cpuPerReq(s),
		float64(ov.startKB)/1024, float64(ov.peakKB)/1024, ov.log.Stored, ov.log.Dropped, ov.subsLo, ov.subsHi, ov.log.HubDropped)
	fmt.Printf("\nRSS every second (MB): %s\n", strings.Join(samples, " "))
	var fails []string
	if s.errors > 0 {
		fails = append(fails, fmt.Sprintf("overload: %d errors, e.g. %q", s.errors, s.errSample))
	}
	if len(ov.subsFailed) > 0 {
		fails = append(fails, fmt.Sprintf("overload: WebSocket subscribers dropped: %q", ov.subsFailed))
	}
	if !ov.log.BodiesLogged {
		fails = append(fails, "overload: the newest request-log row has no captured bodies")
	}
	fails = append(fails, missedEvents("overload", ov.log, ov.subsLo, ov.subsHi)...)
	return fails
}

// loggingOnly is -only logging: a logging child with its 5 subscribers
// next to sg (logging off), both driven at 64 connections, interleaved in
// every round.
func loggingOnly(mock *child, sg target, rounds int, dur time.Duration, profile string) ([]string, error) {
	c, subs, err := startLogging(mock.addr, profile)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	defer subs.stop()
	res, err := interleaved64([]target{sg, {name: tSGLog, url: c.addr, proc: c, alias: true}}, rounds, dur)
	if err != nil {
		return nil, err
	}
	st, err := fetchStats(c)
	if err != nil {
		return nil, err
	}
	fails := printLogging(res, rounds, dur, st, subs)
	fmt.Printf("\n| target | goal | measured | |\n|---|---|---|---|\n")
	printLoggingTargets(res)
	return fails, nil
}

// startLogging starts a logging child with its 5 WebSocket subscribers and
// warms it up; the caller stops both.
func startLogging(mockAddr, profile string) (*child, *subscribers, error) {
	c, err := startChild(tSGLog, mockAddr, profile)
	if err != nil {
		return nil, nil, err
	}
	subs, err := subscribe(c, wsSubs)
	if err != nil {
		c.stop()
		return nil, nil, err
	}
	t := target{name: tSGLog, url: c.addr, proc: c, alias: true}
	if _, err := attack(t, 8, 0, 500*time.Millisecond); err != nil {
		subs.stop()
		c.stop()
		return nil, nil, fmt.Errorf("warm-up %s: %w", tSGLog, err)
	}
	return c, subs, nil
}
