package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sluicegate/sluicegate/live"
	"github.com/sluicegate/sluicegate/model"
)

const logsUsage = `Usage: sluicegate logs [flags]

Prints the request log of the running Sluicegate at --addr, newest last, one
line per request: time, status, latency, provider, model, and the error of a
failed request. With --follow it keeps printing requests as they finish (like
tail -f) and reconnects by itself when the instance restarts; Ctrl-C stops it.

Exit status: 0 after printing (and when --follow is interrupted), 1 when the
instance answered with a server error, 2 on usage errors, when no instance
answers at --addr, or when it needs another --admin-token.

Flags:
`

// Reconnect backoff of --follow: quick enough to catch a restart, capped so
// a stopped instance is not hammered.
const (
	followMinBackoff = 250 * time.Millisecond
	followMaxBackoff = 5 * time.Second
)

// historyTimeout bounds the one GET of the request log.
const historyTimeout = 15 * time.Second

// seenIDsMax is how many printed request ids --follow remembers to skip the
// hello backlog (≤ 100 entries) that every (re)connection replays.
const seenIDsMax = 4096

// logsOptions are the flags of `sluicegate logs`.
type logsOptions struct {
	addr       string
	adminToken string
	follow     bool
	errorsOnly bool
	provider   string
	model      string
	limit      int
	asJSON     bool
}

// followFunc connects to the live stream once and calls fn for each event
// until the connection ends; see live.Follow. Tests inject a fake.
type followFunc func(ctx context.Context, fn func(model.Event) error) error

// runLogs is `sluicegate logs`.
func runLogs(args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseLogsFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return newLogsRun(o, stdout, stderr, liveFollower(o)).run(ctx)
}

func parseLogsFlags(args []string, stdout, stderr io.Writer) (logsOptions, int, bool) {
	var o logsOptions
	fl := flag.NewFlagSet("logs", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	fl.BoolVar(&o.follow, "follow", false, "keep printing requests as they finish, reconnecting when the instance restarts")
	fl.BoolVar(&o.errorsOnly, "errors", false, "only failed requests, and with --follow also the server's own warnings and errors")
	fl.StringVar(&o.provider, "provider", "", "only requests routed to provider `KEY`")
	fl.StringVar(&o.model, "model", "", "only requests for model `ALIAS`")
	fl.IntVar(&o.limit, "limit", 100, "print the last `N` requests first")
	fl.BoolVar(&o.asJSON, "json", false, "print each entry as one JSON line (NDJSON) in the admin API's shape")
	fl.StringVar(&o.addr, "addr", envOr(envAddr, defaultAddr), "`HOST:PORT` of the running Sluicegate ("+envAddr+")")
	fl.StringVar(&o.adminToken, "admin-token", os.Getenv(envToken), "`TOKEN` of the running Sluicegate, if it has one ("+envToken+")")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, logsUsage, fl)
			return o, exitOK, false
		}
		fmt.Fprintf(stderr, "sluicegate logs: %v (see sluicegate logs --help)\n", err)
		return o, exitUsage, false
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "sluicegate logs: unexpected argument %q (see sluicegate logs --help)\n", fl.Arg(0))
		return o, exitUsage, false
	}
	if o.limit < 1 {
		fmt.Fprintf(stderr, "sluicegate logs: --limit must be at least 1, got %d\n", o.limit)
		return o, exitUsage, false
	}
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		fmt.Fprintf(stderr, "sluicegate logs: --addr must be HOST:PORT, got %q\n", o.addr)
		return o, exitUsage, false
	}
	return o, exitOK, true
}

// liveFollower follows the live stream of the instance at --addr.
func liveFollower(o logsOptions) followFunc {
	wsURL, header := followTarget(o)
	return func(ctx context.Context, fn func(model.Event) error) error {
		return live.Follow(ctx, wsURL, header, fn)
	}
}

// followTarget is the WebSocket URL, asking only for the types the command
// prints, and the upgrade's headers. The token goes both as ?token= (the
// form the WebSocket accepts from browsers too) and as the usual Bearer
// header.
func followTarget(o logsOptions) (string, http.Header) {
	types := model.EventRequestFinished
	if o.errorsOnly {
		types += ",log"
	}
	q := url.Values{"types": {types}}
	var header http.Header
	if o.adminToken != "" {
		q.Set("token", o.adminToken)
		header = http.Header{"Authorization": {"Bearer " + o.adminToken}}
	}
	return "ws://" + o.addr + "/admin/v1/ws?" + q.Encode(), header
}

