package storage

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// TestDiskFullIsErrDiskFull: SQLITE_FULL from any write becomes an error
// that wraps model.ErrDiskFull and names the file; lifting the bound lets
// the same write succeed.
func TestDiskFullIsErrDiskFull(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	p := testProvider("p")
	if err := s.CreateProvider(ctx, &p); err != nil {
		t.Fatal(err)
	}
	n, err := s.PageCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMaxPageCount(ctx, n); err != nil {
		t.Fatal(err)
	}
	big := model.CheckResult{CheckID: "hc_big", ProviderID: p.ID, Status: model.HealthUnhealthy, CheckedAt: time.Now(),
		Models: []model.ModelResult{{Model: "m", Status: model.HealthUnhealthy,
			Error: &model.CheckError{Type: model.CheckErrUpstream, Message: strings.Repeat("x", 64<<10)}}}}
	writes := map[string]func() error{
		"save check": func() error { return s.SaveCheck(ctx, big, 0) },
		"settings": func() error {
			return s.PutSettings(ctx, map[string]string{"big": `"` + strings.Repeat("y", 64<<10) + `"`})
		},
		"provider": func() error {
			q := testProvider("q")
			q.Name = strings.Repeat("z", 64<<10)
			return s.CreateProvider(ctx, &q)
		},
	}
	for name, write := range writes {
		err := write()
		if !errors.Is(err, model.ErrDiskFull) || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), s.Path()) {
			t.Errorf("%s: %v, want ErrDiskFull naming %s", name, err, s.Path())
		}
	}
	if err := s.SetMaxPageCount(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCheck(ctx, big, 0); err != nil {
		t.Errorf("after space came back: %v", err)
	}
}

// TestMissingSchemaVersionIsOneLine: a database whose version row is gone
// is refused with one readable line, not a multi-line SQL error.
func TestMissingSchemaVersionIsOneLine(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	_, err = Open(ctx, dir)
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\t") || !strings.Contains(msg, "schema version") || !strings.Contains(msg, filepath.Join(dir, FileName)) {
		t.Errorf("error %q: want one line naming the file and the missing schema version", msg)
	}
}

// TestStatementHeadIsOneLine: a failing migration statement is quoted on
// one line.
func TestStatementHeadIsOneLine(t *testing.T) {
	got := statementHead("CREATE TABLE x (\n\t\tid INTEGER PRIMARY KEY,\n\t\tname TEXT NOT NULL DEFAULT '' CHECK (length(name) < 100)\n)")
	if strings.ContainsAny(got, "\n\t") || !strings.HasPrefix(got, "CREATE TABLE x ( id INTEGER") || !strings.HasSuffix(got, "…") {
		t.Errorf("statementHead = %q", got)
	}
}

// TestUnreadableProviderRowIsKept: a row whose JSON columns do not decode
// is listed with LoadError instead of failing the whole list.
func TestUnreadableProviderRowIsKept(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	a, b := testProvider("a"), testProvider("b")
	_ = s.CreateProvider(ctx, &a)
	_ = s.CreateProvider(ctx, &b)
	if _, err := s.db.ExecContext(ctx, `UPDATE providers SET models_json = '{broken' WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListProviders(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	if !strings.Contains(list[0].LoadError, "models") || list[1].LoadError != "" {
		t.Errorf("load errors %q %q", list[0].LoadError, list[1].LoadError)
	}
	if g, err := s.GetProvider(ctx, a.ID); err != nil || g.LoadError == "" {
		t.Errorf("get: %+v %v", g, err)
	}
}
