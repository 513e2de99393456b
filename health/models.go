package health

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
)

// MaxModelListBody bounds the model list read from an upstream; the
// largest public lists (OpenRouter's) are well under it.
const MaxModelListBody = 4 << 20

// anthropicPageSize is the largest page Anthropic's /v1/models serves;
// one page then holds every model it has.
const anthropicPageSize = 1000

// ListModels asks p's upstream for its own model list (openai: GET
// base_url/models; anthropic: GET base_url/v1/models) through up, with
// p's credentials, headers and timeouts. Failures are results, as in a
// probe: an error status or a transport failure fills Reachable,
// StatusCode and Error. Messages are not redacted; the caller does that.
func ListModels(ctx context.Context, up Upstream, p *model.Provider) model.DiscoverResult {
	// The transport bounds the connect and the response header; this bounds
	// reading the body as well.
	timeout := p.ConnectTimeout() + p.ResponseHeaderTimeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := model.DiscoverResult{Models: []model.DiscoveredModel{}}
	path := "/v1/models"
	if p.Type == model.TypeAnthropic {
		path = fmt.Sprintf("/v1/models?limit=%d", anthropicPageSize)
	}
	start := time.Now()
	resp, err := up.Do(ctx, p, http.MethodGet, path, nil)
	out.LatencyMs = since(start)
	if err != nil {
		_, errType := proxy.Classify(ctx, err)
		out.Error = &model.CheckError{Type: checkErrType(errType), Message: describe(ctx, err, p, timeout)}
		return out
	}
	defer resp.Body.Close()
	out.Reachable = true
	status := resp.StatusCode
	out.StatusCode = &status
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxModelListBody+1))
	if err != nil {
		_, errType := proxy.Classify(ctx, err)
		out.Error = &model.CheckError{Type: checkErrType(errType), Message: fmt.Sprintf("reading the model list from %s: %s", hostOf(p.BaseURL), describe(ctx, err, p, timeout))}
		return out
	}
	if status < 200 || status > 299 {
		out.Error = &model.CheckError{Type: model.CheckErrUpstream, Message: errorMessage(status, body)}
		return out
	}
	if len(body) > MaxModelListBody {
		out.Error = &model.CheckError{Type: model.CheckErrInvalidResponse,
			Message: fmt.Sprintf("the model list from %s is larger than %d MiB; it was not read", hostOf(p.BaseURL), MaxModelListBody>>20)}
		return out
	}
	ms, err := parseModelList(body)
	if err != nil {
		out.Error = &model.CheckError{Type: model.CheckErrInvalidResponse,
			Message: fmt.Sprintf("%s answered %d but not with a model list ({\"data\":[{\"id\":…}]}): %v; is base_url the API's base?", hostOf(p.BaseURL), status, err)}
		return out
	}
	out.Models = ms
	return out
}

// parseModelList reads OpenAI's {"data":[{"id","owned_by","created"}]}
// and Anthropic's {"data":[{"id","created_at"}]}, sorted by id.
func parseModelList(body []byte) ([]model.DiscoveredModel, error) {
	var doc struct {
		Data *[]struct {
			ID        string          `json:"id"`
			OwnedBy   string          `json:"owned_by"`
			Created   json.RawMessage `json:"created"`
			CreatedAt string          `json:"created_at"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not JSON of that shape: %w", err)
	}
	if doc.Data == nil {
		return nil, fmt.Errorf("no \"data\" array")
	}
	out := make([]model.DiscoveredModel, 0, len(*doc.Data))
	for _, m := range *doc.Data {
		if m.ID == "" {
			continue
		}
		d := model.DiscoveredModel{ID: m.ID, OwnedBy: m.OwnedBy}
		// created is Unix seconds in OpenAI's list (some compatible
		// servers send a float or a string; those are left out).
		var n float64
		if json.Unmarshal(m.Created, &n) == nil && n > 0 {
			d.Created = int64(n)
		} else if t, err := time.Parse(time.RFC3339, m.CreatedAt); err == nil {
			d.Created = t.Unix()
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
