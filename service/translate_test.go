package service

import (
	"context"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// TestTranslateSetting: translate defaults to true on create, replace and
// import when absent; PATCH changes it and an empty PATCH keeps it; the
// export carries it.
func TestTranslateSetting(t *testing.T) {
	ctx := context.Background()
	s, _ := newRecordingService(t)
	p, err := s.CreateProvider(ctx, input("tr"))
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string, want bool) {
		t.Helper()
		got, err := s.GetProvider(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Translate != want {
			t.Errorf("%s: translate = %v, want %v", step, got.Translate, want)
		}
		if st := stored(t, s, p.ID); st.Translate != want {
			t.Errorf("%s: stored translate = %v, want %v", step, st.Translate, want)
		}
	}
	check("create without translate", true)

	if _, err := s.PatchProvider(ctx, p.ID, model.ProviderInput{Translate: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	check("patch false", false)
	if _, err := s.PatchProvider(ctx, p.ID, model.ProviderInput{Name: ptr("renamed")}); err != nil {
		t.Fatal(err)
	}
	check("patch without translate", false)

	exp, err := s.Export(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.Providers) != 1 || exp.Providers[0].Translate {
		t.Errorf("export: %+v, want one provider with translate false", exp.Providers)
	}

	if _, err := s.ReplaceProvider(ctx, p.ID, input("tr")); err != nil {
		t.Fatal(err)
	}
	check("put without translate", true)

	in := input("tr")
	in.Translate = ptr(false)
	if _, err := s.ReplaceProvider(ctx, p.ID, in); err != nil {
		t.Fatal(err)
	}
	check("put false", false)

	if _, err := s.Import(ctx, model.ConfigInput{Version: ptr(model.ConfigVersion), Providers: []model.ProviderInput{input("tr")}}); err != nil {
		t.Fatal(err)
	}
	ps, err := s.ListProviders(ctx)
	if err != nil || len(ps) != 1 || !ps[0].Translate {
		t.Errorf("import without translate: %+v %v, want translate true", ps, err)
	}
}
