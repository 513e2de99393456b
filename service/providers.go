package service

import (
	"context"
	"fmt"

	"github.com/sluicegate/sluicegate/model"
)

// Provider change actions in provider.changed events.
const (
	actionCreated = "created"
	actionUpdated = "updated"
	actionDeleted = "deleted"
)

// ListProviders returns every provider with its API key masked.
func (s *Service) ListProviders(ctx context.Context) ([]model.Provider, error) {
	st, err := s.storage()
	if err != nil {
		return nil, err
	}
	ps, err := st.ListProviders(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		ps[i].APIKey = mask(ps[i].APIKey)
	}
	return ps, nil
}

// GetProvider returns one provider with its API key masked.
func (s *Service) GetProvider(ctx context.Context, id int64) (model.Provider, error) {
	st, err := s.storage()
	if err != nil {
		return model.Provider{}, err
	}
	p, err := st.GetProvider(ctx, id)
	p.APIKey = mask(p.APIKey)
	return p, err
}

// newProvider is a provider with the documented defaults.
func newProvider() model.Provider {
	return model.Provider{
		Enabled:                   true,
		Models:                    []model.ModelMapping{},
		Headers:                   map[string]string{},
		ConnectTimeoutSecs:        model.DefaultConnectTimeoutSecs,
		ResponseHeaderTimeoutSecs: model.DefaultResponseHeaderTimeoutSecs,
		StreamIdleTimeoutSecs:     model.DefaultStreamIdleTimeoutSecs,
	}
}

// applyInput copies the present fields of in onto p. The stored key is
// kept when api_key is absent or equals its own mask (a GET sent back).
func applyInput(p *model.Provider, in model.ProviderInput) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Key, in.Key)
	set(&p.Name, in.Name)
	set(&p.BaseURL, in.BaseURL)
	if in.Type != nil {
		p.Type = *in.Type
	}
	if in.APIKey != nil && (p.APIKey == "" || *in.APIKey != mask(p.APIKey)) {
		p.APIKey = *in.APIKey
	}
	if in.Enabled != nil {
		p.Enabled = *in.Enabled
	}
	if in.Models != nil {
		p.Models = *in.Models
	}
	if in.Headers != nil {
		p.Headers = *in.Headers
	}
	for _, f := range []struct {
		dst *int
		v   *int
	}{
		{&p.ConnectTimeoutSecs, in.ConnectTimeoutSecs},
		{&p.ResponseHeaderTimeoutSecs, in.ResponseHeaderTimeoutSecs},
		{&p.StreamIdleTimeoutSecs, in.StreamIdleTimeoutSecs},
		{&p.HealthCheckIntervalSecs, in.HealthCheckIntervalSecs},
	} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if p.Models == nil {
		p.Models = []model.ModelMapping{}
	}
	if p.Headers == nil {
		p.Headers = map[string]string{}
	}
	if p.Name == "" {
		p.Name = p.Key
	}
}

// requireFull checks the fields a whole provider (POST, PUT, import) must
// carry.
func requireFull(in model.ProviderInput, prefix string) error {
	for _, f := range []struct {
		name    string
		present bool
	}{{"key", in.Key != nil}, {"type", in.Type != nil}, {"base_url", in.BaseURL != nil}} {
		if !f.present {
			return model.Invalid(prefix+f.name, "is required")
		}
	}
	return nil
}

// checkConflicts enforces the uniqueness rules against the other stored
// providers: one key per provider, one enabled provider per alias.
func checkConflicts(p *model.Provider, others []model.Provider, prefix string) error {
	for _, o := range others {
		if o.ID == p.ID && p.ID != 0 {
			continue
		}
		if o.Key == p.Key {
			return &model.ConflictError{Field: prefix + "key", Message: fmt.Sprintf("a provider with key %q already exists (id %d); keys are unique", p.Key, o.ID)}
		}
		if !p.Enabled || !o.Enabled {
			continue
		}
		for i, m := range p.Models {
			for _, om := range o.Models {
				if om.Alias == m.Alias {
					return &model.ConflictError{
						Field:   fmt.Sprintf("%smodels[%d].alias", prefix, i),
						Message: fmt.Sprintf("alias %q is already served by the enabled provider %q; remove it there or disable that provider first", m.Alias, o.Key),
					}
				}
			}
		}
	}
	return nil
}

