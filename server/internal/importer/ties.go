package importer

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// tie is a row that is not written (a duplicate of an earlier row of the file or of a stored
// contact) and ties the person to a blacklist entry: an e-mail or phone of it matches one.
type tie struct {
	row   *staged
	entry string // the first blocking entry it matches
	field string // and by what (EMAIL, PHONE)
	late  bool   // a duplicate of an earlier row of the file, in an earlier batch (readStage)
}

// appendTie adds r to ties when its screening scr has a blocking match.
func appendTie(ties []tie, r *staged, scr *model.Screening, late bool) []tie {
	if scr == nil {
		return ties
	}
	m := screening.Blocking(scr.Matches)
	if len(m) == 0 {
		return ties
	}
	return append(ties, tie{row: r, entry: m[0].Entry.ID, field: string(m[0].Field), late: late})
}

// blockTiedRecords answers for the rows of b that tie a person to a blacklist entry after her
// earlier row of the file was written by an earlier batch. In one batch her earlier row would
// have been held with the later one's identifiers (staged.kin); committed, it is a record this
// job wrote and gave a consent: such records of hers are restricted by the entry (as
// blacklistContact restricts a record, contact_restrictions; consent.JoinPerson carries it to
// what she is known by), so they are blocked and get nothing, whatever the batch size. The
// problems say so on the row's line; the audit names ids only. A record this job did not write
// is left as it was (the import overwrites no contact's blocks); the row's consent is not
// recorded there (lookup). Runs in the batch's transaction, every batch before committed, under
// consent.BulkTurn and the blacklist lock.
func blockTiedRecords(ctx context.Context, tx pgx.Tx, jobID string, b *batch) ([]problem, error) {
	var out []problem
	for _, t := range b.ties {
		_, emails, phones := t.row.person()
		rows, err := tx.Query(ctx, `SELECT c.id::text, EXISTS (SELECT FROM contact_blocks k WHERE k.contact_id = c.id)
			FROM contacts c JOIN import_jobs j ON j.id = $1
			WHERE c.created_at >= j.created_at
				AND c.id IN (SELECT contact_id FROM contact_emails WHERE normalized = ANY ($2::text[])
					UNION SELECT contact_id FROM contact_phones WHERE number = ANY ($3::text[]))
				AND EXISTS (SELECT FROM consent_events e WHERE e.contact_id = c.id AND e.source = $4
					AND e.evidence LIKE '%"job":"' || $1::text || '"%')
				AND NOT EXISTS (SELECT FROM contact_restrictions r WHERE r.entry_id = $5 AND r.contact_id = c.id)
				AND EXISTS (SELECT FROM blacklist_entries e WHERE e.id = $5 AND e.removed_at IS NULL)
			ORDER BY 1`, jobID, emails, phones, consentSource, t.entry)
		if err != nil {
			return nil, fmt.Errorf("records tied to an entry: %w", err)
		}
		var records, newlyBlocked []string
		var id string
		var blocked bool
		if _, err := pgx.ForEachRow(rows, []any{&id, &blocked}, func() error {
			records = append(records, id)
			if !blocked {
				newlyBlocked = append(newlyBlocked, id)
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("records tied to an entry: %w", err)
		}
		if len(records) == 0 {
			if t.late {
				out = append(out, problem{line: t.row.line, code: apperr.ReasonContactBlocked, field: column(fieldPath(t.field)),
					msg: "duplicate of an earlier row of the file, not imported: an e-mail or phone of this row matches a blacklist entry " +
						"(objection, restriction or erasure)"})
			}
			continue
		}
		// the trigger of migration 00035 blocks them in contact_blocks
		if _, err := tx.Exec(ctx, `INSERT INTO contact_restrictions (entry_id, contact_id)
			SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`, t.entry, records); err != nil {
			return nil, fmt.Errorf("restrict the tied records: %w", err)
		}
		for _, id := range newlyBlocked {
			if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventContactBlocked, ContactID: id, Channel: consentSource, Ref: t.entry}); err != nil {
				return nil, err
			}
		}
		for _, id := range records {
			if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "importBlockedRecord", TargetID: jobID, ContactID: id,
				Outcome: fmt.Sprintf("restricted by blacklist entry %s: line %d of the import is the same person and matches the entry by %s",
					t.entry, t.row.line, t.field)}); err != nil {
				return nil, err
			}
		}
		out = append(out, problem{line: t.row.line, code: apperr.ReasonContactBlocked, field: column(fieldPath(t.field)),
			msg: fmt.Sprintf("the same person as an earlier row of the file, which this import wrote with its consent (%d record(s)); an e-mail or phone of this row "+
				"matches a blacklist entry (objection, restriction or erasure), so that record is now blocked by the entry and gets nothing. "+
				"Only the person's own confirmed sign-up, or the entry's removal, lifts it", len(records))})
	}
	return out, nil
}

// fieldPath is the input path of a match field's identifier, for column.
func fieldPath(field string) string {
	if field == string(model.MatchFieldPhone) {
		return "phones"
	}
	return "emails"
}
