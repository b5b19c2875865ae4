package events

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/periodic"
)

// Prune deletes the events older than the retention period and records how far it pruned,
// so a subscriber resuming from before that point gets a clear error instead of a silent gap.
// It deletes a prefix of ids (everything up to the newest expired event), which keeps "every
// event after a retained cursor is still there" true.
func (b *Bus) Prune(ctx context.Context) (deleted int64, err error) {
	cutoff := time.Now().Add(-b.opts.Retention)
	err = b.db.Transact(ctx, func(tx pgx.Tx) error {
		var through *int64
		if err := tx.QueryRow(ctx, `SELECT max(id) FROM events WHERE at < $1`, cutoff).Scan(&through); err != nil {
			return err
		}
		if through == nil {
			return nil
		}
		tag, err := tx.Exec(ctx, `DELETE FROM events WHERE id <= $1`, *through)
		if err != nil {
			return err
		}
		deleted = tag.RowsAffected()
		_, err = tx.Exec(ctx, `UPDATE events_pruned SET through_id = greatest(through_id, $1)`, *through)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("events.Prune: %w", err)
	}
	return deleted, nil
}

func (b *Bus) pruneLoop(ctx context.Context) {
	periodic.Run(ctx, b.opts.PruneEvery, func(ctx context.Context) {
		n, err := b.Prune(ctx)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			b.opts.Log.Warn("events: pruning old events failed; trying again later", "err", err)
		case n > 0:
			b.opts.Log.Info("events: pruned old events", "deleted", n, "retention", b.opts.Retention)
		}
	})
}
