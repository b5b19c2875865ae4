package blacklist

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Erase erases the person (DESIGN rule 8) in one transaction. The person is every live record
// reachable from the contact through a shared normalised e-mail or phone, transitively (the
// sales record sharing her e-mail, and the record sharing that one's phone): after an erasure
// no live record holds an identifier of the erased person in clear. A record named in keep is
// someone else (a shared switchboard number, a family address): it is not erased and the
// search does not pass through it; it loses the identifiers it shared with the erased records.
// erasurePreview shows the records beforehand. All erased records lose all their personal
// data, and one blacklist entry (source ERASURE) keeps the person out with the keyed hashes of
// every identifier they had; each gets a PII-free proof (id, time, who, reason, entry), and
// audit reasons about them are blanked, as staff may have written personal details into them.
func (s *Service) Erase(ctx context.Context, contactID, reason string, keep []string) (*model.ErasureReceipt, error) {
	if err := store.CheckID("id", contactID); err != nil {
		return nil, err
	}
	reason, err := screening.CheckReason("reason", reason, "write why the person is erased")
	if err != nil {
		return nil, err
	}
	for i, k := range keep {
		if err := store.CheckID(fmt.Sprintf("keep[%d]", i), k); err != nil {
			return nil, err
		}
		if k == contactID {
			return nil, apperr.BadInput(fmt.Sprintf("keep[%d]", i), apperr.ReasonKeepErased,
				"keep names the contact being erased; name only the other records that are someone else")
		}
	}
	var receipt *model.ErasureReceipt
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		receipt, err = s.erase(ctx, tx, contactID, reason, keep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("blacklist.Erase(%s): %w", contactID, err)
	}
	return receipt, nil
}

// neighbours selects the live contacts sharing a normalised e-mail or phone with one of the
// contacts $1, other than those.
const neighbours = `SELECT DISTINCT o.contact_id::text FROM (
		SELECT x.contact_id FROM contact_emails e JOIN contact_emails x ON x.normalized = e.normalized WHERE e.contact_id = ANY($1::uuid[])
		UNION SELECT x.contact_id FROM contact_phones p JOIN contact_phones x ON x.number = p.number WHERE p.contact_id = ANY($1::uuid[])) o
	WHERE o.contact_id <> ALL($1::uuid[]) ORDER BY 1`

// maxPersonRecords bounds the records one erasure may take with it: more means identifiers
// shared far beyond one person (an office's switchboard), which keep must cut first.
const maxPersonRecords = 200

// samePerson returns the records reachable from id through shared identifiers without passing
// through a record in keep, in the order found (id first), and the records of keep met.
func samePerson(ctx context.Context, q store.Querier, id string, keep []string) (records, kept []string, err error) {
	records = []string{id}
	frontier := []string{id}
	for len(frontier) > 0 {
		rows, err := q.Query(ctx, neighbours, frontier)
		if err != nil {
			return nil, nil, fmt.Errorf("records sharing an identifier: %w", err)
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, nil, fmt.Errorf("records sharing an identifier: %w", err)
		}
		frontier = frontier[:0]
		for _, o := range found {
			switch {
			case slices.Contains(keep, o):
				if !slices.Contains(kept, o) {
					kept = append(kept, o)
				}
			case !slices.Contains(records, o):
				records = append(records, o)
				frontier = append(frontier, o)
			}
		}
		if len(records) > maxPersonRecords {
			return nil, nil, apperr.BadInput("id", apperr.ReasonPersonTooLarge,
				"more than %d records share e-mails or phones with this contact; look at erasurePreview and name the records that are someone else in keep", maxPersonRecords)
		}
	}
	return records, kept, nil
}

