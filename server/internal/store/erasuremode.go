package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// InErasureMode runs fn with the transaction in erasure mode (the setting vermerk.erasure,
// local to tx): the only mode in which the append-only tables' triggers (consent ledger, audit
// trail; migrations 00001, 00002) let rows go or reasons be blanked. Erasure, retention and
// the forgetting of what requests quote of an erased person use it; nothing else may.
func InErasureMode(ctx context.Context, tx pgx.Tx, fn func() error) error {
	if _, err := tx.Exec(ctx, `SELECT set_config('vermerk.erasure', 'on', true)`); err != nil {
		return fmt.Errorf("enter erasure mode: %w", err)
	}
	if err := fn(); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('vermerk.erasure', 'off', true)`); err != nil {
		return fmt.Errorf("leave erasure mode: %w", err)
	}
	return nil
}
