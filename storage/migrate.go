package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrNewerSchema is returned when the database was written by a newer
// Sluicegate than this binary; opening it could lose data.
var ErrNewerSchema = errors.New("database schema is newer than this Sluicegate")

// migration moves the schema from version i to i+1 (its index + 1).
type migration func(ctx context.Context, tx *sql.Tx) error

// migrations are applied in order, each in its own transaction. Append
// only: never edit a step that has shipped.
var migrations = []migration{
	migrate1,
	migrate2,
	migrate3,
	migrate4,
	migrate5,
	migrate6,
	migrate7,
}

const (
	sqlCreateSchemaVersion = `CREATE TABLE IF NOT EXISTS schema_version (
		id      INTEGER PRIMARY KEY CHECK (id = 1),
		version INTEGER NOT NULL
	)`
	sqlSelectSchemaVersion = `SELECT version FROM schema_version WHERE id = 1`
	sqlCountTables         = `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_version', 'sqlite_sequence')`
	sqlUpsertSchemaVersion = `INSERT INTO schema_version (id, version) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET version = excluded.version`
)

// migrate brings the database to len(steps), refusing one that is newer.
func (s *Store) migrate(ctx context.Context, steps []migration) error {
	if _, err := s.db.ExecContext(ctx, sqlCreateSchemaVersion); err != nil {
		return fmt.Errorf("storage: create schema_version: %w", err)
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if current == 0 {
		// Tables without a version row: migrating would fail on the first
		// CREATE TABLE with a raw SQL message; say what is wrong instead.
		var n int
		if err := s.db.QueryRowContext(ctx, sqlCountTables).Scan(&n); err != nil {
			return fmt.Errorf("storage: %s: read tables: %s", s.path, oneLine(err.Error()))
		}
		if n > 0 {
			return fmt.Errorf("storage: %s has tables but no schema version (the schema_version row is missing): it was not written by Sluicegate or is damaged; move it aside to start fresh", s.path)
		}
	}
	if current > len(steps) {
		return fmt.Errorf("storage: %s has schema version %d but this binary knows only up to %d: %w (use the newer Sluicegate, or move the file aside to start fresh)",
			s.path, current, len(steps), ErrNewerSchema)
	}
	for v := current; v < len(steps); v++ {
		if err := s.applyMigration(ctx, v+1, steps[v]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, version int, step migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: migration %d: begin: %w", version, err)
	}
	defer func() { _ = tx.Rollback() }() // no-op after Commit
	if err := step(ctx, tx); err != nil {
		return fmt.Errorf("storage: %s: migration %d: %w", s.path, version, err)
	}
	if _, err := tx.ExecContext(ctx, sqlUpsertSchemaVersion, version); err != nil {
		return fmt.Errorf("storage: migration %d: record version: %w", version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storage: migration %d: commit: %w", version, err)
	}
	return nil
}

// SchemaVersion reports the schema version stored in the database
// (0 for a new file).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, sqlSelectSchemaVersion).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("storage: read schema version: %w", err)
	}
	return v, nil
}

// execAll runs statements in order inside tx.
func execAll(ctx context.Context, tx *sql.Tx, stmts ...string) error {
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", statementHead(q), err)
		}
	}
	return nil
}

// statementHead is the start of q on one line, enough to tell which
// statement failed without printing a multi-line schema in an error.
func statementHead(q string) string {
	q = oneLine(q)
	if r := []rune(q); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return q
}

// oneLine collapses every run of whitespace (line breaks included) in s
// into one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// migrate1 creates the provider and settings tables.
func migrate1(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`CREATE TABLE providers (
			id                            INTEGER PRIMARY KEY AUTOINCREMENT,
			key                           TEXT NOT NULL UNIQUE,
			name                          TEXT NOT NULL DEFAULT '',
			type                          TEXT NOT NULL CHECK (type IN ('openai', 'anthropic')),
			base_url                      TEXT NOT NULL,
			api_key                       TEXT NOT NULL DEFAULT '',
			enabled                       INTEGER NOT NULL DEFAULT 1,
			models_json                   TEXT NOT NULL DEFAULT '[]',
			headers_json                  TEXT NOT NULL DEFAULT '{}',
			connect_timeout_secs          INTEGER NOT NULL,
			response_header_timeout_secs  INTEGER NOT NULL,
			stream_idle_timeout_secs      INTEGER NOT NULL,
			health_check_interval_secs    INTEGER NOT NULL DEFAULT 0,
			created_at                    TEXT NOT NULL,
			updated_at                    TEXT NOT NULL
		)`,
		`CREATE TABLE settings (
			name  TEXT PRIMARY KEY,
			value TEXT NOT NULL
		)`,
	)
}

// migrate2 adds the health-check history: one row per check (the whole
// result as JSON, as the API answers it) and one per model for the
// summary queries. Both go with their provider.
func migrate2(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`CREATE TABLE health_checks (
			check_id    TEXT PRIMARY KEY,
			provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
			checked_at  TEXT NOT NULL,
			status      TEXT NOT NULL,
			result_json TEXT NOT NULL
		)`,
		`CREATE INDEX health_checks_by_provider ON health_checks (provider_id, check_id)`,
		`CREATE INDEX health_checks_by_time ON health_checks (checked_at)`,
		`CREATE TABLE health_model_results (
			check_id         TEXT NOT NULL REFERENCES health_checks(check_id) ON DELETE CASCADE,
			provider_id      INTEGER NOT NULL,
			model            TEXT NOT NULL,
			status           TEXT NOT NULL,
			response_time_ms INTEGER NOT NULL,
			checked_at       TEXT NOT NULL
		)`,
		`CREATE INDEX health_model_results_by_provider ON health_model_results (provider_id, checked_at)`,
		`CREATE INDEX health_model_results_by_check ON health_model_results (check_id)`,
	)
}