func (s *Service) erase(ctx context.Context, tx pgx.Tx, id, reason string, keep []string) (*model.ErasureReceipt, error) {
	// the blacklist lock before the row lock: screened writers take them in the same order
	if err := s.lockExclusive(ctx, tx); err != nil {
		return nil, err
	}
	named, err := lockContact(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	ids, kept, err := samePerson(ctx, tx, id, keep)
	if err != nil {
		return nil, err
	}
	for i, k := range keep {
		if !slices.Contains(kept, k) {
			return nil, apperr.BadInput(fmt.Sprintf("keep[%d]", i), apperr.ReasonKeepUnrelated,
				"contact %s shares no e-mail or phone with the person being erased; keep names only records that would be erased with it", k)
		}
	}
	erased := []*model.Contact{named}
	for _, o := range ids[1:] {
		c, err := lockContact(ctx, tx, o)
		if err != nil {
			return nil, err
		}
		erased = append(erased, c)
	}
	// The person's identifiers: those of every erased record. Stored identifiers were
	// validated on the way in; one that no longer normalises is skipped.
	var identifiers screening.Identifiers
	for _, c := range erased {
		more, _ := s.keyring.Identify(screening.ContactCandidate(c))
		identifiers = mergeIdentifiers(identifiers, more)
	}
	if err := screening.RefuseMentions("reason", reason, screening.ContactCandidates(erased)...); err != nil {
		return nil, err
	}
	emails, phones := clearIdentifiers(identifiers)
	erasedIDs := make([]string, len(erased))
	for i, c := range erased {
		erasedIDs[i] = c.ID
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('vermerk.erasure', 'on', true)`); err != nil {
		return nil, fmt.Errorf("enter erasure mode: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_log SET reason = NULL WHERE contact_id = ANY($1::uuid[]) AND reason IS NOT NULL`, erasedIDs); err != nil {
		return nil, fmt.Errorf("blank audit reasons: %w", err)
	}
	// Every table with personal data references contacts ON DELETE CASCADE.
	if _, err := tx.Exec(ctx, `DELETE FROM contacts WHERE id = ANY($1::uuid[])`, erasedIDs); err != nil {
		return nil, fmt.Errorf("delete contacts: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('vermerk.erasure', 'off', true)`); err != nil {
		return nil, fmt.Errorf("leave erasure mode: %w", err)
	}
	if len(keep) > 0 {
		if err := stripIdentifiers(ctx, tx, keep, emails, phones); err != nil {
			return nil, err
		}
	}
	newlyBlocked, err := uncoveredHolders(ctx, tx, emails, phones)
	if err != nil {
		return nil, err
	}
	entry, err := s.insertEntry(ctx, tx, model.BlacklistSourceErasure, reason, identifiers)
	if err != nil {
		return nil, err
	}
	if err := dropImportQuotes(ctx, tx, id, entry.ID, emails, phones, screening.ContactCandidates(erased)); err != nil {
		return nil, err
	}
	actorID, actorName := viewer.Actor(ctx)
	var erasedAt time.Time
	if err := tx.QueryRow(ctx, `INSERT INTO erasures (contact_id, erased_by_id, erased_by_name, reason, blacklist_entry_id)
		SELECT c, $2, $3, $4, $5 FROM unnest($1::uuid[]) AS c RETURNING erased_at`,
		erasedIDs, actorID, actorName, reason, entry.ID).Scan(&erasedAt); err != nil {
		return nil, fmt.Errorf("write erasure proofs: %w", err)
	}
	for _, e := range erasedIDs {
		if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventContactErased, ContactID: e, Channel: viewer.Channel(ctx)}); err != nil {
			return nil, err
		}
	}
	if err := emitBlocked(ctx, tx, newlyBlocked, entry.ID); err != nil {
		return nil, err
	}
	if err := changed(ctx, tx, entry.ID); err != nil {
		return nil, err
	}
	for _, e := range erasedIDs {
		outcome := "erased; blacklist entry " + entry.ID
		if e != id {
			outcome = "erased with contact " + id + " (shared e-mail or phone); blacklist entry " + entry.ID
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "eraseContact", TargetID: id, ContactID: e,
			Outcome: outcome, Reason: reason}); err != nil {
			return nil, err
		}
	}
	for _, k := range keep {
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "eraseContact", TargetID: id, ContactID: k,
			Outcome: "kept as someone else; lost the identifiers shared with the erased person, blacklist entry " + entry.ID}); err != nil {
			return nil, err
		}
	}
	return &model.ErasureReceipt{ContactID: id, ErasedAt: erasedAt, BlacklistEntry: entry, ErasedContactIds: erasedIDs}, nil
}

// erasedFileName replaces the name of an import's file that named an erased person.
const erasedFileName = "(file name removed: it named an erased person)"

