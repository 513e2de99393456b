package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/sluicegate/sluicegate/model"
)

// pathID parses the {id} path value.
func pathID(r *http.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, &apiError{HTTPStatus: http.StatusBadRequest, Code: "invalid_field", Field: "id",
			Message: fmt.Sprintf("provider id must be a positive whole number, got %q", raw)}
	}
	return id, nil
}

func (h *handlers) listProviders(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.ListProviders(r.Context())
	h.reply(w, http.StatusOK, list(ps), err)
}

func (h *handlers) getProvider(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	p, err := h.svc.GetProvider(r.Context(), id)
	h.reply(w, http.StatusOK, p, err)
}

func (h *handlers) createProvider(w http.ResponseWriter, r *http.Request) {
	var in model.ProviderInput
	if err := decodeJSON(w, r, &in, maxAdminBody); err != nil {
		writeError(w, h.log, err)
		return
	}
	p, err := h.svc.CreateProvider(r.Context(), in)
	if err == nil {
		w.Header().Set("Location", fmt.Sprintf("/admin/v1/providers/%d", p.ID))
	}
	h.reply(w, http.StatusCreated, p, err)
}

// discover answers with the upstream's own model list; an upstream that
// fails is a 200 whose body says how.
func (h *handlers) discover(w http.ResponseWriter, r *http.Request) {
	var in model.DiscoverInput
	if err := decodeJSON(w, r, &in, maxAdminBody); err != nil {
		writeError(w, h.log, err)
		return
	}
	res, err := h.svc.DiscoverModels(r.Context(), in)
	h.reply(w, http.StatusOK, res, err)
}

// changeProvider serves PUT (replace) and PATCH (merge).
func (h *handlers) changeProvider(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	var in model.ProviderInput
	if err := decodeJSON(w, r, &in, maxAdminBody); err != nil {
		writeError(w, h.log, err)
		return
	}
	var p model.Provider
	if r.Method == http.MethodPut {
		p, err = h.svc.ReplaceProvider(r.Context(), id, in)
	} else {
		p, err = h.svc.PatchProvider(r.Context(), id, in)
	}
	h.reply(w, http.StatusOK, p, err)
}

func (h *handlers) deleteProvider(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.svc.DeleteProvider(r.Context(), id)
	}
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) presets(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, list(h.svc.Presets()))
}

func (h *handlers) getSettings(w http.ResponseWriter, r *http.Request) {
	s, err := h.svc.Settings(r.Context())
	h.reply(w, http.StatusOK, s, err)
}

func (h *handlers) putSettings(w http.ResponseWriter, r *http.Request) {
	var in model.SettingsInput
	if err := decodeJSON(w, r, &in, maxAdminBody); err != nil {
		writeError(w, h.log, err)
		return
	}
	s, err := h.svc.UpdateSettings(r.Context(), in)
	h.reply(w, http.StatusOK, s, err)
}

func (h *handlers) export(w http.ResponseWriter, r *http.Request) {
	include := r.URL.Query().Get("include_keys")
	if include != "" && include != "0" && include != "1" {
		writeError(w, h.log, &apiError{HTTPStatus: http.StatusBadRequest, Code: "invalid_field", Field: "include_keys",
			Message: fmt.Sprintf("include_keys must be 0 or 1, got %q", include)})
		return
	}
	c, err := h.svc.Export(r.Context(), include == "1")
	if err == nil {
		w.Header().Set("Content-Disposition", `attachment; filename="sluicegate-config.json"`)
	}
	h.reply(w, http.StatusOK, c, err)
}

func (h *handlers) importConfig(w http.ResponseWriter, r *http.Request) {
	var in model.ConfigInput
	if err := decodeJSON(w, r, &in, maxImportBody); err != nil {
		writeError(w, h.log, err)
		return
	}
	c, err := h.svc.Import(r.Context(), in)
	h.reply(w, http.StatusOK, c, err)
}

// list wraps a collection as {"data": [...]}.
func list[T any](items []T) map[string][]T {
	if items == nil {
		items = []T{}
	}
	return map[string][]T{"data": items}
}

// reply writes v with status, or the error.
func (h *handlers) reply(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	writeJSON(w, status, v)
}