// logsRun is one run of `sluicegate logs`: the options, where it prints,
// and what --follow remembers between connections.
type logsRun struct {
	opts   logsOptions
	stdout io.Writer
	stderr io.Writer
	follow followFunc
	minBackoff,
	maxBackoff time.Duration
	// sleep waits d before a reconnection and reports false when ctx ended
	// first; tests record the backoff instead of waiting.
	sleep func(ctx context.Context, d time.Duration) bool
	print *logPrinter

	seen *idSet
	// cutoff: when the history filled --limit, older entries were left out
	// on purpose, so backlog entries that started before the oldest printed
	// one are skipped too. Zero when the history held everything.
	cutoff time.Time
	// backlog counts the request.finished replays still expected after the
	// latest hello.
	backlog int
}

func newLogsRun(o logsOptions, stdout, stderr io.Writer, follow followFunc) *logsRun {
	return &logsRun{
		opts: o, stdout: stdout, stderr: stderr, follow: follow,
		minBackoff: followMinBackoff, maxBackoff: followMaxBackoff, sleep: sleepCtx,
		print: &logPrinter{out: stdout, loc: time.Local, asJSON: o.asJSON, provW: 8, modelW: 12},
		seen:  newIDSet(seenIDsMax),
	}
}

// run prints the history and, with --follow, the live stream, and returns
// the exit code.
func (r *logsRun) run(ctx context.Context) int {
	rows, err := fetchHistory(ctx, r.opts)
	if err != nil {
		if ctx.Err() != nil {
			return exitOK // interrupted before anything was printed
		}
		var ce *cliError
		if errors.As(err, &ce) {
			fmt.Fprintf(r.stderr, "sluicegate logs: %s\n", ce.msg)
			return ce.code
		}
		fmt.Fprintf(r.stderr, "sluicegate logs: %v\n", err)
		return exitError
	}
	if len(rows) == r.opts.limit {
		r.cutoff = rows[len(rows)-1].entry.StartedAt
	}
	for _, row := range rows {
		r.print.widen(row.entry)
	}
	// The API answers newest first; a terminal reads best newest last.
	for i := len(rows) - 1; i >= 0; i-- {
		r.seen.add(rows[i].entry.ID)
		if !r.wanted(rows[i].entry) {
			continue
		}
		if err := r.print.entry(rows[i].entry, rows[i].raw); err != nil {
			fmt.Fprintf(r.stderr, "sluicegate logs: %v\n", err)
			return exitError
		}
	}
	if !r.opts.follow {
		return exitOK
	}
	return r.followLoop(ctx)
}

// errOutput marks a failed write to stdout: reconnecting cannot help.
type errOutput struct{ err error }

func (e errOutput) Error() string { return "write output: " + e.err.Error() }

// followLoop follows the live stream until ctx ends, reconnecting with
// backoff whenever the connection drops.
func (r *logsRun) followLoop(ctx context.Context) int {
	backoff := r.minBackoff
	lost := false
	for {
		connected := false
		err := r.follow(ctx, func(ev model.Event) error {
			if !connected {
				// The first event proves the connection works: later drops
				// start again from the short backoff.
				connected, backoff = true, r.minBackoff
				if lost {
					lost = false
					fmt.Fprintln(r.stderr, "sluicegate logs: reconnected")
				}
			}
			return r.handle(ev)
		})
		if ctx.Err() != nil {
			return exitOK // Ctrl-C or SIGTERM: the normal way to stop --follow
		}
		var oe errOutput
		if errors.As(err, &oe) {
			fmt.Fprintf(r.stderr, "sluicegate logs: %v\n", oe)
			return exitError
		}
		var he *live.HandshakeError
		if errors.As(err, &he) && (he.StatusCode == http.StatusUnauthorized || he.StatusCode == http.StatusForbidden) {
			// Retrying with the same token or from the same place cannot
			// succeed (e.g. the instance restarted with a new token).
			fmt.Fprintf(r.stderr, "sluicegate logs: %s\n", refusedMessage(r.opts, he.StatusCode, ""))
			return exitUsage
		}
		if !lost {
			lost = true
			fmt.Fprintf(r.stderr, "sluicegate logs: connection lost, reconnecting… (%v)\n", err)
		}
		if !r.sleep(ctx, backoff) {
			return exitOK
		}
		backoff = min(backoff*2, r.maxBackoff)
	}
}

