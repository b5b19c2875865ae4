package importer

import (
	"context"
	"fmt"
	"time"
)

// Prune deletes the problem lists of jobs that ended (DONE or FAILED) longer than the
// retention ago: they quote what was typed in the file, personal data the registry has no
// purpose to keep once the import is over. The job's counters stay.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM import_problems p USING import_jobs j
		WHERE p.job_id = j.id AND j.status IN ('DONE', 'FAILED') AND j.updated_at < now() - $1::interval`,
		s.opts.Retention)
	if err != nil {
		return 0, fmt.Errorf("importer.Prune: %w", err)
	}
	return tag.RowsAffected(), nil
}

// pruneLoop prunes now and then hourly until Stop.
func (s *Service) pruneLoop() {
	defer s.wg.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.Prune(s.ctx); err != nil && s.ctx.Err() == nil {
			s.opts.Log.Warn("pruning import problems", "err", err)
		} else if n > 0 {
			s.opts.Log.Info("pruned problems of finished imports", "rows", n)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}
