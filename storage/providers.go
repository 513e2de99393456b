package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

const providerColumns = `id, key, name, type, base_url, api_key, enabled, models_json, headers_json,
	connect_timeout_secs, response_header_timeout_secs, stream_idle_timeout_secs,
	health_check_interval_secs, translate, created_at, updated_at`

const (
	sqlCountProviders = `SELECT COUNT(*) FROM providers`
	sqlListProviders  = `SELECT ` + providerColumns + ` FROM providers ORDER BY id`
	sqlGetProvider    = `SELECT ` + providerColumns + ` FROM providers WHERE id = ?`
	sqlInsertProvider = `INSERT INTO providers (key, name, type, base_url, api_key, enabled, models_json,
		headers_json, connect_timeout_secs, response_header_timeout_secs, stream_idle_timeout_secs,
		health_check_interval_secs, translate, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlUpdateProvider = `UPDATE providers SET key = ?, name = ?, type = ?, base_url = ?, api_key = ?,
		enabled = ?, models_json = ?, headers_json = ?, connect_timeout_secs = ?,
		response_header_timeout_secs = ?, stream_idle_timeout_secs = ?, health_check_interval_secs = ?,
		translate = ?, updated_at = ?
		WHERE id = ?`
	sqlDeleteProvider = `DELETE FROM providers WHERE id = ?`
)

// timeFormat keeps fractional seconds and sorts as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

type rowScanner interface{ Scan(dest ...any) error }

func scanProvider(r rowScanner) (model.Provider, error) {
	var p model.Provider
	var typ, models, headers, created, updated string
	err := r.Scan(&p.ID, &p.Key, &p.Name, &typ, &p.BaseURL, &p.APIKey, &p.Enabled, &models, &headers,
		&p.ConnectTimeoutSecs, &p.ResponseHeaderTimeoutSecs, &p.StreamIdleTimeoutSecs,
		&p.HealthCheckIntervalSecs, &p.Translate, &created, &updated)
	if err != nil {
		return p, err
	}
	p.Type = model.ProviderType(typ)
	// A column that does not decode (a damaged or hand-edited row) must
	// not hide every other provider: the row is returned with LoadError
	// set, and the service serves it as disabled.
	if err := json.Unmarshal([]byte(models), &p.Models); err != nil {
		p.Models, p.LoadError = nil, fmt.Sprintf("stored models are unreadable: %v", err)
	}
	if err := json.Unmarshal([]byte(headers), &p.Headers); err != nil && p.LoadError == "" {
		p.Headers, p.LoadError = nil, fmt.Sprintf("stored headers are unreadable: %v", err)
	}
	if p.Models == nil {
		p.Models = []model.ModelMapping{}
	}
	if p.Headers == nil {
		p.Headers = map[string]string{}
	}
	p.CreatedAt, _ = time.Parse(timeFormat, created)
	p.UpdatedAt, _ = time.Parse(timeFormat, updated)
	return p, nil
}

// providerArgs are the column values of p after key, in statement order.
func providerArgs(p *model.Provider) ([]any, error) {
	models, err := json.Marshal(nonNil(p.Models))
	if err != nil {
		return nil, err
	}
	headers := p.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	hj, err := json.Marshal(headers)
	if err != nil {
		return nil, err
	}
	return []any{p.Key, p.Name, string(p.Type), p.BaseURL, p.APIKey, p.Enabled, string(models), string(hj),
		p.ConnectTimeoutSecs, p.ResponseHeaderTimeoutSecs, p.StreamIdleTimeoutSecs, p.HealthCheckIntervalSecs, p.Translate}, nil
}

func nonNil(m []model.ModelMapping) []model.ModelMapping {
	if m == nil {
		return []model.ModelMapping{}
	}
	return m
}

// conflictErr turns a UNIQUE violation on key into model.ErrConflict.
func conflictErr(err error, key string) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: providers.key") {
		return fmt.Errorf("a provider with key %q already exists: %w", key, model.ErrConflict)
	}
	return err
}

// CountProviders returns how many providers are configured.
func (s *Store) CountProviders(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, sqlCountProviders).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: count providers: %w", err)
	}
	return n, nil
}

// ListProviders returns every provider, oldest first, with its API key.
func (s *Store) ListProviders(ctx context.Context) ([]model.Provider, error) {
	return listProviders(ctx, s.db)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func listProviders(ctx context.Context, q querier) ([]model.Provider, error) {
	rows, err := q.QueryContext(ctx, sqlListProviders)
	if err != nil {
		return nil, fmt.Errorf("storage: list providers: %w", err)
	}
	defer rows.Close()
	out := []model.Provider{}
	for rows.Next() {
		p, err := scanProvider(rows)
		if err != nil {
			return nil, fmt.Errorf("storage: list providers: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: list providers: %w", err)
	}
	return out, nil
}

// GetProvider returns one provider or model.ErrNotFound.
func (s *Store) GetProvider(ctx context.Context, id int64) (model.Provider, error) {
	p, err := scanProvider(s.db.QueryRowContext(ctx, sqlGetProvider, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("provider %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("storage: get provider %d: %w", id, err)
	}
	return p, nil
}

// CreateProvider inserts p and sets its ID and timestamps. A taken key is
// model.ErrConflict.
func (s *Store) CreateProvider(ctx context.Context, p *model.Provider) (err error) {
	defer s.diskFull(&err)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: create provider: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := insertProvider(ctx, tx, p, time.Now().UTC()); err != nil {
		return err
	}
	return commit(tx, "create provider")
}

func insertProvider(ctx context.Context, tx *sql.Tx, p *model.Provider, now time.Time) error {
	args, err := providerArgs(p)
	if err != nil {
		return fmt.Errorf("storage: create provider: %w", err)
	}
	ts := now.Format(timeFormat)
	res, err := tx.ExecContext(ctx, sqlInsertProvider, append(args, ts, ts)...)
	if err != nil {
		return fmt.Errorf("storage: create provider: %w", conflictErr(err, p.Key))
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("storage: create provider: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = now, now
	return nil
}

// UpdateProvider stores every field of p (by ID) and sets UpdatedAt.
func (s *Store) UpdateProvider(ctx context.Context, p *model.Provider) (err error) {
	defer s.diskFull(&err)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: update provider: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := updateProvider(ctx, tx, p, time.Now().UTC()); err != nil {
		return err
	}
	return commit(tx, "update provider")
}

func updateProvider(ctx context.Context, tx *sql.Tx, p *model.Provider, now time.Time) error {
	args, err := providerArgs(p)
	if err != nil {
		return fmt.Errorf("storage: update provider: %w", err)
	}
	res, err := tx.ExecContext(ctx, sqlUpdateProvider, append(args, now.Format(timeFormat), p.ID)...)
	if err != nil {
		return fmt.Errorf("storage: update provider: %w", conflictErr(err, p.Key))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("provider %d: %w", p.ID, model.ErrNotFound)
	}
	p.UpdatedAt = now
	return nil
}

// DeleteProvider removes a provider (its history goes with it through
// ON DELETE CASCADE).
func (s *Store) DeleteProvider(ctx context.Context, id int64) (err error) {
	defer s.diskFull(&err)
	res, err := s.db.ExecContext(ctx, sqlDeleteProvider, id)
	if err != nil {
		return fmt.Errorf("storage: delete provider %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("provider %d: %w", id, model.ErrNotFound)
	}
	return nil
}

func commit(tx *sql.Tx, what string) error {
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storage: %s: commit: %w", what, err)
	}
	return nil
}
