package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/sluicegate/sluicegate/model"
)

// Page sizes of ListLogs.
const (
	defaultLogLimit = 100
	maxLogLimit     = 1000
)

const (
	sqlInsertLog = `INSERT INTO request_logs (id, started_at_ms, method, path, model, provider_key,
		upstream_model, stream, status, is_error, error_source, error_type, error_message,
		latency_ms, ttfb_ms, bytes_in, bytes_out, prompt_tokens, completion_tokens,
		request_headers_json, response_headers_json,
		request_body_truncated, response_body_truncated, request_body, response_body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// logColumns are the LogEntry columns, in scanEntry's order.
	logColumns = `id, started_at_ms, method, path, model, provider_key, upstream_model, stream,
		status, error_source, error_type, error_message, latency_ms, ttfb_ms, bytes_in, bytes_out,
		prompt_tokens, completion_tokens`
	sqlGetLog = `SELECT ` + logColumns + `, request_headers_json, response_headers_json,
		request_body_truncated, response_body_truncated, request_body, response_body
		FROM request_logs WHERE id = ?`
	sqlDeleteLogs     = `DELETE FROM request_logs`
	sqlCountLogs      = `SELECT COUNT(*) FROM request_logs`
	sqlTrimLogsByAge  = `DELETE FROM request_logs WHERE started_at_ms < ?`
	sqlTrimLogsByRows = `DELETE FROM request_logs WHERE seq <= 
		(SELECT seq FROM request_logs ORDER BY seq DESC LIMIT 1 OFFSET ?)`
	// sqlStatsScan reads a window through the covering index only.
	sqlStatsScan = `SELECT provider_key, model, status, is_error, latency_ms, ttfb_ms,
		IFNULL(prompt_tokens, 0), IFNULL(completion_tokens, 0)
		FROM request_logs INDEXED BY request_logs_stats WHERE started_at_ms >= ?`
)

// InsertLogs stores entries in one transaction with one prepared
// statement: all of them or, on error, none.
func (s *Store) InsertLogs(ctx context.Context, entries []model.LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return dbError("insert request logs", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, sqlInsertLog)
	if err != nil {
		return dbError("insert request logs", err)
	}
	defer stmt.Close()
	for i := range entries {
		if err := insertLog(ctx, stmt, &entries[i]); err != nil {
			return dbError("insert request log "+entries[i].ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return dbError("insert request logs: commit", err)
	}
	return nil
}

func insertLog(ctx context.Context, stmt *sql.Stmt, e *model.LogEntry) error {
	var prompt, completion sql.NullInt64
	if e.Usage != nil {
		prompt = sql.NullInt64{Int64: e.Usage.PromptTokens, Valid: true}
		completion = sql.NullInt64{Int64: e.Usage.CompletionTokens, Valid: true}
	}
	var (
		reqHeaders, respHeaders     sql.NullString
		reqTruncated, respTruncated bool
		reqBody, respBody           []byte
	)
	if c := e.Capture; c != nil {
		var err error
		if reqHeaders, err = headersJSON(c.RequestHeaders); err != nil {
			return err
		}
		if respHeaders, err = headersJSON(c.ResponseHeaders); err != nil {
			return err
		}
		reqTruncated, respTruncated = c.RequestBodyTruncated, c.ResponseBodyTruncated
		reqBody, respBody = []byte(c.RequestBody), []byte(c.ResponseBody)
	}
	_, err := stmt.ExecContext(ctx, e.ID, e.StartedAt.UnixMilli(), e.Method, e.Path, e.Model, e.ProviderKey,
		e.UpstreamModel, e.Stream, e.Status, e.IsError(), e.ErrorSource, e.ErrorType, e.ErrorMessage,
		e.LatencyMs, e.TTFBMs, e.BytesIn, e.BytesOut, prompt, completion,
		reqHeaders, respHeaders, reqTruncated, respTruncated, reqBody, respBody)
	return err
}

func headersJSON(h map[string][]string) (sql.NullString, error) {
	if h == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("encode headers: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// TrimLogs bounds the request log: it deletes entries that started more
// than days ago (when days > 0) and, once more than rows+slack entries
// remain (when rows > 0), the oldest down to rows. The slack lets most
// calls delete nothing, so the log is trimmed in chunks rather than on
// every write. It returns how many entries it deleted.
func (s *Store) TrimLogs(ctx context.Context, now time.Time, days, rows, slack int) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, dbError("trim request logs", err)
	}
	defer func() { _ = tx.Rollback() }()
	var deleted int64
	if days > 0 {
		cutoff := now.Add(-time.Duration(days) * 24 * time.Hour).UnixMilli()
		n, err := execCount(ctx, tx, sqlTrimLogsByAge, cutoff)
		if err != nil {
			return 0, dbError("trim request logs by age", err)
		}
		deleted += n
	}
	if rows > 0 {
		var count int
		if err := tx.QueryRowContext(ctx, sqlCountLogs).Scan(&count); err != nil {
			return 0, dbError("trim request logs: count", err)
		}
		if count > rows+max(slack, 0) {
			n, err := execCount(ctx, tx, sqlTrimLogsByRows, rows)
			if err != nil {
				return 0, dbError("trim request logs by rows", err)
			}
			deleted += n
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, dbError("trim request logs: commit", err)
	}
	return deleted, nil
}

func execCount(ctx context.Context, tx *sql.Tx, q string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ListLogs returns the entries f selects, newest first, without their
// captures.
func (s *Store) ListLogs(ctx context.Context, f model.LogFilter) ([]model.LogEntry, error) {
	q, args, err := listLogsQuery(f)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, dbError("list request logs", err)
	}
	defer rows.Close()
	out := []model.LogEntry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, dbError("list request logs", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("list request logs", err)
	}
	return out, nil
}

// listLogsQuery builds the SELECT for f. Every value is a bound parameter.
func listLogsQuery(f model.LogFilter) (string, []any, error) {
	limit := f.Limit
	switch {
	case limit < 0:
		return "", nil, model.Invalid("limit", "must not be negative")
	case limit == 0:
		limit = defaultLogLimit
	case limit > maxLogLimit:
		limit = maxLogLimit
	}
	var where []string
	var args []any
	if f.Before != "" {
		// An unknown cursor selects nothing: the entries older than a
		// trimmed entry were trimmed before it.
		where = append(where, `seq < (SELECT seq FROM request_logs WHERE id = ?)`)
		args = append(args, f.Before)
	}
	if f.Errors {
		where = append(where, `is_error = 1`) // literal, so the partial index applies
	}
	if f.Provider != "" {
		where = append(where, `provider_key = ?`)
		args = append(args, f.Provider)
	}
	if f.Model != "" {
		where = append(where, `model = ?`)
		args = append(args, f.Model)
	}
	if f.Status != 0 {
		where = append(where, `status = ?`)
		args = append(args, f.Status)
	}
	if f.StatusClass != "" {
		cond, err := statusClassCondition(f.StatusClass)
		if err != nil {
			return "", nil, err
		}
		where = append(where, cond)
	}
	if f.Text != "" {
		pattern := "%" + likeEscaper.Replace(f.Text) + "%"
		where = append(where, `(path LIKE ? ESCAPE '\' OR model LIKE ? ESCAPE '\' OR error_message LIKE ? ESCAPE '\')`)
		args = append(args, pattern, pattern, pattern)
	}
	q := `SELECT ` + logColumns + ` FROM request_logs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit)
	return q, args, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func statusClassCondition(class string) (string, error) {
	switch class {
	case model.StatusClass2xx:
		return `status BETWEEN 200 AND 299`, nil
	case model.StatusClass4xx:
		return `status BETWEEN 400 AND 499 AND status <> 499`, nil
	case model.StatusClass5xx:
		return `status BETWEEN 500 AND 599`, nil
	case model.StatusClass499:
		return `status = 499`, nil
	}
	return "", model.Invalid("status_class", "must be one of 2xx, 4xx, 5xx, 499")
}

func scanEntry(r rowScanner, extra ...any) (model.LogEntry, error) {
	var e model.LogEntry
	var startedMs int64
	var source sql.NullString
	var prompt, completion sql.NullInt64
	dest := append([]any{&e.ID, &startedMs, &e.Method, &e.Path, &e.Model, &e.ProviderKey, &e.UpstreamModel,
		&e.Stream, &e.Status, &source, &e.ErrorType, &e.ErrorMessage, &e.LatencyMs, &e.TTFBMs,
		&e.BytesIn, &e.BytesOut, &prompt, &completion}, extra...)
	if err := r.Scan(dest...); err != nil {
		return e, err
	}
	e.StartedAt = time.UnixMilli(startedMs).UTC()
	if source.Valid {
		e.ErrorSource = &source.String
	}
	if prompt.Valid || completion.Valid {
		e.Usage = &model.Usage{PromptTokens: prompt.Int64, CompletionTokens: completion.Int64}
	}
	return e, nil
}

// GetLog returns one entry with its capture, or model.ErrNotFound. An
// entry stored without a capture has empty headers and bodies. The capture
// is in the LogDetail's LogCapture; its LogEntry.Capture stays nil.
func (s *Store) GetLog(ctx context.Context, id string) (model.LogDetail, error) {
	var (
		reqHeaders, respHeaders     sql.NullString
		reqTruncated, respTruncated bool
		reqBody, respBody           []byte
	)
	e, err := scanEntry(s.db.QueryRowContext(ctx, sqlGetLog, id),
		&reqHeaders, &respHeaders, &reqTruncated, &respTruncated, &reqBody, &respBody)
	if errors.Is(err, sql.ErrNoRows) {
		return model.LogDetail{}, fmt.Errorf("request log %s: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return model.LogDetail{}, dbError("read request log "+id, err)
	}
	d := model.LogDetail{LogEntry: e, LogCapture: model.LogCapture{
		RequestHeaders:        map[string][]string{},
		ResponseHeaders:       map[string][]string{},
		RequestBody:           string(reqBody),
		ResponseBody:          string(respBody),
		RequestBodyTruncated:  reqTruncated,
		ResponseBodyTruncated: respTruncated,
	}}
	for _, h := range []struct {
		doc sql.NullString
		dst *map[string][]string
	}{{reqHeaders, &d.RequestHeaders}, {respHeaders, &d.ResponseHeaders}} {
		if h.doc.Valid {
			if err := json.Unmarshal([]byte(h.doc.String), h.dst); err != nil {
				return model.LogDetail{}, fmt.Errorf("storage: read request log %s: headers: %w", id, err)
			}
		}
	}
	return d, nil
}

// DeleteLogs clears the request log and returns how many entries it held.
func (s *Store) DeleteLogs(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, sqlDeleteLogs)
	if err != nil {
		return 0, dbError("clear request logs", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, dbError("clear request logs", err)
	}
	return n, nil
}

// CountLogs returns how many entries the request log holds.
func (s *Store) CountLogs(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, sqlCountLogs).Scan(&n); err != nil {
		return 0, dbError("count request logs", err)
	}
	return n, nil
}

// dbError wraps a database error with what was being done. A full disk
// also matches model.ErrDiskFull, so that callers can say so.
func dbError(what string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return fmt.Errorf("storage: %s: %w (%w)", what, model.ErrDiskFull, err)
	}
	return fmt.Errorf("storage: %s: %w", what, err)
}

// LogStats summarises the entries that started at or after since. Window
// is left for the caller to name.
//
// It reads the window in one scan of the covering index request_logs_stats
// (never the table, whose rows carry the bodies) and computes the figures
// in Go: SQLite has no percentile function, and sorting per group in SQL
// window functions measured slower than sorting the few int64 slices here.
func (s *Store) LogStats(ctx context.Context, since time.Time) (model.Stats, error) {
	rows, err := s.db.QueryContext(ctx, sqlStatsScan, since.UnixMilli())
	if err != nil {
		return model.Stats{}, dbError("usage statistics", err)
	}
	defer rows.Close()
	st := model.Stats{ByStatus: map[string]int64{
		model.StatusClass2xx: 0, model.StatusClass4xx: 0, model.StatusClass5xx: 0, model.StatusClass499: 0,
	}}
	byProvider := map[string]*statsAcc{}
	byModel := map[string]*statsAcc{}
	var (
		r            statsRow
		provider     string
		modelName    string
		pAcc, mAcc   *statsAcc
		statusCounts = map[int]int64{}
	)
	for rows.Next() {
		if err := rows.Scan(&provider, &modelName, &r.status, &r.isError, &r.latency, &r.ttfb,
			&r.prompt, &r.completion); err != nil {
			return model.Stats{}, dbError("usage statistics", err)
		}
		// Rows of one provider and model tend to come in runs; skip the
		// map lookups while the key does not change.
		if pAcc == nil || pAcc.key != provider {
			pAcc = accFor(byProvider, provider)
		}
		if mAcc == nil || mAcc.key != modelName {
			mAcc = accFor(byModel, modelName)
		}
		pAcc.add(&r)
		mAcc.add(&r)
		statusCounts[r.status]++
		st.Requests++
		if r.isError {
			st.Errors++
		}
	}
	if err := rows.Err(); err != nil {
		return model.Stats{}, dbError("usage statistics", err)
	}
	for status, n := range statusCounts {
		st.ByStatus[statusClass(status)] += n
	}
	st.ByProvider = make([]model.ProviderStats, 0, len(byProvider))
	for key, a := range byProvider {
		st.ByProvider = append(st.ByProvider, model.ProviderStats{ProviderKey: key, StatsFigures: a.figures()})
	}
	slices.SortFunc(st.ByProvider, func(a, b model.ProviderStats) int {
		return cmp.Or(cmp.Compare(b.Requests, a.Requests), cmp.Compare(a.ProviderKey, b.ProviderKey))
	})
	st.ByModel = make([]model.ModelStats, 0, len(byModel))
	for key, a := range byModel {
		st.ByModel = append(st.ByModel, model.ModelStats{Model: key, StatsFigures: a.figures()})
	}
	slices.SortFunc(st.ByModel, func(a, b model.ModelStats) int {
		return cmp.Or(cmp.Compare(b.Requests, a.Requests), cmp.Compare(a.Model, b.Model))
	})
	return st, nil
}

// statusClass names a status's class as Stats.ByStatus counts it.
func statusClass(status int) string {
	if status == model.StatusClientClosed {
		return model.StatusClass499
	}
	return fmt.Sprintf("%dxx", status/100)
}

type statsRow struct {
	status             int
	isError            bool
	latency, ttfb      int64
	prompt, completion int64
}

// statsAcc gathers one group's figures.
type statsAcc struct {
	key       string
	fig       model.StatsFigures
	latencies []int64
	ttfbs     []int64
}

func accFor(m map[string]*statsAcc, key string) *statsAcc {
	a, ok := m[key]
	if !ok {
		a = &statsAcc{key: key}
		m[key] = a
	}
	return a
}

func (a *statsAcc) add(r *statsRow) {
	a.fig.Requests++
	if r.isError {
		a.fig.Errors++
	}
	a.fig.PromptTokens += r.prompt
	a.fig.CompletionTokens += r.completion
	a.latencies = append(a.latencies, r.latency)
	// A request that failed before its first byte has no TTFB; a zero
	// would drag the median down.
	if r.ttfb > 0 {
		a.ttfbs = append(a.ttfbs, r.ttfb)
	}
}

func (a *statsAcc) figures() model.StatsFigures {
	slices.Sort(a.latencies)
	slices.Sort(a.ttfbs)
	f := a.fig
	f.LatencyP50Ms = nearestRank(a.latencies, 50)
	f.LatencyP95Ms = nearestRank(a.latencies, 95)
	f.TTFBP50Ms = nearestRank(a.ttfbs, 50)
	return f
}

// nearestRank is the p-th percentile of sorted values by the nearest-rank
// method: the smallest value with at least p% of the values at or below
// it. It is 0 for no values.
func nearestRank(sorted []int64, p int) int64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}
