package service

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// changes returns the provider.changed events so far and forgets all.
func (r *recorder) changes() []model.ProviderChanged {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []model.ProviderChanged
	for _, ev := range r.events {
		if ev.Type == model.EventProviderChanged {
			out = append(out, ev.Data.(model.ProviderChanged))
		}
	}
	r.events = nil
	return out
}

func newRecordingService(t *testing.T) (*Service, *recorder) {
	t.Helper()
	rec := &recorder{}
	s := New(Config{DataDir: t.TempDir(), Events: rec})
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s, rec
}

func ptr[T any](v T) *T { return &v }

// input is a valid provider input for key.
func input(key string) model.ProviderInput {
	return model.ProviderInput{
		Key: ptr(key), Type: ptr(model.TypeOpenAI), BaseURL: ptr("https://api.example.com/v1"),
		Models: &[]model.ModelMapping{{Alias: key + "-m", Upstream: "up-" + key}},
	}
}

// stored reads a provider straight from storage, real key included.
func stored(t *testing.T, s *Service, id int64) model.Provider {
	t.Helper()
	st, err := s.storage()
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.GetProvider(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProviderEvents: create, replace, patch and delete each publish
// exactly one provider.changed with the provider's id and the action;
// failed writes publish nothing.
func TestProviderEvents(t *testing.T) {
	s, rec := newRecordingService(t)
	ctx := context.Background()
	want := func(step string, evs ...model.ProviderChanged) {
		t.Helper()
		if got := rec.changes(); !slices.Equal(got, evs) {
			t.Errorf("%s: %+v, want %+v", step, got, evs)
		}
	}
	a, err := s.CreateProvider(ctx, input("a"))
	if err != nil {
		t.Fatal(err)
	}
	want("create", model.ProviderChanged{ID: a.ID, Action: "created"})
	b, _ := s.CreateProvider(ctx, input("b"))
	want("create b", model.ProviderChanged{ID: b.ID, Action: "created"})
	if _, err := s.ReplaceProvider(ctx, b.ID, input("b")); err != nil {
		t.Fatal(err)
	}
	want("replace", model.ProviderChanged{ID: b.ID, Action: "updated"})
	if _, err := s.PatchProvider(ctx, a.ID, model.ProviderInput{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	want("patch", model.ProviderChanged{ID: a.ID, Action: "updated"})
	if err := s.DeleteProvider(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	want("delete", model.ProviderChanged{ID: a.ID, Action: "deleted"})

	// Failures publish nothing.
	_, _ = s.CreateProvider(ctx, input("b"))                                                 // duplicate key
	_, _ = s.PatchProvider(ctx, b.ID, model.ProviderInput{ConnectTimeoutSecs: ptr(0)})       // invalid
	_, _ = s.PatchProvider(ctx, 999, model.ProviderInput{Name: ptr("x")})                    // unknown
	_ = s.DeleteProvider(ctx, 999)                                                           // unknown
	_, _ = s.ReplaceProvider(ctx, b.ID, model.ProviderInput{Key: ptr("b")})                  // incomplete
	_, _ = s.PatchProvider(ctx, b.ID, model.ProviderInput{ID: ptr(b.ID + 1), Name: ptr("")}) // id mismatch
	want("failures")
}

// TestAPIKeyWriteOnly: reads mask the key; absent, masked and empty
// api_key values keep, keep and clear it.
func TestAPIKeyWriteOnly(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	in := input("k")
	in.APIKey = ptr("sk-live-0123456789")
	p, err := s.CreateProvider(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	const masked = "…6789"
	check := func(step, wantRead, wantStored string, got model.Provider) {
		t.Helper()
		if got.APIKey != wantRead {
			t.Errorf("%s: answered api_key %q, want %q", step, got.APIKey, wantRead)
		}
		g, _ := s.GetProvider(ctx, p.ID)
		l, _ := s.ListProviders(ctx)
		if g.APIKey != wantRead || l[0].APIKey != wantRead {
			t.Errorf("%s: GET %q, list %q, want %q", step, g.APIKey, l[0].APIKey, wantRead)
		}
		if st := stored(t, s, p.ID).APIKey; st != wantStored {
			t.Errorf("%s: stored %q, want %q", step, st, wantStored)
		}
	}
	check("create", masked, "sk-live-0123456789", p)
	got, err := s.ReplaceProvider(ctx, p.ID, input("k"))
	check("replace without key", masked, "sk-live-0123456789", got)
	got, _ = s.PatchProvider(ctx, p.ID, model.ProviderInput{Name: ptr("n")})
	check("patch without key", masked, "sk-live-0123456789", got)
	got, _ = s.PatchProvider(ctx, p.ID, model.ProviderInput{APIKey: ptr(masked)})
	check("patch with own mask", masked, "sk-live-0123456789", got)
	r := input("k")
	r.APIKey = ptr(masked)
	got, _ = s.ReplaceProvider(ctx, p.ID, r)
	check("replace with own mask", masked, "sk-live-0123456789", got)
	if _, err := s.PatchProvider(ctx, p.ID, model.ProviderInput{APIKey: ptr("…0000")}); !isField(err, "api_key") {
		t.Errorf("another key's mask: %v, want a 400 on api_key", err)
	}
	got, _ = s.PatchProvider(ctx, p.ID, model.ProviderInput{APIKey: ptr("")})
	check("clear", "", "", got)
	if err != nil {
		t.Fatal(err)
	}
}

func isField(err error, field string) bool {
	var ve *model.ValidationError
	return errors.As(err, &ve) && ve.Field == field
}

// TestMask: at most the last four characters, fewer for short keys, never
// the whole key.
func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"a", "…"},
		{"ab", "…"},
		{"abc", "…c"},
		{"abcdef", "…ef"},
		{"sk-123456789012", "…9012"},
		{"sk-" + strings.Repeat("x", 100) + "WXYZ", "…WXYZ"},
		{"ключ-секрет-🔑🔑🔑🔑", "…🔑🔑🔑🔑"},
	} {
		if got := mask(tc.in); got != tc.want {
			t.Errorf("mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestValidateProviderEdges: the documented range edges are accepted and
// one step beyond them is refused, naming the field.
func TestValidateProviderEdges(t *testing.T) {
	base := func() model.Provider {
		p := newProvider()
		p.Key, p.Type, p.BaseURL = "k", model.TypeOpenAI, "http://localhost:11434/v1"
		return p
	}
	for _, tc := range []struct {
		name  string
		edit  func(*model.Provider)
		field string // "" = valid
	}{
		{"defaults", func(*model.Provider) {}, ""},
		{"key 64", func(p *model.Provider) { p.Key = strings.Repeat("k", 64) }, ""},
		{"key 65", func(p *model.Provider) { p.Key = strings.Repeat("k", 65) }, "key"},
		{"key digit first", func(p *model.Provider) { p.Key = "0-a_b" }, ""},
		{"key trailing dash", func(p *model.Provider) { p.Key = "a-" }, ""},
		{"anthropic", func(p *model.Provider) { p.Type = model.TypeAnthropic }, ""},
		{"https with port and path", func(p *model.Provider) { p.BaseURL = "https://h.example:8443/a/b/" }, ""},
		{"ipv6 host", func(p *model.Provider) { p.BaseURL = "http://[::1]:8000/v1" }, ""},
		{"connect 1", func(p *model.Provider) { p.ConnectTimeoutSecs = 1 }, ""},
		{"connect 300", func(p *model.Provider) { p.ConnectTimeoutSecs = 300 }, ""},
		{"connect 301", func(p *model.Provider) { p.ConnectTimeoutSecs = 301 }, "connect_timeout_secs"},
		{"header 3600", func(p *model.Provider) { p.ResponseHeaderTimeoutSecs = 3600 }, ""},
		{"header 3601", func(p *model.Provider) { p.ResponseHeaderTimeoutSecs = 3601 }, "response_header_timeout_secs"},
		{"idle 1", func(p *model.Provider) { p.StreamIdleTimeoutSecs = 1 }, ""},
		{"idle 0", func(p *model.Provider) { p.StreamIdleTimeoutSecs = 0 }, "stream_idle_timeout_secs"},
		{"interval 0", func(p *model.Provider) { p.HealthCheckIntervalSecs = 0 }, ""},
		{"interval 30", func(p *model.Provider) { p.HealthCheckIntervalSecs = 30 }, ""},
		{"interval 86400", func(p *model.Provider) { p.HealthCheckIntervalSecs = 86400 }, ""},
		{"interval 29", func(p *model.Provider) { p.HealthCheckIntervalSecs = 29 }, "health_check_interval_secs"},
		{"alias with slash and colon", func(p *model.Provider) {
			p.Models = []model.ModelMapping{{Alias: "meta/llama-3:8b", Upstream: "llama3:8b"}}
		}, ""},
		{"alias 256", func(p *model.Provider) {
			p.Models = []model.ModelMapping{{Alias: strings.Repeat("a", 256), Upstream: "u"}}
		}, ""},
		{"1000 models", func(p *model.Provider) {
			for i := range 1000 {
				p.Models = append(p.Models, model.ModelMapping{Alias: fmt.Sprint("m", i), Upstream: "u"})
			}
		}, ""},
		{"1001 models", func(p *model.Provider) {
			for i := range 1001 {
				p.Models = append(p.Models, model.ModelMapping{Alias: fmt.Sprint("m", i), Upstream: "u"})
			}
		}, "models"},
		{"50 headers", func(p *model.Provider) {
			for i := range 50 {
				p.Headers[fmt.Sprint("X-H", i)] = "v"
			}
		}, ""},
		{"51 headers", func(p *model.Provider) {
			for i := range 51 {
				p.Headers[fmt.Sprint("X-H", i)] = "v"
			}
		}, "headers"},
		{"header value unicode", func(p *model.Provider) { p.Headers["X-Name"] = "Zoë 🚀" }, ""},
		{"api key 4096", func(p *model.Provider) { p.APIKey = strings.Repeat("k", 4096) }, ""},
		{"api key 4097", func(p *model.Provider) { p.APIKey = strings.Repeat("k", 4097) }, "api_key"},
		{"api key DEL", func(p *model.Provider) { p.APIKey = "sk\x7f" }, "api_key"},
		{"name 200 runes", func(p *model.Provider) { p.Name = strings.Repeat("é", 200) }, ""},
		{"name with emoji", func(p *model.Provider) { p.Name = "Zoë's 🚀 provider" }, ""},
		{"port 65535", func(p *model.Provider) { p.BaseURL = "http://localhost:65535/v1" }, ""},
		{"port 65536", func(p *model.Provider) { p.BaseURL = "http://localhost:65536/v1" }, "base_url"},
		{"port 99999", func(p *model.Provider) { p.BaseURL = "http://localhost:99999/v1" }, "base_url"},
		{"port 0", func(p *model.Provider) { p.BaseURL = "http://localhost:0/v1" }, "base_url"},
		{"empty port", func(p *model.Provider) { p.BaseURL = "http://localhost:/v1" }, "base_url"},
		{"port without host", func(p *model.Provider) { p.BaseURL = "http://:8080/v1" }, "base_url"},
		{"header value with tab", func(p *model.Provider) { p.Headers["X-T"] = "a\tb" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			tc.edit(&p)
			err := validateProvider(&p)
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.field != "" && !isField(err, tc.field):
				t.Errorf("got %v, want a ValidationError on %s", err, tc.field)
			}
		})
	}
}

// TestRefusesInvisibleCharacters: zero-width, bidirectional-control and
// other control characters are refused in every name-like field, and the
// error names the field and what is allowed.
func TestRefusesInvisibleCharacters(t *testing.T) {
	base := func() model.Provider {
		p := newProvider()
		p.Key, p.Type, p.BaseURL = "k", model.TypeOpenAI, "http://localhost:11434/v1"
		p.Models = []model.ModelMapping{{Alias: "a", Upstream: "u"}}
		return p
	}
	chars := map[string]rune{
		"ZWSP": 0x200B, "ZWNJ": 0x200C, "ZWJ": 0x200D, "WJ": 0x2060, "BOM": 0xFEFF,
		"LRE": 0x202A, "RLE": 0x202B, "PDF": 0x202C, "LRO": 0x202D, "RLO": 0x202E,
		"LRI": 0x2066, "RLI": 0x2067, "FSI": 0x2068, "PDI": 0x2069, "LRM": 0x200E, "RLM": 0x200F, "ALM": 0x061C,
		"BEL": 0x07, "ESC": 0x1B, "NEL": 0x85,
	}
	for cname, c := range chars {
		bad := "gpt" + string(c) + "4o"
		for _, f := range []struct {
			field string
			edit  func(*model.Provider)
		}{
			{"models[0].alias", func(p *model.Provider) { p.Models[0].Alias = bad }},
			{"models[0].upstream", func(p *model.Provider) { p.Models[0].Upstream = bad }},
			{"key", func(p *model.Provider) { p.Key = bad }},
			{"name", func(p *model.Provider) { p.Name = bad }},
			{"headers." + bad, func(p *model.Provider) { p.Headers[bad] = "v" }},
			{"headers.X-V", func(p *model.Provider) { p.Headers["X-V"] = bad }},
			{"api_key", func(p *model.Provider) { p.APIKey = bad }},
			{"base_url", func(p *model.Provider) { p.BaseURL = "http://" + bad + ".example/v1" }},
		} {
			p := base()
			f.edit(&p)
			err := validateProvider(&p)
			if !isField(err, f.field) {
				t.Errorf("%s in %s: got %v, want a ValidationError on %s", cname, f.field, err, f.field)
				continue
			}
			// Keys, header names and URLs have their own, narrower rule
			// in the message; the others name the refused characters.
			if f.field != "key" && f.field != "base_url" && !strings.HasPrefix(f.field, "headers.gpt") &&
				!strings.Contains(err.Error(), "control") {
				t.Errorf("%s in %s: message %q does not say what is allowed", cname, f.field, err)
			}
		}
	}
}

// TestAliasConflicts at the service level: the ConflictError names the
// field and errors.Is(err, model.ErrConflict) holds.
func TestAliasConflicts(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	if _, err := s.CreateProvider(ctx, input("a")); err != nil {
		t.Fatal(err)
	}
	in := input("b")
	in.Models = &[]model.ModelMapping{{Alias: "b-m", Upstream: "x"}, {Alias: "a-m", Upstream: "y"}}
	_, err := s.CreateProvider(ctx, in)
	var ce *model.ConflictError
	if !errors.Is(err, model.ErrConflict) || !errors.As(err, &ce) || ce.Field != "models[1].alias" {
		t.Fatalf("alias conflict: %v", err)
	}
	in.Enabled = ptr(false)
	b, err := s.CreateProvider(ctx, in)
	if err != nil {
		t.Fatalf("disabled provider sharing an alias: %v", err)
	}
	if _, err := s.PatchProvider(ctx, b.ID, model.ProviderInput{Enabled: ptr(true)}); !errors.Is(err, model.ErrConflict) {
		t.Errorf("enabling into a collision: %v", err)
	}
	if _, err := s.CreateProvider(ctx, input("a")); !errors.As(err, &ce) || ce.Field != "key" {
		t.Errorf("duplicate key: %v", err)
	}
}

// TestHeaderValuesWriteOnly: header values are secrets like api_key:
// masked on every read and in a keyless export, kept when sent back
// masked or left out, removed by a PUT that drops them or a PATCH that
// empties them, and exported in full only with keys.
func TestHeaderValuesWriteOnly(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	in := input("h")
	in.Headers = &map[string]string{"Helicone-Auth": "Bearer hel-secret-9876", "api-key": "azure-secret-5555"}
	p, err := s.CreateProvider(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	wantMasked := map[string]string{"Helicone-Auth": "…9876", "api-key": "…5555"}
	check := func(step string, answered model.Provider, wantRead, wantStored map[string]string) {
		t.Helper()
		g, _ := s.GetProvider(ctx, p.ID)
		l, _ := s.ListProviders(ctx)
		exp, _ := s.Export(ctx, false)
		for what, h := range map[string]map[string]string{
			"answer": answered.Headers, "get": g.Headers, "list": l[0].Headers, "export": exp.Providers[0].Headers,
		} {
			if !maps.Equal(h, wantRead) {
				t.Errorf("%s: %s headers %q, want %q", step, what, h, wantRead)
			}
		}
		if st := stored(t, s, p.ID).Headers; !maps.Equal(st, wantStored) {
			t.Errorf("%s: stored headers %q, want %q", step, st, wantStored)
		}
		full, _ := s.Export(ctx, true)
		if !maps.Equal(full.Providers[0].Headers, wantStored) {
			t.Errorf("%s: export with keys %q, want %q", step, full.Providers[0].Headers, wantStored)
		}
	}
	all := map[string]string{"Helicone-Auth": "Bearer hel-secret-9876", "api-key": "azure-secret-5555"}
	check("create", p, wantMasked, all)

	got, err := s.PatchProvider(ctx, p.ID, model.ProviderInput{Name: ptr("n")})
	check("patch without headers", got, wantMasked, all)
	r := input("h")
	got, err = s.ReplaceProvider(ctx, p.ID, r)
	check("replace without headers", got, wantMasked, all)
	r.Headers = &map[string]string{"Helicone-Auth": "…9876", "api-key": "…5555"}
	got, err = s.ReplaceProvider(ctx, p.ID, r)
	check("replace with the masks", got, wantMasked, all)
	got, err = s.PatchProvider(ctx, p.ID, model.ProviderInput{Headers: &map[string]string{"helicone-auth": "…9876"}})
	check("patch one header, masked, other name case", got, map[string]string{"helicone-auth": "…9876", "api-key": "…5555"},
		map[string]string{"helicone-auth": "Bearer hel-secret-9876", "api-key": "azure-secret-5555"})
	got, err = s.PatchProvider(ctx, p.ID, model.ProviderInput{Headers: &map[string]string{"helicone-auth": ""}})
	check("patch empties one", got, map[string]string{"api-key": "…5555"}, map[string]string{"api-key": "azure-secret-5555"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PatchProvider(ctx, p.ID, model.ProviderInput{Headers: &map[string]string{"api-key": "…0000"}}); !isField(err, "headers.api-key") {
		t.Errorf("another value's mask: %v, want a 400 on headers.api-key", err)
	}
	r.Headers = &map[string]string{"X-Org": "org-1"}
	got, err = s.ReplaceProvider(ctx, p.ID, r)
	if err != nil {
		t.Fatal(err)
	}
	check("replace drops api-key", got, map[string]string{"X-Org": "…1"}, map[string]string{"X-Org": "org-1"})

	// A keyless export imported back keeps the stored values.
	exp, _ := s.Export(ctx, false)
	if _, err := s.Import(ctx, asInput(t, exp)); err != nil {
		t.Fatal(err)
	}
	if st := stored(t, s, p.ID).Headers; !maps.Equal(st, map[string]string{"X-Org": "org-1"}) {
		t.Errorf("after re-import: %q", st)
	}
}

// TestAliasProviderKeyCollision: an alias "K/..." on one provider while
// another has key K is a 409 naming both, on create, replace, patch and
// import, from either side; OpenRouter-style aliases stay allowed while
// no provider has that key.
func TestAliasProviderKeyCollision(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	if _, err := s.CreateProvider(ctx, input("mock")); err != nil {
		t.Fatal(err)
	}
	withAlias := func(key, alias string) model.ProviderInput {
		in := input(key)
		in.Models = &[]model.ModelMapping{{Alias: key + "-m", Upstream: "u"}, {Alias: alias, Upstream: "x"}}
		return in
	}
	wantConflict := func(step string, err error, field string) {
		t.Helper()
		var ce *model.ConflictError
		if !errors.Is(err, model.ErrConflict) || !errors.As(err, &ce) || ce.Field != field {
			t.Errorf("%s: %v, want a 409 on %s", step, err, field)
			return
		}
		if !strings.Contains(ce.Message, `"mock/x"`) || !strings.Contains(ce.Message, `"mock"`) {
			t.Errorf("%s: message %q must name the alias and the provider key", step, ce.Message)
		}
	}
	_, err := s.CreateProvider(ctx, withAlias("other", "mock/x"))
	wantConflict("create", err, "models[1].alias")

	// OpenRouter-style aliases are fine while no provider is "anthropic".
	other, err := s.CreateProvider(ctx, withAlias("other", "anthropic/claude-sonnet-4"))
	if err != nil {
		t.Fatalf("openrouter-style alias refused: %v", err)
	}
	_, err = s.ReplaceProvider(ctx, other.ID, withAlias("other", "mock/x"))
	wantConflict("replace", err, "models[1].alias")
	_, err = s.PatchProvider(ctx, other.ID, model.ProviderInput{Models: &[]model.ModelMapping{{Alias: "mock/x", Upstream: "x"}}})
	wantConflict("patch", err, "models[0].alias")

	// The other direction: a provider takes the key an alias starts with.
	_, err = s.CreateProvider(ctx, input("anthropic"))
	var ce *model.ConflictError
	if !errors.As(err, &ce) || ce.Field != "key" || !strings.Contains(ce.Message, `"anthropic/claude-sonnet-4"`) {
		t.Errorf("create key colliding with an alias: %v", err)
	}
	mock := stored(t, s, 1)
	if _, err := s.PatchProvider(ctx, mock.ID, model.ProviderInput{Key: ptr("anthropic")}); !errors.As(err, &ce) || ce.Field != "key" {
		t.Errorf("rename into an alias prefix: %v", err)
	}

	// Import, both orders.
	exp, _ := s.Export(ctx, true)
	doc := asInput(t, exp)
	doc.Providers[1].Models = &[]model.ModelMapping{{Alias: "mock/x", Upstream: "x"}}
	_, err = s.Import(ctx, doc)
	wantConflict("import alias after key", err, "providers[1].models[0].alias")
	doc.Providers[0], doc.Providers[1] = doc.Providers[1], doc.Providers[0]
	if _, err = s.Import(ctx, doc); !errors.As(err, &ce) || ce.Field != "providers[1].key" {
		t.Errorf("import key after alias: %v", err)
	}
}
