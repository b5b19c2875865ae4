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
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Add blocks a person by identifiers (blacklistAdd): an entry of source MANUAL with the keyed
// hashes of the candidate's identifiers. Live contacts holding one of its e-mails or phones
// are blocked from then on (recipients leaves them out), each announced by a CONTACT_BLOCKED
// event.
func (s *Service) Add(ctx context.Context, in model.ContactInput, reason string) (*model.BlacklistEntry, error) {
	var errs apperr.List
	reason, err := screening.CheckReason("reason", reason, "write why the person is blocked")
	if e, ok := apperr.As(err); ok {
		errs = append(errs, e)
	} else if err := store.RefuseQuoting(ctx, s.db.Pool, "reason", reason, store.Subject{Candidates: []screening.Candidate{contactInput(in).Candidate()}}); err != nil {
		if e, ok := apperr.As(err); ok {
			errs = append(errs, e)
		} else {
			return nil, fmt.Errorf("blacklist.Add: %w", err)
		}
	}
	ids, err := s.identify("candidate", in)
	switch l, ok := err.(apperr.List); {
	case ok:
		errs = append(errs, l...)
	case err != nil:
		return nil, fmt.Errorf("blacklist.Add: %w", err)
	case len(ids) == 0:
		errs = append(errs, apperr.BadInput("candidate", apperr.ReasonNothingToBlock, "give at least one e-mail address, phone number, or family name with street and postal code to block"))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var entry *model.BlacklistEntry
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		entry, err = s.block(ctx, tx, ids, reason, "blacklistAdd", "", nil, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("blacklist.Add: %w", err)
	}
	return entry, nil
}

// AddContact blocks a contact's person and keeps the records (blacklistContact): an objection
// to advertising (Art. 21 GDPR) or a restriction of processing (Art. 18) where retention duties
// forbid erasure. It is BlockPerson, as an objection: the person's own sign-up ends it. keep
// sets records apart that are someone else; blocking her anew with keep and then ending the
// old entry splits them off a blocked person without letting her out meanwhile.
func (s *Service) AddContact(ctx context.Context, contactID, reason string, keep []string) (*model.BlacklistEntry, error) {
	return s.BlockPerson(ctx, contactID, reason, keep, false)
}

// BlockPerson blocks the person of a contact and keeps the records: an objection (Art. 21) or
// a restriction (Art. 18) holds for the person, not for the record it was said on (DESIGN
// rule 8). The MANUAL entry restricts every record of the person (store.SamePerson, as an
// erasure erases them; contact_restrictions, migration 00035), so each record gets nothing
// whatever identifiers it holds — also one with a postal address only — until the entry ends;
// and it holds the keyed hashes of their identifiers: her other record's own e-mail is
// recognised when she is entered, imported or signed up with it again (a name and address
// warns). A record in keep is someone else (a family's phone): the search does not pass
// through it, it is not restricted, and identifiers it holds are left out of the entry, so it
// is not blocked with her, now or when her records change later (restriction_kept). A record
// that becomes hers after the block is restricted too, and its e-mails and phones join the
// entry (consent.JoinPerson). Every live contact the entry newly covers gets a CONTACT_BLOCKED
// event. restriction marks an Art. 18 restriction: her own sign-up does not end it
// (EndForReentry), only an admin does.
func (s *Service) BlockPerson(ctx context.Context, contactID, reason string, keep []string, restriction bool) (*model.BlacklistEntry, error) {
	if err := store.CheckID("contactId", contactID); err != nil {
		return nil, err
	}
	reason, err := screening.CheckReason("reason", reason, "write why the person is blocked")
	if err != nil {
		return nil, err
	}
	if err := checkKeep(contactID, keep, "blocked"); err != nil {
		return nil, err
	}
	var entry *model.BlacklistEntry
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		if err := s.lockExclusive(ctx, tx); err != nil {
			return err
		}
		contactID, err := survivor(ctx, tx, contactID, keep, "blocked")
		if err != nil {
			return err
		}
		records, err := lockPerson(ctx, tx, contactID, keep, "blocked")
		if ae, ok := apperr.As(err); ok && ae.Reason == apperr.ReasonPersonTooLarge {
			// identifiers shared far beyond one person (a switchboard): the named record's
			// identifiers only, as blacklistContact blocked before — the shared ones block its
			// holders all the same
			var c *model.Contact
			c, err = lockContact(ctx, tx, contactID)
			records = []*model.Contact{c}
		}
		if err != nil {
			return err
		}
		restrict := make([]string, len(records))
		for i, c := range records {
			restrict[i] = c.ID
		}
		if err := store.RefuseQuoting(ctx, tx, "reason", reason, store.Subject{Records: restrict, Keep: keep}); err != nil {
			return err
		}
		var ids screening.Identifiers
		for _, c := range records {
			more, _ := s.keyring.Identify(screening.ContactCandidate(c))
			ids = mergeIdentifiers(ids, more)
		}
		if ids, err = s.withoutKept(ctx, tx, ids, keep); err != nil {
			return err
		}
		entry, err = s.block(ctx, tx, ids, reason, "blacklistContact", contactID, restrict, restriction)
		if err != nil || len(keep) == 0 {
			return err
		}
		// kept apart for good: a record that becomes hers later does not pull it in (consent.JoinPerson)
		if _, err := tx.Exec(ctx, `INSERT INTO restriction_kept (entry_id, contact_id) SELECT $1, unnest($2::uuid[])
			ON CONFLICT DO NOTHING`, entry.ID, keep); err != nil {
			return fmt.Errorf("set the kept records apart: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blacklist.BlockPerson(%s): %w", contactID, err)
	}
	return entry, nil
}

// withoutKept drops from ids the e-mails and phones a record of keep holds: that record is
// someone else and would be blocked by them.
func (s *Service) withoutKept(ctx context.Context, q store.Querier, ids screening.Identifiers, keep []string) (screening.Identifiers, error) {
	if len(keep) == 0 {
		return ids, nil
	}
	var held screening.Identifiers
	for _, k := range keep {
		c, err := loadContact(ctx, q, k)
		if err != nil {
			return nil, err
		}
		more, _ := s.keyring.Identify(screening.ContactCandidate(c))
		held = mergeIdentifiers(held, more)
	}
	out := ids[:0:0]
	for _, id := range ids {
		shared := id.Kind != screening.KindNameAddress && slices.ContainsFunc(held, func(h screening.Identifier) bool {
			return h.Kind == id.Kind && h.Normalized == id.Normalized
		})
		if !shared {
			out = append(out, id)
		}
	}
	return out, nil
}

// block writes a MANUAL entry for ids and announces it: BLACKLIST_CHANGED, and CONTACT_BLOCKED
// for every live contact it newly covers. Audited as op about contactID (may be "").
func (s *Service) block(ctx context.Context, tx pgx.Tx, ids screening.Identifiers, reason, op, contactID string, restrict []string, restriction bool) (*model.BlacklistEntry, error) {
	if err := s.lockExclusive(ctx, tx); err != nil {
		return nil, err
	}
	emails, phones := clearIdentifiers(ids)
	covered, err := uncoveredHolders(ctx, tx, emails, phones, restrict)
	if err != nil {
		return nil, err
	}
	entry, err := s.insertEntry(ctx, tx, model.BlacklistSourceManual, reason, ids, restriction)
	if err != nil {
		return nil, err
	}
	if len(restrict) > 0 {
		// the trigger of migration 00035 blocks them in contact_blocks
		if _, err := tx.Exec(ctx, `INSERT INTO contact_restrictions (entry_id, contact_id)
			SELECT $1, unnest($2::uuid[])`, entry.ID, restrict); err != nil {
			return nil, fmt.Errorf("restrict the records: %w", err)
		}
	}
	if err := changed(ctx, tx, entry.ID); err != nil {
		return nil, err
	}
	if err := emitBlocked(ctx, tx, covered, entry.ID); err != nil {
		return nil, err
	}
	if err := store.Audit(ctx, tx, store.AuditRecord{Operation: op, TargetID: entry.ID, ContactID: contactID,
		Outcome: fmt.Sprintf("ok; %d live contacts newly blocked", len(covered)), Reason: reason}); err != nil {
		return nil, err
	}
	return entry, nil
}

// Remove takes an entry off the blacklist: its hashes are deleted, so it matches nothing
// any more; the entry itself stays with removedAt as a record.
func (s *Service) Remove(ctx context.Context, id, reason string) (*model.BlacklistEntry, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	reason, err := screening.CheckReason("reason", reason, "write why the entry ends")
	if err != nil {
		return nil, err
	}
	var entry *model.BlacklistEntry
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		// exclusive, so that contact_blocks' re-test sees every identifier written before
		if err := s.lockExclusive(ctx, tx); err != nil {
			return err
		}
		if err := s.refuseQuotingEntry(ctx, tx, reason, id); err != nil {
			return err
		}
		entry, err = ScanEntry(tx.QueryRow(ctx, `UPDATE blacklist_entries e SET removed_at = now()
			WHERE e.id = $1 AND e.removed_at IS NULL RETURNING `+EntryColumns, id))
		if errors.Is(err, pgx.ErrNoRows) {
			old, lerr := Entry(ctx, tx, id)
			if lerr != nil {
				return lerr
			}
			return apperr.BadInput("id", apperr.ReasonEntryRemoved, "blacklist entry %s was removed already, at %s", id, old.RemovedAt.UTC().Format(time.RFC3339))
		}
		if err != nil {
			return fmt.Errorf("mark entry removed: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM blacklist_hashes WHERE entry_id = $1`, id); err != nil {
			return fmt.Errorf("delete hashes: %w", err)
		}
		if err := changed(ctx, tx, id); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "blacklistRemove", TargetID: id, Outcome: "ok", Reason: reason})
	})
	if err != nil {
		return nil, fmt.Errorf("blacklist.Remove(%s): %w", id, err)
	}
	return entry, nil
}

