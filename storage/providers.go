package storage

import (
	"context"
	"fmt"
)

const sqlCountProviders = `SELECT COUNT(*) FROM providers`

// CountProviders returns how many providers are configured.
func (s *Store) CountProviders(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, sqlCountProviders).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: count providers: %w", err)
	}
	return n, nil
}
