package storage

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

func testProvider(key string) model.Provider {
	return model.Provider{
		Key: key, Name: "Name " + key, Type: model.TypeOpenAI, BaseURL: "https://api.example.com/v1",
		APIKey: "sk-" + key, Enabled: true,
		Models:             []model.ModelMapping{{Alias: key + "-a", Upstream: key + "-u"}},
		Headers:            map[string]string{"X-Org": "org-" + key},
		ConnectTimeoutSecs: 10, ResponseHeaderTimeoutSecs: 600, StreamIdleTimeoutSecs: 300, HealthCheckIntervalSecs: 60,
	}
}

// TestProviderCRUD: create, get, list, update and delete round-trip every
// field, including unicode and SQL-looking text, byte for byte.
func TestProviderCRUD(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	p := testProvider("one")
	p.Name = "'); DROP TABLE providers;-- 🚀 مرحبا 中文"
	p.Models = append(p.Models, model.ModelMapping{Alias: "x'; DELETE FROM settings;--", Upstream: "测试"})
	p.Headers["X-Quote"] = `"'\`
	if err := s.CreateProvider(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.CreatedAt.IsZero() || !p.CreatedAt.Equal(p.UpdatedAt) {
		t.Fatalf("create did not set id/timestamps: %+v", p)
	}
	got, err := s.GetProvider(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("get:\n got %+v\nwant %+v", got, p)
	}

	q := testProvider("two")
	q.Enabled, q.Models, q.Headers = false, nil, nil
	if err := s.CreateProvider(ctx, &q); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListProviders(ctx)
	if err != nil || len(list) != 2 || list[0].ID != p.ID || list[1].ID != q.ID {
		t.Fatalf("list %+v %v", list, err)
	}
	if list[1].Models == nil || list[1].Headers == nil || list[1].Enabled {
		t.Errorf("nil model map / headers must read back empty, not null: %+v", list[1])
	}
	if n, _ := s.CountProviders(ctx); n != 2 {
		t.Errorf("count %d", n)
	}

	time.Sleep(time.Millisecond)
	p.Key, p.APIKey, p.Enabled, p.HealthCheckIntervalSecs = "one-renamed", "", false, 0
	p.Models = []model.ModelMapping{}
	if err := s.UpdateProvider(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if !p.UpdatedAt.After(p.CreatedAt) {
		t.Errorf("updated_at %v not after created_at %v", p.UpdatedAt, p.CreatedAt)
	}
	got, _ = s.GetProvider(ctx, p.ID)
	if !reflect.DeepEqual(got, p) {
		t.Errorf("after update:\n got %+v\nwant %+v", got, p)
	}

	if err := s.DeleteProvider(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetProvider(ctx, p.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	if n, _ := s.CountProviders(ctx); n != 1 {
		t.Errorf("count after delete %d", n)
	}
}

// TestProviderNotFound: every by-id operation on a missing id is
// model.ErrNotFound.
func TestProviderNotFound(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	if _, err := s.GetProvider(ctx, 42); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("get: %v", err)
	}
	p := testProvider("ghost")
	p.ID = 42
	if err := s.UpdateProvider(ctx, &p); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("update: %v", err)
	}
	if err := s.DeleteProvider(ctx, 42); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("delete: %v", err)
	}
}

// TestProviderUniqueKey: a taken key is model.ErrConflict on create and on
// update, and nothing changes.
func TestProviderUniqueKey(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	a, b := testProvider("a"), testProvider("b")
	for _, p := range []*model.Provider{&a, &b} {
		if err := s.CreateProvider(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	dup := testProvider("a")
	if err := s.CreateProvider(ctx, &dup); !errors.Is(err, model.ErrConflict) {
		t.Errorf("create duplicate: %v", err)
	}
	b2 := b
	b2.Key = "a"
	if err := s.UpdateProvider(ctx, &b2); !errors.Is(err, model.ErrConflict) {
		t.Errorf("update to a taken key: %v", err)
	}
	got, _ := s.GetProvider(ctx, b.ID)
	if got.Key != "b" {
		t.Errorf("b's key now %q", got.Key)
	}
	if n, _ := s.CountProviders(ctx); n != 2 {
		t.Errorf("count %d", n)
	}
}

// TestReplaceConfig: providers matched by key keep their id, absent ones
// are deleted, new ones created, settings written, all in one go.
func TestReplaceConfig(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	a, b := testProvider("a"), testProvider("b")
	_ = s.CreateProvider(ctx, &a)
	_ = s.CreateProvider(ctx, &b)
	_ = s.PutSettings(ctx, map[string]string{"max_body_bytes": "1024", "keep_me": `"x"`})

	a2 := testProvider("a")
	a2.Name = "A two"
	c := testProvider("c")
	if err := s.ReplaceConfig(ctx, []model.Provider{c, a2}, map[string]string{"max_body_bytes": "2048"}); err != nil {
		t.Fatal(err)
	}
	list, _ := s.ListProviders(ctx)
	if len(list) != 2 || list[0].ID != a.ID || list[0].Name != "A two" || list[1].Key != "c" || list[1].ID <= b.ID {
		t.Errorf("after replace: %+v", list)
	}
	set, _ := s.Settings(ctx)
	if set["max_body_bytes"] != "2048" || set["keep_me"] != `"x"` {
		t.Errorf("settings after replace: %v", set)
	}
}

// TestReplaceConfigAllOrNothing: a failure after some rows were written
// (deleted, updated, inserted) rolls every one of them back.
func TestReplaceConfigAllOrNothing(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	a, b := testProvider("a"), testProvider("b")
	_ = s.CreateProvider(ctx, &a)
	_ = s.CreateProvider(ctx, &b)
	_ = s.PutSettings(ctx, map[string]string{"max_body_bytes": "1024"})
	before, _ := s.ListProviders(ctx)
	beforeSet, _ := s.Settings(ctx)

	a2 := testProvider("a")
	a2.Name = "changed"
	newOne := testProvider("new")
	badType := testProvider("bad")
	badType.Type = "azure" // the schema's CHECK refuses it
	dupKey := testProvider("new")
	for name, ps := range map[string][]model.Provider{
		"check constraint last": {a2, newOne, badType},
		"duplicate key in list": {a2, newOne, dupKey},
	} {
		t.Run(name, func(t *testing.T) {
			err := s.ReplaceConfig(ctx, ps, map[string]string{"max_body_bytes": "4096"})
			if err == nil {
				t.Fatal("want an error")
			}
			after, _ := s.ListProviders(ctx)
			if !reflect.DeepEqual(after, before) {
				t.Errorf("providers changed:\nbefore %+v\nafter  %+v", before, after)
			}
			if set, _ := s.Settings(ctx); !reflect.DeepEqual(set, beforeSet) {
				t.Errorf("settings changed: %v → %v", beforeSet, set)
			}
		})
	}
	// A canceled context is a failure too.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.ReplaceConfig(cctx, []model.Provider{newOne}, nil); err == nil {
		t.Error("canceled context: want an error")
	}
	if after, _ := s.ListProviders(ctx); !reflect.DeepEqual(after, before) {
		t.Errorf("canceled replace changed providers: %+v", after)
	}
}

// TestSettingsRoundTrip: values come back as written, literally; an
// upsert replaces only the names given.
func TestSettingsRoundTrip(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	if got, err := s.Settings(ctx); err != nil || len(got) != 0 {
		t.Fatalf("fresh settings %v %v", got, err)
	}
	in := map[string]string{"proxy_keys": `["'); DROP TABLE settings;--","🔑"]`, "max_body_bytes": "1024"}
	if err := s.PutSettings(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSettings(ctx, map[string]string{"max_body_bytes": "2048"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Settings(ctx)
	want := map[string]string{"proxy_keys": in["proxy_keys"], "max_body_bytes": "2048"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings %v, want %v", got, want)
	}
}
