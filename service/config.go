package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicegate/sluicegate/model"
)

// Export returns the whole configuration. Provider keys, header values and
// proxy keys are included only when includeKeys is set; otherwise keys
// are left out and header values masked, and an import of the document
// keeps the stored ones.
func (s *Service) Export(ctx context.Context, includeKeys bool) (model.Config, error) {
	st, err := s.storage()
	if err != nil {
		return model.Config{}, err
	}
	ps, err := st.ListProviders(ctx)
	if err != nil {
		return model.Config{}, err
	}
	set, err := s.loadSettings(ctx)
	if err != nil {
		return model.Config{}, err
	}
	if !includeKeys {
		for i := range ps {
			ps[i] = masked(ps[i])
			ps[i].APIKey = ""
		}
		set.ProxyKeys = nil
	}
	now := s.now()
	return model.Config{Version: model.ConfigVersion, ExportedAt: &now, Providers: ps, Settings: set}, nil
}

// prefixed puts prefix before the field of a validation or conflict error,
// so an import error names the exact place in the document.
func prefixed(err error, prefix string) error {
	var ve *model.ValidationError
	var ce *model.ConflictError
	switch {
	case errors.As(err, &ve):
		return &model.ValidationError{Field: prefix + ve.Field, Message: ve.Message}
	case errors.As(err, &ce):
		return &model.ConflictError{Field: prefix + ce.Field, Message: ce.Message}
	}
	return err
}

// Import validates the whole document, then replaces the configuration
// with it in one transaction: nothing is written when anything is wrong.
// Providers are matched by key; one without api_key keeps the stored key.
// Absent settings keep their values.
func (s *Service) Import(ctx context.Context, in model.ConfigInput) (model.Config, error) {
	if in.Version == nil {
		return model.Config{}, model.Invalid("version", "is required: %d for a document from GET /admin/v1/export", model.ConfigVersion)
	}
	if *in.Version != model.ConfigVersion {
		return model.Config{}, model.Invalid("version", "must be %d (this Sluicegate's export format), got %d", model.ConfigVersion, *in.Version)
	}
	// An absent list would delete every provider; that must be asked for
	// explicitly with "providers": [].
	if in.Providers == nil {
		return model.Config{}, model.Invalid("providers", "is required: the whole list of providers (send [] to remove them all)")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	st, err := s.storage()
	if err != nil {
		return model.Config{}, err
	}
	current, err := st.ListProviders(ctx)
	if err != nil {
		return model.Config{}, err
	}
	storedKey := map[string]string{}
	storedHeaders := map[string]map[string]string{}
	for _, p := range current {
		storedKey[p.Key] = p.APIKey
		storedHeaders[p.Key] = p.Headers
	}

	providers := make([]model.Provider, 0, len(in.Providers))
	index := map[string]int{}
	for i, pin := range in.Providers {
		prefix := fmt.Sprintf("providers[%d].", i)
		if err := requireFull(pin, prefix); err != nil {
			return model.Config{}, err
		}
		p := newProvider()
		p.APIKey = storedKey[*pin.Key]
		applyInput(&p, pin, storedHeaders[*pin.Key])
		if err := validateProvider(&p); err != nil {
			return model.Config{}, prefixed(err, prefix)
		}
		if j, dup := index[p.Key]; dup {
			return model.Config{}, model.Invalid(prefix+"key", "key %q is also used by providers[%d]; keys are unique", p.Key, j)
		}
		if err := checkConflicts(&p, providers, prefix); err != nil {
			return model.Config{}, err
		}
		index[p.Key] = i
		providers = append(providers, p)
	}

	set, err := s.loadSettings(ctx)
	if err != nil {
		return model.Config{}, err
	}
	if in.Settings != nil {
		set = applySettings(set, *in.Settings)
	}
	if err := validateSettings(set, "settings."); err != nil {
		return model.Config{}, err
	}
	enc, err := encodeSettings(set)
	if err != nil {
		return model.Config{}, err
	}
	if err := st.ReplaceConfig(ctx, providers, enc); err != nil {
		return model.Config{}, err
	}
	if err := s.refreshRoutes(ctx); err != nil {
		s.log.Error("route table not refreshed after import", "err", err)
	}
	// One provider.changed per provider the import touched, as if each had
	// been written on its own.
	for _, p := range current {
		if _, kept := index[p.Key]; !kept {
			s.publishChange(p.ID, actionDeleted)
		}
	}
	for _, p := range providers {
		action := actionCreated
		if _, existed := storedKey[p.Key]; existed {
			action = actionUpdated
		}
		s.publishChange(p.ID, action)
	}
	return s.Export(ctx, false)
}
