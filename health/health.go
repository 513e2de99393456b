// Package health probes models: one minimal real call per model through
// the proxy's own upstream path, many at once with a concurrency bound.
// It persists nothing; the service stores and publishes the results.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
)

// Upstream sends a request to a provider exactly as proxied traffic goes
// (proxy.Upstream implements it).
type Upstream interface {
	Do(ctx context.Context, p *model.Provider, method, path string, body []byte) (*http.Response, error)
}

var _ Upstream = (*proxy.Upstream)(nil)

// Target is one model to probe.
type Target struct {
	// Model is the name the user knows (the alias, or the raw name asked for).
	Model string
	// Upstream is the provider's own model name.
	Upstream string
}

// Options bound a run.
type Options struct {
	// MaxConcurrent is the most probes in flight; < 1 means 1.
	MaxConcurrent int
	// Timeout bounds each probe, including reading its answer.
	Timeout time.Duration
	// Shared, when set, is a bound shared with other runs (a check of
	// several providers at once): each probe holds one unit of it while it
	// is in flight, on top of MaxConcurrent. The wait for it is not part
	// of the probe's timeout or response time.
	Shared *semaphore.Weighted
}

// maxErrorBody bounds how much of an error body is read for its message.
const maxErrorBody = 64 << 10

// Run probes every target of p, at most opts.MaxConcurrent at a time, and
// returns the results in target order. onResult (may be nil) is called as
// each probe finishes, from the probe's goroutine. One probe's failure or
// panic never stops the others: failures are results, not errors.
func Run(ctx context.Context, up Upstream, p *model.Provider, targets []Target, opts Options, onResult func(model.ModelResult)) []model.ModelResult {
	results := make([]model.ModelResult, len(targets))
	// A plain Group, not WithContext: a failed model must not cancel its
	// siblings.
	var g errgroup.Group
	g.SetLimit(max(1, opts.MaxConcurrent))
	for i, t := range targets {
		g.Go(func() error {
			if opts.Shared != nil {
				if err := opts.Shared.Acquire(ctx, 1); err != nil {
					// Stopped while waiting for its turn: never sent.
					results[i] = unhealthy(t, time.Now(), nil, model.CheckErrCanceled, "the check was stopped before this model's probe started")
					if onResult != nil {
						onResult(results[i])
					}
					return nil
				}
				defer opts.Shared.Release(1)
			}
			results[i] = safeProbe(ctx, up, p, t, opts.Timeout)
			if onResult != nil {
				onResult(results[i])
			}
			return nil
		})
	}
	_ = g.Wait()
	return results
}

// safeProbe turns a panic in a probe into that model's error.
func safeProbe(ctx context.Context, up Upstream, p *model.Provider, t Target, timeout time.Duration) (res model.ModelResult) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			res = unhealthy(t, start, nil, model.CheckErrInternal, fmt.Sprintf("the probe crashed: %v", r))
		}
	}()
	return Probe(ctx, up, p, t, timeout)
}

// Probe makes one minimal real call for t: a chat completion (openai) or
// a message (anthropic) with one short user message and one output token.
// When the provider rejects the probe's own parameters, it adapts and
// retries (at most twice) and says so in the result's Note.
func Probe(ctx context.Context, up Upstream, p *model.Provider, t Target, timeout time.Duration) model.ModelResult {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()

	req := probeRequest{anthropic: p.Type == model.TypeAnthropic, model: t.Upstream, tokens: 1}
	var notes []string
	for attempt := 0; ; attempt++ {
		status, msg, err := send(ctx, up, p, req)
		switch {
		case err != nil:
			_, errType := proxy.Classify(ctx, err)
			return unhealthy(t, start, nil, checkErrType(errType), describe(ctx, err, p, timeout))
		case status >= 200 && status < 300:
			return model.ModelResult{Model: t.Model, UpstreamModel: t.Upstream, Status: model.HealthHealthy,
				ResponseTimeMs: since(start), StatusCode: &status, Note: strings.Join(notes, "; ")}
		}
		if attempt < 2 {
			if next, note, ok := req.adapt(status, msg); ok {
				req, notes = next, append(notes, note)
				continue
			}
		}
		res := unhealthy(t, start, &status, model.CheckErrUpstream, msg)
		res.Note = strings.Join(notes, "; ")
		return res
	}
}

