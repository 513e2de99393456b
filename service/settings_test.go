package service

import (
	"context"
	"slices"
	"testing"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
)

// TestSettingsDefaultsAndRoundTrip: a new installation has the defaults;
// a change survives a restart on the same data directory; absent fields
// keep their values.
func TestSettingsDefaultsAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := New(Config{DataDir: dir})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := DefaultSettings(); !slices.Equal(got.ProxyKeys, d.ProxyKeys) || got.MaxBodyBytes != d.MaxBodyBytes ||
		got.LogRetentionDays != d.LogRetentionDays || got.LogRetentionRows != d.LogRetentionRows ||
		got.HistoryRetentionDays != d.HistoryRetentionDays || got.ProxyKeys == nil || got.CORSOrigins == nil {
		t.Errorf("fresh settings %+v, want the defaults with empty (not null) lists", got)
	}
	_, err = s.UpdateSettings(ctx, model.SettingsInput{
		ProxyKeys: &[]string{"pk-secret-0001"}, CORSOrigins: &[]string{"https://a.example", "http://localhost:3000"},
		MaxBodyBytes: ptr(int64(4096)), LogRetentionDays: ptr(2), LogRetentionRows: ptr(100), HistoryRetentionDays: ptr(3650),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{LogRetentionDays: ptr(5)}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close(ctx)

	s2 := New(Config{DataDir: dir})
	if err := s2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	got, _ = s2.Settings(ctx)
	want := model.Settings{ProxyKeys: []string{"…0001"}, CORSOrigins: []string{"https://a.example", "http://localhost:3000"},
		MaxBodyBytes: 4096, LogRetentionDays: 5, LogRetentionRows: 100, HistoryRetentionDays: 3650}
	if !slices.Equal(got.ProxyKeys, want.ProxyKeys) || !slices.Equal(got.CORSOrigins, want.CORSOrigins) ||
		got.MaxBodyBytes != want.MaxBodyBytes || got.LogRetentionDays != want.LogRetentionDays ||
		got.LogRetentionRows != want.LogRetentionRows || got.HistoryRetentionDays != want.HistoryRetentionDays {
		t.Errorf("after restart %+v, want %+v", got, want)
	}
	if slices.Equal(s2.CORSOrigins(), want.CORSOrigins) == false {
		t.Errorf("CORSOrigins() after restart = %q", s2.CORSOrigins())
	}
	raw, _ := s2.loadSettings(ctx)
	if !slices.Equal(raw.ProxyKeys, []string{"pk-secret-0001"}) {
		t.Errorf("stored proxy keys %q", raw.ProxyKeys)
	}
}

// TestProxyKeysSentBackMasked: a GET sent back unchanged keeps every key,
// also when two keys share their last four characters (and so a mask).
func TestProxyKeysSentBackMasked(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	keys := []string{"first-key-1234", "second-key-1234", "third-key-9999"}
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{ProxyKeys: &keys}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Settings(ctx)
	if !slices.Equal(got.ProxyKeys, []string{"…1234", "…1234", "…9999"}) {
		t.Fatalf("masked %q", got.ProxyKeys)
	}
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{ProxyKeys: &got.ProxyKeys}); err != nil {
		t.Fatalf("sending the GET back: %v", err)
	}
	raw, _ := s.loadSettings(ctx)
	if !slices.Equal(raw.ProxyKeys, keys) {
		t.Errorf("stored %q, want %q", raw.ProxyKeys, keys)
	}
	// Remove the middle key, add a new one, keep the others by their masks.
	next := []string{"…1234", "…9999", "fourth-key-0000"}
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{ProxyKeys: &next}); err != nil {
		t.Fatal(err)
	}
	raw, _ = s.loadSettings(ctx)
	if !slices.Equal(raw.ProxyKeys, []string{"first-key-1234", "third-key-9999", "fourth-key-0000"}) {
		t.Errorf("stored %q", raw.ProxyKeys)
	}
	// A mask that stands for no stored key is refused, not stored.
	bad := []string{"…1234", "…1234"}
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{ProxyKeys: &bad}); !isField(err, "proxy_keys[1]") {
		t.Errorf("one mask too many: %v, want a 400 on proxy_keys[1]", err)
	}
}