// CreateProvider validates and stores a new provider.
func (s *Service) CreateProvider(ctx context.Context, in model.ProviderInput) (model.Provider, error) {
	if err := requireFull(in, ""); err != nil {
		return model.Provider{}, err
	}
	p := newProvider()
	applyInput(&p, in)
	return s.writeProvider(ctx, &p, actionCreated)
}

// ReplaceProvider replaces every field of provider id; an absent api_key
// keeps the stored one, other absent fields take their defaults.
func (s *Service) ReplaceProvider(ctx context.Context, id int64, in model.ProviderInput) (model.Provider, error) {
	if err := requireFull(in, ""); err != nil {
		return model.Provider{}, err
	}
	return s.changeProvider(ctx, id, in, func(cur model.Provider) model.Provider {
		p := newProvider()
		p.ID, p.CreatedAt, p.APIKey = cur.ID, cur.CreatedAt, cur.APIKey
		return p
	})
}

// PatchProvider changes only the fields present in in.
func (s *Service) PatchProvider(ctx context.Context, id int64, in model.ProviderInput) (model.Provider, error) {
	return s.changeProvider(ctx, id, in, func(cur model.Provider) model.Provider { return cur })
}

func (s *Service) changeProvider(ctx context.Context, id int64, in model.ProviderInput, base func(model.Provider) model.Provider) (model.Provider, error) {
	if in.ID != nil && *in.ID != id {
		return model.Provider{}, model.Invalid("id", "is read-only and must match the URL (%d), got %d", id, *in.ID)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	st, err := s.storage()
	if err != nil {
		return model.Provider{}, err
	}
	cur, err := st.GetProvider(ctx, id)
	if err != nil {
		return model.Provider{}, err
	}
	p := base(cur)
	applyInput(&p, in)
	return s.storeProvider(ctx, &p, actionUpdated)
}

func (s *Service) writeProvider(ctx context.Context, p *model.Provider, action string) (model.Provider, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.storeProvider(ctx, p, action)
}

// storeProvider validates p against the rules and the other providers,
// writes it, and republishes the route table. Callers hold writeMu, so
// the conflict check and the write see the same state.
func (s *Service) storeProvider(ctx context.Context, p *model.Provider, action string) (model.Provider, error) {
	if err := validateProvider(p); err != nil {
		return model.Provider{}, err
	}
	st, err := s.storage()
	if err != nil {
		return model.Provider{}, err
	}
	all, err := st.ListProviders(ctx)
	if err != nil {
		return model.Provider{}, err
	}
	if err := checkConflicts(p, all, ""); err != nil {
		return model.Provider{}, err
	}
	if p.ID == 0 {
		err = st.CreateProvider(ctx, p)
	} else {
		err = st.UpdateProvider(ctx, p)
	}
	if err != nil {
		return model.Provider{}, err
	}
	s.changed(ctx, p.ID, action)
	out := *p
	out.APIKey = mask(out.APIKey)
	return out, nil
}

// DeleteProvider removes a provider and its history.
func (s *Service) DeleteProvider(ctx context.Context, id int64) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	st, err := s.storage()
	if err != nil {
		return err
	}
	if err := st.DeleteProvider(ctx, id); err != nil {
		return err
	}
	s.changed(ctx, id, actionDeleted)
	return nil
}

// changed republishes the route table and announces a provider change.
func (s *Service) changed(ctx context.Context, id int64, action string) {
	if err := s.refreshRoutes(ctx); err != nil {
		s.log.Error("route table not refreshed; restart Sluicegate if routing looks stale", "err", err)
	}
	s.publishChange(id, action)
}

func (s *Service) publishChange(id int64, action string) {
	s.Publish(model.Event{Type: model.EventProviderChanged, TS: s.now(), Data: model.ProviderChanged{ID: id, Action: action}})
}
