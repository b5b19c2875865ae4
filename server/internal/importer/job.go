package importer

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/idempotency"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// maxListed bounds the problems stored per job and the held rows returned at once; a final
// problem line says how many more there were, and deciding held rows brings up the next ones.
const maxListed = 1000

// Job loads a job's state and counters; Problems and HeldRows load its lists, which progress
// polling and the importProgress subscription do not need.
func (s *Service) Job(ctx context.Context, id string) (*model.ImportJob, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	if err := s.checkAccess(ctx, id); err != nil {
		return nil, err
	}
	var dropped int64
	j, err := scanJob(s.db.Pool.QueryRow(ctx, `SELECT `+jobColumns+`, quotes_dropped FROM import_jobs WHERE id = $1`, id), &dropped)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("no import job with id %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("importer.Job(%s): %w", id, err)
	}
	// The answer of a mutation (startImport, decideImportRow) may quote the file: read before
	// its held rows and problems are, the count lets a kept answer go with what it quotes.
	idempotency.From(ctx).Quotes(idempotency.Quote{Of: idempotency.ImportFile, ID: j.ID}, dropped)
	return j, nil
}

const jobColumns = `id, status, total, processed, inserted, duplicates, held, invalid,
	list_key, file_name, encoding, separator, unknown_columns, message, created_at`

// scanJob reads a row of jobColumns, followed by the columns of more.
func scanJob(row pgx.Row, more ...any) (*model.ImportJob, error) {
	j := &model.ImportJob{}
	var status, separator string
	err := row.Scan(append([]any{&j.ID, &status, &j.Total, &j.Processed, &j.Inserted, &j.Duplicates,
		&j.Held, &j.Invalid, &j.ListKey, &j.FileName, &j.Encoding, &separator, &j.UnknownColumns,
		&j.Message, &j.CreatedAt}, more...)...)
	if err != nil {
		return nil, err
	}
	j.Status = model.ImportStatus(status)
	j.Separator = separator
	return j, nil
}

// Problems lists the first problems of a job (line and reason); a last entry with line 0
// says how many more were found but not kept.
func (s *Service) Problems(ctx context.Context, jobID string) ([]*model.ImportRowProblem, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT line, code, field, message FROM import_problems WHERE job_id = $1 ORDER BY seq LIMIT $2`, jobID, maxListed)
	if err != nil {
		return nil, fmt.Errorf("importer.Problems(%s): %w", jobID, err)
	}
	problems, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.ImportRowProblem, error) {
		p := &model.ImportRowProblem{}
		return p, r.Scan(&p.Line, &p.Code, &p.Field, &p.Message)
	})
	if err != nil {
		return nil, fmt.Errorf("importer.Problems(%s): %w", jobID, err)
	}
	var count int
	if err := s.db.Pool.QueryRow(ctx, `SELECT problem_count FROM import_jobs WHERE id = $1`, jobID).Scan(&count); err != nil {
		return nil, fmt.Errorf("importer.Problems(%s): %w", jobID, err)
	}
	// (a list that expired says nothing of what it held)
	if more := count - len(problems); more > 0 && len(problems) == maxListed {
		problems = append(problems, &model.ImportRowProblem{Line: 0, Code: string(apperr.ReasonImportProblemsNotListed),
			Message: fmt.Sprintf("%d more problems are not listed: only the first %d of a job are kept", more, len(problems))})
	}
	return problems, nil
}

// HeldRows lists the rows still waiting for a decision, with the entry each one matched.
func (s *Service) HeldRows(ctx context.Context, jobID string) ([]*model.HeldRow, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT h.line, h.field, h.given_name, h.family_name, coalesce(h.organization, ''), h.raw_email,
			h.raw_phone, coalesce(h.street, ''), coalesce(h.postal_code, ''), coalesce(h.city, ''), coalesce(h.country, ''),
			e.id, e.source, e.reason, e.created_at, e.identifier_kinds, e.key_id, e.removed_at, e.restriction
		FROM import_held h JOIN blacklist_entries e ON e.id = h.entry_id
		WHERE h.job_id = $1 ORDER BY h.line LIMIT $2`, jobID, maxListed)
	if err != nil {
		return nil, fmt.Errorf("importer.HeldRows(%s): %w", jobID, err)
	}
	held, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.HeldRow, error) {
		h := &model.HeldRow{Row: &model.ImportRow{}, Entry: &model.BlacklistEntry{}}
		var field, source string
		var kinds []string
		row, e := h.Row, h.Entry
		err := r.Scan(&h.Line, &field, &row.GivenName, &row.FamilyName, &row.Organization, &row.Email, &row.Phone,
			&row.Street, &row.PostalCode, &row.City, &row.Country,
			&e.ID, &source, &e.Reason, &e.CreatedAt, &kinds, &e.KeyID, &e.RemovedAt, &e.Restriction)
		h.Field, e.Source = model.MatchField(field), model.BlacklistSource(source)
		e.IdentifierKinds = make([]model.MatchField, len(kinds))
		for i, k := range kinds {
			e.IdentifierKinds[i] = model.MatchField(k)
		}
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("importer.HeldRows(%s): %w", jobID, err)
	}
	return held, nil
}
