package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
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
	sqlDeleteLogs       = `DELETE FROM request_log_blocks`
	sqlDeleteMinutes    = `DELETE FROM request_log_minutes`
	sqlCountOlderBlocks = `SELECT IFNULL(SUM(entries), 0) FROM request_log_blocks WHERE last_started_ms < ?`
	sqlDeleteOlder      = `DELETE FROM request_log_blocks WHERE last_started_ms < ?`
	sqlStraddlingBlocks = `SELECT id, data FROM request_log_blocks WHERE last_started_ms >= ?1 AND first_started_ms < ?1`
	sqlBlocksOldest     = `SELECT id, entries FROM request_log_blocks ORDER BY id`
	// Statistics go with the entries they count: a minute goes once no
	// entry older than its end is left (all of them when the log is empty).
	sqlTrimMinutes = `DELETE FROM request_log_minutes WHERE minute <
		IFNULL((SELECT MIN(first_started_ms) FROM request_log_blocks) / 60000, 9223372036854775807)`
)

// InsertLogs stores entries in one transaction: all of them or, on error,
// none.
func (s *Store) InsertLogs(ctx context.Context, entries []model.LogEntry) error {
	var caps captureBatch
	for i := range entries {
		caps.add(entries[i].Capture)
	}
	return s.insertLogs(ctx, entries, &caps, &blockWriter{})
}