// sleepCtx waits d unless ctx ends first; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// handle prints one live event.
func (r *logsRun) handle(ev model.Event) error {
	raw, _ := ev.Data.(json.RawMessage)
	switch ev.Type {
	case model.EventHello:
		var h struct {
			Backlog int `json:"backlog"`
		}
		_ = json.Unmarshal(raw, &h) // a hello without a backlog replays nothing
		r.backlog = h.Backlog
	case model.EventRequestFinished:
		var e model.LogEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("request.finished: %w", err)
		}
		inBacklog := r.backlog > 0
		if inBacklog {
			r.backlog--
		}
		if !r.seen.add(e.ID) {
			return nil // printed already: history, or the backlog of an earlier connection
		}
		if inBacklog && e.StartedAt.Before(r.cutoff) {
			return nil // older than the --limit window printed at the start
		}
		if !r.wanted(e) {
			return nil
		}
		r.print.widen(e)
		if err := r.print.entry(e, raw); err != nil {
			return errOutput{err}
		}
	case "log":
		if err := r.print.serverLog(ev.TS, raw); err != nil {
			return errOutput{err}
		}
	case model.EventDropped:
		var d struct {
			Count int `json:"count"`
		}
		_ = json.Unmarshal(raw, &d)
		fmt.Fprintf(r.stderr, "sluicegate logs: missed %d events (this terminal read too slowly)\n", d.Count)
	}
	return nil
}

// wanted applies the filters on the client too: the live stream has no
// provider or model filter, and it keeps the history's rules.
func (r *logsRun) wanted(e model.LogEntry) bool {
	if r.opts.provider != "" && e.ProviderKey != r.opts.provider {
		return false
	}
	if r.opts.model != "" && e.Model != r.opts.model {
		return false
	}
	if r.opts.errorsOnly && !failed(e) {
		return false
	}
	return true
}

// failed is the errors=1 rule: an error status (499 included) or an error
// the proxy or upstream recorded.
func failed(e model.LogEntry) bool {
	return e.Status >= 400 || e.ErrorSource != nil
}

// cliError is a failure with its own exit code and a one-line message.
type cliError struct {
	code int
	msg  string
}

func (e *cliError) Error() string { return e.msg }

// logRow is one history entry, decoded and as sent (for --json).
type logRow struct {
	entry model.LogEntry
	raw   json.RawMessage
}

// fetchHistory GETs /admin/v1/logs with the command's filters.
func fetchHistory(ctx context.Context, o logsOptions) ([]logRow, error) {
	q := url.Values{"limit": {strconv.Itoa(o.limit)}}
	if o.errorsOnly {
		q.Set("errors", "1")
	}
	if o.provider != "" {
		q.Set("provider", o.provider)
	}
	if o.model != "" {
		q.Set("model", o.model)
	}
	ctx, cancel := context.WithTimeout(ctx, historyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+o.addr+"/admin/v1/logs?"+q.Encode(), nil)
	if err != nil {
		return nil, &cliError{exitUsage, fmt.Sprintf("--addr %q: %v", o.addr, err)}
	}
	if o.adminToken != "" {
		req.Header.Set("Authorization", "Bearer "+o.adminToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// The url.Error repeats the URL; its cause is the useful part.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &cliError{exitUsage, fmt.Sprintf("no Sluicegate answers at %s (%v); start one with `sluicegate serve`, or pass the --addr it listens on", o.addr, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read the request log from %s: %w", o.addr, err)
	}
	if resp.StatusCode != http.StatusOK {
		var apiErr struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(body, &apiErr) // without a message, the status says enough
		code := exitUsage
		if resp.StatusCode >= 500 {
			code = exitError
		}
		return nil, &cliError{code, refusedMessage(o, resp.StatusCode, apiErr.Error.Message)}
	}
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, &cliError{exitUsage, fmt.Sprintf("the server at %s is not a Sluicegate admin API (%v)", o.addr, err)}
	}
	rows := make([]logRow, len(page.Data))
	for i, raw := range page.Data {
		if err := json.Unmarshal(raw, &rows[i].entry); err != nil {
			return nil, fmt.Errorf("request log entry %d from %s: %w", i, o.addr, err)
		}
		rows[i].raw = raw
	}
	return rows, nil
}

