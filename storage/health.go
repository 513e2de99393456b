package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

const (
	sqlInsertCheck = `INSERT INTO health_checks (check_id, provider_id, checked_at, status, result_json)
		VALUES (?, ?, ?, ?, ?)`
	sqlInsertModelResult = `INSERT INTO health_model_results
		(check_id, provider_id, model, status, response_time_ms, checked_at) VALUES (?, ?, ?, ?, ?, ?)`
	// Model rows go with their check through ON DELETE CASCADE.
	sqlTrimChecks = `DELETE FROM health_checks WHERE checked_at < ?`
	sqlHistory    = `SELECT result_json FROM health_checks
		WHERE provider_id = ? AND (? = '' OR check_id < ?) ORDER BY check_id DESC LIMIT ?`
	sqlLastChecks = `SELECT result_json FROM health_checks WHERE check_id IN
		(SELECT MAX(check_id) FROM health_checks GROUP BY provider_id)`
	sqlModelResults = `SELECT model, status, response_time_ms, checked_at FROM health_model_results
		WHERE provider_id = ? AND checked_at >= ? ORDER BY checked_at`
)

// SaveCheck stores one health check and, in the same transaction, trims
// every provider's history to the retention window. Trimming on write
// keeps the table bounded with no background job.
func (s *Store) SaveCheck(ctx context.Context, r model.CheckResult, retention time.Duration) (err error) {
	defer s.diskFull(&err)
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("storage: save check: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: save check: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	at := r.CheckedAt.UTC().Format(timeFormat)
	if _, err := tx.ExecContext(ctx, sqlInsertCheck, r.CheckID, r.ProviderID, at, r.Status, string(doc)); err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
			// The provider was deleted while it was being checked.
			return fmt.Errorf("provider %d: %w", r.ProviderID, model.ErrNotFound)
		}
		return fmt.Errorf("storage: save check %s: %w", r.CheckID, err)
	}
	for _, m := range r.Models {
		if _, err := tx.ExecContext(ctx, sqlInsertModelResult, r.CheckID, r.ProviderID, m.Model, m.Status, m.ResponseTimeMs, at); err != nil {
			return fmt.Errorf("storage: save check %s: %w", r.CheckID, err)
		}
	}
	if retention > 0 {
		cutoff := time.Now().Add(-retention).UTC().Format(timeFormat)
		if _, err := tx.ExecContext(ctx, sqlTrimChecks, cutoff); err != nil {
			return fmt.Errorf("storage: trim health history: %w", err)
		}
	}
	return commit(tx, "save check")
}

// CheckHistory returns a provider's checks, newest first: at most limit,
// and only those older than the check before (a check ID) when set.
func (s *Store) CheckHistory(ctx context.Context, providerID int64, limit int, before string) ([]model.CheckResult, error) {
	return s.queryChecks(ctx, sqlHistory, providerID, before, before, limit)
}

// LastChecks returns the newest check of every provider that has one.
func (s *Store) LastChecks(ctx context.Context) ([]model.CheckResult, error) {
	return s.queryChecks(ctx, sqlLastChecks)
}

func (s *Store) queryChecks(ctx context.Context, q string, args ...any) ([]model.CheckResult, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: read health history: %w", err)
	}
	defer rows.Close()
	out := []model.CheckResult{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("storage: read health history: %w", err)
		}
		var r model.CheckResult
		if err := json.Unmarshal([]byte(doc), &r); err != nil {
			return nil, fmt.Errorf("storage: read health history: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: read health history: %w", err)
	}
	return out, nil
}

// ModelResult is one stored probe, for summaries.
type ModelResult struct {
	Model          string
	Status         string
	ResponseTimeMs int64
	CheckedAt      time.Time
}

// ModelResults returns a provider's probes since a time, oldest first.
func (s *Store) ModelResults(ctx context.Context, providerID int64, since time.Time) ([]ModelResult, error) {
	rows, err := s.db.QueryContext(ctx, sqlModelResults, providerID, since.UTC().Format(timeFormat))
	if err != nil {
		return nil, fmt.Errorf("storage: read model results: %w", err)
	}
	defer rows.Close()
	var out []ModelResult
	for rows.Next() {
		var r ModelResult
		var at string
		if err := rows.Scan(&r.Model, &r.Status, &r.ResponseTimeMs, &at); err != nil {
			return nil, fmt.Errorf("storage: read model results: %w", err)
		}
		r.CheckedAt, _ = time.Parse(timeFormat, at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: read model results: %w", err)
	}
	return out, nil
}
