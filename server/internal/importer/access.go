package importer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/store"
)

// An import job is its uploader's: held rows and problems quote what was typed in the file.
// Only the token that started a job and ADMIN tokens see it, decide its rows or follow its
// progress; to any other token it does not exist (NOT_FOUND, as an unknown id). Calls without
// a caller (the import CLI, recovery after a crash) see every job.

// checkAccess returns NOT_FOUND when the caller may not see the job.
func (s *Service) checkAccess(ctx context.Context, id string) error {
	v := viewer.From(ctx)
	if v == nil || v.Has(model.RoleAdmin) {
		return nil
	}
	var owner string
	err := s.db.Pool.QueryRow(ctx, `SELECT created_by_id FROM import_jobs WHERE id = $1`, id).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && owner != v.TokenID {
		return apperr.NotFoundf("no import job with id %s", id)
	}
	if err != nil {
		return fmt.Errorf("importer.checkAccess(%s): %w", id, err)
	}
	return nil
}

// Jobs lists the caller's import jobs, newest first (ADMIN: everyone's), first at a time
// after the cursor of the last job of the previous page (ImportJob.cursor is not in the
// schema: the cursor is the job's id).
func (s *Service) Jobs(ctx context.Context, first int, after string) ([]*model.ImportJob, error) {
	owner := ""
	if v := viewer.From(ctx); v != nil && !v.Has(model.RoleAdmin) {
		owner = v.TokenID
	}
	var afterAt *time.Time
	var afterID *string
	if after != "" {
		if err := store.CheckID("after", after); err != nil {
			return nil, apperr.BadInput("after", apperr.ReasonBadCursor,
				"%q is not a cursor of this list; pass the id of the last job you received", apperr.Clip(after))
		}
		var at time.Time
		err := s.db.Pool.QueryRow(ctx, `SELECT created_at FROM import_jobs WHERE id = $1 AND ($2 = '' OR created_by_id = $2)`,
			after, owner).Scan(&at)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, apperr.BadInput("after", apperr.ReasonBadCursor,
				"no job of yours has the id %s; pass the id of the last job you received", after)
		}
		if err != nil {
			return nil, fmt.Errorf("importer.Jobs: %w", err)
		}
		afterAt, afterID = &at, &after
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+jobColumns+` FROM import_jobs
		WHERE ($1 = '' OR created_by_id = $1)
		  AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
		ORDER BY created_at DESC, id DESC LIMIT $4`, owner, afterAt, afterID, first)
	if err != nil {
		return nil, fmt.Errorf("importer.Jobs: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.ImportJob, error) { return scanJob(r) })
	if err != nil {
		return nil, fmt.Errorf("importer.Jobs: %w", err)
	}
	return jobs, nil
}
