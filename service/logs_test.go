package service

import (
	"context"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// TestGetLogRightAfterFinish: the entry of a request that has just
// finished is found at once, even while it still waits in the batch
// writer's queue (the dashboard opens it as soon as the live row appears).
func TestGetLogRightAfterFinish(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	for i, id := range []string{"just-finished-1", "just-finished-2", "just-finished-3"} {
		s.Publish(model.Event{Type: model.EventRequestFinished, TS: time.Now(), Data: model.LogEntry{
			ID: id, StartedAt: time.Now(), Method: "POST", Path: "/v1/chat/completions", Model: "m", Status: 200 + i,
		}})
		d, err := s.GetLog(ctx, id)
		if err != nil {
			t.Fatalf("GetLog(%s) right after it finished: %v", id, err)
		}
		if d.Status != 200+i {
			t.Errorf("%s: status %d, want %d", id, d.Status, 200+i)
		}
	}
	if _, err := s.GetLog(ctx, "never-was"); err == nil {
		t.Error("an unknown id was found")
	}
}
