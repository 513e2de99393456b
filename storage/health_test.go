package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

func TestSaveCheckTrimsByRetention(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	p := model.Provider{Key: "p", Type: model.TypeOpenAI, BaseURL: "http://x/v1", Enabled: true}
	if err := s.CreateProvider(ctx, &p); err != nil {
		t.Fatal(err)
	}
	check := func(id string, at time.Time) model.CheckResult {
		return model.CheckResult{CheckID: id, ProviderID: p.ID, Status: model.HealthHealthy, CheckedAt: at,
			Models: []model.ModelResult{{Model: "m", Status: model.HealthHealthy, ResponseTimeMs: 5}}}
	}
	now := time.Now().UTC()
	if err := s.SaveCheck(ctx, check("hc_1", now.Add(-40*24*time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCheck(ctx, check("hc_2", now.Add(-2*time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCheck(ctx, check("hc_3", now), 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	hist, err := s.CheckHistory(ctx, p.ID, 10, "")
	if err != nil || len(hist) != 2 || hist[0].CheckID != "hc_3" || hist[1].CheckID != "hc_2" {
		t.Fatalf("history after trim: %+v %v", hist, err)
	}
	rows, err := s.ModelResults(ctx, p.ID, now.Add(-100*24*time.Hour))
	if err != nil || len(rows) != 2 {
		t.Errorf("model rows must go with their check: %d %v", len(rows), err)
	}
}

func TestSaveCheckForDeletedProvider(t *testing.T) {
	s := openTestStore(t)
	err := s.SaveCheck(context.Background(), model.CheckResult{CheckID: "hc_x", ProviderID: 404, CheckedAt: time.Now()}, 0)
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("err = %v, want model.ErrNotFound", err)
	}
}
