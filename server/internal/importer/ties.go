package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"

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

// blockTiedRecords answers for the rows of b that tie a person to a blacklist entry: a
// duplicate — of a record on file, or of her earlier row of the file that an earlier batch
// wrote (in one batch that row would have been held with the later one's identifiers,
// staged.kin) — whose e-mail or phone matches a blocking entry. The entry says that person
// objected, though the row is dropped and its identifier is stored on none of her records: every
// record of her person is restricted by the entry (as blacklistContact restricts a record,
// contact_restrictions; consent.JoinPerson carries it to what she is known by) — the records
// holding an e-mail or phone of the row, whoever wrote them, with their persons
// (store.PersonsOrRecords) — so they are blocked and get nothing, whatever the batch size or
// the way she came in first. A record the entry sets apart as someone else (restriction_kept)
// is neither restricted nor passed through. The problems say so on the row's line; the audit
// names ids only. The row's consent is recorded nowhere (lookup). Runs in the batch's
// transaction, every batch before committed, under consent.BulkTurn and the blacklist lock; a
// batch without such a row asks nothing here.
func blockTiedRecords(ctx context.Context, tx pgx.Tx, jobID string, b *batch) ([]problem, error) {
	var out []problem
	for _, t := range b.ties {
		person, err := tiedPerson(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		rows, err := tx.Query(ctx, `SELECT c.id::text, EXISTS (SELECT FROM contact_blocks k WHERE k.contact_id = c.id)
			FROM contacts c WHERE c.id = ANY ($1::uuid[])
				AND NOT EXISTS (SELECT FROM contact_restrictions r WHERE r.entry_id = $2 AND r.contact_id = c.id)
			ORDER BY 1`, person, t.entry)
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
		what := "duplicate of an existing contact, not imported"
		if t.late {
			what = "duplicate of an earlier row of the file, not imported"
		}
		if len(records) == 0 {
			msg := what + ": an e-mail or phone of this row matches a blacklist entry (objection, restriction or erasure)"
			if len(person) > 0 {
				msg += ", which blocks the person's records already"
			}
			out = append(out, problem{line: t.row.line, code: apperr.ReasonContactBlocked, field: column(fieldPath(t.field)), msg: msg})
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
			msg: fmt.Sprintf("%s: an e-mail or phone of this row matches a blacklist entry (objection, restriction or erasure), so %d record(s) of "+
				"the person it did not restrict yet are now blocked by it and get nothing. "+
				"Only the person's own confirmed sign-up, or the entry's removal, lifts it", what, len(records))})
	}
	return out, nil
}

// tiedPerson returns the live records of the person a tie names: those holding an e-mail or
// phone of the row (or of its kin) and the records of their persons (store.PersonsOrRecords;
// past store.MaxPersonRecords, the record alone), none of them set apart from the entry as
// someone else (restriction_kept), nor found through one. None when the entry has ended.
func tiedPerson(ctx context.Context, tx pgx.Tx, t tie) ([]string, error) {
	_, emails, phones := t.row.person()
	var seeds, kept []string
	// one index probe per identifier, as lookup's
	err := tx.QueryRow(ctx, `SELECT ARRAY(SELECT DISTINCT h.contact_id::text FROM (
				SELECT x.contact_id FROM unnest($1::text[]) AS q(k)
					CROSS JOIN LATERAL (SELECT contact_id FROM contact_emails WHERE normalized = q.k) AS x
				UNION SELECT x.contact_id FROM unnest($2::text[]) AS q(k)
					CROSS JOIN LATERAL (SELECT contact_id FROM contact_phones WHERE number = q.k) AS x) AS h
			WHERE NOT EXISTS (SELECT FROM restriction_kept k WHERE k.entry_id = e.id AND k.contact_id = h.contact_id) ORDER BY 1),
			ARRAY(SELECT contact_id::text FROM restriction_kept WHERE entry_id = e.id ORDER BY 1)
		FROM blacklist_entries e WHERE e.id = $3 AND e.removed_at IS NULL`, emails, phones, t.entry).Scan(&seeds, &kept)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && len(seeds) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("records holding a tied row's identifiers: %w", err)
	}
	var person []string
	if len(kept) == 0 {
		found, _, err := store.PersonsOrRecords(ctx, tx, seeds)
		if err != nil {
			return nil, err
		}
		for _, rs := range found {
			for _, r := range rs {
				if !slices.Contains(person, r) {
					person = append(person, r)
				}
			}
		}
		return person, nil
	}
	for _, seed := range seeds {
		if slices.Contains(person, seed) {
			continue
		}
		rs, _, err := store.PersonOrRecord(ctx, tx, seed, kept)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if !slices.Contains(person, r) {
				person = append(person, r)
			}
		}
	}
	return person, nil
}

// fieldPath is the input path of a match field's identifier, for column.
func fieldPath(field string) string {
	if field == string(model.MatchFieldPhone) {
		return "phones"
	}
	return "emails"
}
