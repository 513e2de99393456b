package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// migrate7 moves the request log from a row per entry (request_logs) into
// blocks of entries (logblocks.go explains why). Entries keep their order,
// fields and captures: a capture already in a chunk keeps its place, one
// stored inline (before migrate6) moves into a new chunk.
func migrate7(ctx context.Context, tx *sql.Tx) error {
	if err := execAll(ctx, tx,
		`CREATE TABLE request_log_blocks (
			id               INTEGER PRIMARY KEY,
			entries          INTEGER NOT NULL,
			errors           INTEGER NOT NULL,
			first_started_ms INTEGER NOT NULL,
			last_started_ms  INTEGER NOT NULL,
			min_id           TEXT NOT NULL,
			max_id           TEXT NOT NULL,
			first_chunk      INTEGER,
			classes          INTEGER NOT NULL,
			providers        TEXT NOT NULL,
			models           TEXT NOT NULL,
			group_requests   TEXT NOT NULL,
			data             BLOB NOT NULL
		)`,
		// The summary queries (an entry's block by id, the blocks of a
		// time range, the entry count, the lowest chunk) read these small
		// indexes instead of the table, whose rows are mostly data.
		`CREATE INDEX request_log_blocks_by_id_range ON request_log_blocks (max_id, min_id)`,
		`CREATE INDEX request_log_blocks_by_time ON request_log_blocks (last_started_ms, first_started_ms,
			entries, first_chunk)`,
	); err != nil {
		return err
	}
	var bw blockWriter
	for seq := int64(0); ; {
		page, last, err := readRowPage(ctx, tx, seq)
		if err != nil {
			return fmt.Errorf("request_logs after seq %d: %w", seq, err)
		}
		if len(page) == 0 {
			break
		}
		seq = last
		var caps captureBatch
		entries := make([]model.LogEntry, len(page))
		for i := range page {
			entries[i] = page[i].entry
			caps.add(page[i].inline)
		}
		if err := caps.store(ctx, tx); err != nil {
			return fmt.Errorf("request_logs after seq %d: captures: %w", seq, err)
		}
		for i := range page {
			if page[i].ref.chunk != 0 {
				caps.refs[i] = page[i].ref
			}
		}
		if err := bw.write(ctx, tx, entries, caps.refs); err != nil {
			return fmt.Errorf("request_logs after seq %d: %w", seq, err)
		}
	}
	return execAll(ctx, tx, `DROP TABLE request_logs`)
}

const sqlOldRowPage = `SELECT seq, id, started_at_ms, method, path, model, provider_key,
	upstream_model, stream, status, error_source, error_type, error_message, latency_ms, ttfb_ms,
	bytes_in, bytes_out, prompt_tokens, completion_tokens, client_request_id, attempt, attempts,
	request_headers_json, response_headers_json, request_body_truncated,
	response_body_truncated, request_body, response_body, capture_chunk, capture_off, capture_len
	FROM request_logs WHERE seq > ? ORDER BY seq LIMIT 256`

// oldRow is a request_logs row: its entry, and its capture either inline
// or as a chunk reference.
type oldRow struct {
	entry  model.LogEntry
	inline *model.LogCapture
	ref    captureRef
}

// readRowPage reads the request_logs rows after seq, and returns the last
// one's seq.
func readRowPage(ctx context.Context, tx *sql.Tx, after int64) ([]oldRow, int64, error) {
	rows, err := tx.QueryContext(ctx, sqlOldRowPage, after)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []oldRow
	last := after
	for rows.Next() {
		var (
			r                           oldRow
			startedMs                   int64
			source                      sql.NullString
			prompt, completion          sql.NullInt64
			reqHeaders, respHeaders     sql.NullString
			reqTruncated, respTruncated bool
			reqBody, respBody           []byte
			chunk, off, n               sql.NullInt64
		)
		e := &r.entry
		if err := rows.Scan(&last, &e.ID, &startedMs, &e.Method, &e.Path, &e.Model, &e.ProviderKey,
			&e.UpstreamModel, &e.Stream, &e.Status, &source, &e.ErrorType, &e.ErrorMessage, &e.LatencyMs,
			&e.TTFBMs, &e.BytesIn, &e.BytesOut, &prompt, &completion, &e.ClientRequestID, &e.Attempt,
			&e.Attempts, &reqHeaders, &respHeaders, &reqTruncated, &respTruncated,
			&reqBody, &respBody, &chunk, &off, &n); err != nil {
			return nil, 0, err
		}
		e.StartedAt = time.UnixMilli(startedMs).UTC()
		if source.Valid {
			e.ErrorSource = &source.String
		}
		if prompt.Valid || completion.Valid {
			e.Usage = &model.Usage{PromptTokens: prompt.Int64, CompletionTokens: completion.Int64}
		}
		switch {
		case chunk.Valid:
			r.ref = captureRef{chunk: chunk.Int64, off: int(off.Int64), n: int(n.Int64)}
		case reqHeaders.Valid || respHeaders.Valid || reqBody != nil || respBody != nil:
			// Stored inline before migrate6 (has_capture was not always set).
			c := &model.LogCapture{
				RequestHeaders:        map[string][]string{},
				ResponseHeaders:       map[string][]string{},
				RequestBody:           string(reqBody),
				ResponseBody:          string(respBody),
				RequestBodyTruncated:  reqTruncated,
				ResponseBodyTruncated: respTruncated,
			}
			for _, h := range []struct {
				doc sql.NullString
				dst *map[string][]string
			}{{reqHeaders, &c.RequestHeaders}, {respHeaders, &c.ResponseHeaders}} {
				// Damaged headers (never written so, but a migration must
				// not stop the app from starting) are left out.
				if h.doc.Valid && json.Unmarshal([]byte(h.doc.String), h.dst) != nil {
					*h.dst = map[string][]string{}
				}
			}
			r.inline = c
		}
		out = append(out, r)
	}
	return out, last, rows.Err()
}