// TestSettingsEdges: range edges accepted, one beyond refused, nothing
// stored on refusal.
func TestSettingsEdges(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		in    model.SettingsInput
		field string
	}{
		{"max body 1 KiB", model.SettingsInput{MaxBodyBytes: ptr(int64(1024))}, ""},
		{"max body 1 GiB", model.SettingsInput{MaxBodyBytes: ptr(int64(1 << 30)), MaxBufferedBytes: ptr(int64(1 << 30))}, ""},
		{"max body 1 GiB over the buffered total", model.SettingsInput{MaxBodyBytes: ptr(int64(1 << 30)), MaxBufferedBytes: ptr(int64(512 << 20))}, "max_buffered_bytes"},
		{"buffered 1 MiB", model.SettingsInput{MaxBodyBytes: ptr(int64(1024)), MaxBufferedBytes: ptr(int64(1 << 20))}, ""},
		{"buffered 1 MiB - 1", model.SettingsInput{MaxBufferedBytes: ptr(int64(1<<20 - 1))}, "max_buffered_bytes"},
		{"buffered 64 GiB", model.SettingsInput{MaxBufferedBytes: ptr(int64(64 << 30))}, ""},
		{"buffered 64 GiB + 1", model.SettingsInput{MaxBufferedBytes: ptr(int64(64<<30 + 1))}, "max_buffered_bytes"},
		{"max body 1023", model.SettingsInput{MaxBodyBytes: ptr(int64(1023))}, "max_body_bytes"},
		{"rows 100", model.SettingsInput{LogRetentionRows: ptr(100)}, ""},
		{"rows 10M+1", model.SettingsInput{LogRetentionRows: ptr(10_000_001)}, "log_retention_rows"},
		{"history 3651", model.SettingsInput{HistoryRetentionDays: ptr(3651)}, "history_retention_days"},
		{"origin with port", model.SettingsInput{CORSOrigins: &[]string{"http://127.0.0.1:5173"}}, ""},
		{"origin trailing slash", model.SettingsInput{CORSOrigins: &[]string{"https://a.example/"}}, ""},
		{"origin credentials", model.SettingsInput{CORSOrigins: &[]string{"https://u:p@a.example"}}, "cors_origins[0]"},
		{"proxy key masked", model.SettingsInput{ProxyKeys: &[]string{"…abcd"}}, "proxy_keys[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := s.loadSettings(ctx)
			_, err := s.UpdateSettings(ctx, tc.in)
			if tc.field == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if !isField(err, tc.field) {
				t.Errorf("got %v, want a 400 on %s", err, tc.field)
			}
			after, _ := s.loadSettings(ctx)
			if after.MaxBodyBytes != before.MaxBodyBytes || !slices.Equal(after.ProxyKeys, before.ProxyKeys) ||
				!slices.Equal(after.CORSOrigins, before.CORSOrigins) || after.LogRetentionRows != before.LogRetentionRows ||
				after.MaxBufferedBytes != before.MaxBufferedBytes {
				t.Errorf("refused change was stored: %+v → %+v", before, after)
			}
		})
	}
}

// TestBufferedAndLogBodiesSettings: max_buffered_bytes and log_bodies have
// their defaults, survive a restart, travel through export and import,
// and max_buffered_bytes reaches the proxy's settings.
func TestBufferedAndLogBodiesSettings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := startService(t, dir, Config{})
	got, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxBufferedBytes != proxy.DefaultMaxBufferedBytes || !got.LogBodies {
		t.Errorf("defaults: max_buffered_bytes=%d log_bodies=%v, want %d true", got.MaxBufferedBytes, got.LogBodies, proxy.DefaultMaxBufferedBytes)
	}
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{MaxBufferedBytes: ptr(int64(8 << 20)), MaxBodyBytes: ptr(int64(4 << 20)), LogBodies: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close(ctx)

	s2 := startService(t, dir, Config{})
	got, _ = s2.Settings(ctx)
	if got.MaxBufferedBytes != 8<<20 || got.LogBodies {
		t.Errorf("after restart: max_buffered_bytes=%d log_bodies=%v", got.MaxBufferedBytes, got.LogBodies)
	}
	if ps := proxySettings(got); ps.MaxBufferedBytes != 8<<20 || ps.MaxBodyBytes != 4<<20 {
		t.Errorf("proxy settings %+v", ps)
	}
	exp, err := s2.Export(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if exp.Settings.MaxBufferedBytes != 8<<20 || exp.Settings.LogBodies {
		t.Errorf("export settings %+v", exp.Settings)
	}
	doc := asInput(t, exp)
	doc.Settings.MaxBufferedBytes = ptr(int64(16 << 20))
	doc.Settings.LogBodies = ptr(true)
	if _, err := s2.Import(ctx, doc); err != nil {
		t.Fatal(err)
	}
	got, _ = s2.Settings(ctx)
	if got.MaxBufferedBytes != 16<<20 || !got.LogBodies {
		t.Errorf("after import: max_buffered_bytes=%d log_bodies=%v", got.MaxBufferedBytes, got.LogBodies)
	}
	doc.Settings.MaxBufferedBytes = ptr(int64(1))
	if _, err := s2.Import(ctx, doc); !isField(err, "settings.max_buffered_bytes") {
		t.Errorf("import of a too small total: %v", err)
	}
}

// TestBufferedFollowsLargeStoredBody: a database from before the setting,
// with max_body_bytes above the default total, loads with a total that
// holds it, so other settings changes still validate.
func TestBufferedFollowsLargeStoredBody(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	st, _ := s.storage()
	if err := st.PutSettings(ctx, map[string]string{"max_body_bytes": "1073741824"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{LogRetentionDays: ptr(3)}); err != nil {
		t.Fatalf("unrelated change refused: %v", err)
	}
	got, _ := s.Settings(ctx)
	if got.MaxBufferedBytes != 1<<30 {
		t.Errorf("max_buffered_bytes %d, want 1 GiB", got.MaxBufferedBytes)
	}
}
