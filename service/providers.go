package service

import (
	"context"
	"fmt"
	"net/http"
	"strings"

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
	s.markBroken(ps)
	for i := range ps {
		ps[i] = masked(ps[i])
	}
	return ps, nil
}

// masked is p as reads show it: the API key and every header value are
// secrets (a header may carry Helicone-Auth, Azure's api-key or an
// Authorization override), so both are masked; header names stay visible.
func masked(p model.Provider) model.Provider {
	p.APIKey = mask(p.APIKey)
	if p.Headers != nil {
		h := make(map[string]string, len(p.Headers))
		for name, v := range p.Headers {
			h[name] = mask(v)
		}
		p.Headers = h
	}
	return p
}

// mergeHeaders is the header set in asks for, where a value equal to the
// mask of the stored value of the same header (names compared as HTTP
// does, case-insensitively) stands for that stored value: a read sent
// back keeps every secret, and a header left out is removed.
func mergeHeaders(stored, in map[string]string) map[string]string {
	byName := make(map[string]string, len(stored))
	for name, v := range stored {
		byName[http.CanonicalHeaderKey(name)] = v
	}
	out := make(map[string]string, len(in))
	for name, v := range in {
		if sv, ok := byName[http.CanonicalHeaderKey(name)]; ok && sv != "" && v == mask(sv) {
			v = sv
		}
		out[name] = v
	}
	return out
}

// GetProvider returns one provider with its API key masked.
func (s *Service) GetProvider(ctx context.Context, id int64) (model.Provider, error) {
	st, err := s.storage()
	if err != nil {
		return model.Provider{}, err
	}
	p, err := st.GetProvider(ctx, id)
	if err != nil {
		return model.Provider{}, err
	}
	one := []model.Provider{p}
	s.markBroken(one)
	return masked(one[0]), nil
}

// newProvider is a provider with the documented defaults.
func newProvider() model.Provider {
	return model.Provider{
		Enabled:                   true,
		Translate:                 true,
		Models:                    []model.ModelMapping{},
		Headers:                   map[string]string{},
		ConnectTimeoutSecs:        model.DefaultConnectTimeoutSecs,
		ResponseHeaderTimeoutSecs: model.DefaultResponseHeaderTimeoutSecs,
		StreamIdleTimeoutSecs:     model.DefaultStreamIdleTimeoutSecs,
	}
}

