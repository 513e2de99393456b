package service

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func newTestService(t *testing.T) *Service {
	t.Helper()
	s := New(Config{Version: "1.2.3", DataDir: t.TempDir(), Addr: "127.0.0.1:9999"})
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func TestStatus(t *testing.T) {
	s := newTestService(t)
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "1.2.3" || st.OpenAIBaseURL != "http://127.0.0.1:9999/v1" ||
		st.AnthropicBaseURL != "http://127.0.0.1:9999" || st.Providers != 0 || st.StartedAt.IsZero() {
		t.Errorf("unexpected status %+v", st)
	}
}

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"127.0.0.1:8750", "http://127.0.0.1:8750"},
		{"localhost:1", "http://localhost:1"},
		{"[::1]:8750", "http://[::1]:8750"},
		{":8750", "http://127.0.0.1:8750"},
		{"0.0.0.0:8750", "http://127.0.0.1:8750"},
		{"[::]:8750", "http://127.0.0.1:8750"},
		{"192.168.1.5:80", "http://192.168.1.5:80"},
	} {
		if got := BaseURL(tc.addr); got != tc.want {
			t.Errorf("BaseURL(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	s := New(Config{DataDir: t.TempDir()})
	if _, err := s.Status(ctx); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Status before Start: %v, want ErrNotStarted", err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err == nil {
		t.Error("second Start: want error")
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Close(ctx) }()
	}
	wg.Wait()
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close after Close: %v", err)
	}
	if _, err := s.Status(ctx); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Status after Close: %v, want ErrNotStarted", err)
	}
}

// TestPresetsAreCopies: changing a returned preset's models does not
// change what the next caller gets.
func TestPresetsAreCopies(t *testing.T) {
	s := newTestService(t)
	first := s.Presets()
	if len(first) == 0 || len(first[0].Models) == 0 {
		t.Fatalf("first preset has no models: %+v", first)
	}
	want := first[0].Models[0]
	first[0].Models[0] = "changed"
	if got := s.Presets()[0].Models[0]; got != want {
		t.Errorf("Presets()[0].Models[0] = %q after a caller's change, want %q", got, want)
	}
}