// migrate3 adds the request log. seq orders the rows (newest-first paging
// and trimming the oldest); id is the request ID the API speaks. Capture
// columns come last so that reading an entry's figures never loads the
// overflow pages of its bodies. is_error is model.LogEntry.IsError, stored
// so that the errors filter and the statistics can use an index.
func migrate3(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`CREATE TABLE request_logs (
			seq                     INTEGER PRIMARY KEY,
			id                      TEXT NOT NULL UNIQUE,
			started_at_ms           INTEGER NOT NULL,
			method                  TEXT NOT NULL,
			path                    TEXT NOT NULL,
			model                   TEXT NOT NULL,
			provider_key            TEXT NOT NULL,
			upstream_model          TEXT NOT NULL,
			stream                  INTEGER NOT NULL,
			status                  INTEGER NOT NULL,
			is_error                INTEGER NOT NULL,
			error_source            TEXT,
			error_type              TEXT NOT NULL,
			error_message           TEXT NOT NULL,
			latency_ms              INTEGER NOT NULL,
			ttfb_ms                 INTEGER NOT NULL,
			bytes_in                INTEGER NOT NULL,
			bytes_out               INTEGER NOT NULL,
			prompt_tokens           INTEGER,
			completion_tokens       INTEGER,
			has_capture             INTEGER NOT NULL DEFAULT 0,
			request_headers_json    TEXT,
			response_headers_json   TEXT,
			request_body_truncated  INTEGER NOT NULL DEFAULT 0,
			response_body_truncated INTEGER NOT NULL DEFAULT 0,
			request_body            BLOB,
			response_body           BLOB
		)`,
		// Newest-first paging needs no index of its own: seq is the rowid.
		`CREATE INDEX request_logs_errors ON request_logs (seq) WHERE is_error = 1`,
		`CREATE INDEX request_logs_by_provider ON request_logs (provider_key, seq)`,
		`CREATE INDEX request_logs_by_model ON request_logs (model, seq)`,
		// Covers the statistics scan of a window (and trimming by age), so
		// that it never touches the table's pages.
		`CREATE INDEX request_logs_stats ON request_logs (started_at_ms, provider_key, model,
			status, is_error, latency_ms, ttfb_ms, prompt_tokens, completion_tokens)`,
		// Per-minute rollups of request_logs for the statistics, kept in
		// the insert transaction: one row per minute, provider and model
		// with the counts, the token sums and every latency and TTFB as a
		// uvarint list (exact percentiles, a few bytes per request).
		`CREATE TABLE request_log_minutes (
			minute            INTEGER NOT NULL,
			provider_key      TEXT NOT NULL,
			model             TEXT NOT NULL,
			requests          INTEGER NOT NULL,
			errors            INTEGER NOT NULL,
			status_1xx        INTEGER NOT NULL,
			status_2xx        INTEGER NOT NULL,
			status_3xx        INTEGER NOT NULL,
			status_4xx        INTEGER NOT NULL,
			status_5xx        INTEGER NOT NULL,
			status_499        INTEGER NOT NULL,
			prompt_tokens     INTEGER NOT NULL,
			completion_tokens INTEGER NOT NULL,
			latencies         BLOB NOT NULL,
			ttfbs             BLOB NOT NULL,
			part              INTEGER NOT NULL,
			PRIMARY KEY (minute, provider_key, model, part)
		) WITHOUT ROWID`,
	)
}

// migrate4 adds the provider's translate setting (issue 12): on by
// default, so existing providers start translating between dialects.
func migrate4(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`ALTER TABLE providers ADD COLUMN translate INTEGER NOT NULL DEFAULT 1`,
	)
}

// migrate5 adds the attempt fields of the request log (issue 13): a
// request a route group passed from member to member has one row per
// attempt, linked by client_request_id. Every older row was a request
// tried once: its own client request id, attempt 1 of 1.
func migrate5(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`ALTER TABLE request_logs ADD COLUMN client_request_id TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE request_logs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1`,
		`ALTER TABLE request_logs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1`,
		`UPDATE request_logs SET client_request_id = id`,
		`CREATE INDEX request_logs_by_client_request ON request_logs (client_request_id, seq)`,
	)
}

// migrate6 moves new entries' captures out of their rows into compressed
// chunks (capture.go explains why); older rows keep theirs inline. It also
// narrows the client_request_id index to the rows of route-group attempts:
// every other row's client_request_id is its own id, which the id index
// already finds, and one index fewer to update is a few microseconds less
// per logged request.
func migrate6(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`DROP INDEX request_logs_by_client_request`,
		`CREATE INDEX request_logs_by_client_request ON request_logs (client_request_id, seq) WHERE attempts > 1`,
		`CREATE TABLE request_log_captures (
			id   INTEGER PRIMARY KEY AUTOINCREMENT,
			data BLOB NOT NULL
		)`,
		`ALTER TABLE request_logs ADD COLUMN capture_chunk INTEGER`,
		`ALTER TABLE request_logs ADD COLUMN capture_off INTEGER`,
		`ALTER TABLE request_logs ADD COLUMN capture_len INTEGER`,
	)
}
