package blacklist

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// erasedFileName replaces the name of an import's file that named an erased person, and
// erasedColumn a header cell of its (unknownColumns) that did.
const (
	erasedFileName = "(file name removed: it named an erased person)"
	erasedColumn   = "(column name removed: it named an erased person)"
)

// importLoss is what an erasure took from one import job.
type importLoss struct{ held, problems int }

// dropImportQuotes deletes what imports quote of the erased person: the rows held for a
// decision that are hers (accepted, they would bring the person back past the erasure), the problems of invalid rows that quote them, and a file name that
// names them (screening.Mentions). The jobs count the held rows decided (a job waiting for
// nothing else is DONE); each job's loss is audited with ids and numbers only.
func dropImportQuotes(ctx context.Context, tx pgx.Tx, erasedID, entryID string, held store.HeldRows, people []screening.Candidate) error {
	lost := map[string]*importLoss{}
	var order []string
	of := func(job string) *importLoss {
		if lost[job] == nil {
			lost[job] = &importLoss{}
			order = append(order, job)
		}
		return lost[job]
	}
	if err := dropHeldRows(ctx, tx, held, of); err != nil {
		return err
	}
	if err := deleteQuotingProblems(ctx, tx, people, of); err != nil {
		return err
	}
	if err := renameNamingFiles(ctx, tx, people, of); err != nil {
		return err
	}
	for _, job := range order {
		l := lost[job]
		if l.held > 0 {
			if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventImportProgress, Ref: job}); err != nil {
				return err
			}
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "eraseContact", TargetID: job,
			Outcome: fmt.Sprintf("dropped %d held import rows and deleted %d problems quoting the person erased with contact %s (and the file name and columns that named them); blacklist entry %s",
				l.held, l.problems, erasedID, entryID)}); err != nil {
			return err
		}
	}
	return nil
}

// dropHeldRows deletes the held rows of the person.
func dropHeldRows(ctx context.Context, tx pgx.Tx, held store.HeldRows, of func(job string) *importLoss) error {
	// the jobs before their rows, as Prune locks them (a decision waits for the blacklist lock)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM import_jobs WHERE id IN (SELECT job_id FROM import_held h WHERE `+store.HeldWhere+`)
		ORDER BY id FOR UPDATE`, held.Args()...); err != nil {
		return fmt.Errorf("lock import jobs with held rows of the person: %w", err)
	}
	rows, err := tx.Query(ctx, `WITH gone AS (DELETE FROM import_held h WHERE `+store.HeldWhere+` RETURNING job_id),
			n AS (SELECT job_id, count(*)::int AS c FROM gone GROUP BY job_id)
		UPDATE import_jobs j SET held = j.held - n.c, updated_at = now(),
			status = CASE WHEN j.status = 'NEEDS_DECISION' AND j.held = n.c THEN 'DONE' ELSE j.status END
		FROM n WHERE j.id = n.job_id RETURNING j.id::text, n.c`, held.Args()...)
	if err != nil {
		return fmt.Errorf("drop held import rows of the person: %w", err)
	}
	var job string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&job, &n}, func() error { of(job).held = n; return nil }); err != nil {
		return fmt.Errorf("drop held import rows of the person: %w", err)
	}
	return nil
}

// deleteQuotingProblems deletes the problems whose message quotes one of people. Every
// message is read: a job stores at most 1,000, and they expire with VERMERK_HELD_RETENTION.
func deleteQuotingProblems(ctx context.Context, tx pgx.Tx, people []screening.Candidate, of func(job string) *importLoss) error {
	rows, err := tx.Query(ctx, `SELECT job_id::text, seq, message FROM import_problems ORDER BY job_id, seq`)
	if err != nil {
		return fmt.Errorf("problems quoting the person: %w", err)
	}
	var (
		job, message string
		seq          int
		jobs         []string
		seqs         []int
	)
	if _, err := pgx.ForEachRow(rows, []any{&job, &seq, &message}, func() error {
		if store.MentionsAny(message, people) {
			jobs, seqs = append(jobs, job), append(seqs, seq)
			of(job).problems++
		}
		return nil
	}); err != nil {
		return fmt.Errorf("problems quoting the person: %w", err)
	}
	if len(seqs) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_problems p USING unnest($1::uuid[], $2::int[]) AS q(job_id, seq)
		WHERE p.job_id = q.job_id AND p.seq = q.seq`, jobs, seqs); err != nil {
		return fmt.Errorf("delete problems quoting the person: %w", err)
	}
	return nil
}

// renameNamingFiles replaces the file names that name one of people ("Kontakte von Erika
// Testfrau.csv") with erasedFileName, and the header cells the importer did not know
// (unknown_columns, as typed: "Empfohlen von Erika Testfrau") that do with erasedColumn.
func renameNamingFiles(ctx context.Context, tx pgx.Tx, people []screening.Candidate, of func(job string) *importLoss) error {
	rows, err := tx.Query(ctx, `SELECT id::text, file_name, unknown_columns FROM import_jobs ORDER BY id`)
	if err != nil {
		return fmt.Errorf("file names naming the person: %w", err)
	}
	var (
		job, name      string
		columns        []string
		renamed        []string
		renamedColumns = map[string][]string{} // job → its columns with those naming the person replaced
		order          []string
	)
	if _, err := pgx.ForEachRow(rows, []any{&job, &name, &columns}, func() error {
		if store.MentionsAny(name, people) {
			renamed = append(renamed, job)
			of(job)
		}
		named := false
		for i, c := range columns {
			if store.MentionsAny(c, people) {
				columns[i], named = erasedColumn, true
			}
		}
		if named {
			renamedColumns[job], order = slices.Clone(columns), append(order, job)
			of(job)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("file names naming the person: %w", err)
	}
	if len(renamed) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE import_jobs SET file_name = $2 WHERE id = ANY($1::uuid[])`, renamed, erasedFileName); err != nil {
			return fmt.Errorf("rename files naming the person: %w", err)
		}
	}
	for _, j := range order {
		if _, err := tx.Exec(ctx, `UPDATE import_jobs SET unknown_columns = $2 WHERE id = $1`, j, renamedColumns[j]); err != nil {
			return fmt.Errorf("rename columns naming the person: %w", err)
		}
	}
	return nil
}
