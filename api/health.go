package api

import (
	"net/http"
	"strconv"

	"github.com/sluicegate/sluicegate/model"
)

// decodeOptional is decodeJSON for bodies that may be left out: an empty
// body leaves dst as it is.
func decodeOptional(w http.ResponseWriter, r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(w, r, dst, maxAdminBody)
}

func (h *handlers) checkProvider(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	var opts model.CheckOptions
	if err := decodeOptional(w, r, &opts); err != nil {
		writeError(w, h.log, err)
		return
	}
	res, err := h.svc.CheckProvider(r.Context(), id, opts, model.TriggerAPI)
	h.reply(w, http.StatusOK, res, err)
}

func (h *handlers) checkAll(w http.ResponseWriter, r *http.Request) {
	var opts checkAllRequest
	if err := decodeOptional(w, r, &opts); err != nil {
		writeError(w, h.log, err)
		return
	}
	res, err := h.svc.CheckAll(r.Context(), opts.ProviderIDs, opts.CheckOptions, model.TriggerAPI)
	h.reply(w, http.StatusOK, res, err)
}

// checkAllRequest is the body of POST /admin/v1/health/check.
type checkAllRequest struct {
	ProviderIDs []int64 `json:"provider_ids"`
	model.CheckOptions
}

func (h *handlers) healthHistory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	limit := 0
	if raw := r.URL.Query().Get("limit"); raw != "" {
		if limit, err = strconv.Atoi(raw); err != nil {
			writeError(w, h.log, model.Invalid("limit", "must be a whole number, got %q", raw))
			return
		}
	}
	res, err := h.svc.HealthHistory(r.Context(), id, limit, r.URL.Query().Get("before"))
	h.reply(w, http.StatusOK, list(res), err)
}

func (h *handlers) healthSummary(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	res, err := h.svc.HealthSummary(r.Context(), id, r.URL.Query().Get("window"))
	h.reply(w, http.StatusOK, res, err)
}

func (h *handlers) runningChecks(w http.ResponseWriter, r *http.Request) {
	res, err := h.svc.RunningChecks(r.Context())
	h.reply(w, http.StatusOK, list(res), err)
}

// cancelCheck answers once the check has ended and its partial result is
// stored, so a history read right after the 204 shows it.
func (h *handlers) cancelCheck(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.CancelCheck(r.Context(), r.PathValue("check_id")); err != nil {
		writeError(w, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
