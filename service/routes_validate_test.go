package service

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// TestValidateRouteFields: pattern aliases, * in upstreams, priorities and
// failover_on, each refused with the exact field and a message that says
// what is allowed.
func TestValidateRouteFields(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ms    []model.ModelMapping
		field string // "" = valid
		msg   string // part of the message
	}{
		{"pattern", []model.ModelMapping{{Alias: "claude-*", Upstream: "anthropic/claude-*"}}, "", ""},
		{"default route", []model.ModelMapping{{Alias: "*"}}, "", ""},
		{"pattern to a fixed name", []model.ModelMapping{{Alias: "gpt-4o*", Upstream: "gpt-4o-mini"}}, "", ""},
		{"empty upstream", []model.ModelMapping{{Alias: "gpt-4o"}}, "", ""},
		{"star in the middle", []model.ModelMapping{{Alias: "claude-*-latest", Upstream: "x"}}, "models[0].alias", "exactly one * and only at its end"},
		{"two stars", []model.ModelMapping{{Alias: "a**", Upstream: "x"}}, "models[0].alias", "exactly one *"},
		{"leading star", []model.ModelMapping{{Alias: "*-mini", Upstream: "x"}}, "models[0].alias", "only at its end"},
		{"star upstream on an exact alias", []model.ModelMapping{{Alias: "gpt", Upstream: "gpt-*"}}, "models[0].upstream", "only when the alias is a pattern"},
		{"two stars upstream", []model.ModelMapping{{Alias: "c-*", Upstream: "*-*"}}, "models[0].upstream", "at most one *"},
		{"upstream with a space", []model.ModelMapping{{Alias: "c", Upstream: "a b"}}, "models[0].upstream", "spaces"},
		{"priority 1", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1}}, "", ""},
		{"priority 1000", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1000}}, "", ""},
		{"priority 1001", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1001}}, "models[0].priority", "0 (not in a route group) or 1..1000"},
		{"priority -1", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: -1}}, "models[0].priority", "got -1"},
		{"failover_on", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1, FailoverOn: []int{429, 503, 529}}}, "", ""},
		{"failover_on 400 and 599", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1, FailoverOn: []int{400, 599}}}, "", ""},
		{"failover_on without priority", []model.ModelMapping{{Alias: "m", Upstream: "u", FailoverOn: []int{429}}}, "models[0].failover_on", "needs a priority"},
		{"failover_on 399", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1, FailoverOn: []int{399}}}, "models[0].failover_on", "400..599"},
		{"failover_on 600", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1, FailoverOn: []int{600}}}, "models[0].failover_on", "got 600"},
		{"failover_on duplicate", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1, FailoverOn: []int{429, 429}}}, "models[0].failover_on", "lists 429 twice"},
		{"failover_on 10", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1, FailoverOn: []int{400, 401, 402, 403, 404, 405, 406, 407, 408, 409}}}, "", ""},
		{"failover_on 11", []model.ModelMapping{{Alias: "m", Upstream: "u", Priority: 1, FailoverOn: []int{400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410}}}, "models[0].failover_on", "at most 10"},
		{"second entry", []model.ModelMapping{{Alias: "a", Upstream: "u"}, {Alias: "b*", Upstream: "u*", Priority: 2000}}, "models[1].priority", "1..1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider()
			p.Key, p.Type, p.BaseURL = "k", model.TypeOpenAI, "http://localhost:11434/v1"
			p.Models = tc.ms
			err := validateProvider(&p)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ve *model.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("got %v, want a ValidationError on %s", err, tc.field)
			}
			if !strings.Contains(ve.Message, tc.msg) {
				t.Errorf("message %q does not say %q", ve.Message, tc.msg)
			}
		})
	}
}

