package importer

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/idempotency"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/blacklist"
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
	list_key, file_name, encoding, separator, unknown_columns, message, created_at, created_by_name`

// scanJob reads a row of jobColumns, followed by the columns of more.
func scanJob(row pgx.Row, more ...any) (*model.ImportJob, error) {
	j := &model.ImportJob{}
	var status, separator string
	err := row.Scan(append([]any{&j.ID, &status, &j.Total, &j.Processed, &j.Inserted, &j.Duplicates,
		&j.Held, &j.Invalid, &j.ListKey, &j.FileName, &j.Encoding, &separator, &j.UnknownColumns,
		&j.Message, &j.CreatedAt, &j.StartedBy}, more...)...)
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

// HeldRows lists the rows still waiting for a decision, with the entry each one is held for
// and every match it shows (heldMatches: one more query for the whole list).
func (s *Service) HeldRows(ctx context.Context, jobID string) ([]*model.HeldRow, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+blacklist.EntryColumns+`, h.line, h.field, h.given_name, h.family_name,
			coalesce(h.organization, ''), h.raw_email, h.raw_phone, coalesce(h.street, ''), coalesce(h.postal_code, ''),
			coalesce(h.city, ''), coalesce(h.country, '')
		FROM import_held h JOIN blacklist_entries e ON e.id = h.entry_id
		WHERE h.job_id = $1 ORDER BY h.line LIMIT $2`, jobID, maxListed)
	if err != nil {
		return nil, fmt.Errorf("importer.HeldRows(%s): %w", jobID, err)
	}
	held, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.HeldRow, error) {
		h := &model.HeldRow{Row: &model.ImportRow{}, Matches: []*model.BlacklistMatch{}}
		var field string
		row := h.Row
		e, err := blacklist.ScanEntry(r, &h.Line, &field, &row.GivenName, &row.FamilyName, &row.Organization, &row.Email,
			&row.Phone, &row.Street, &row.PostalCode, &row.City, &row.Country)
		h.Field, h.Entry = model.MatchField(field), e
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("importer.HeldRows(%s): %w", jobID, err)
	}
	if err := s.heldMatches(ctx, jobID, held); err != nil {
		return nil, fmt.Errorf("importer.HeldRows(%s): %w", jobID, err)
	}
	return held, nil
}

// heldMatches fills in the matches each of held shows, in one query: those it keeps
// (shown_entries with shown_fields), else (a row held before they were kept) the one it is
// held for. Blocking matches first, then in the order kept (the screening's, newest entry
// first).
func (s *Service) heldMatches(ctx context.Context, jobID string, held []*model.HeldRow) error {
	if len(held) == 0 {
		return nil
	}
	byLine := make(map[int]*model.HeldRow, len(held))
	lines := make([]int32, len(held))
	for i, h := range held {
		byLine[h.Line], lines[i] = h, int32(h.Line)
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+blacklist.EntryColumns+`, h.line, m.field
		FROM import_held h
		CROSS JOIN LATERAL unnest(
			CASE WHEN h.shown_fields IS NULL THEN ARRAY[h.entry_id] ELSE h.shown_entries END,
			CASE WHEN h.shown_fields IS NULL THEN ARRAY[h.field] ELSE h.shown_fields END) WITH ORDINALITY AS m(entry_id, field, ord)
		JOIN blacklist_entries e ON e.id = m.entry_id
		WHERE h.job_id = $1 AND h.line = ANY ($2::int[])
		ORDER BY h.line, m.field = 'NAME_AND_ADDRESS', m.ord`, jobID, lines)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			line  int
			field string
		)
		e, err := blacklist.ScanEntry(rows, &line, &field)
		if err != nil {
			return err
		}
		if h := byLine[line]; h != nil {
			h.Matches = append(h.Matches, &model.BlacklistMatch{Field: model.MatchField(field), Entry: e})
		}
	}
	return rows.Err()
}
