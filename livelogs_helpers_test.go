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
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"github.com/sluicegate/sluicegate/model"
)

// llStart runs an in-process instance on a free loopback port with its
// data in dataDir, logging into logBuf (when not nil); it is stopped when
// the test ends (Stop is idempotent, so a test may stop it earlier).
func llStart(t *testing.T, dataDir, token string, logBuf io.Writer) *instance {
	t.Helper()
	return llStartAt(t, "127.0.0.1:0", dataDir, token, logBuf)
}

// llStartAt is llStart on a given address.
func llStartAt(t *testing.T, addr, dataDir, token string, logBuf io.Writer) *instance {
	t.Helper()
	return llStartOpts(t, options{addr: addr, dataDir: dataDir, adminToken: token, shutdownGrace: time.Second}, logBuf)
}

// llStartOpts starts an instance with opts.
func llStartOpts(t *testing.T, opts options, logBuf io.Writer) *instance {
	t.Helper()
	if logBuf == nil {
		logBuf = io.Discard
	}
	in := newInstance(opts, slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err := in.Start(context.Background()); err != nil {
		t.Fatalf("start instance: %v", err)
	}
	t.Cleanup(func() { _ = in.Stop(context.Background()) })
	return in
}

// llBase is the instance's http://HOST:PORT.
func llBase(in *instance) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return "http://" + in.addr
}

// llAuth is the admin header for token ("" → none).
func llAuth(token string) map[string]string {
	if token == "" {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + token}
}

// llProvider creates an openai-type provider and fails the test otherwise.
// extra is added to the JSON object as is (e.g. `"response_header_timeout_secs":1`).
func llProvider(t *testing.T, base, token, key, baseURL, apiKey string, aliases []string, extra string) {
	t.Helper()
	models := make([]string, len(aliases))
	for i, a := range aliases {
		models[i] = fmt.Sprintf(`{"alias":%q,"upstream":%q}`, a, a)
	}
	body := fmt.Sprintf(`{"key":%q,"type":"openai","base_url":%q,"models":[%s]`, key, baseURL, strings.Join(models, ","))
	if apiKey != "" {
		body += fmt.Sprintf(`,"api_key":%q`, apiKey)
	}
	if extra != "" {
		body += "," + extra
	}
	body += "}"
	if code, resp := call(t, "POST", base+"/admin/v1/providers", body, llAuth(token)); code != http.StatusCreated {
		t.Fatalf("create provider %s: %d %s", key, code, resp)
	}
}

// llClosedPort is a loopback address nothing listens on.
func llClosedPort(t *testing.T) string {
	t.Helper()
	return freePort(t) // freePort closes its listener before returning
}

// llLogs lists the request log with query (e.g. "model=ok&limit=1000").
func llLogs(t *testing.T, base, token, query string) []model.LogEntry {
	t.Helper()
	code, body := call(t, "GET", base+"/admin/v1/logs?"+query, "", llAuth(token))
	if code != http.StatusOK {
		t.Fatalf("GET /admin/v1/logs?%s: %d %s", query, code, body)
	}
	var page struct{ Data []model.LogEntry }
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatalf("logs page: %v: %s", err, body)
	}
	return page.Data
}

