package storage

import (
	"context"
	"testing"
)

// TestMigrate4TranslateDefaultsOn: a provider stored before the translate
// column existed reads back with translation on, and the column then
// round-trips both values.
func TestMigrate4TranslateDefaultsOn(t *testing.T) {
	ctx := context.Background()
	old := openOld(t, 3)
	if _, err := old.db.ExecContext(ctx, `INSERT INTO providers (key, name, type, base_url, connect_timeout_secs,
		response_header_timeout_secs, stream_idle_timeout_secs, created_at, updated_at)
		VALUES ('old', 'Old', 'openai', 'http://127.0.0.1:1/v1', 10, 600, 300, '2025-01-01T00:00:00.000000000Z', '2025-01-01T00:00:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, old)
	list, err := s.ListProviders(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if !list[0].Translate {
		t.Errorf("a provider stored before migrate4 has translate=false; want the default true")
	}
	for _, want := range []bool{false, true} {
		p := list[0]
		p.Translate = want
		if err := s.UpdateProvider(ctx, &p); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetProvider(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Translate != want {
			t.Errorf("translate stored as %v, read back %v", want, got.Translate)
		}
	}
}