// dropImportQuotes deletes what imports quote of the erased person: the rows held for a
// decision that hold one of their e-mails or phones (accepted, they would bring the person
// back past the erasure), the problems of invalid rows that quote them (screening.Mentions;
// at most maxListed per job, and they expire with VERMERK_HELD_RETENTION, so reading them all
// stays small), and a file name that names them. The jobs count the held rows decided (a job waiting for nothing else is DONE),
// and each job's loss is audited with ids and numbers only.
func dropImportQuotes(ctx context.Context, tx pgx.Tx, erasedID, entryID string, emails, phones []string, people []screening.Candidate) error {
	keys := make([]string, 0, len(emails)+len(phones))
	for _, e := range emails {
		keys = append(keys, "e:"+e) // the importer's dedupe keys: "e:"+normalised e-mail, "p:"+E.164
	}
	for _, p := range phones {
		keys = append(keys, "p:"+p)
	}
	// the jobs before their rows, as Prune locks them (a decision waits for the blacklist lock)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM import_jobs WHERE id IN (SELECT job_id FROM import_held WHERE dedupe_keys && $1::text[])
		ORDER BY id FOR UPDATE`, keys); err != nil {
		return fmt.Errorf("lock import jobs with held rows of the person: %w", err)
	}
	type loss struct{ held, problems int }
	lost := map[string]*loss{}
	var order []string
	of := func(job string) *loss {
		if lost[job] == nil {
			lost[job] = &loss{}
			order = append(order, job)
		}
		return lost[job]
	}
	rows, err := tx.Query(ctx, `WITH gone AS (DELETE FROM import_held WHERE dedupe_keys && $1::text[] RETURNING job_id),
			n AS (SELECT job_id, count(*)::int AS c FROM gone GROUP BY job_id)
		UPDATE import_jobs j SET held = j.held - n.c, updated_at = now(),
			status = CASE WHEN j.status = 'NEEDS_DECISION' AND j.held = n.c THEN 'DONE' ELSE j.status END
		FROM n WHERE j.id = n.job_id RETURNING j.id::text, n.c`, keys)
	if err != nil {
		return fmt.Errorf("drop held import rows of the person: %w", err)
	}
	var job string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&job, &n}, func() error { of(job).held = n; return nil }); err != nil {
		return fmt.Errorf("drop held import rows of the person: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT job_id::text, seq, message FROM import_problems ORDER BY job_id, seq`)
	if err != nil {
		return fmt.Errorf("problems quoting the person: %w", err)
	}
	var (
		seq         int
		message     string
		quotingJobs []string
		quotingSeqs []int
	)
	if _, err := pgx.ForEachRow(rows, []any{&job, &seq, &message}, func() error {
		for _, c := range people {
			if _, ok := screening.Mentions(message, c); ok {
				quotingJobs, quotingSeqs = append(quotingJobs, job), append(quotingSeqs, seq)
				of(job).problems++
				return nil
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("problems quoting the person: %w", err)
	}
	// a file name may name the person too ("Kontakte von Erika Testfrau.csv")
	rows, err = tx.Query(ctx, `SELECT id::text, file_name FROM import_jobs ORDER BY id`)
	if err != nil {
		return fmt.Errorf("file names naming the person: %w", err)
	}
	var fileName string
	var renamed []string
	if _, err := pgx.ForEachRow(rows, []any{&job, &fileName}, func() error {
		for _, c := range people {
			if _, ok := screening.Mentions(fileName, c); ok {
				renamed = append(renamed, job)
				of(job)
				return nil
			}
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
	if len(quotingSeqs) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM import_problems p USING unnest($1::uuid[], $2::int[]) AS q(job_id, seq)
			WHERE p.job_id = q.job_id AND p.seq = q.seq`, quotingJobs, quotingSeqs); err != nil {
			return fmt.Errorf("delete problems quoting the person: %w", err)
		}
	}
	for _, job := range order {
		l := lost[job]
		if l.held > 0 {
			if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventImportProgress, Ref: job}); err != nil {
				return err
			}
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "eraseContact", TargetID: job,
			Outcome: fmt.Sprintf("dropped %d held import rows and deleted %d problems quoting the person erased with contact %s (and the file name, if it named them); blacklist entry %s",
				l.held, l.problems, erasedID, entryID)}); err != nil {
			return err
		}
	}
	return nil
}

// lockContact loads and locks a live contact; a missing one is NOT_FOUND.
func lockContact(ctx context.Context, tx pgx.Tx, id string) (*model.Contact, error) {
	return getContact(ctx, tx, id, " FOR UPDATE OF c")
}

// loadContact loads a live contact with q; a missing one is NOT_FOUND.
func loadContact(ctx context.Context, q store.Querier, id string) (*model.Contact, error) {
	return getContact(ctx, q, id, "")
}

func getContact(ctx context.Context, q store.Querier, id, lock string) (*model.Contact, error) {
	c, err := store.ScanContact(q.QueryRow(ctx, `SELECT `+store.ContactColumns+` FROM contacts c WHERE c.id = $1`+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("no contact with id %s; it may have been erased already", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load contact %s: %w", id, err)
	}
	return c, nil
}

// stripIdentifiers deletes from the contacts ids the normalised e-mails and E.164 numbers
// given (the kept records' identifiers shared with an erased person).
func stripIdentifiers(ctx context.Context, tx pgx.Tx, ids, emails, phones []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM contact_emails WHERE contact_id = ANY($1::uuid[]) AND normalized = ANY($2::text[])`, ids, emails); err != nil {
		return fmt.Errorf("strip shared e-mails: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM contact_phones WHERE contact_id = ANY($1::uuid[]) AND number = ANY($2::text[])`, ids, phones); err != nil {
		return fmt.Errorf("strip shared phones: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE contacts SET updated_at = now() WHERE id = ANY($1::uuid[])`, ids); err != nil {
		return fmt.Errorf("touch kept contacts: %w", err)
	}
	return nil
}

// mergeIdentifiers appends to ids those of more it lacks.
func mergeIdentifiers(ids, more screening.Identifiers) screening.Identifiers {
	for _, m := range more {
		if !slices.ContainsFunc(ids, func(i screening.Identifier) bool { return i.Kind == m.Kind && i.Normalized == m.Normalized }) {
			ids = append(ids, m)
		}
	}
	return ids
}
