package importer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/periodic"
)

const (
	// adoptEvery is how often an instance marks the jobs it runs or waits to run as its own
	// (import_jobs.updated_at) and looks for jobs no live instance has.
	adoptEvery = 5 * time.Second
	// orphanedAfter: a RUNNING job whose lock no session holds and that no instance marked for
	// this long belongs to an instance that is gone (a crash, or a shutdown for good); another
	// instance then takes it over. A job waiting for its instance's job slot holds no lock
	// yet, but is marked.
	orphanedAfter = 4 * adoptEvery
)

// adoptLoop adopts the jobs of instances that are gone, until Stop: Recover only finds those
// that were RUNNING when this instance started, but an instance may die with a job it took
// on later, and may not come back.
func (s *Service) adoptLoop() {
	defer s.wg.Done()
	periodic.Run(s.ctx, adoptEvery, func(ctx context.Context) {
		if err := s.adoptOrphans(ctx); err != nil && ctx.Err() == nil {
			s.opts.Log.Warn("importer: looking for import jobs of instances that are gone", "err", err)
		}
	})
}

// adoptOrphans marks this instance's jobs and launches every RUNNING job that nobody runs and
// no instance marked within orphanedAfter.
func (s *Service) adoptOrphans(ctx context.Context) error {
	s.mu.Lock()
	ours := make([]string, 0, len(s.launched))
	for id := range s.launched {
		ours = append(ours, id)
	}
	s.mu.Unlock()
	if len(ours) > 0 {
		// SKIP LOCKED: a row a batch is writing gets its updated_at from the batch, and two
		// instances marking the same jobs wait for each other in no order.
		if _, err := s.db.Pool.Exec(ctx, `UPDATE import_jobs SET updated_at = now() WHERE id IN (SELECT id FROM import_jobs
			WHERE id = ANY ($1::uuid[]) AND status = 'RUNNING' FOR UPDATE SKIP LOCKED)`, ours); err != nil {
			return fmt.Errorf("importer.adoptOrphans: mark this instance's jobs: %w", err)
		}
	}
	ids, err := s.orphans(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		s.opts.Log.Info("importer: adopting the import job of an instance that is gone", "job_id", id)
		s.launch(id)
	}
	return nil
}

// orphans lists the RUNNING jobs whose lock no session holds and that no instance marked
// within orphanedAfter. It lists none on an instance a key rotation left behind: that one
// writes nothing more (blacklist.LockShared refuses it), so it would take a job over only to
// leave it again at its first batch, and, taking it at each look, could keep it from the
// instances with the new key until it stops (blacklist.WatchCurrentKey).
func (s *Service) orphans(ctx context.Context) ([]string, error) {
	if err := blacklist.CheckCurrentKey(ctx, s.db.Pool, s.keyring, nil); errors.Is(err, blacklist.ErrOtherCurrentKey) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("importer.orphans: %w", err)
	}
	// The runner's lock is pg_try_advisory_lock(lockClass, hashtext(id)): classid, objid, objsubid 2.
	rows, err := s.db.Pool.Query(ctx, `SELECT j.id FROM import_jobs j
		WHERE j.status = 'RUNNING' AND j.updated_at < now() - $2::float8 * interval '1 second'
		  AND NOT EXISTS (SELECT FROM pg_locks l
			WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			  AND l.classid = $1::int::oid AND l.objid = hashtext(j.id::text)::oid AND l.objsubid = 2)
		ORDER BY j.created_at`, lockClass, orphanedAfter.Seconds())
	if err != nil {
		return nil, fmt.Errorf("importer.orphans: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("importer.orphans: %w", err)
	}
	return ids, nil
}