// refusedMessage says why the instance refused a request, and for a 401
// what to do about it.
func refusedMessage(o logsOptions, status int, msg string) string {
	if status == http.StatusUnauthorized {
		if o.adminToken == "" {
			return fmt.Sprintf("the Sluicegate at %s has an admin token; pass it with --admin-token (or %s)", o.addr, envToken)
		}
		return fmt.Sprintf("the Sluicegate at %s refused the admin token; pass the one it was started with in --admin-token (or %s)", o.addr, envToken)
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return fmt.Sprintf("%s answered HTTP %d: %s", o.addr, status, oneLine(msg))
}

// logPrinter writes entries as aligned lines or NDJSON. The provider and
// model columns widen to the longest value seen so far, so a stream stays
// aligned with the history above it.
type logPrinter struct {
	out    io.Writer
	loc    *time.Location
	asJSON bool
	provW  int
	modelW int
}

func (p *logPrinter) widen(e model.LogEntry) {
	p.provW = max(p.provW, len(e.ProviderKey))
	p.modelW = max(p.modelW, len(e.Model))
}

func (p *logPrinter) entry(e model.LogEntry, raw json.RawMessage) error {
	if p.asJSON {
		return p.jsonLine(raw)
	}
	_, err := fmt.Fprintln(p.out, formatEntry(e, p.loc, p.provW, p.modelW))
	return err
}

// serverLog prints a `log` message (data {level, message, attrs}) sent at ts.
func (p *logPrinter) serverLog(ts time.Time, raw json.RawMessage) error {
	var rec struct {
		Level   string          `json:"level"`
		Message string          `json:"message"`
		Attrs   json.RawMessage `json:"attrs"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil // not a record this version understands; skip it rather than drop the stream
	}
	if p.asJSON {
		// The shape of GET /admin/v1/server-log's entries.
		b, err := json.Marshal(struct {
			TS      time.Time       `json:"ts"`
			Level   string          `json:"level"`
			Message string          `json:"message"`
			Attrs   json.RawMessage `json:"attrs,omitempty"`
		}{ts, rec.Level, rec.Message, rec.Attrs})
		if err != nil {
			return err
		}
		return p.jsonLine(b)
	}
	_, err := fmt.Fprintln(p.out, formatServerLog(ts, rec.Level, rec.Message, rec.Attrs, p.loc))
	return err
}

func (p *logPrinter) jsonLine(raw json.RawMessage) error {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return fmt.Errorf("entry is not JSON: %w", err)
	}
	b.WriteByte('\n')
	_, err := p.out.Write(b.Bytes())
	return err
}

// formatEntry is one request as a line:
// `15:04:05.000  200   1234ms  openai    gpt-4o        (stream)  error_type: message`.
func formatEntry(e model.LogEntry, loc *time.Location, provW, modelW int) string {
	stream := ""
	if e.Stream {
		stream = "(stream)"
	}
	errText := e.ErrorMessage
	if e.ErrorType != "" && errText != "" {
		errText = e.ErrorType + ": " + errText
	} else if e.ErrorType != "" {
		errText = e.ErrorType
	}
	line := fmt.Sprintf("%s  %3d  %7s  %-*s  %-*s  %-8s  %s",
		e.StartedAt.In(loc).Format("15:04:05.000"), e.Status, strconv.FormatInt(e.LatencyMs, 10)+"ms",
		provW, dash(e.ProviderKey), modelW, dash(e.Model), stream, oneLine(errText))
	return strings.TrimRight(line, " ")
}

// formatServerLog is one `log` message as a line:
// `15:04:05.000  WARN   message key=value …`, keys sorted.
func formatServerLog(ts time.Time, level, msg string, attrs json.RawMessage, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %-5s  %s", ts.In(loc).Format("15:04:05.000"), strings.ToUpper(level), oneLine(msg))
	var kv map[string]json.RawMessage
	if json.Unmarshal(attrs, &kv) == nil {
		keys := make([]string, 0, len(kv))
		for k := range kv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%s", k, attrValue(kv[k]))
		}
	}
	return b.String()
}

// attrValue prints a string bare unless it needs quotes to stay one
// readable token; other JSON values as they are.
func attrValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw)
	}
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		return strconv.Quote(s)
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// idSet remembers the last max ids added.
type idSet struct {
	max   int
	ids   map[string]struct{}
	order []string
}

func newIDSet(max int) *idSet {
	return &idSet{max: max, ids: make(map[string]struct{}, max)}
}

// add records id and reports whether it was new.
func (s *idSet) add(id string) bool {
	if _, ok := s.ids[id]; ok {
		return false
	}
	s.ids[id] = struct{}{}
	s.order = append(s.order, id)
	if len(s.order) > s.max {
		delete(s.ids, s.order[0])
		s.order = s.order[1:]
	}
	return true
}
