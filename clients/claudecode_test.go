//go:build clients

package clients

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicegate/sluicegate/internal/desktoptest"
)

// The answer the fake provider gives after the tool call; Claude Code must
// print it.
const finalText = "The translated answer is 42."

// fakeOpenAI is an OpenAI-compatible provider (Chat Completions, streaming
// or not) that answers a request with tools and no tool result yet with a
// call of Claude Code's Glob tool, and everything else with finalText.
type fakeOpenAI struct {
	mu     sync.Mutex
	calls  []string // "tool_call" or "text", per request with tools
	paths  []string
	models []string // the model of each chat request, as it arrived
}

type chatReq struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role string `json:"role"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	f.mu.Unlock()
	if r.URL.Path != "/v1/chat/completions" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"error":{"message":"unknown path","type":"invalid_request_error","param":null,"code":null}}`)
		return
	}
	var req chatReq
	if err := json.Unmarshal(b, &req); err != nil {
		w.WriteHeader(400)
		_, _ = fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error"}}`, err.Error())
		return
	}
	f.mu.Lock()
	f.models = append(f.models, req.Model)
	f.mu.Unlock()
	toolResult := false
	for _, m := range req.Messages {
		if m.Role == "tool" {
			toolResult = true
		}
	}
	tool := ""
	for _, t := range req.Tools {
		if t.Function.Name == "Glob" {
			tool = "Glob"
		}
	}
	if tool == "" && len(req.Tools) > 0 {
		tool = req.Tools[0].Function.Name
	}
	callTool := tool != "" && !toolResult
	if len(req.Tools) > 0 {
		f.mu.Lock()
		f.calls = append(f.calls, map[bool]string{true: "tool_call", false: "text"}[callTool])
		f.mu.Unlock()
	}
	args := `{"pattern":"*.md"}`
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		msg := fmt.Sprintf(`{"role":"assistant","content":%q}`, finalText)
		finish := "stop"
		if callTool {
			msg = fmt.Sprintf(`{"role":"assistant","content":null,"tool_calls":[{"id":"call_glob_1","type":"function","function":{"name":%q,"arguments":%q}}]}`, tool, args)
			finish = "tool_calls"
		}
		_, _ = fmt.Fprintf(w, `{"id":"chatcmpl-cc","object":"chat.completion","created":1,"model":%q,"choices":[{"index":0,"message":%s,"finish_reason":%q}],"usage":{"prompt_tokens":100,"completion_tokens":10,"total_tokens":110}}`, req.Model, msg, finish)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	send := func(delta, finish string) {
		fin := "null"
		if finish != "" {
			fin = `"` + finish + `"`
		}
		_, _ = fmt.Fprintf(w, "data: {\"id\":\"chatcmpl-cc\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":%q,\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":%s}]}\n\n", req.Model, delta, fin)
		w.(http.Flusher).Flush()
	}
	if callTool {
		send(fmt.Sprintf(`{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_glob_1","type":"function","function":{"name":%q,"arguments":""}}]}`, tool), "")
		send(fmt.Sprintf(`{"tool_calls":[{"index":0,"function":{"arguments":%q}}]}`, args[:8]), "")
		send(fmt.Sprintf(`{"tool_calls":[{"index":0,"function":{"arguments":%q}}]}`, args[8:]), "")
		send(`{}`, "tool_calls")
	} else {
		send(`{"role":"assistant","content":""}`, "")
		for _, piece := range strings.SplitAfter(finalText, " ") {
			send(fmt.Sprintf(`{"content":%q}`, piece), "")
		}
		send(`{}`, "stop")
	}
	_, _ = io.WriteString(w, "data: {\"id\":\"chatcmpl-cc\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":10,\"total_tokens\":110}}\n\ndata: [DONE]\n\n")
}

