package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// Statistics are computed from per-minute rollups (request_log_minutes),
// kept in the same transaction as the entries they count. Measured on the
// 2-core development machine, any query that hands 100,000 entries through
// database/sql one row each took 50-200 ms before any computing, and a
// GROUP BY over them (SQLite sorts to group) 200-350 ms, against a budget
// of 50 ms. A window now reads one rollup row per minute, provider and
// model, plus the entries of its first, partial minute, so the answer is
// exact (nearest-rank percentiles over every request) and its cost grows
// with the minutes and keys in the window, not with the requests.

const minuteMs = 60_000

// statusClasses are the Stats.ByStatus keys in the order of the rollup's
// status columns; statusIndex maps a status to its position.
var statusClasses = [...]string{"1xx", model.StatusClass2xx, "3xx", model.StatusClass4xx,
	model.StatusClass5xx, model.StatusClass499}

func statusIndex(status int) int {
	switch {
	case status == model.StatusClientClosed:
		return 5
	case status < 200:
		return 0 // 1xx, and a status that was never set
	case status >= 500:
		return 4
	}
	return status/100 - 1
}

const (
	// sqlGetMinute reads the newest part of one minute's rollup. Its
	// parameters are wrapped in CAST: with bare ? parameters and the ORDER
	// BY, SQLite re-parsed and re-planned the statement at every bind,
	// cached or not (~20 µs a batch and key, most of the query; its
	// planner marks the parameters it compared while planning as
	// "re-prepare when bound"). The plan is the same primary-key search
	// (TestMinuteQueryPlan).
	sqlGetMinute = `SELECT requests, errors, status_1xx, status_2xx, status_3xx, status_4xx,
		status_5xx, status_499, prompt_tokens, completion_tokens, latencies, ttfbs, part
		FROM request_log_minutes WHERE minute = CAST(? AS INTEGER)
		AND provider_key = CAST(? AS TEXT) AND model = CAST(? AS TEXT)
		ORDER BY part DESC LIMIT 1`
	sqlPutMinute = `INSERT OR REPLACE INTO request_log_minutes (minute, provider_key, model,
		requests, errors, status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, status_499,
		prompt_tokens, completion_tokens, latencies, ttfbs, part)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlStatsMinutes = `SELECT provider_key, model, requests, errors, status_1xx, status_2xx,
		status_3xx, status_4xx, status_5xx, status_499, prompt_tokens, completion_tokens,
		latencies, ttfbs FROM request_log_minutes WHERE minute >= ?`
	// sqlStatsBlocks finds the blocks holding entries of the partial
	// first minute of a window.
	sqlStatsBlocks = `SELECT id, data FROM request_log_blocks WHERE last_started_ms >= ? AND first_started_ms < ?`
)

type minuteKey struct {
	minute          int64
	provider, model string
}

// minuteRow is one rollup row: the counts of a group of entries.
type minuteRow struct {
	requests, errors   int64
	status             [len(statusClasses)]int64
	prompt, completion int64
	latencies, ttfbs   []byte // uvarint lists, in no order
}

func (m *minuteRow) add(e *model.LogEntry) {
	m.requests++
	if e.IsError() {
		m.errors++
	}
	m.status[statusIndex(e.Status)]++
	if e.Usage != nil {
		m.prompt += e.Usage.PromptTokens
		m.completion += e.Usage.CompletionTokens
	}
	m.latencies = binary.AppendUvarint(m.latencies, uint64(max(e.LatencyMs, 0)))
	// A request that failed before its first byte has no TTFB; a zero
	// would drag the median down.
	if e.TTFBMs > 0 {
		m.ttfbs = binary.AppendUvarint(m.ttfbs, uint64(e.TTFBMs))
	}
}

// maxRollupPart bounds the latency list of one rollup row. A busy minute
// is split into parts: merging a batch rewrites at most this much, instead
// of the whole minute's list (which would make a busy minute quadratic).
// Small parts keep the row within a page or two: with 8 KiB parts every
// batch read and rewrote some 16 KiB a provider and model, which cost
// more than storing the batch's entries (BenchmarkInsertLogs: 16.4 →
// 12.8 µs a row); statistics read a few more rows (LogStats100k: 9 → 11 ms).
const maxRollupPart = 1 << 10

// addToMinutes adds entries to their minutes' rollups inside tx.
func addToMinutes(ctx context.Context, tx *sql.Tx, entries []model.LogEntry) error {
	groups := map[minuteKey]*minuteRow{}
	var order []minuteKey // deterministic write order
	for i := range entries {
		e := &entries[i]
		k := minuteKey{minute: floorDiv(e.StartedAt.UnixMilli(), minuteMs), provider: e.ProviderKey, model: e.Model}
		g, ok := groups[k]
		if !ok {
			g = &minuteRow{}
			groups[k] = g
			order = append(order, k)
		}
		g.add(e)
	}
	for _, k := range order {
		g := groups[k]
		var old minuteRow
		var part int64
		err := tx.QueryRowContext(ctx, sqlGetMinute, k.minute, k.provider, k.model).Scan(
			&old.requests, &old.errors, &old.status[0], &old.status[1], &old.status[2], &old.status[3],
			&old.status[4], &old.status[5], &old.prompt, &old.completion, &old.latencies, &old.ttfbs, &part)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if len(old.latencies)+len(g.latencies) > maxRollupPart && old.requests > 0 {
			// The newest part is full: start the next one.
			old, part = minuteRow{}, part+1
		}
		g.requests += old.requests
		g.errors += old.errors
		for i := range g.status {
			g.status[i] += old.status[i]
		}
		g.prompt += old.prompt
		g.completion += old.completion
		g.latencies = append(old.latencies, g.latencies...)
		g.ttfbs = append(old.ttfbs, g.ttfbs...)
		if g.ttfbs == nil {
			g.ttfbs = []byte{} // NOT NULL: an empty list, not a missing one
		}
		if _, err := tx.ExecContext(ctx, sqlPutMinute, k.minute, k.provider, k.model,
			g.requests, g.errors, g.status[0], g.status[1], g.status[2], g.status[3], g.status[4], g.status[5],
			g.prompt, g.completion, g.latencies, g.ttfbs, part); err != nil {
			return err
		}
	}
	return nil
}

// floorDiv is a/b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// LogStats summarises the entries that started at or after since, up to
// now. Window is left for the caller to name.
func (s *Store) LogStats(ctx context.Context, since time.Time) (model.Stats, error) {
	sinceMs := since.UnixMilli()
	firstFull := floorDiv(sinceMs, minuteMs)
	if sinceMs != firstFull*minuteMs {
		firstFull++
	}
	c := statsCollector{byProvider: map[string]*statsAcc{}, byModel: map[string]*statsAcc{}}
	if err := c.readEntries(ctx, s.db, sinceMs, firstFull*minuteMs); err != nil {
		return model.Stats{}, dbError("usage statistics", err)
	}
	if err := c.readMinutes(ctx, s.db, firstFull); err != nil {
		return model.Stats{}, dbError("usage statistics", err)
	}
	st, err := c.result()
	if err != nil {
		return model.Stats{}, dbError("usage statistics", err)
	}
	return st, nil
}

type statsCollector struct {
	requests, errors int64
	status           [len(statusClasses)]int64
	byProvider       map[string]*statsAcc
	byModel          map[string]*statsAcc
	rows             []groupRow
}

// statsAcc gathers one group's figures.
type statsAcc struct {
	fig       model.StatsFigures
	latencies []int64
	ttfbs     []int64
}

func accFor(m map[string]*statsAcc, key string) *statsAcc {
	a, ok := m[key]
	if !ok {
		a = &statsAcc{}
		m[key] = a
	}
	return a
}

func (c *statsCollector) readEntries(ctx context.Context, db *sql.DB, fromMs, toMs int64) error {
	if fromMs >= toMs {
		return nil
	}
	return eachBlock(ctx, db, sqlStatsBlocks, []any{fromMs, toMs}, func(_ int64, entries []storedEntry) error {
		for i := range entries {
			e := &entries[i].LogEntry
			if ms := e.StartedAt.UnixMilli(); ms < fromMs || ms >= toMs {
				continue
			}
			var m minuteRow
			m.add(e)
			c.add(e.ProviderKey, e.Model, &m)
		}
		return nil
	})
}

func (c *statsCollector) readMinutes(ctx context.Context, db *sql.DB, fromMinute int64) error {
	rows, err := db.QueryContext(ctx, sqlStatsMinutes, fromMinute)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			provider, modelName string
			m                   minuteRow
		)
		if err := rows.Scan(&provider, &modelName, &m.requests, &m.errors, &m.status[0], &m.status[1],
			&m.status[2], &m.status[3], &m.status[4], &m.status[5], &m.prompt, &m.completion,
			&m.latencies, &m.ttfbs); err != nil {
			return err
		}
		c.add(provider, modelName, &m)
	}
	return rows.Err()
}

// add keeps one rollup row (or one entry as a row of one) for result.
func (c *statsCollector) add(provider, modelName string, m *minuteRow) {
	c.rows = append(c.rows, groupRow{provider: provider, model: modelName, m: *m})
}

// groupRow is a rollup row with its keys.
type groupRow struct {
	provider, model string
	m               minuteRow
}

func decodeUvarints(dst []int64, b []byte) ([]int64, error) {
	for len(b) > 0 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return dst, errors.New("damaged latency list in request_log_minutes")
		}
		dst = append(dst, int64(v))
		b = b[n:]
	}
	return dst, nil
}

// result computes the figures from the rows read. Counting first lets
// every group's value lists be allocated once at their final size.
func (c *statsCollector) result() (model.Stats, error) {
	for i := range c.rows {
		r := &c.rows[i]
		c.requests += r.m.requests
		c.errors += r.m.errors
		for j, n := range r.m.status {
			c.status[j] += n
		}
		for _, a := range [2]*statsAcc{accFor(c.byProvider, r.provider), accFor(c.byModel, r.model)} {
			a.fig.Requests += r.m.requests
			a.fig.Errors += r.m.errors
			a.fig.PromptTokens += r.m.prompt
			a.fig.CompletionTokens += r.m.completion
		}
	}
	for _, groups := range []map[string]*statsAcc{c.byProvider, c.byModel} {
		for _, a := range groups {
			a.latencies = make([]int64, 0, a.fig.Requests)
			a.ttfbs = make([]int64, 0, a.fig.Requests)
		}
	}
	for i := range c.rows {
		r := &c.rows[i]
		p, md := c.byProvider[r.provider], c.byModel[r.model]
		var err error
		n := len(p.latencies)
		if p.latencies, err = decodeUvarints(p.latencies, r.m.latencies); err != nil {
			return model.Stats{}, err
		}
		md.latencies = append(md.latencies, p.latencies[n:]...)
		n = len(p.ttfbs)
		if p.ttfbs, err = decodeUvarints(p.ttfbs, r.m.ttfbs); err != nil {
			return model.Stats{}, err
		}
		md.ttfbs = append(md.ttfbs, p.ttfbs[n:]...)
	}
	st := model.Stats{Requests: c.requests, Errors: c.errors, ByStatus: map[string]int64{}}
	for i, n := range c.status {
		// The four classes API.md names are always present; the others
		// only when seen.
		if n > 0 || i == 1 || i >= 3 {
			st.ByStatus[statusClasses[i]] = n
		}
	}
	st.ByProvider = make([]model.ProviderStats, 0, len(c.byProvider))
	for key, a := range c.byProvider {
		st.ByProvider = append(st.ByProvider, model.ProviderStats{ProviderKey: key, StatsFigures: a.figures()})
	}
	slices.SortFunc(st.ByProvider, func(a, b model.ProviderStats) int {
		return cmp.Or(cmp.Compare(b.Requests, a.Requests), cmp.Compare(a.ProviderKey, b.ProviderKey))
	})
	st.ByModel = make([]model.ModelStats, 0, len(c.byModel))
	for key, a := range c.byModel {
		st.ByModel = append(st.ByModel, model.ModelStats{Model: key, StatsFigures: a.figures()})
	}
	slices.SortFunc(st.ByModel, func(a, b model.ModelStats) int {
		return cmp.Or(cmp.Compare(b.Requests, a.Requests), cmp.Compare(a.Model, b.Model))
	})
	return st, nil
}

func (a *statsAcc) figures() model.StatsFigures {
	f := a.fig
	f.LatencyP50Ms, f.LatencyP95Ms = percentiles(a.latencies, 50, 95)
	f.TTFBP50Ms, _ = percentiles(a.ttfbs, 50, 50)
	return f
}

// percentiles returns the lo-th and hi-th percentiles (lo <= hi) of values
// by the nearest-rank method: the smallest value with at least p% of the
// values at or below it; 0 for no values. It reorders values: selecting
// is linear where sorting 100,000 values is not.
func percentiles(values []int64, lo, hi int) (int64, int64) {
	if len(values) == 0 {
		return 0, 0
	}
	rLo, rHi := nearestRank(len(values), lo), nearestRank(len(values), hi)
	vHi := selectKth(values, rHi)
	// selectKth left everything before rHi at or below vHi, so the lower
	// rank is among those.
	return selectKth(values[:rHi+1], rLo), vHi
}

// nearestRank is the 0-based index of the p-th percentile in n sorted
// values: ceil(p/100 * n) - 1.
func nearestRank(n, p int) int {
	return max((p*n+99)/100, 1) - 1
}

// selectKth reorders a so that a[k] holds the value a sorted a would hold
// there, with no larger value before it, and returns it (Hoare's
// quickselect with a median-of-three pivot).
func selectKth(a []int64, k int) int64 {
	lo, hi := 0, len(a)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// Now a[lo..j] <= pivot <= a[i..hi], and a[j+1..i-1] == pivot.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}
