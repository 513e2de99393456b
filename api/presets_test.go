package api

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestPresetsCarryTypicalModels: every preset has a models list (never
// null), hosted APIs name at least one typical model to pick an alias from,
// and local servers none (their models depend on what is installed).
func TestPresetsCarryTypicalModels(t *testing.T) {
	s := newStack(t)
	var out struct {
		Data []struct {
			ID     string           `json:"id"`
			Local  bool             `json:"local"`
			Models *json.RawMessage `json:"models"`
		} `json:"data"`
	}
	s.must(http.StatusOK, "GET", "/admin/v1/presets", nil, &out)
	if len(out.Data) == 0 {
		t.Fatal("no presets")
	}
	for _, p := range out.Data {
		if p.Models == nil || string(*p.Models) == "null" {
			t.Errorf("preset %s: models missing or null", p.ID)
			continue
		}
		var models []string
		if err := json.Unmarshal(*p.Models, &models); err != nil {
			t.Errorf("preset %s: models %s: %v", p.ID, *p.Models, err)
			continue
		}
		if p.Local && len(models) != 0 {
			t.Errorf("local preset %s: models %v, want none", p.ID, models)
		}
		if !p.Local && len(models) == 0 {
			t.Errorf("hosted preset %s: no typical models", p.ID)
		}
		for _, m := range models {
			if m == "" {
				t.Errorf("preset %s: empty model name", p.ID)
			}
		}
	}
}
