package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/storage"
)

// call sends a JSON request and returns the status and body.
func call(t *testing.T, method, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCrashSafety kills the server with SIGKILL in the middle of a burst
// of concurrent provider writes. After a restart the database passes
// PRAGMA integrity_check and every write that was answered 2xx is there.
func TestCrashSafety(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dataDir)

	const writers = 8
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
		stop  atomic.Bool
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Bounded: at most 500 writes per writer, and only until the kill.
			for i := 0; i < 500 && !stop.Load(); i++ {
				key := fmt.Sprintf("w%d-%d", w, i)
				body := fmt.Sprintf(`{"key":%q,"type":"openai","base_url":"http://127.0.0.1:9/v1","api_key":"sk-%s","models":[{"alias":"m-%s","upstream":"u"}]}`, key, key, key)
				resp, err := client.Post(p.base+"/admin/v1/providers", "application/json", strings.NewReader(body))
				if err != nil {
					return // the server is gone
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, key)
					mu.Unlock()
				}
			}
		}()
	}
	// Let the burst run, then pull the plug mid-flight.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}

	ctx := context.Background()
	st, err := storage.Open(ctx, dataDir)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	if err := st.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	p2 := startServe(t, dataDir)
	code, body := call(t, "GET", p2.base+"/admin/v1/providers", "", nil)
	if code != 200 {
		t.Fatalf("list after restart: %d %s", code, body)
	}
	var got struct{ Data []model.Provider }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, pr := range got.Data {
		have[pr.Key] = true
	}
	for _, k := range acked {
		if !have[k] {
			t.Errorf("provider %s was acknowledged (201) but is gone after the crash", k)
		}
	}
	t.Logf("%d writes acknowledged before SIGKILL, %d providers after restart", len(acked), len(got.Data))
}

// TestSecretsNeverLogged runs a session that exercises keys in every way a
// user would — providers with keys, local access keys, an admin token,
// proxied successes, upstream errors, connect failures, a stream — and then
// greps everything the server said (its log, admin reads, exports without
// keys) for the secrets.
func TestSecretsNeverLogged(t *testing.T) {
	const (
		openaiKey    = "sk-live-openai-9f8e7d6c5b4a39281706"
		anthropicKey = "sk-ant-live-1a2b3c4d5e6f7a8b9c0d"
		proxyKey     = "local-proxy-key-77aa88bb99cc"
		adminToken   = "admin-token-3141592653589793"
		orgHeader    = "org-secret-header-value-2718"
	)
	var seen sync.Map // what the fake upstream received
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Authorization")+r.Header.Get("X-Api-Key"), true)
		var body struct {
			Model  string `json:"model"`
			Stream bool   `json:"stream"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		switch {
		case body.Model == "fail":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			_, _ = io.WriteString(w, `{"error":{"message":"upstream broke","type":"server_error"}}`)
		case body.Stream:
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n")
		case strings.HasSuffix(r.URL.Path, "/messages"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":3,"output_tokens":1}}`)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"c1","object":"chat.completion","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}`)
		}
	}))
	defer upstream.Close()

	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dataDir, "--admin-token", adminToken)
	admin := map[string]string{"Authorization": "Bearer " + adminToken}
	var said bytes.Buffer // every response body the server sent
	do := func(method, path, body string, h map[string]string, want int) {
		t.Helper()
		code, resp := call(t, method, p.base+path, body, h)
		said.WriteString(resp)
		if code != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, code, want, resp)
		}
	}

	do("POST", "/admin/v1/providers", fmt.Sprintf(`{"key":"oa","type":"openai","base_url":%q,"api_key":%q,"headers":{"OpenAI-Organization":%q},"models":[{"alias":"gpt","upstream":"gpt-4o"},{"alias":"fail","upstream":"fail"}]}`,
		upstream.URL+"/v1", openaiKey, orgHeader), admin, 201)
	do("POST", "/admin/v1/providers", fmt.Sprintf(`{"key":"an","type":"anthropic","base_url":%q,"api_key":%q,"models":[{"alias":"claude","upstream":"claude-x"}]}`,
		upstream.URL, anthropicKey), admin, 201)
	do("POST", "/admin/v1/providers", fmt.Sprintf(`{"key":"dead","type":"openai","base_url":"http://127.0.0.1:9/v1","api_key":%q,"models":[{"alias":"dead","upstream":"x"}]}`,
		openaiKey), admin, 201)
	do("PUT", "/admin/v1/settings", fmt.Sprintf(`{"proxy_keys":[%q]}`, proxyKey), admin, 200)
	// A bad write that echoes nothing secret back.
	do("PATCH", "/admin/v1/providers/1", `{"api_key":"has space"}`, admin, 400)

	bearer := map[string]string{"Authorization": "Bearer " + proxyKey}
	do("POST", "/v1/chat/completions", `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`, bearer, 200)
	do("POST", "/v1/chat/completions", `{"model":"gpt","stream":true,"messages":[]}`, bearer, 200)
	do("POST", "/v1/chat/completions", `{"model":"fail","messages":[]}`, bearer, 500)
	do("POST", "/v1/chat/completions", `{"model":"dead","messages":[]}`, bearer, 502)
	do("POST", "/v1/chat/completions", `{"model":"gpt","messages":[]}`, map[string]string{"Authorization": "Bearer wrong-" + proxyKey}, 401)
	do("POST", "/v1/messages", `{"model":"claude","max_tokens":1,"messages":[]}`, map[string]string{"x-api-key": proxyKey}, 200)
	do("GET", "/admin/v1/providers", "", admin, 200)
	do("GET", "/admin/v1/providers/1", "", admin, 200)
	do("GET", "/admin/v1/settings", "", admin, 200)
	do("GET", "/admin/v1/export", "", admin, 200)
	do("GET", "/admin/v1/status", "", map[string]string{"Authorization": "Bearer nope"}, 401)

	// The upstream did get the real keys: the proxy works, it just never tells.
	for _, want := range []string{"Bearer " + openaiKey, anthropicKey} {
		if _, ok := seen.Load(want); !ok {
			t.Errorf("upstream never received %q", want)
		}
	}
	p.stop(t)

	// Custom header values are shown to the admin API (API.md's Provider
	// example) but must never reach the log.
	for name, c := range map[string]struct {
		text    string
		secrets []string
	}{
		"server log": {p.stderr.String(), []string{openaiKey, anthropicKey, proxyKey, adminToken, orgHeader}},
		"responses":  {said.String(), []string{openaiKey, anthropicKey, proxyKey, adminToken}},
	} {
		for _, secret := range c.secrets {
			if strings.Contains(c.text, secret) {
				t.Errorf("%s contains the secret %q", name, secret)
			}
		}
	}
	if !strings.Contains(p.stderr.String(), "upstream request failed") {
		t.Errorf("the 502 was not logged at all, so the grep proves little:\n%s", p.stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dataDir, "sluicegate.db")); err != nil {
		t.Fatal(err)
	}
}