// insertLogs is InsertLogs with the entries' captures already encoded in
// caps (caps.refs[i] is entries[i]'s; their Capture fields are not read)
// and bw's buffers to encode the blocks in.
func (s *Store) insertLogs(ctx context.Context, entries []model.LogEntry, caps *captureBatch, bw *blockWriter) error {
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
	if err := bw.write(ctx, tx, entries, caps.refs); err != nil {
		return dbError("insert request logs", err)
	}
	if err := addToMinutes(ctx, tx, entries); err != nil {
		return dbError("insert request logs: statistics", err)
	}
	if err := tx.Commit(); err != nil {
		return dbError("insert request logs: commit", err)
	}
	return nil
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
	var bw blockWriter
	var deleted int64
	if days > 0 {
		cutoff := now.Add(-time.Duration(days) * 24 * time.Hour).UnixMilli()
		n, err := trimByAge(ctx, tx, &bw, cutoff)
		if err != nil {
			return 0, dbError("trim request logs by age", err)
		}
		deleted += n
	}
	if rows > 0 {
		var count int64
		if err := tx.QueryRowContext(ctx, sqlCountLogs).Scan(&count); err != nil {
			return 0, dbError("trim request logs: count", err)
		}
		if count > int64(rows+max(slack, 0)) {
			if err := trimOldest(ctx, tx, &bw, count-int64(rows)); err != nil {
				return 0, dbError("trim request logs by rows", err)
			}
			deleted += count - int64(rows)
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

// trimByAge deletes the entries that started before cutoff: whole blocks,
// and from a block that also holds newer ones, those entries alone.
func trimByAge(ctx context.Context, tx *sql.Tx, bw *blockWriter, cutoff int64) (int64, error) {
	var deleted int64
	if err := tx.QueryRowContext(ctx, sqlCountOlderBlocks, cutoff).Scan(&deleted); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, sqlDeleteOlder, cutoff); err != nil {
		return 0, err
	}
	blocks, err := readBlocks(ctx, tx, sqlStraddlingBlocks, cutoff)
	if err != nil {
		return 0, err
	}
	for _, b := range blocks {
		before := len(b.entries)
		kept := slices.DeleteFunc(b.entries, func(e storedEntry) bool { return e.StartedAt.UnixMilli() < cutoff })
		deleted += int64(before - len(kept))
		if err := bw.rewrite(ctx, tx, b.id, kept); err != nil {
			return 0, err
		}
	}
	return deleted, nil
}

// trimOldest deletes the n entries written first: whole blocks, then the
// oldest entries of the block that holds the boundary.
func trimOldest(ctx context.Context, tx *sql.Tx, bw *blockWriter, n int64) error {
	rows, err := tx.QueryContext(ctx, sqlBlocksOldest)
	if err != nil {
		return err
	}
	var whole []int64
	var partial, partialDrop int64
	for rows.Next() && n > 0 {
		var id, entries int64
		if err := rows.Scan(&id, &entries); err != nil {
			rows.Close()
			return err
		}
		if entries <= n {
			whole = append(whole, id)
		} else {
			partial, partialDrop = id, n
		}
		n -= min(entries, n)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, id := range whole {
		if _, err := tx.ExecContext(ctx, sqlDeleteBlock, id); err != nil {
			return err
		}
	}
	if partial == 0 {
		return nil
	}
	var packed []byte
	if err := tx.QueryRowContext(ctx, sqlGetBlock, partial).Scan(&packed); err != nil {
		return err
	}
	entries, err := decodeBlock(packed)
	if err != nil {
		return fmt.Errorf("block %d: %w", partial, err)
	}
	return bw.rewrite(ctx, tx, partial, entries[partialDrop:])
}

// decodedBlock is a block read whole.
type decodedBlock struct {
	id      int64
	entries []storedEntry
}

// readBlocks reads and decodes the blocks query (id, data) selects, all
// of them before returning, so that the caller may then change the table.
func readBlocks(ctx context.Context, q querier, query string, args ...any) ([]decodedBlock, error) {
	var out []decodedBlock
	err := eachBlock(ctx, q, query, args, func(id int64, entries []storedEntry) error {
		out = append(out, decodedBlock{id: id, entries: entries})
		return nil
	})
	return out, err
}

// eachBlock decodes the blocks query (id, data) selects one at a time and
// hands each to fn, so that only one is in memory.
func eachBlock(ctx context.Context, q querier, query string, args []any, fn func(id int64, entries []storedEntry) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var packed []byte
		if err := rows.Scan(&id, &packed); err != nil {
			return err
		}
		entries, err := decodeBlock(packed)
		if err != nil {
			return fmt.Errorf("block %d: %w", id, err)
		}
		if err := fn(id, entries); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ListLogs returns the entries f selects, newest first, without their
// captures.
func (s *Store) ListLogs(ctx context.Context, f model.LogFilter) ([]model.LogEntry, error) {
	limit := f.Limit
	switch {
	case limit < 0:
		return nil, model.Invalid("limit", "must not be negative")
	case limit == 0:
		limit = defaultLogLimit
	case limit > maxLogLimit:
		limit = maxLogLimit
	}
	match, err := compileFilter(f)
	if err != nil {
		return nil, err
	}
	out := []model.LogEntry{}
	top, topPos := int64(math.MaxInt64), -1
	if f.Before != "" {
		_, block, pos, ok, err := findEntry(ctx, s.db, f.Before)
		if err != nil {
			return nil, dbError("list request logs", err)
		}
		if !ok {
			// An unknown cursor selects nothing: the entries older than
			// a trimmed entry were trimmed before it.
			return out, nil
		}
		top, topPos = block, pos
	}
	q, args := listQuery(f, top)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, dbError("list request logs", err)
	}
	defer rows.Close()
	// The text filter looks for its text in a block's bytes before it
	// decodes the entries: most blocks of a search hold no match.
	text := asciiLower(f.Text)
	// raw is reused from block to block: only the entries' LogEntry
	// values, which hold copies, leave the loop (not their rec).
	var raw, scratch []byte
	for rows.Next() {
		var id int64
		var packed []byte
		if err := rows.Scan(&id, &packed); err != nil {
			return nil, dbError("list request logs", err)
		}
		raw, err = captureDecoder().DecodeAll(packed, raw[:0])
		if err != nil {
			return nil, dbError(fmt.Sprintf("list request logs: block %d", id), err)
		}
		if text != "" {
			var found bool
			if found, scratch = mayContainFold(raw, text, scratch); !found {
				continue
			}
		}
		entries, err := decodeRecords(raw)
		if err != nil {
			return nil, dbError(fmt.Sprintf("list request logs: block %d", id), err)
		}
		end := len(entries)
		if id == top {
			end = topPos
		}
		for i := end - 1; i >= 0; i-- {
			if match(&entries[i].LogEntry) {
				out = append(out, entries[i].LogEntry)
				if len(out) == limit {
					return out, nil
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("list request logs", err)
	}
	return out, nil
}

// GetLog returns one entry with its capture, or model.ErrNotFound. An
// entry stored without a capture has empty headers and bodies. The capture
// is in the LogDetail's LogCapture; its LogEntry.Capture stays nil.
func (s *Store) GetLog(ctx context.Context, id string) (model.LogDetail, error) {
	se, _, _, ok, err := findEntry(ctx, s.db, id)
	if err != nil {
		return model.LogDetail{}, dbError("read request log "+id, err)
	}
	if !ok {
		return model.LogDetail{}, fmt.Errorf("request log %s: %w", id, model.ErrNotFound)
	}
	if se.ref.chunk == 0 {
		return model.LogDetail{LogEntry: se.LogEntry, LogCapture: model.LogCapture{
			RequestHeaders: map[string][]string{}, ResponseHeaders: map[string][]string{}}}, nil
	}
	c, err := loadCapture(ctx, s.db, se.ref)
	if err != nil {
		return model.LogDetail{}, dbError("read request log "+id+": capture", err)
	}
	return model.LogDetail{LogEntry: se.LogEntry, LogCapture: c}, nil
}

// DeleteLogs clears the request log and its statistics, and returns how
// many entries it held.
func (s *Store) DeleteLogs(ctx context.Context) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, dbError("clear request logs", err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int64
	if err := tx.QueryRowContext(ctx, sqlCountLogs).Scan(&n); err != nil {
		return 0, dbError("clear request logs: count", err)
	}
	for _, q := range []string{sqlDeleteLogs, sqlDeleteMinutes, sqlDeleteCaptures} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, dbError("clear request logs", err)
		}
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
