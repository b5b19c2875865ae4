package blacklist

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	return s.EraseUnless(ctx, contactID, reason, keep, nil)
}

// Refusal is asked by EraseUnless, with the records of the person locked, whether they may be
// erased: an error refuses the erasure. What it reads was committed before they were locked,
// and what touches them after waits for the erasure.
type Refusal = func(ctx context.Context, tx pgx.Tx, records []string) error

// EraseUnless is Erase, refused when refuse (nil: never) refuses the person's records.
func (s *Service) EraseUnless(ctx context.Context, contactID, reason string, keep []string, refuse Refusal) (*model.ErasureReceipt, error) {
	if err := store.CheckID("id", contactID); err != nil {
		return nil, err
	}
	reason, err := screening.CheckReason("reason", reason, "write why the person is erased")
	if err != nil {
		return nil, err
	}
	if err := checkKeep(contactID, keep, "erased"); err != nil {
		return nil, err
	}
	var receipt *model.ErasureReceipt
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		receipt, err = s.erase(ctx, tx, contactID, reason, keep, refuse)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("blacklist.Erase(%s): %w", contactID, err)
	}
	return receipt, nil
}

func (s *Service) erase(ctx context.Context, tx pgx.Tx, id, reason string, keep []string, refuse Refusal) (*model.ErasureReceipt, error) {
	// the blacklist lock before the row lock: screened writers take them in the same order
	if err := s.lockExclusive(ctx, tx); err != nil {
		return nil, err
	}
	id, err := survivor(ctx, tx, id, keep, "erased")
	if err != nil {
		return nil, err
	}
	erased, err := lockPerson(ctx, tx, id, keep, "erased")
	if err != nil {
		return nil, err
	}
	// The person's identifiers: those of every erased record. Stored identifiers were
	// validated on the way in; one that no longer normalises is skipped.
	var identifiers screening.Identifiers
	for _, c := range erased {
		more, _ := s.keyring.Identify(screening.ContactCandidate(c))
		identifiers = mergeIdentifiers(identifiers, more)
	}
	erasedIDs := make([]string, len(erased))
	for i, c := range erased {
		erasedIDs[i] = c.ID
	}
	if err := store.RefuseQuoting(ctx, tx, "reason", reason, store.Subject{Records: erasedIDs, Keep: keep}); err != nil {
		return nil, err
	}
	emails, phones := clearIdentifiers(identifiers)
	if refuse != nil {
		if err := refuse(ctx, tx, erasedIDs); err != nil {
			return nil, err
		}
	}
	held, err := store.HeldOf(ctx, tx, erasedIDs, keep) // before the records go
	if err != nil {
		return nil, err
	}
	held = held.With(emails, phones)
	released, err := unrestrictKept(ctx, tx, erasedIDs, keep)
	if err != nil {
		return nil, err
	}
	if err := store.InErasureMode(ctx, tx, func() error {
		if _, err := tx.Exec(ctx, `UPDATE audit_log SET reason = NULL WHERE contact_id = ANY($1::uuid[]) AND reason IS NOT NULL`, erasedIDs); err != nil {
			return fmt.Errorf("blank audit reasons: %w", err)
		}
		// Every table with personal data references contacts ON DELETE CASCADE.
		if _, err := tx.Exec(ctx, `DELETE FROM contacts WHERE id = ANY($1::uuid[])`, erasedIDs); err != nil {
			return fmt.Errorf("delete contacts: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(keep) > 0 {
		if err := stripIdentifiers(ctx, tx, keep, emails, phones); err != nil {
			return nil, err
		}
		if err := s.releaseKept(ctx, tx, id, released, keep); err != nil {
			return nil, err
		}
	}
	newlyBlocked, err := uncoveredHolders(ctx, tx, emails, phones, nil)
	if err != nil {
		return nil, err
	}
	entry, err := s.insertEntry(ctx, tx, model.BlacklistSourceErasure, reason, identifiers, false)
	if err != nil {
		return nil, err
	}
	if err := dropImportQuotes(ctx, tx, id, entry.ID, held, screening.ContactCandidates(erased)); err != nil {
		return nil, err
	}
	if err := forgetRequestTexts(ctx, tx, id, erasedIDs, entry.ID, screening.ContactCandidates(erased)); err != nil {
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

// checkKeep checks the ids of keep (records that are someone else) before a transaction
// about the person of contactID; what says what happens to the person ("erased", "blocked").
func checkKeep(contactID string, keep []string, what string) error {
	if err := store.CheckIDs("keep", keep); err != nil {
		return err
	}
	for i, k := range keep {
		if k == contactID {
			return apperr.BadInput(fmt.Sprintf("keep[%d]", i), apperr.ReasonKeepErased,
				"keep names the contact being %s; name only the other records that are someone else", what)
		}
	}
	return nil
}

// survivor is the record id was merged into, or id when it was not merged (store.Survivor):
// erasing or blocking a record merged away acts on the person it went into, as its
// unsubscribe links and requests do; keep may not name that record. Under the blacklist lock
// no merge is in flight.
func survivor(ctx context.Context, q store.Querier, id string, keep []string, what string) (string, error) {
	into, err := store.Survivor(ctx, q, id)
	if err != nil || into == id {
		return into, err
	}
	return into, checkKeep(into, keep, what)
}

// lockPerson loads and locks the records of the person of id (store.SamePerson, DESIGN rule
// 8), id's first: what an erasure erases and a block blocks. Each record of keep must be one
// the search met (a record sharing an e-mail or phone with the person), else BAD_USER_INPUT.
func lockPerson(ctx context.Context, tx pgx.Tx, id string, keep []string, what string) ([]*model.Contact, error) {
	named, err := lockContact(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	ids, kept, err := store.SamePerson(ctx, tx, id, keep)
	if err != nil {
		return nil, err
	}
	for i, k := range keep {
		if !slices.Contains(kept, k) {
			return nil, apperr.BadInput(fmt.Sprintf("keep[%d]", i), apperr.ReasonKeepUnrelated,
				"contact %s shares no e-mail or phone with the person being %s; keep names only records that would be %s with it", k, what, what)
		}
	}
	records := []*model.Contact{named}
	for _, o := range ids[1:] {
		c, err := lockContact(ctx, tx, o)
		if err != nil {
			return nil, err
		}
		records = append(records, c)
	}
	return records, nil
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

// unrestrictKept ends the restriction of the records kept as someone else's by the entries
// of the erased records' objection or restriction (blacklistContact without keep blocked
// them with her) and returns those entries. Run before the records go.
func unrestrictKept(ctx context.Context, tx pgx.Tx, erasedIDs, keep []string) ([]string, error) {
	if len(keep) == 0 {
		return nil, nil
	}
	var entries []string
	if err := tx.QueryRow(ctx, `WITH hers AS (SELECT DISTINCT entry_id FROM contact_restrictions WHERE contact_id = ANY($1::uuid[])),
			gone AS (DELETE FROM contact_restrictions WHERE entry_id IN (SELECT entry_id FROM hers) AND contact_id = ANY($2::uuid[])),
			apart AS (INSERT INTO restriction_kept (entry_id, contact_id) SELECT h.entry_id, k.id FROM hers h, unnest($2::uuid[]) AS k(id)
				ON CONFLICT DO NOTHING)
		SELECT ARRAY(SELECT entry_id::text FROM hers ORDER BY 1)`, erasedIDs, keep).Scan(&entries); err != nil {
		return nil, fmt.Errorf("free the kept records of her blocks: %w", err)
	}
	return entries, nil
}

// releaseKept takes the e-mails and phones the records kept as someone else's still hold
// (after stripIdentifiers: not hers) off entries, her objection or restriction, as
// blacklistContact's keep would have left them out: the kept records get mail again unless
// another entry holds them. Each entry changed is announced and audited with ids only.
func (s *Service) releaseKept(ctx context.Context, tx pgx.Tx, erasedID string, entries, keep []string) error {
	if len(entries) == 0 {
		return nil
	}
	var hashes [][]byte
	for _, k := range keep {
		c, err := loadContact(ctx, tx, k)
		if err != nil {
			return err
		}
		ids, _ := s.keyring.Identify(screening.ContactCandidate(c))
		for _, id := range ids {
			if id.Kind == screening.KindNameAddress {
				continue
			}
			for _, h := range id.Hashes {
				hashes = append(hashes, h.Hash)
			}
		}
	}
	rows, err := tx.Query(ctx, `DELETE FROM blacklist_hashes WHERE entry_id = ANY($1::uuid[]) AND hash = ANY($2::bytea[])
		RETURNING entry_id::text`, entries, hashes)
	if err != nil {
		return fmt.Errorf("take the kept records' identifiers off her blocks: %w", err)
	}
	taken, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("take the kept records' identifiers off her blocks: %w", err)
	}
	for _, e := range entries {
		if err := changed(ctx, tx, e); err != nil {
			return err
		}
		n := 0
		for _, t := range taken {
			if t == e {
				n++
			}
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "eraseContact", TargetID: e,
			Outcome: fmt.Sprintf("records kept as someone else's (%s) released from this entry with the erasure of contact %s: %d hashes of their e-mails and phones taken off",
				strings.Join(keep, ", "), erasedID, n)}); err != nil {
			return err
		}
	}
	return nil
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
