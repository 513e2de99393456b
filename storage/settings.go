package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

const (
	sqlListSettings  = `SELECT name, value FROM settings`
	sqlUpsertSetting = `INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`
)

// Settings returns the stored settings as name → JSON value. Names never
// written are absent; the service fills in defaults.
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, sqlListSettings)
	if err != nil {
		return nil, fmt.Errorf("storage: read settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("storage: read settings: %w", err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: read settings: %w", err)
	}
	return out, nil
}

// PutSettings writes the given name → JSON values in one transaction.
func (s *Store) PutSettings(ctx context.Context, values map[string]string) (err error) {
	defer s.diskFull(&err)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: write settings: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := putSettings(ctx, tx, values); err != nil {
		return err
	}
	return commit(tx, "write settings")
}

func putSettings(ctx context.Context, tx *sql.Tx, values map[string]string) error {
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names) // a stable write order keeps lock behaviour predictable
	for _, k := range names {
		if _, err := tx.ExecContext(ctx, sqlUpsertSetting, k, values[k]); err != nil {
			return fmt.Errorf("storage: write setting %s: %w", k, err)
		}
	}
	return nil
}

// ReplaceConfig makes providers and settings the whole configuration in
// one transaction: providers are matched by key (a match keeps its ID, and
// so its history), stored providers whose key is absent are deleted, new
// ones are created. Nothing is written if any step fails.
func (s *Store) ReplaceConfig(ctx context.Context, providers []model.Provider, settings map[string]string) (err error) {
	defer s.diskFull(&err)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: import: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	current, err := listProviders(ctx, tx)
	if err != nil {
		return err
	}
	byKey := make(map[string]int64, len(current))
	for _, p := range current {
		byKey[p.Key] = p.ID
	}
	keep := map[int64]bool{}
	now := time.Now().UTC()
	for i := range providers {
		p := &providers[i]
		if id, ok := byKey[p.Key]; ok {
			p.ID = id
			keep[id] = true
		}
	}
	// Delete first, so that a key freed by a deleted provider can be taken.
	for _, p := range current {
		if !keep[p.ID] {
			if _, err := tx.ExecContext(ctx, sqlDeleteProvider, p.ID); err != nil {
				return fmt.Errorf("storage: import: delete %s: %w", p.Key, err)
			}
		}
	}
	for i := range providers {
		p := &providers[i]
		if p.ID != 0 {
			err = updateProvider(ctx, tx, p, now)
		} else {
			err = insertProvider(ctx, tx, p, now)
		}
		if err != nil {
			return err
		}
	}
	if err := putSettings(ctx, tx, settings); err != nil {
		return err
	}
	return commit(tx, "import")
}
