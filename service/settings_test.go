package service

import (
	"context"
	"slices"
	"testing"

	"github.com/sluicegate/sluicegate/model"
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
		{"max body 1 GiB", model.SettingsInput{MaxBodyBytes: ptr(int64(1 << 30))}, ""},
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
				!slices.Equal(after.CORSOrigins, before.CORSOrigins) || after.LogRetentionRows != before.LogRetentionRows {
				t.Errorf("refused change was stored: %+v → %+v", before, after)
			}
		})
	}
}
