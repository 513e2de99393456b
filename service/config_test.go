package service

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// dump is the whole stored configuration, keys included, without
// exported_at, for before/after comparisons.
func dump(t *testing.T, s *Service, withIDs bool) string {
	t.Helper()
	c, err := s.Export(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	c.ExportedAt = nil
	for i := range c.Providers {
		if !withIDs {
			c.Providers[i].ID = 0
		}
		c.Providers[i].CreatedAt, c.Providers[i].UpdatedAt = time.Time{}, time.Time{}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// asInput turns an export into an import document, as a file would.
func asInput(t *testing.T, c model.Config) model.ConfigInput {
	t.Helper()
	b, _ := json.Marshal(c)
	var in model.ConfigInput
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	return in
}

// seedConfig stores two providers with keys and some settings.
func seedConfig(t *testing.T, s *Service) (a, b model.Provider) {
	t.Helper()
	ctx := context.Background()
	ia := input("alpha")
	ia.APIKey, ia.Name, ia.Headers = ptr("sk-alpha-0001"), ptr("Alpha 🚀"), &map[string]string{"X-Org": "o-1"}
	ia.HealthCheckIntervalSecs = ptr(60)
	a, err := s.CreateProvider(ctx, ia)
	if err != nil {
		t.Fatal(err)
	}
	ib := input("beta")
	ib.APIKey, ib.Type, ib.BaseURL, ib.Enabled = ptr("sk-ant-beta-0002"), ptr(model.TypeAnthropic), ptr("https://api.anthropic.com"), ptr(false)
	if b, err = s.CreateProvider(ctx, ib); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{ProxyKeys: &[]string{"pk-local-0003"}, CORSOrigins: &[]string{"https://x.example"}, MaxBodyBytes: ptr(int64(1 << 20))}); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestImportRoundTrip: export with keys, wipe, import → the same
// configuration, keys included; importing over a matching configuration
// keeps the ids.
func TestImportRoundTrip(t *testing.T) {
	s, rec := newRecordingService(t)
	ctx := context.Background()
	seedConfig(t, s)
	full, err := s.Export(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	before, beforeIDs := dump(t, s, false), dump(t, s, true)

	if _, err := s.Import(ctx, asInput(t, full)); err != nil {
		t.Fatalf("import over itself: %v", err)
	}
	if got := dump(t, s, true); got != beforeIDs {
		t.Errorf("import over itself changed the configuration or ids:\nbefore %s\nafter  %s", beforeIDs, got)
	}

	rec.changes()
	stored, _ := s.ListProviders(ctx)
	if _, err := s.Import(ctx, model.ConfigInput{Version: ptr(1), Providers: []model.ProviderInput{},
		Settings: &model.SettingsInput{ProxyKeys: &[]string{}}}); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.ListProviders(ctx); len(ps) != 0 {
		t.Fatalf("wipe left %d providers", len(ps))
	}
	got := rec.changes()
	if len(got) != len(stored) || len(stored) == 0 {
		t.Errorf("wiping %d providers published %+v, want one deleted event each", len(stored), got)
	}
	for i, ev := range got {
		if i < len(stored) && (ev.Action != "deleted" || ev.ID != stored[i].ID) {
			t.Errorf("event %d: %+v, want deleted %d", i, ev, stored[i].ID)
		}
	}
	out, err := s.Import(ctx, asInput(t, full))
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(t, s, false); got != before {
		t.Errorf("round trip differs:\nbefore %s\nafter  %s", before, got)
	}
	for _, p := range out.Providers {
		if p.APIKey != "" {
			t.Errorf("import answered key %q", p.APIKey)
		}
	}
	// The route table follows the import.
	if s.Routes().Table() == nil {
		t.Error("no route table after import")
	}
}

// TestImportKeepsStoredKeys: a provider without api_key keeps the stored
// key of the provider with the same key; a masked api_key is accepted only
// when it is the stored key's own mask; proxy keys absent are kept.
func TestImportKeepsStoredKeys(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	a, _ := seedConfig(t, s)
	noKeys, _ := s.Export(ctx, false)
	if noKeys.Providers[0].APIKey != "" || noKeys.Settings.ProxyKeys != nil {
		t.Fatalf("export without keys carries keys: %+v", noKeys)
	}
	before := dump(t, s, true)
	if _, err := s.Import(ctx, asInput(t, noKeys)); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, s, true); got != before {
		t.Errorf("import of a keyless export lost keys:\nbefore %s\nafter  %s", before, got)
	}

	in := asInput(t, noKeys)
	in.Providers[0].APIKey = ptr("…0001") // alpha's own mask
	if _, err := s.Import(ctx, in); err != nil {
		t.Errorf("own mask refused: %v", err)
	}
	if st := stored(t, s, a.ID); st.APIKey != "sk-alpha-0001" {
		t.Errorf("alpha's key now %q", st.APIKey)
	}
	in.Providers[0].APIKey = ptr("…0002") // beta's mask, not alpha's
	_, err := s.Import(ctx, in)
	if !isField(err, "providers[0].api_key") {
		t.Errorf("foreign mask: %v, want a 400 on providers[0].api_key", err)
	}
	in.Providers[0].APIKey = ptr("sk-new-alpha")
	in.Providers[1].APIKey = ptr("")
	if _, err := s.Import(ctx, in); err != nil {
		t.Fatal(err)
	}
	full, _ := s.Export(ctx, true)
	if full.Providers[0].APIKey != "sk-new-alpha" || full.Providers[1].APIKey != "" || !slices.Equal(full.Settings.ProxyKeys, []string{"pk-local-0003"}) {
		t.Errorf("after import with new/cleared keys: %q %q %q", full.Providers[0].APIKey, full.Providers[1].APIKey, full.Settings.ProxyKeys)
	}
}

// TestImportAllOrNothing: any bad part of a document leaves the stored
// configuration exactly as it was, and the error names the place.
func TestImportAllOrNothing(t *testing.T) {
	s, rec := newRecordingService(t)
	ctx := context.Background()
	seedConfig(t, s)
	good, _ := s.Export(ctx, true)
	gamma := input("gamma")
	for _, tc := range []struct {
		name     string
		edit     func(*model.ConfigInput)
		field    string
		conflict bool
	}{
		{"version 2", func(in *model.ConfigInput) { in.Version = ptr(2) }, "version", false},
		{"no version", func(in *model.ConfigInput) { in.Version = nil }, "version", false},
		{"no providers", func(in *model.ConfigInput) { in.Providers = nil }, "providers", false},
		{"bad provider in the middle", func(in *model.ConfigInput) {
			bad := input("mid")
			bad.ConnectTimeoutSecs = ptr(0)
			in.Providers = []model.ProviderInput{in.Providers[0], bad, gamma}
		}, "providers[1].connect_timeout_secs", false},
		{"bad last provider", func(in *model.ConfigInput) {
			bad := input("last")
			bad.Type = ptr(model.ProviderType("azure"))
			in.Providers = append(in.Providers, gamma, bad)
		}, "providers[3].type", false},
		{"missing base_url", func(in *model.ConfigInput) {
			bad := input("nob")
			bad.BaseURL = nil
			in.Providers = append(in.Providers, bad)
		}, "providers[2].base_url", false},
		{"duplicate key", func(in *model.ConfigInput) { in.Providers = append(in.Providers, in.Providers[0]) }, "providers[2].key", false},
		{"alias collision", func(in *model.ConfigInput) {
			c := input("gamma")
			c.Models = &[]model.ModelMapping{{Alias: "alpha-m", Upstream: "x"}}
			in.Providers = append(in.Providers, c)
		}, "providers[2].models[0].alias", true},
		{"bad setting", func(in *model.ConfigInput) { in.Settings.LogRetentionDays = ptr(0) }, "settings.log_retention_days", false},
		{"bad cors origin", func(in *model.ConfigInput) { in.Settings.CORSOrigins = &[]string{"*"} }, "settings.cors_origins[0]", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := dump(t, s, true)
			rec.changes()
			in := asInput(t, good)
			tc.edit(&in)
			_, err := s.Import(ctx, in)
			var ce *model.ConflictError
			switch {
			case tc.conflict && !(errors.As(err, &ce) && ce.Field == tc.field):
				t.Errorf("got %v, want a conflict on %s", err, tc.field)
			case !tc.conflict && !isField(err, tc.field):
				t.Errorf("got %v, want a 400 on %s", err, tc.field)
			}
			if after := dump(t, s, true); after != before {
				t.Errorf("failed import wrote:\nbefore %s\nafter  %s", before, after)
			}
			if evs := rec.changes(); len(evs) != 0 {
				t.Errorf("failed import published %+v", evs)
			}
		})
	}
}
