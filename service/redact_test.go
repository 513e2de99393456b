package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluicegate/sluicegate/model"
)

// TestCheckResultsAreRedacted: an upstream that echoes the credentials it
// got (and other secrets) in its error text has them replaced before the
// result is returned, published and stored.
func TestCheckResultsAreRedacted(t *testing.T) {
	const (
		apiKey     = "sk-live-secret-0123456789"
		heliconeV  = "hel-secret-token-4242"
		adminToken = "admin-token-abcdef"
		proxyKey   = "pk-local-secret-7777"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		msg := fmt.Sprintf("Incorrect API key provided: %s (helicone %s; also %s and %s)",
			r.Header.Get("Authorization"), r.Header.Get("Helicone-Auth"), adminToken, proxyKey)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": msg}})
	}))
	t.Cleanup(srv.Close)
	rec := &recorder{}
	s := startService(t, t.TempDir(), Config{Events: rec, AdminToken: adminToken, NoScheduler: true})
	ctx := context.Background()
	if _, err := s.UpdateSettings(ctx, model.SettingsInput{ProxyKeys: &[]string{proxyKey}}); err != nil {
		t.Fatal(err)
	}
	in := input("echo")
	in.BaseURL = ptr(srv.URL + "/v1")
	in.APIKey = ptr(apiKey)
	in.Headers = &map[string]string{"Helicone-Auth": "Bearer " + heliconeV}
	p, err := s.CreateProvider(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.CheckProvider(ctx, p.ID, model.CheckOptions{}, model.TriggerAPI)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := s.HealthHistory(ctx, p.ID, 1, "")
	if err != nil || len(hist) != 1 {
		t.Fatalf("history %v %v", hist, err)
	}
	var texts []string
	for what, v := range map[string]any{
		"answer": res, "history": hist, "health.model": rec.ofType(model.EventHealthModel),
		"health.finished": rec.ofType(model.EventHealthFinished),
	} {
		b, _ := json.Marshal(v)
		texts = append(texts, what+": "+string(b))
	}
	if res.Models[0].Error == nil || !strings.Contains(res.Models[0].Error.Message, model.Redacted) {
		t.Errorf("error message not redacted: %+v", res.Models[0].Error)
	}
	for _, text := range texts {
		for _, secret := range []string{apiKey, heliconeV, adminToken, proxyKey} {
			if strings.Contains(text, secret) {
				t.Errorf("secret %q leaked in %s", secret, text)
			}
		}
	}
	if got := s.Redact("key " + apiKey + " token " + adminToken); got != "key [REDACTED] token [REDACTED]" {
		t.Errorf("Redact = %q", got)
	}
	// A changed key is redacted from the next write on; the old one no
	// longer is (it is no longer a secret of this installation).
	if _, err := s.PatchProvider(ctx, p.ID, model.ProviderInput{APIKey: ptr("sk-new-key-99999")}); err != nil {
		t.Fatal(err)
	}
	if got := s.Redact("sk-new-key-99999"); got != model.Redacted {
		t.Errorf("new key not redacted: %q", got)
	}
}
