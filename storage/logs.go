package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
		client_request_id, attempt, attempts, capture_chunk, capture_off, capture_len)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// logColumns are the LogEntry columns, in scanEntry's order.
	logColumns = `id, started_at_ms, method, path, model, provider_key, upstream_model, stream,
		status, error_source, error_type, error_message, latency_ms, ttfb_ms, bytes_in, bytes_out,
		prompt_tokens, completion_tokens, client_request_id, attempt, attempts`
	sqlGetLog = `SELECT ` + logColumns + `, request_headers_json, response_headers_json,
		request_body_truncated, response_body_truncated, request_body, response_body,
		capture_chunk, capture_off, capture_len
		FROM request_logs WHERE id = ?`
	sqlDeleteLogs    = `DELETE FROM request_logs`
	sqlDeleteMinutes = `DELETE FROM request_log_minutes`
	// Statistics go with the entries they count: a minute goes once no
	// entry older than its end is left (all of them when the log is empty).
	sqlTrimMinutes = `DELETE FROM request_log_minutes WHERE minute <
		IFNULL((SELECT MIN(started_at_ms) FROM request_logs) / 60000, 9223372036854775807)`
	sqlCountLogs      = `SELECT COUNT(*) FROM request_logs`
	sqlTrimLogsByAge  = `DELETE FROM request_logs WHERE started_at_ms < ?`
	sqlTrimLogsByRows = `DELETE FROM request_logs WHERE seq <= 
		(SELECT seq FROM request_logs ORDER BY seq DESC LIMIT 1 OFFSET ?)`
)

// InsertLogs stores entries in one transaction with one prepared
// statement: all of them or, on error, none.
func (s *Store) InsertLogs(ctx context.Context, entries []model.LogEntry) error {
	var caps captureBatch
	for i := range entries {
		caps.add(entries[i].Capture)
	}
	return s.insertLogs(ctx, entries, &caps)
}

// insertLogs is InsertLogs with the entries' captures already encoded in
// caps (caps.refs[i] is entries[i]'s; their Capture fields are not read).
func (s *Store) insertLogs(ctx context.Context, entries []model.LogEntry, caps *captureBatch) error {
	if len(entries) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return dbError("insert request logs", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := caps.store(ctx, tx); err != nil {
		return dbError("insert request logs: captures", err)
	}
	stmt, err := tx.PrepareContext(ctx, sqlInsertLog)
	if err != nil {
		return dbError("insert request logs", err)
	}
	defer stmt.Close()
	for i := range entries {
		if err := insertLog(ctx, stmt, &entries[i], caps.refs[i]); err != nil {
			return dbError("insert request log "+entries[i].ID, err)
		}
	}
	if err := addToMinutes(ctx, tx, entries); err != nil {
		return dbError("insert request logs: statistics", err)
	}
	if err := tx.Commit(); err != nil {
		return dbError("insert request logs: commit", err)
	}
	return nil
}

func insertLog(ctx context.Context, stmt *sql.Stmt, e *model.LogEntry, ref captureRef) error {
	var prompt, completion sql.NullInt64
	if e.Usage != nil {
		prompt = sql.NullInt64{Int64: e.Usage.PromptTokens, Valid: true}
		completion = sql.NullInt64{Int64: e.Usage.CompletionTokens, Valid: true}
	}
	var chunk, off, n sql.NullInt64
	if ref.chunk != 0 {
		chunk = sql.NullInt64{Int64: ref.chunk, Valid: true}
		off = sql.NullInt64{Int64: int64(ref.off), Valid: true}
		n = sql.NullInt64{Int64: int64(ref.n), Valid: true}
	}
	// An entry from a writer that knows no attempts (a request tried
	// once) is stored as attempt 1 of 1 under its own id.
	clientRequestID, attempt, attempts := e.ClientRequestID, e.Attempt, e.Attempts
	if clientRequestID == "" {
		clientRequestID = e.ID
	}
	if attempt < 1 {
		attempt = 1
	}
	if attempts < attempt {
		attempts = attempt
	}
	_, err := stmt.ExecContext(ctx, e.ID, e.StartedAt.UnixMilli(), e.Method, e.Path, e.Model, e.ProviderKey,
		e.UpstreamModel, e.Stream, e.Status, e.IsError(), e.ErrorSource, e.ErrorType, e.ErrorMessage,
		e.LatencyMs, e.TTFBMs, e.BytesIn, e.BytesOut, prompt, completion,
		clientRequestID, attempt, attempts, chunk, off, n)
	return err
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
	if deleted > 0 {
		if _, err := tx.ExecContext(ctx, sqlTrimMinutes); err != nil {
			return 0, dbError("trim request log statistics", err)
		}
		if _, err := tx.ExecContext(ctx, sqlTrimCaptures); err != nil {
			return 0, dbError("trim request log captures", err)
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
	if f.ClientRequestID != "" {
		// The attempts of a route group through their partial index, a
		// request tried once (its own id) through the id index.
		where = append(where, `((client_request_id = ? AND attempts > 1) OR (id = ? AND client_request_id = ?))`)
		args = append(args, f.ClientRequestID, f.ClientRequestID, f.ClientRequestID)
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
		&e.BytesIn, &e.BytesOut, &prompt, &completion, &e.ClientRequestID, &e.Attempt, &e.Attempts}, extra...)
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
		chunk, off, n               sql.NullInt64
	)
	e, err := scanEntry(s.db.QueryRowContext(ctx, sqlGetLog, id),
		&reqHeaders, &respHeaders, &reqTruncated, &respTruncated, &reqBody, &respBody, &chunk, &off, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return model.LogDetail{}, fmt.Errorf("request log %s: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return model.LogDetail{}, dbError("read request log "+id, err)
	}
	if chunk.Valid {
		c, err := loadCapture(ctx, s.db, captureRef{chunk: chunk.Int64, off: int(off.Int64), n: int(n.Int64)})
		if err != nil {
			return model.LogDetail{}, dbError("read request log "+id+": capture", err)
		}
		return model.LogDetail{LogEntry: e, LogCapture: c}, nil
	}
	// Stored before migrate6: the capture is in the row, if any.
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

// DeleteLogs clears the request log and its statistics, and returns how
// many entries it held.
func (s *Store) DeleteLogs(ctx context.Context) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, dbError("clear request logs", err)
	}
	defer func() { _ = tx.Rollback() }()
	n, err := execCount(ctx, tx, sqlDeleteLogs)
	if err != nil {
		return 0, dbError("clear request logs", err)
	}
	if _, err := tx.ExecContext(ctx, sqlDeleteMinutes); err != nil {
		return 0, dbError("clear request log statistics", err)
	}
	if _, err := tx.ExecContext(ctx, sqlDeleteCaptures); err != nil {
		return 0, dbError("clear request log captures", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, dbError("clear request logs: commit", err)
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