// TestRouteCollisions: one alias on several enabled providers is a 409
// unless every one gives it a priority (a route group), or it is a pattern
// without priorities on providers of different types (the default route
// per client dialect). Disabled providers never collide; enabling one
// re-checks.
func TestRouteCollisions(t *testing.T) {
	type entry struct {
		key string
		typ model.ProviderType
		m   model.ModelMapping
	}
	oa, an := model.TypeOpenAI, model.TypeAnthropic
	for _, tc := range []struct {
		name     string
		existing []entry
		add      entry
		msg      string // "" = allowed; else part of the 409 message
	}{
		{"group of two", []entry{{"a", oa, model.ModelMapping{Alias: "gpt", Upstream: "x", Priority: 1}}},
			entry{"b", oa, model.ModelMapping{Alias: "gpt", Upstream: "y", Priority: 2}}, ""},
		{"group with equal priorities", []entry{{"a", oa, model.ModelMapping{Alias: "gpt", Upstream: "x", Priority: 1}}},
			entry{"b", an, model.ModelMapping{Alias: "gpt", Upstream: "y", Priority: 1}}, ""},
		{"group of three", []entry{{"a", oa, model.ModelMapping{Alias: "gpt", Upstream: "x", Priority: 1}}, {"b", oa, model.ModelMapping{Alias: "gpt", Upstream: "x", Priority: 2}}},
			entry{"c", an, model.ModelMapping{Alias: "gpt", Upstream: "y", Priority: 3}}, ""},
		{"new one without priority", []entry{{"a", oa, model.ModelMapping{Alias: "gpt", Upstream: "x", Priority: 1}}},
			entry{"b", oa, model.ModelMapping{Alias: "gpt", Upstream: "y"}}, `alias "gpt" is also served by the enabled provider "a", and provider "b" gives it no priority; give it a priority on every provider to make a route group`},
		{"existing one without priority", []entry{{"a", oa, model.ModelMapping{Alias: "gpt", Upstream: "x"}}},
			entry{"b", oa, model.ModelMapping{Alias: "gpt", Upstream: "y", Priority: 1}}, `and provider "a" gives it no priority`},
		{"exact alias twice", []entry{{"a", oa, model.ModelMapping{Alias: "gpt", Upstream: "x"}}},
			entry{"b", an, model.ModelMapping{Alias: "gpt", Upstream: "y"}}, `alias "gpt" is already served by the enabled provider "a"; give it a priority on every provider to make a route group`},
		{"pattern per dialect", []entry{{"a", oa, model.ModelMapping{Alias: "*"}}},
			entry{"b", an, model.ModelMapping{Alias: "*"}}, ""},
		{"named pattern per dialect", []entry{{"a", an, model.ModelMapping{Alias: "claude-*", Upstream: "claude-*"}}},
			entry{"b", oa, model.ModelMapping{Alias: "claude-*", Upstream: "anthropic/claude-*"}}, ""},
		{"pattern twice of one type", []entry{{"a", oa, model.ModelMapping{Alias: "*"}}},
			entry{"b", oa, model.ModelMapping{Alias: "*"}}, `pattern "*" is already served by the enabled provider "a" of the same type (openai); without priorities a pattern may be served once per client dialect`},
		{"third pattern", []entry{{"a", oa, model.ModelMapping{Alias: "*"}}, {"b", an, model.ModelMapping{Alias: "*"}}},
			entry{"c", an, model.ModelMapping{Alias: "*"}}, `of the same type (anthropic)`},
		{"pattern pair plus a member", []entry{{"a", oa, model.ModelMapping{Alias: "*"}}},
			entry{"b", an, model.ModelMapping{Alias: "*", Priority: 1}}, `provider "a" gives it no priority`},
		{"different aliases", []entry{{"a", oa, model.ModelMapping{Alias: "gpt*"}}},
			entry{"b", oa, model.ModelMapping{Alias: "gpt-4o*"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newRecordingService(t)
			ctx := context.Background()
			mk := func(e entry, enabled bool) model.ProviderInput {
				in := input(e.key)
				in.Type = ptr(e.typ)
				if e.typ == an {
					in.BaseURL = ptr("https://api.example.com")
				}
				in.Models = &[]model.ModelMapping{{Alias: e.key + "-own", Upstream: "u"}, e.m}
				in.Enabled = ptr(enabled)
				return in
			}
			for _, e := range tc.existing {
				if _, err := s.CreateProvider(ctx, mk(e, true)); err != nil {
					t.Fatalf("existing %s: %v", e.key, err)
				}
			}
			_, err := s.CreateProvider(ctx, mk(tc.add, true))
			checkConflict(t, err, tc.msg)

			// Disabled, it is stored; enabling it re-checks the same rule.
			if tc.msg == "" {
				return
			}
			p, err := s.CreateProvider(ctx, mk(tc.add, false))
			if err != nil {
				t.Fatalf("disabled: %v", err)
			}
			_, err = s.PatchProvider(ctx, p.ID, model.ProviderInput{Enabled: ptr(true)})
			checkConflict(t, err, tc.msg)
		})
	}
}

func checkConflict(t *testing.T, err error, msg string) {
	t.Helper()
	if msg == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	var ce *model.ConflictError
	if !errors.As(err, &ce) || ce.Field != "models[1].alias" {
		t.Fatalf("got %v, want a 409 on models[1].alias", err)
	}
	if !strings.Contains(ce.Message, msg) {
		t.Errorf("message %q\ndoes not say %q", ce.Message, msg)
	}
}

// TestImportRouteCollisions: an import is checked by the same rules, with
// the document's place in the field.
func TestImportRouteCollisions(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	doc := func(p1, p2 int) model.ConfigInput {
		a, b := input("a"), input("b")
		a.Models = &[]model.ModelMapping{{Alias: "gpt", Upstream: "x", Priority: p1}}
		b.Models = &[]model.ModelMapping{{Alias: "gpt", Upstream: "y", Priority: p2}}
		return model.ConfigInput{Version: ptr(model.ConfigVersion), Providers: []model.ProviderInput{a, b}}
	}
	if _, err := s.Import(ctx, doc(1, 2)); err != nil {
		t.Fatalf("group: %v", err)
	}
	_, err := s.Import(ctx, doc(1, 0))
	var ce *model.ConflictError
	if !errors.As(err, &ce) || ce.Field != "providers[1].models[0].alias" || !strings.Contains(ce.Message, "give it a priority on every provider") {
		t.Fatalf("got %v, want a 409 on providers[1].models[0].alias", err)
	}
}
