package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/sluicegate/sluicegate/model"
)

// apiError is one row of the admin API's error table. Every error response
// is written through writeError so the body shape never varies:
// {"error":{"code","message","field"?,"check_id"?}}.
type apiError struct {
	HTTPStatus int    `json:"-"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Field      string `json:"field,omitempty"`
	// CheckID names the running check of a check_running conflict, so
	// the client can follow it instead.
	CheckID string `json:"check_id,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

// with returns a copy of e with a specific message.
func (e *apiError) with(msg string) *apiError {
	c := *e
	c.Message = msg
	return &c
}

var (
	errBadRequest       = &apiError{HTTPStatus: http.StatusBadRequest, Code: "invalid_request", Message: "invalid request"}
	errUnauthorized     = &apiError{HTTPStatus: http.StatusUnauthorized, Code: "unauthorized", Message: "this Sluicegate requires the admin token: send it as 'Authorization: Bearer TOKEN'"}
	errForbidden        = &apiError{HTTPStatus: http.StatusForbidden, Code: "forbidden", Message: "forbidden"}
	errNotFound         = &apiError{HTTPStatus: http.StatusNotFound, Code: "not_found", Message: "no such admin endpoint"}
	errMethodNotAllowed = &apiError{HTTPStatus: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "method not allowed"}
	errConflict         = &apiError{HTTPStatus: http.StatusConflict, Code: "conflict", Message: "conflict"}
	errTooManyAttempts  = &apiError{HTTPStatus: http.StatusTooManyRequests, Code: "too_many_attempts", Message: "too many wrong admin tokens from this address; wait for the time in Retry-After, then send the right token"}
	errDiskFull         = &apiError{HTTPStatus: http.StatusInsufficientStorage, Code: "disk_full", Message: "the disk that holds Sluicegate's database is full, so nothing could be saved; free some space and try again"}
	errUnavailable      = &apiError{HTTPStatus: http.StatusServiceUnavailable, Code: "unavailable", Message: "Sluicegate is starting or shutting down; try again"}
	errInternal         = &apiError{HTTPStatus: http.StatusInternalServerError, Code: "internal_error", Message: "internal error; see Sluicegate's log"}
)

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError maps err to the error table and writes it. Errors that are
// not in the table become a generic 500 and are logged, so internals never
// leak into a response.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	var ae *apiError
	var ve *model.ValidationError
	var ce *model.ConflictError
	var busy *model.CheckRunningError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &busy):
		ae = &apiError{HTTPStatus: http.StatusConflict, Code: "check_running", Message: busy.Error(), CheckID: busy.CheckID}
	case errors.As(err, &ve):
		ae = &apiError{HTTPStatus: http.StatusBadRequest, Code: "invalid_field", Message: ve.Error(), Field: ve.Field}
	case errors.As(err, &ce):
		ae = &apiError{HTTPStatus: http.StatusConflict, Code: "conflict", Message: ce.Message, Field: ce.Field}
	case errors.Is(err, model.ErrNotFound):
		ae = errNotFound.with(err.Error())
	case errors.Is(err, model.ErrConflict):
		ae = errConflict.with(err.Error())
	case errors.Is(err, model.ErrDiskFull):
		ae = errDiskFull
	case errors.Is(err, model.ErrNotStarted):
		// Between the listener opening and the database, or during shutdown.
		ae = errUnavailable
	default:
		log.Error("admin API internal error", "err", err)
		ae = errInternal
	}
	writeJSON(w, ae.HTTPStatus, map[string]*apiError{"error": ae})
}
