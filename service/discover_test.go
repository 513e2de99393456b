package service

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/health"
	"github.com/sluicegate/sluicegate/model"
)

// TestDiscoverModels: the upstream's list comes back sorted; a stored
// provider's masked key sent back keeps the stored one while base_url is
// overridden; a list that is not JSON or too big is an invalid_response.
func TestDiscoverModels(t *testing.T) {
	const key = "sk-stored-key-5678"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"message":"bad key"}}`))
			return
		}
		switch r.URL.Path {
		case "/good/models":
			_, _ = w.Write([]byte(`{"data":[{"id":"b"},{"id":"a","owned_by":"me","created":5}]}`))
		case "/html/models":
			_, _ = w.Write([]byte(`<html>welcome</html>`))
		case "/huge/models":
			_, _ = w.Write([]byte(`{"data":[{"id":"` + strings.Repeat("x", health.MaxModelListBody) + `"}]}`))
		}
	}))
	t.Cleanup(srv.Close)
	s := startService(t, t.TempDir(), Config{NoScheduler: true})
	ctx := context.Background()
	typ := model.TypeOpenAI
	p, err := s.CreateProvider(ctx, model.ProviderInput{Key: ptr("st"), Type: &typ, BaseURL: ptr(srv.URL + "/html"), APIKey: ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		base    string
		errType string
		models  int
	}{
		{"good", "/good", "", 2},
		{"not json", "/html", model.CheckErrInvalidResponse, 0},
		{"too big", "/huge", model.CheckErrInvalidResponse, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.DiscoverModels(ctx, model.DiscoverInput{ID: &p.ID, BaseURL: ptr(srv.URL + tc.base), APIKey: ptr(p.APIKey)})
			if err != nil || !res.Reachable || *res.StatusCode != 200 || len(res.Models) != tc.models {
				t.Fatalf("%+v %v", res, err)
			}
			if tc.errType == "" && (res.Error != nil || res.Models[0] != (model.DiscoveredModel{ID: "a", OwnedBy: "me", Created: 5})) {
				t.Errorf("result %+v", res)
			}
			if tc.errType != "" && (res.Error == nil || res.Error.Type != tc.errType) {
				t.Errorf("error %+v, want %s", res.Error, tc.errType)
			}
		})
	}
	var ve *model.ValidationError
	if _, err := s.DiscoverModels(ctx, model.DiscoverInput{Type: &typ}); !errors.As(err, &ve) || ve.Field != "base_url" {
		t.Errorf("no base_url: %v", err)
	}
}

func TestValidateBaseURLEndpoints(t *testing.T) {
	for _, tc := range []struct {
		typ       model.ProviderType
		raw, want string
	}{
		{model.TypeOpenAI, "https://h/v1", ""},
		{model.TypeOpenAI, "https://h/v1/chat/completions", `use "https://h/v1"`},
		{model.TypeOpenAI, "https://h/openai/v1/embeddings/", `use "https://h/openai/v1"`},
		{model.TypeOpenAI, "https://h/v1/completions", `use "https://h/v1"`},
		{model.TypeAnthropic, "https://h", ""},
		{model.TypeAnthropic, "https://h/v1/messages", `use "https://h"`},
		{model.TypeAnthropic, "https://h/proxy/v1/messages/", `use "https://h/proxy"`},
	} {
		err := validateBaseURL(tc.raw, tc.typ)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s %s: %v, want %q", tc.typ, tc.raw, err, tc.want)
		}
	}
}