// applyInput copies the present fields of in onto p. The stored key is
// kept when api_key is absent or equals its own mask (a GET sent back);
// a header value equal to the mask of storedHeaders' value keeps it.
func applyInput(p *model.Provider, in model.ProviderInput, storedHeaders map[string]string) {
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
	if in.Translate != nil {
		p.Translate = *in.Translate
	}
	if in.Models != nil {
		p.Models = *in.Models
	}
	if in.Headers != nil {
		p.Headers = mergeHeaders(storedHeaders, *in.Headers)
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
// providers: one key per provider, one enabled provider per alias unless
// they share it as a route group or a per-dialect pattern (sharedAlias), and no
// alias "K/..." while another provider has key K (the proxy routes
// "K/MODEL" to provider K, so such an alias could never be reached the
// way it reads).
func checkConflicts(p *model.Provider, others []model.Provider, prefix string) error {
	for _, o := range others {
		if o.ID == p.ID && p.ID != 0 {
			continue
		}
		if o.Key == p.Key {
			return &model.ConflictError{Field: prefix + "key", Message: fmt.Sprintf("a provider with key %q already exists (id %d); keys are unique", p.Key, o.ID)}
		}
		for i, m := range p.Models {
			if aliasPrefix(m.Alias) == o.Key {
				return &model.ConflictError{
					Field: fmt.Sprintf("%smodels[%d].alias", prefix, i),
					Message: fmt.Sprintf("alias %q collides with provider %q: %q/MODEL already routes to that provider; choose an alias that does not start with %q",
						m.Alias, o.Key, o.Key, o.Key+"/"),
				}
			}
		}
		for _, om := range o.Models {
			if aliasPrefix(om.Alias) == p.Key {
				return &model.ConflictError{
					Field: prefix + "key",
					Message: fmt.Sprintf("key %q collides with alias %q of provider %q: %q/MODEL would route to this provider; rename that alias or choose another key",
						p.Key, om.Alias, o.Key, p.Key),
				}
			}
		}
		if !p.Enabled || !o.Enabled {
			continue
		}
		for i, m := range p.Models {
			for _, om := range o.Models {
				if om.Alias != m.Alias {
					continue
				}
				if msg := sharedAlias(p, m, o, om); msg != "" {
					return &model.ConflictError{Field: fmt.Sprintf("%smodels[%d].alias", prefix, i), Message: msg}
				}
			}
		}
	}
	return nil
}

// sharedAlias says why entry m of p and entry om of o (two enabled
// providers, the same alias) may not both exist, or "" when they may:
// both give it a priority (a route group), or it is a pattern neither
// prioritises and the providers are of different types (the default route
// per client dialect). Checking each pair suffices: with two provider
// types, a third unprioritised entry always shares a type with one of two.
func sharedAlias(p *model.Provider, m model.ModelMapping, o model.Provider, om model.ModelMapping) string {
	const fix = "give it a priority on every provider to make a route group, or remove it there or disable that provider first"
	switch {
	case m.Priority > 0 && om.Priority > 0:
		return ""
	case m.Priority > 0 || om.Priority > 0:
		unset := o.Key
		if om.Priority > 0 {
			unset = p.Key
		}
		return fmt.Sprintf("alias %q is also served by the enabled provider %q, and provider %q gives it no priority; %s", m.Alias, o.Key, unset, fix)
	case m.IsPattern() && p.Type != o.Type:
		return ""
	case m.IsPattern():
		return fmt.Sprintf("pattern %q is already served by the enabled provider %q of the same type (%s); without priorities a pattern may be served once per client dialect (one openai and one anthropic provider); %s", m.Alias, o.Key, o.Type, fix)
	}
	return fmt.Sprintf("alias %q is already served by the enabled provider %q; %s", m.Alias, o.Key, fix)
}

// aliasPrefix is the part of alias before its first "/", or "" if none.
func aliasPrefix(alias string) string {
	k, _, ok := strings.Cut(alias, "/")
	if !ok {
		return ""
	}
	return k
}

// CreateProvider validates and stores a new provider.
func (s *Service) CreateProvider(ctx context.Context, in model.ProviderInput) (model.Provider, error) {
	if err := requireFull(in, ""); err != nil {
		return model.Provider{}, err
	}
	p := newProvider()
	applyInput(&p, in, nil)
	return s.writeProvider(ctx, &p, actionCreated)
}

// ReplaceProvider replaces every field of provider id; absent api_key and
// headers keep the stored ones (both are secrets a read does not show),
// other absent fields take their defaults. A headers map that leaves a
// stored header out removes it.
func (s *Service) ReplaceProvider(ctx context.Context, id int64, in model.ProviderInput) (model.Provider, error) {
	if err := requireFull(in, ""); err != nil {
		return model.Provider{}, err
	}
	return s.changeProvider(ctx, id, in, func(cur model.Provider, _ *model.ProviderInput) model.Provider {
		p := newProvider()
		p.ID, p.CreatedAt, p.APIKey, p.Headers = cur.ID, cur.CreatedAt, cur.APIKey, cur.Headers
		return p
	})
}

// PatchProvider changes only the fields present in in. Headers are
// patched one by one: a header in the map is set (its masked value keeps
// the stored one), an empty value (or null) removes it, and a stored
// header absent from the map is kept.
func (s *Service) PatchProvider(ctx context.Context, id int64, in model.ProviderInput) (model.Provider, error) {
	return s.changeProvider(ctx, id, in, func(cur model.Provider, in *model.ProviderInput) model.Provider {
		if in.Headers != nil {
			h := patchHeaders(cur.Headers, *in.Headers)
			in.Headers = &h
		}
		return cur
	})
}

// patchHeaders is stored with the entries of patch applied: the same name
// (as HTTP compares it) is replaced, an empty value deletes it.
func patchHeaders(stored, patch map[string]string) map[string]string {
	out := make(map[string]string, len(stored)+len(patch))
	for name, v := range stored {
		out[name] = v
	}
	for name, v := range patch {
		for old := range out {
			if http.CanonicalHeaderKey(old) == http.CanonicalHeaderKey(name) {
				delete(out, old)
			}
		}
		if v != "" {
			out[name] = v
		}
	}
	return out
}

// changeProvider applies in to base(stored provider, &in); base may adjust
// in to the stored state before it is applied.
func (s *Service) changeProvider(ctx context.Context, id int64, in model.ProviderInput, base func(model.Provider, *model.ProviderInput) model.Provider) (model.Provider, error) {
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
	p := base(cur, &in)
	p.LoadError = "" // the write is validated whole; what was wrong is fixed or refused
	applyInput(&p, in, cur.Headers)
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
	return masked(*p), nil
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
