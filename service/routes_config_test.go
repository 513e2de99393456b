package service

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// TestExportImportRouteFields: priority, failover_on, pattern aliases and
// empty upstreams survive export → wipe → import, through the JSON a user
// saves, and the exported JSON spells them as documented.
func TestExportImportRouteFields(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	maps := map[string][]model.ModelMapping{
		"groq": {
			{Alias: "llama", Upstream: "llama-3.3-70b", Priority: 1, FailoverOn: []int{429, 503}},
			{Alias: "claude-*", Upstream: "anthropic/claude-*", Priority: 2},
		},
		"openai": {
			{Alias: "llama", Upstream: "meta/llama-3.3-70b", Priority: 2},
			{Alias: "claude-*", Upstream: "claude-*", Priority: 1, FailoverOn: []int{529}},
			{Alias: "*"},
		},
	}
	for _, key := range []string{"groq", "openai"} {
		in := input(key)
		in.Models = ptr(maps[key])
		if _, err := s.CreateProvider(ctx, in); err != nil {
			t.Fatalf("create %s: %v", key, err)
		}
	}
	doc, err := s.Export(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"priority":1,"failover_on":[429,503]`, `{"alias":"*","upstream":""}`, `"alias":"claude-*","upstream":"anthropic/claude-*","priority":2}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("export lacks %s: %s", want, raw)
		}
	}
	var in model.ConfigInput
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, model.ConfigInput{Version: ptr(model.ConfigVersion), Providers: []model.ProviderInput{}}); err != nil {
		t.Fatalf("wipe: %v", err)
	}
	if _, err := s.Import(ctx, in); err != nil {
		t.Fatalf("import: %v", err)
	}
	ps, err := s.ListProviders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("%d providers after import, want 2", len(ps))
	}
	for _, p := range ps {
		if !reflect.DeepEqual(p.Models, maps[p.Key]) {
			t.Errorf("%s: models after the round trip\n got %+v\nwant %+v", p.Key, p.Models, maps[p.Key])
		}
	}
}

// TestPresetModelsAreValidMappings: every preset model, picked as the
// dashboard does (alias = upstream = the name), makes a valid provider;
// the Anthropic preset offers the pattern claude-* → claude-*, so Claude
// model names it has never heard of route; OpenRouter keeps its list.
func TestPresetModelsAreValidMappings(t *testing.T) {
	s, _ := newRecordingService(t)
	ctx := context.Background()
	for _, pr := range s.Presets() {
		in := model.ProviderInput{Key: ptr("p-" + pr.ID), Type: ptr(pr.Type), BaseURL: ptr(pr.BaseURL), Models: &[]model.ModelMapping{}}
		for _, name := range pr.Models {
			*in.Models = append(*in.Models, model.ModelMapping{Alias: name, Upstream: name})
		}
		if _, err := s.CreateProvider(ctx, in); err != nil {
			t.Errorf("preset %s as picked: %v", pr.ID, err)
		}
	}
	byID := map[string]model.Preset{}
	for _, pr := range s.Presets() {
		byID[pr.ID] = pr
	}
	if !slices.Contains(byID["anthropic"].Models, "claude-*") {
		t.Errorf("anthropic preset models %v lack the pattern claude-*", byID["anthropic"].Models)
	}
	if want := []string{"openai/gpt-4o", "anthropic/claude-sonnet-4.5", "google/gemini-2.5-flash", "meta-llama/llama-3.3-70b-instruct"}; !slices.Equal(byID["openrouter"].Models, want) {
		t.Errorf("openrouter preset models %v, want %v", byID["openrouter"].Models, want)
	}
}
