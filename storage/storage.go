// Package storage keeps Sluicegate's state in one SQLite file through
// mattn/go-sqlite3: versioned migrations, providers, settings, health
// history and request logs. It is the only package that speaks SQL.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mattn/go-sqlite3" // also registers the "sqlite3" driver

	"github.com/sluicegate/sluicegate/model"
)

// FileName is the database file inside the data directory.
const FileName = "sluicegate.db"

// dsnParams are per-connection settings. They live in the DSN, not in a
// db.Exec, because database/sql opens several connections and a PRAGMA run
// through Exec reaches only one of them.
const dsnParams = "_journal_mode=WAL" +
	"&_busy_timeout=5000" + // writers wait for each other instead of failing with SQLITE_BUSY
	"&_foreign_keys=on" + // provider deletes cascade to their history
	"&_synchronous=NORMAL" + // safe with WAL; a power cut loses at most the last commits
	"&_txlock=immediate" + // take the write lock at BEGIN so upgrades never deadlock
	"&_stmt_cache_size=32" // reuse prepared statements: the log writer runs the same few per batch

// Store is an open Sluicegate database.
type Store struct {
	db   *sql.DB
	path string
}

// Open creates dir (0700) if needed, opens or creates dir/sluicegate.db
// (0600) and migrates it to the current schema. It refuses a database
// written by a newer Sluicegate.
func Open(ctx context.Context, dir string) (*Store, error) {
	return open(ctx, dir, migrations)
}

func open(ctx context.Context, dir string, steps []migration) (*Store, error) {
	if dir == "" {
		return nil, errors.New("storage: no data directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	// Create the file ourselves so it is 0600 whatever the umask; SQLite
	// gives its -wal and -shm files the same mode as the database file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	_ = f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("storage: restrict %s to its owner: %w", path, err)
	}

	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(ctx, steps); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("storage: close: %w", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns an error
// describing the first problems when the file is damaged.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("storage: integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("storage: integrity check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("storage: integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("storage: %s is damaged: %s", s.path, strings.Join(problems, "; "))
	}
	return nil
}

// diskFull turns SQLite's SQLITE_FULL ("database or disk is full") in *err
// into an error that wraps model.ErrDiskFull and names the file, so the
// API can answer 507 and the user knows what to free. Write methods defer
// it.
func (s *Store) diskFull(err *error) {
	var se sqlite3.Error
	if *err != nil && errors.As(*err, &se) && se.Code == sqlite3.ErrFull {
		*err = fmt.Errorf("storage: %s: disk full, nothing was written (free some disk space): %w", s.path, model.ErrDiskFull)
	}
}

// SetMaxPageCount bounds the database file to pages pages (SQLite's
// PRAGMA max_page_count), which makes writes beyond it fail as on a full
// disk; pages <= 0 lifts the bound. The pool is pinned to one connection
// while a bound is set, since the pragma holds per connection. Only tests
// call it, to prove the disk-full paths without filling a disk.
func (s *Store) SetMaxPageCount(ctx context.Context, pages int) error {
	if pages <= 0 {
		pages = 1 << 30 // SQLite's default maximum
		defer s.db.SetMaxOpenConns(0)
	} else {
		s.db.SetMaxOpenConns(1)
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		return fmt.Errorf("storage: set max_page_count: %w", err)
	}
	return nil
}

// PageCount is the number of pages the database file holds now.
func (s *Store) PageCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: page count: %w", err)
	}
	return n, nil
}