// refuseQuotingEntry refuses a reason about the person of entry id that quotes her: a record
// of hers (store.RefuseQuoting: the records it restricts or blocks, and their persons) or, once
// she is erased and no record is left to compare with, an e-mail or phone on the blacklist (as
// the closing texts of her requests are checked; names cannot be recognised from the hashes).
func (s *Service) refuseQuotingEntry(ctx context.Context, tx pgx.Tx, reason, id string) error {
	if err := store.RefuseQuoting(ctx, tx, "reason", reason, store.Subject{Entries: []string{id}}); err != nil {
		return err
	}
	quoted := screening.Quoted(reason)
	if len(quoted.Emails)+len(quoted.Phones) == 0 {
		return nil
	}
	scr, err := s.ScreenTx(ctx, tx, quoted)
	if err != nil {
		return fmt.Errorf("screen the reason: %w", err)
	}
	if scr.Blocked {
		return apperr.BadInput("reason", apperr.ReasonHasPersonalData, "the text quotes an e-mail address or phone number on the "+
			"blacklist (of a person who was erased or objected); it is kept in the audit trail, which holds no personal data, so leave it out")
	}
	return nil
}

// activeEntries is every active entry, for List's count: in the order of the partial index
// blacklist_entries_active, so that counting reads that index (pages that stay in shared
// buffers), not the table, which a sequential scan reads through a small ring of buffers once
// it is larger than a quarter of shared_buffers (contacts.allContacts says more).
const activeEntries = `SELECT id FROM blacklist_entries WHERE removed_at IS NULL ORDER BY created_at DESC, id DESC`

