package storage

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func openTestStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openOld opens a store in a new data directory at the schema of the
// first steps migrations, for a test to fill as an older Sluicegate did.
func openOld(t *testing.T, steps int) *Store {
	t.Helper()
	s, err := open(context.Background(), filepath.Join(t.TempDir(), "data"), migrations[:steps])
	if err != nil {
		t.Fatalf("open at schema %d: %v", steps, err)
	}
	return s
}

// upgrade closes old and opens its data directory again, migrated to the
// current schema.
func upgrade(t *testing.T, old *Store) *Store {
	t.Helper()
	_ = old.Close()
	s, err := Open(context.Background(), filepath.Dir(old.path))
	if err != nil {
		t.Fatalf("open with the current migrations: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestOpenCreatesPrivateFolderAndFile(t *testing.T) {
	s := openTestStore(t)
	for path, want := range map[string]os.FileMode{
		filepath.Dir(s.Path()): 0o700,
		s.Path():               0o600,
		s.Path() + "-wal":      0o600, // the WAL holds the same secrets as the database
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("stat %s: %v", path, err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
}

func TestOpenTightensAnExistingLooseFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, _ := os.Stat(s.Path())
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", fi.Mode().Perm())
	}
}

// TestPragmasOnEveryConnection holds the DSN settings on several pooled
// connections at once, not just the first.
func TestPragmasOnEveryConnection(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	var conns []*sql.Conn
	for i := 0; i < 3; i++ {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var journal string
		var busy, fk int
		if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if journal != "wal" || busy != 5000 || fk != 1 {
			t.Errorf("conn %d: journal_mode=%s busy_timeout=%d foreign_keys=%d; want wal 5000 1", i, journal, busy, fk)
		}
		_ = c.Close()
	}
}

func TestMigrationsRunOnceAndReopenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		s, err := Open(ctx, dir)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != len(migrations) {
			t.Errorf("open #%d: schema version %d, want %d", i+1, v, len(migrations))
		}
		if n, err := s.CountProviders(ctx); err != nil || n != 0 {
			t.Errorf("open #%d: CountProviders = %d, %v", i+1, n, err)
		}
		_ = s.Close()
	}
}

func TestRefusesNewerDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, sqlUpsertSchemaVersion, len(migrations)+5); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()

	_, err = Open(ctx, dir)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open of a newer database: err = %v, want ErrNewerSchema", err)
	}
	// The file must be left exactly as the newer binary wrote it.
	s2, err := open(ctx, dir, append(append([]migration{}, migrations...), make([]migration, 5)...))
	if err != nil {
		t.Fatalf("reopen with enough steps: %v", err)
	}
	defer s2.Close()
	if v, _ := s2.SchemaVersion(ctx); v != len(migrations)+5 {
		t.Errorf("version changed to %d", v)
	}
}

func TestFailedMigrationRollsBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	boom := errors.New("boom")
	steps := []migration{
		migrate1,
		func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE half_done (x INTEGER)`); err != nil {
				return err
			}
			return boom
		},
	}
	if _, err := open(ctx, dir, steps); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	s, err := open(ctx, dir, steps[:1])
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(ctx); v != 1 {
		t.Errorf("schema version %d, want 1 (step 2 must not be recorded)", v)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("table created by the failed migration survived")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, ""); err == nil {
		t.Error("empty dir: want error")
	}
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, filepath.Join(file, "sub")); err == nil {
		t.Error("dir under a file: want error")
	}
}