// llWaitLog polls GET /admin/v1/logs?model=alias for at most 2 s (the
// batch flush) until exactly one entry is there.
func llWaitLog(t *testing.T, base, token, alias string) model.LogEntry {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		got := llLogs(t, base, token, "model="+url.QueryEscape(alias))
		if len(got) == 1 {
			return got[0]
		}
		if len(got) > 1 || time.Now().After(deadline) {
			t.Fatalf("model %s: %d log entries after the flush, want 1", alias, len(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wsMsg is one message of the live stream with the time its frame arrived.
type wsMsg struct {
	Type string          `json:"type"`
	TS   time.Time       `json:"ts"`
	Data json.RawMessage `json:"data"`
	At   time.Time       `json:"-"`
}

// wsWatcher reads a live-stream connection in the background and keeps
// every frame and message.
type wsWatcher struct {
	conn   *websocket.Conn
	mu     sync.Mutex
	frames bytes.Buffer
	msgs   []wsMsg
	err    error
	notify chan struct{}
	done   chan struct{}
}

// llDialWS opens the live stream at base+"/admin/v1/ws"+query with header;
// it fails the test unless the upgrade succeeds.
func llDialWS(t *testing.T, base, query string, header http.Header) *wsWatcher {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(llWSURL(base, query), header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("websocket dial (%s): %v (HTTP %d)", query, err, status)
	}
	return llWatch(t, conn)
}

// llWSURL is the ws:// URL of the live stream with query ("?…" or "").
func llWSURL(base, query string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/admin/v1/ws" + query
}

// llWatch starts reading conn; the connection is closed when the test ends.
func llWatch(t *testing.T, conn *websocket.Conn) *wsWatcher {
	w := &wsWatcher{conn: conn, notify: make(chan struct{}, 1), done: make(chan struct{})}
	go w.read()
	t.Cleanup(func() {
		_ = conn.Close()
		<-w.done
	})
	return w
}

func (w *wsWatcher) read() {
	defer close(w.done)
	for {
		_, frame, err := w.conn.ReadMessage()
		at := time.Now()
		w.mu.Lock()
		if err != nil {
			w.err = err
			w.mu.Unlock()
			w.wake()
			return
		}
		w.frames.Write(frame)
		w.frames.WriteByte('\n')
		dec := json.NewDecoder(bytes.NewReader(frame))
		for {
			var m wsMsg
			if dec.Decode(&m) != nil {
				break
			}
			m.At = at
			w.msgs = append(w.msgs, m)
		}
		w.mu.Unlock()
		w.wake()
	}
}

func (w *wsWatcher) wake() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// waitFor returns the first message that satisfies match, waiting at
// most timeout for it.
func (w *wsWatcher) waitFor(t *testing.T, timeout time.Duration, what string, match func(wsMsg) bool) wsMsg {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		for _, m := range w.msgs {
			if match(m) {
				w.mu.Unlock()
				return m
			}
		}
		err := w.err
		w.mu.Unlock()
		if err != nil {
			t.Fatalf("live stream ended before %s: %v", what, err)
		}
		select {
		case <-w.notify:
		case <-deadline.C:
			w.mu.Lock()
			counts := map[string]int{}
			for _, m := range w.msgs {
				counts[m.Type]++
			}
			w.mu.Unlock()
			t.Fatalf("no %s on the live stream within %v (received %v)", what, timeout, counts)
		}
	}
}

// finished returns the request.finished entry for model alias.
func (w *wsWatcher) finished(t *testing.T, timeout time.Duration, alias string) (model.LogEntry, time.Time) {
	t.Helper()
	var e model.LogEntry
	m := w.waitFor(t, timeout, "request.finished for "+alias, func(m wsMsg) bool {
		if m.Type != model.EventRequestFinished {
			return false
		}
		var x model.LogEntry
		return json.Unmarshal(m.Data, &x) == nil && x.Model == alias
	})
	if err := json.Unmarshal(m.Data, &e); err != nil {
		t.Fatal(err)
	}
	return e, m.At
}

// allFrames is every frame received so far, one per line.
func (w *wsWatcher) allFrames() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.frames.String()
}

// llMetrics scrapes /metrics and parses it with expfmt's text parser.
func llMetrics(t *testing.T, base, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse as Prometheus text: %v", err)
	}
	return fams
}

// llMetricSum adds up the counter or gauge values of family name whose
// labels include want.
func llMetricSum(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
	var sum float64
	for _, m := range f.GetMetric() {
		ok := true
		for k, v := range want {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			ok = ok && found
		}
		if !ok {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Untyped != nil:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum
}

// llPost sends one chat completion for alias and drains the answer; it
// returns the status (0 on a transport error).
func llPost(client *http.Client, base, alias string) int {
	resp, err := client.Post(base+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"`+alias+`","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// llBurst sends n chat completions for alias with conc workers and
// returns how many were answered 200.
func llBurst(base, alias string, n, conc int) int {
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: conc, DialContext: (&net.Dialer{}).DialContext},
	}
	defer client.CloseIdleConnections()
	jobs := make(chan struct{})
	var ok sync.WaitGroup
	var mu sync.Mutex
	good := 0
	for range conc {
		ok.Add(1)
		go func() {
			defer ok.Done()
			for range jobs {
				if llPost(client, base, alias) == http.StatusOK {
					mu.Lock()
					good++
					mu.Unlock()
				}
			}
		}()
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	ok.Wait()
	return good
}

// lineWatcher collects a child's stdout lines as they come.
type lineWatcher struct {
	mu     sync.Mutex
	lines  []string
	notify chan struct{}
}

func newLineWatcher(r io.Reader) *lineWatcher {
	w := &lineWatcher{notify: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
			select {
			case w.notify <- struct{}{}:
			default:
			}
		}
	}()
	return w
}

// waitLine waits at most timeout for a line containing s.
func (w *lineWatcher) waitLine(t *testing.T, timeout time.Duration, s string) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		for _, l := range w.lines {
			if strings.Contains(l, s) {
				w.mu.Unlock()
				return
			}
		}
		got := strings.Join(w.lines, "\n")
		w.mu.Unlock()
		select {
		case <-w.notify:
		case <-deadline.C:
			t.Fatalf("no line with %q within %v; got:\n%s", s, timeout, got)
		}
	}
}