func unhealthy(t Target, start time.Time, status *int, typ, msg string) model.ModelResult {
	return model.ModelResult{Model: t.Model, UpstreamModel: t.Upstream, Status: model.HealthUnhealthy,
		ResponseTimeMs: since(start), StatusCode: status, Error: &model.CheckError{Type: typ, Message: msg}}
}

func since(t time.Time) int64 { return time.Since(t).Milliseconds() }

// checkErrType maps the proxy's error type (proxy.Classify) to a probe
// error type, in one step.
func checkErrType(proxyErrType string) string {
	switch proxyErrType {
	case proxy.ErrTypeClientClosed:
		return model.CheckErrCanceled
	case proxy.ErrTypeTimeout, proxy.ErrTypeIdle:
		return model.CheckErrTimeout
	}
	return model.CheckErrConnect
}

// describe says what went wrong in words, naming the host, never a key.
func describe(ctx context.Context, err error, p *model.Provider, timeout time.Duration) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("no answer from %s within %s", hostOf(p.BaseURL), timeout)
	}
	return fmt.Sprintf("could not reach %s: %v", hostOf(p.BaseURL), err)
}

func hostOf(base string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}

// probeRequest is the probe's body; adapt changes it when the provider
// rejects a parameter.
type probeRequest struct {
	anthropic bool
	model     string
	// useCompletionTokens sends max_completion_tokens instead of max_tokens
	// (OpenAI reasoning models refuse max_tokens).
	useCompletionTokens bool
	tokens              int
}

func (r probeRequest) path() string {
	if r.anthropic {
		return "/v1/messages"
	}
	return "/v1/chat/completions"
}

func (r probeRequest) body() []byte {
	limit := "max_tokens"
	if r.useCompletionTokens {
		limit = "max_completion_tokens"
	}
	b, _ := json.Marshal(map[string]any{
		"model":    r.model,
		limit:      r.tokens,
		"messages": []map[string]string{{"role": "user", "content": "ping"}},
	})
	return b
}

// minTokensRe finds a minimum in messages such as "max_tokens must be at
// least 16", "minimum value for max_tokens is 16" or "max_tokens: must
// be >= 16".
var minTokensRe = regexp.MustCompile(`(?i)(?:at least|minimum(?: value)?(?: for \w+)?(?: is| of)?|>=|greater than or equal to)\s*(\d{1,4})`)

// adapt returns the request to try next when the provider refused the
// probe's own parameters (not the model).
func (r probeRequest) adapt(status int, msg string) (probeRequest, string, bool) {
	if status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
		return r, "", false
	}
	lower := strings.ToLower(msg)
	if !r.anthropic && !r.useCompletionTokens && strings.Contains(lower, "max_completion_tokens") {
		r.useCompletionTokens = true
		return r, "retried with max_completion_tokens instead of max_tokens (the model asked for it)", true
	}
	if strings.Contains(lower, "token") {
		if m := minTokensRe.FindStringSubmatch(msg); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n > r.tokens && n <= 1024 {
				r.tokens = n
				return r, fmt.Sprintf("retried with %d output tokens (the provider's minimum)", n), true
			}
		}
	}
	return r, "", false
}

// send makes one call and returns the status and, for a failure, the
// provider's own error message.
func send(ctx context.Context, up Upstream, p *model.Provider, r probeRequest) (int, string, error) {
	resp, err := up.Do(ctx, p, http.MethodPost, r.path(), r.body())
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Drain so the connection is reused; the probe only needs the status.
		_, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		if err != nil && ctx.Err() != nil {
			return 0, "", err
		}
		return resp.StatusCode, "", nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return resp.StatusCode, errorMessage(resp.StatusCode, body), nil
}

// errorMessage is the provider's own message when its body has one
// (OpenAI {"error":{"message"}}, Anthropic {"type":"error","error":{...}},
// or a top-level "message"/"error" string), else the start of the body.
func errorMessage(status int, body []byte) string {
	var doc struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  string          `json:"detail"`
	}
	if json.Unmarshal(body, &doc) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(doc.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(doc.Error, &s) == nil && s != "":
			return s
		case doc.Message != "":
			return doc.Message
		case doc.Detail != "":
			return doc.Detail
		}
	}
	text := strings.TrimSpace(string(body))
	if text == "" {
		return fmt.Sprintf("HTTP %d %s with an empty body", status, http.StatusText(status))
	}
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	return fmt.Sprintf("HTTP %d: %s", status, text)
}
