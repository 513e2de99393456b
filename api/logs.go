package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/sluicegate/sluicegate/model"
)

// ServerLog is the ring of the server's own warnings and errors.
type ServerLog interface {
	Records(minLevel slog.Level, limit int) []model.ServerLogRecord
}

// queryInt reads an optional whole-number query parameter.
func queryInt(r *http.Request, name string) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, model.Invalid(name, "must be a whole number, got %q", raw)
	}
	return n, nil
}

// queryBool reads an optional flag: 1/true/0/false.
func queryBool(r *http.Request, name string) (bool, error) {
	switch raw := r.URL.Query().Get(name); raw {
	case "":
		return false, nil
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	default:
		return false, model.Invalid(name, "must be 1 or 0, got %q", raw)
	}
}

func (h *handlers) listLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := model.LogFilter{Before: q.Get("before"), Provider: q.Get("provider"), Model: q.Get("model"), Text: q.Get("text"),
		ClientRequestID: q.Get("client_request_id")}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err == nil {
		if f.Errors, err = queryBool(r, "errors"); err == nil {
			f.Status, f.StatusClass, err = parseStatusFilter(q.Get("status"))
		}
	}
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	entries, err := h.svc.ListLogs(r.Context(), f)
	h.reply(w, http.StatusOK, list(entries), err)
}

// parseStatusFilter reads ?status=: an exact code (429) or a class (2xx,
// 4xx, 5xx, 499).
func parseStatusFilter(raw string) (int, string, error) {
	switch strings.ToLower(raw) {
	case "":
		return 0, "", nil
	case model.StatusClass2xx, model.StatusClass4xx, model.StatusClass5xx:
		return 0, strings.ToLower(raw), nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 100 || n > 599 && n != model.StatusClientClosed {
		return 0, "", model.Invalid("status", "must be a status code (100..599 or 499) or a class (2xx, 4xx, 5xx), got %q", raw)
	}
	return n, "", nil
}

func (h *handlers) getLog(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.GetLog(r.Context(), r.PathValue("id"))
	h.reply(w, http.StatusOK, d, err)
}

func (h *handlers) deleteLogs(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteLogs(r.Context()); err != nil {
		writeError(w, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) stats(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Stats(r.Context(), r.URL.Query().Get("window"))
	h.reply(w, http.StatusOK, st, err)
}

// serverLogLevels are the ?level= values of GET /admin/v1/server-log.
var serverLogLevels = map[string]slog.Level{"": slog.LevelWarn, "warn": slog.LevelWarn, "error": slog.LevelError}

func (h *handlers) serverLog(w http.ResponseWriter, r *http.Request) {
	lvl, ok := serverLogLevels[strings.ToLower(r.URL.Query().Get("level"))]
	if !ok {
		writeError(w, h.log, model.Invalid("level", "must be warn or error, got %q", r.URL.Query().Get("level")))
		return
	}
	limit, err := queryInt(r, "limit")
	switch {
	case err != nil:
		writeError(w, h.log, err)
		return
	case limit == 0:
		limit = 200
	case limit < 0 || limit > 1000:
		writeError(w, h.log, model.Invalid("limit", "must be from 1 to 1000, got %d", limit))
		return
	}
	recs := []model.ServerLogRecord{}
	if h.serverLogRing != nil {
		recs = h.serverLogRing.Records(lvl, limit)
	}
	writeJSON(w, http.StatusOK, list(recs))
}

func (h *handlers) websocket(w http.ResponseWriter, r *http.Request) {
	if h.live == nil {
		writeError(w, h.log, errUnavailable)
		return
	}
	h.live.ServeHTTP(w, r)
}