// repoRoot is the module root (this package's parent folder).
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// serve starts `$SLUICEGATE_BIN serve` with a temporary data folder and
// returns its base URL once /healthz answers.
func serve(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("SLUICEGATE_BIN")
	if bin == "" {
		t.Fatal("SLUICEGATE_BIN is not set: build the binary (make build) and point SLUICEGATE_BIN at it")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("SLUICEGATE_BIN: %v", err)
	}
	addr := desktoptest.FreeAddr(t)
	var stderr bytes.Buffer
	var mu sync.Mutex
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", filepath.Join(t.TempDir(), "data"))
	cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=")
	cmd.Stderr = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return stderr.Write(p) })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return base
		}
		select {
		case <-done:
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("serve exited: %s", stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not answer /healthz within 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestClaudeCodeOverOpenAIProvider is issue 12's acceptance: Claude Code
// itself (the pinned npm package), run non-interactively against a real
// `sluicegate serve` whose only provider is a fake OpenAI-compatible
// server, completes a turn with a tool call and prints the final text.
func TestClaudeCodeOverOpenAIProvider(t *testing.T) {
	claude := filepath.Join(repoRoot(t), "e2e", "node_modules", ".bin", "claude")
	if _, err := os.Stat(claude); err != nil {
		t.Fatalf("Claude Code is not installed (%v): run `cd e2e && npm ci`", err)
	}
	fake := &fakeOpenAI{}
	up := httptest.NewServer(fake)
	defer up.Close()

	base := serve(t)
	provider := fmt.Sprintf(`{"key":"fake","type":"openai","base_url":%q,"models":[{"alias":"fake-sonnet","upstream":"fake-model"}]}`, up.URL+"/v1")
	resp, err := http.Post(base+"/admin/v1/providers", "application/json", strings.NewReader(provider))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(b), `"translate":true`) {
		t.Fatalf("create provider: %d %s", resp.StatusCode, b)
	}

	env := []string{
		"ANTHROPIC_MODEL=fake-sonnet",
		"ANTHROPIC_DEFAULT_HAIKU_MODEL=fake-sonnet",
		"ANTHROPIC_DEFAULT_SONNET_MODEL=fake-sonnet",
		"ANTHROPIC_DEFAULT_OPUS_MODEL=fake-sonnet",
		"ANTHROPIC_SMALL_FAST_MODEL=fake-sonnet",
	}
	calls := runClaude(t, claude, base, fake, env, "--model", "fake-sonnet")
	// The turn went through the tool call: one answer with it, then the
	// final text once Claude Code sent the tool's result back.
	i := strings.Index(strings.Join(calls, ","), "tool_call,text")
	if i < 0 {
		t.Errorf("provider answers %v: want a tool call followed by the text", calls)
	}
}

// createProvider adds one provider through the admin API.
func createProvider(t *testing.T, base, body string) {
	t.Helper()
	resp, err := http.Post(base+"/admin/v1/providers", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create provider: %d %s", resp.StatusCode, b)
	}
}

// runClaude runs `claude -p` in a fresh home and work folder against the
// Sluicegate at base, with env added to the minimal environment and args
// after the prompt; it fails the test unless Claude Code prints finalText,
// and returns the fake's answers per request with tools.
func runClaude(t *testing.T, claude, base string, fake *fakeOpenAI, extraEnv []string, args ...string) []string {
	t.Helper()
	home := t.TempDir()
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "NOTES.md"), []byte("# notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, claude, append([]string{"-p", "List the markdown files here, then tell me the answer."}, args...)...)
	cmd.Dir = work
	cmd.Env = append([]string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"ANTHROPIC_BASE_URL=" + base,
		"ANTHROPIC_API_KEY=dummy",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_TELEMETRY=1",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_ERROR_REPORTING=1",
		"NO_PROXY=127.0.0.1,localhost",
		"TERM=dumb",
	}, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	fake.mu.Lock()
	calls, paths := append([]string(nil), fake.calls...), append([]string(nil), fake.paths...)
	fake.mu.Unlock()
	if err != nil {
		t.Fatalf("claude -p: %v\nstdout: %s\nstderr: %s\nprovider calls: %v %v", err, stdout.String(), stderr.String(), calls, paths)
	}
	if !strings.Contains(stdout.String(), finalText) {
		t.Fatalf("claude printed %q, want %q\nstderr: %s\nprovider calls: %v", stdout.String(), finalText, stderr.String(), calls)
	}
	return calls
}

// TestClaudeCodeModelNamesCaughtByPattern is issue 13's client check:
// the provider maps only the pattern claude-* (to the fake's model), and
// Claude Code, left to send its own current model names (no model
// settings at all), still completes its turn; the fake saw only the
// substituted upstream model, and the request log shows the names Claude
// Code sent.
func TestClaudeCodeModelNamesCaughtByPattern(t *testing.T) {
	claude := filepath.Join(repoRoot(t), "e2e", "node_modules", ".bin", "claude")
	if _, err := os.Stat(claude); err != nil {
		t.Fatalf("Claude Code is not installed (%v): run `cd e2e && npm ci`", err)
	}
	fake := &fakeOpenAI{}
	up := httptest.NewServer(fake)
	defer up.Close()

	base := serve(t)
	createProvider(t, base, fmt.Sprintf(`{"key":"fake","type":"openai","base_url":%q,"models":[{"alias":"claude-*","upstream":"fake-model"}]}`, up.URL+"/v1"))

	calls := runClaude(t, claude, base, fake, nil)
	if !strings.Contains(strings.Join(calls, ","), "tool_call,text") {
		t.Errorf("provider answers %v: want a tool call followed by the text", calls)
	}
	fake.mu.Lock()
	models := append([]string(nil), fake.models...)
	fake.mu.Unlock()
	if len(models) == 0 {
		t.Fatal("the fake saw no chat request")
	}
	for _, m := range models {
		if m != "fake-model" {
			t.Errorf("the fake was asked for %q, want the substituted upstream fake-model (all: %v)", m, models)
		}
	}
	// What Claude Code asked for: its own names, each caught by claude-*.
	// The request log is written in batches: poll until the rows of the
	// fake's requests are there.
	type logRow struct {
		Model         string `json:"model"`
		UpstreamModel string `json:"upstream_model"`
	}
	var logs struct{ Data []logRow }
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/admin/v1/logs?provider=fake")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&logs)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(logs.Data) >= len(models) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the request log has %d rows for provider fake, want at least %d", len(logs.Data), len(models))
		}
		time.Sleep(100 * time.Millisecond)
	}
	sent := map[string]bool{}
	for _, e := range logs.Data {
		sent[e.Model] = true
		if !strings.HasPrefix(e.Model, "claude-") || e.UpstreamModel != "fake-model" {
			t.Errorf("log row: model %q upstream %q, want a claude-… name sent as fake-model", e.Model, e.UpstreamModel)
		}
	}
	t.Logf("Claude Code's model names, caught by claude-*: %v", sent)
}
