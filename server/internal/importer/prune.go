package importer

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/periodic"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Prune deletes, once the retention (VERMERK_HELD_RETENTION) is over, what an import quotes
// of its file: the problem lists of jobs that ended (DONE or FAILED) that long ago, and the
// held rows and problem lists of jobs left waiting for a decision that long. Such a job is
// DONE then, its held rows dropped undecided. The counters stay; each expiry is audited (ids
// and numbers only). It returns how many problems and held rows it deleted.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	var deleted int64
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		deleted = 0
		rows, err := tx.Query(ctx, `SELECT id::text, status FROM import_jobs
			WHERE status IN ('DONE', 'FAILED', 'NEEDS_DECISION') AND updated_at < now() - $1::interval
			AND (status = 'NEEDS_DECISION' OR EXISTS (SELECT 1 FROM import_problems p WHERE p.job_id = import_jobs.id))
			ORDER BY updated_at LIMIT 1000 FOR UPDATE`, s.opts.Retention)
		if err != nil {
			return err
		}
		type job struct{ id, status string }
		jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (job, error) {
			var j job
			return j, r.Scan(&j.id, &j.status)
		})
		if err != nil {
			return err
		}
		for _, j := range jobs {
			problems, err := tx.Exec(ctx, `DELETE FROM import_problems WHERE job_id = $1`, j.id)
			if err != nil {
				return err
			}
			deleted += problems.RowsAffected()
			outcome := fmt.Sprintf("expired: %d problems of the finished job deleted after %s", problems.RowsAffected(), days(s.opts.Retention))
			if j.status == "NEEDS_DECISION" {
				held, err := tx.Exec(ctx, `DELETE FROM import_held WHERE job_id = $1`, j.id)
				if err != nil {
					return err
				}
				deleted += held.RowsAffected()
				if _, err := tx.Exec(ctx, `UPDATE import_jobs SET status = 'DONE', held = 0, updated_at = now(),
						message = $2 WHERE id = $1`, j.id,
					fmt.Sprintf("%d held rows were not decided within %s; they were dropped", held.RowsAffected(), days(s.opts.Retention))); err != nil {
					return err
				}
				if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventImportProgress, Ref: j.id}); err != nil {
					return err
				}
				outcome = fmt.Sprintf("expired: %d held rows dropped undecided and %d problems deleted after %s",
					held.RowsAffected(), problems.RowsAffected(), days(s.opts.Retention))
			}
			if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "expireImport", TargetID: j.id, Outcome: outcome}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("importer.Prune: %w", err)
	}
	return deleted, nil
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// pruneLoop prunes now and then hourly until Stop.
func (s *Service) pruneLoop() {
	defer s.wg.Done()
	periodic.Run(s.ctx, time.Hour, func(ctx context.Context) {
		if n, err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			s.opts.Log.Warn("importer: expiring held rows and problem lists", "err", err)
		} else if n > 0 {
			s.opts.Log.Info("importer: expired held rows and problems of old imports", "rows", n)
		}
	})
}