// List pages through the active entries, newest first. Entries hold no personal data, so
// the listing shows only source, reason, dates, key id and which kinds of identifier.
func (s *Service) List(ctx context.Context, first int, after string) (*model.BlacklistConnection, error) {
	var (
		afterAt *time.Time
		afterID *string
	)
	if after != "" {
		parts, err := store.DecodeCursor("after", after, 2)
		if err != nil {
			return nil, err
		}
		at, terr := time.Parse(cursorTime, parts[0])
		if terr != nil || store.CheckID("after", parts[1]) != nil {
			return nil, store.BadCursor("after", after)
		}
		afterAt, afterID = &at, &parts[1]
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+EntryColumns+` FROM blacklist_entries e
		WHERE e.removed_at IS NULL AND ($1::timestamptz IS NULL OR (e.created_at, e.id) < ($1, $2::uuid))
		ORDER BY e.created_at DESC, e.id DESC LIMIT $3`, afterAt, afterID, first+1)
	if err != nil {
		return nil, fmt.Errorf("blacklist.List: %w", err)
	}
	conn := &model.BlacklistConnection{Edges: []*model.BlacklistEdge{}, PageInfo: &model.PageInfo{}}
	for rows.Next() {
		e, err := ScanEntry(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("blacklist.List: %w", err)
		}
		conn.Edges = append(conn.Edges, &model.BlacklistEdge{
			Cursor: store.EncodeCursor(e.CreatedAt.UTC().Format(cursorTime), e.ID), Node: e})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("blacklist.List: %w", err)
	}
	if len(conn.Edges) > first {
		conn.Edges = conn.Edges[:first]
		conn.PageInfo.HasNextPage = true
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	// exact up to store.ExactCountLimit, estimated above
	if conn.TotalCount, _, err = store.Count(ctx, s.db.Pool, activeEntries); err != nil {
		return nil, fmt.Errorf("blacklist.List: count: %w", err)
	}
	return conn, nil
}
