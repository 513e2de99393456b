package service

import (
	"context"

	"github.com/sluicegate/sluicegate/health"
	"github.com/sluicegate/sluicegate/model"
)

// DiscoverModels asks an upstream for its own model list, for the
// provider form's "Test connection" and "Fetch models": in.ID names a
// stored provider (its key, headers and timeouts are used, and the other
// fields of in override them), or in describes an unsaved one by type,
// base_url and optionally api_key and headers. The request travels the
// shared upstream client, like proxied traffic. An upstream error or an
// unreachable upstream is a result, not an error; its message never
// carries a secret.
func (s *Service) DiscoverModels(ctx context.Context, in model.DiscoverInput) (model.DiscoverResult, error) {
	p := newProvider()
	if in.ID != nil {
		st, err := s.storage()
		if err != nil {
			return model.DiscoverResult{}, err
		}
		if p, err = st.GetProvider(ctx, *in.ID); err != nil {
			return model.DiscoverResult{}, err
		}
	} else {
		for _, f := range []struct {
			name    string
			present bool
		}{{"type", in.Type != nil}, {"base_url", in.BaseURL != nil}} {
			if !f.present {
				return model.DiscoverResult{}, model.Invalid(f.name, "is required without id (send the id of a stored provider, or its type and base_url)")
			}
		}
	}
	// The same rules as a saved provider's fields, so what the form tests
	// is what it can save; a masked key or header value sent back keeps
	// the stored secret.
	applyInput(&p, model.ProviderInput{Type: in.Type, BaseURL: in.BaseURL, APIKey: in.APIKey, Headers: in.Headers}, p.Headers)
	if p.Type != model.TypeOpenAI && p.Type != model.TypeAnthropic {
		return model.DiscoverResult{}, model.Invalid("type", "must be \"openai\" or \"anthropic\", got %q", p.Type)
	}
	if err := validateBaseURL(p.BaseURL, p.Type); err != nil {
		return model.DiscoverResult{}, err
	}
	if err := validateSecret("api_key", p.APIKey); err != nil {
		return model.DiscoverResult{}, err
	}
	if err := validateHeaders(p.Headers); err != nil {
		return model.DiscoverResult{}, err
	}
	res := health.ListModels(ctx, s.upstream, &p)
	if res.Error != nil {
		// An upstream may echo the credential it got in its error text.
		res.Error.Message = s.redactorWith(&p).Redact(res.Error.Message)
	}
	return res, nil
}
