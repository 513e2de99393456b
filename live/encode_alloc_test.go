// The race detector allocates for its own bookkeeping, so allocation
// counts are only meaningful without it.

//go:build !race

package live

import (
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// TestEncodeAllocatesOnlyTheLine: encoding a request event allocates the
// line it returns and nothing else, whether the entry comes by value or
// by pointer (a copy of the entry moved to the heap cost an allocation of
// its size per event).
func TestEncodeAllocatesOnlyTheLine(t *testing.T) {
	e := typicalEntry()
	for _, tc := range []struct {
		name string
		data any
	}{
		{"entry", e},
		{"pointer", &e},
		{"started", model.RequestStarted{ID: e.ID, Method: e.Method, Path: e.Path, Model: e.Model, ProviderKey: e.ProviderKey}},
	} {
		var enc lineEncoder
		ev := model.Event{Type: model.EventRequestFinished, TS: time.Now(), Data: tc.data}
		if _, err := enc.encode(ev); err != nil { // warms the scratch buffer
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() {
			if _, err := enc.encode(ev); err != nil {
				t.Fatal(err)
			}
		}); n != 1 {
			t.Errorf("%s: %v allocations an event, want 1", tc.name, n)
		}
	}
}
