package contacts

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

const maxMerged = 20 // records merged into one at once

// MergeContacts merges the records fromIDs into intoID, one person entered several times, in
// one transaction: the e-mails, phones and list memberships are united (a membership begun
// before she left the list through any of the records ends first: consent.LeaveListsSheLeft,
// so one begun after, her joining again, is the survivor's); an address or
// organisation the survivor lacks is taken over (from the first record in fromIDs that has
// one); the ledger events of the merged records become the survivor's, each with its
// original time, source, evidence and recorder; and the current consent per purpose is
// derived again from the merged ledger by the ledger's one ordering rule (when the person
// acted), so a later revocation in one record beats an earlier grant in the other (and a
// survivor stopped so gets its CONSENT_REVOKED event); the survivor joins the person its new
// e-mails and phones belong to (consent.JoinPerson). The merged records are deleted: contact(id) answers null for
// them, and contact_merges sends their unsubscribe links to the survivor; a CONTACT_MERGED
// event per merged record names it and the survivor. The reason is audited and must not
// contain the person's e-mail, phone or name.
func (s *Service) MergeContacts(ctx context.Context, intoID string, fromIDs []string, reason string) (*model.Contact, error) {
	reason, err := checkMergeInput(intoID, fromIDs, reason)
	if err != nil {
		return nil, err
	}
	var merged *model.Contact
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		// before any lock: the merge ends in JoinPerson
		if err := consent.JoinTurn(ctx, tx); err != nil {
			return err
		}
		all, err := lockForMerge(ctx, tx, intoID, fromIDs)
		if err != nil {
			return err
		}
		ids := make([]string, len(all))
		for i, c := range all {
			ids[i] = c.ID
		}
		if err := store.RefuseQuoting(ctx, tx, "reason", reason, store.Subject{Records: ids}); err != nil {
			return err
		}
		into, from := all[0], all[1:]
		wasBlocked, err := blocked(ctx, tx, intoID)
		if err != nil {
			return err
		}
		if err := takeOver(ctx, tx, into, from); err != nil {
			return err
		}
		if err := moveIdentifiers(ctx, tx, intoID, fromIDs); err != nil {
			return err
		}
		// Each record first leaves the lists she left (through any of them) before its membership
		// began: the survivor's membership then begins with one that is hers after her departure.
		if err := consent.LeaveListsSheLeft(ctx, tx, append([]string{intoID}, fromIDs...)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO list_members (list_id, contact_id, added_at)
				SELECT list_id, $1, min(added_at) FROM list_members WHERE contact_id = ANY($2::uuid[]) GROUP BY list_id
				ON CONFLICT (list_id, contact_id) DO UPDATE SET added_at = least(list_members.added_at, EXCLUDED.added_at)`,
			intoID, fromIDs); err != nil {
			return fmt.Errorf("list memberships: %w", err)
		}
		// when the person left a list through a merged record's link: the survivor's now
		if _, err := tx.Exec(ctx, `INSERT INTO list_departures (list_id, contact_id, left_at)
				SELECT list_id, $1, max(left_at) FROM list_departures WHERE contact_id = ANY($2::uuid[]) GROUP BY list_id
				ON CONFLICT (contact_id, list_id) DO UPDATE SET left_at = greatest(list_departures.left_at, EXCLUDED.left_at)`,
			intoID, fromIDs); err != nil {
			return fmt.Errorf("list departures: %w", err)
		}
		if err := mergeLedgers(ctx, tx, intoID, fromIDs); err != nil {
			return err
		}
		// an objection or restriction said for a merged record holds for the survivor
		if _, err := tx.Exec(ctx, `INSERT INTO contact_restrictions (entry_id, contact_id)
				SELECT DISTINCT entry_id, $1::uuid FROM contact_restrictions WHERE contact_id = ANY($2::uuid[])
				ON CONFLICT DO NOTHING`, intoID, fromIDs); err != nil {
			return fmt.Errorf("restrictions: %w", err)
		}
		if err := repointOthers(ctx, tx, intoID, fromIDs); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE contact_merges SET into_id = $1 WHERE into_id = ANY($2::uuid[])`, intoID, fromIDs); err != nil {
			return fmt.Errorf("earlier merges: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contact_merges (from_id, into_id) SELECT unnest($2::uuid[]), $1`, intoID, fromIDs); err != nil {
			return fmt.Errorf("merge mapping: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM contacts WHERE id = ANY($1::uuid[])`, fromIDs); err != nil {
			return fmt.Errorf("delete merged records: %w", err)
		}
		// The survivor holds the merged records' e-mails and phones now: the person they join
		// says no through it, and it through them, as after updateContact.
		if err := consent.JoinPerson(ctx, tx, intoID); err != nil {
			return err
		}
		// a merged record's blacklisted phone or restriction blocks the survivor from now on
		if err := announceBlocked(ctx, tx, intoID, wasBlocked); err != nil {
			return err
		}
		// Ids only: the audit text names no e-mail, phone or name.
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "mergeContacts", TargetID: intoID, ContactID: intoID,
			Outcome: "ok: merged " + strings.Join(fromIDs, ", "), Reason: reason}); err != nil {
			return err
		}
		// Newsletter software holding a merged-away id learns it is gone, and where it went.
		for _, from := range fromIDs {
			if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventContactMerged, ContactID: intoID,
				Channel: viewer.Channel(ctx), Ref: from}); err != nil {
				return err
			}
		}
		merged, err = Get(ctx, tx, intoID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("contacts.MergeContacts(%s): %w", intoID, err)
	}
	return merged, nil
}

func checkMergeInput(intoID string, fromIDs []string, reason string) (string, error) {
	var errs apperr.List
	if err := store.CheckID("intoId", intoID); err != nil {
		errs = append(errs, err.(*apperr.Error))
	}
	switch {
	case len(fromIDs) == 0:
		errs = append(errs, apperr.BadInput("fromIds", apperr.ReasonRequired, "name at least one record to merge into %s", intoID))
	case len(fromIDs) > maxMerged:
		errs = append(errs, apperr.BadInput("fromIds", apperr.ReasonTooLong, "at most %d records can be merged at once", maxMerged))
	}
	for i, id := range fromIDs {
		field := fmt.Sprintf("fromIds[%d]", i)
		if err := store.CheckID(field, id); err != nil {
			errs = append(errs, err.(*apperr.Error))
		} else if id == intoID || slices.Index(fromIDs, id) < i {
			errs = append(errs, apperr.BadInput(field, apperr.ReasonMergeSameRecord, "record %s is named twice; name each record once, and not the one merged into", id))
		}
	}
	r, err := screening.CheckReason("reason", reason, "write why these records are one person")
	if err != nil {
		errs = append(errs, err.(*apperr.Error))
	}
	return r, errs.Err()
}

// lockForMerge locks the records (in id order, as concurrent merges do) and returns them,
// the survivor first; an unknown id is NOT_FOUND.
func lockForMerge(ctx context.Context, tx pgx.Tx, intoID string, fromIDs []string) ([]*model.Contact, error) {
	ids := append([]string{intoID}, fromIDs...)
	// identifiers move: the blacklist lock comes before the row locks, as for every writer
	if err := store.LockBlacklistShared(ctx, tx); err != nil {
		return nil, err
	}
	if err := store.LockRecords(ctx, tx, ids, "FOR UPDATE"); err != nil {
		return nil, err
	}
	all := make([]*model.Contact, len(ids))
	for i, id := range ids {
		c, err := Get(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		all[i] = c
	}
	return all, nil
}

// takeOver gives the survivor the organisation, address and names it lacks, from the first
// merged record that has them.
func takeOver(ctx context.Context, tx pgx.Tx, into *model.Contact, from []*model.Contact) error {
	f := screening.Contact{GivenName: into.GivenName, FamilyName: into.FamilyName}
	if into.Organization != nil {
		f.Organization = *into.Organization
	}
	addr := into.Address
	for _, c := range from {
		if f.Organization == "" && c.Organization != nil {
			f.Organization = *c.Organization
		}
		if addr == nil && c.Address != nil {
			addr = c.Address
		}
		if f.FamilyName == "" && c.FamilyName != "" {
			f.FamilyName, f.GivenName = c.FamilyName, c.GivenName
		}
	}
	if addr != nil {
		f.Address = &screening.Address{Street: addr.Street, PostalCode: addr.PostalCode, City: addr.City, Country: addr.Country}
	}
	street, postalCode, city, country := addressColumns(f)
	_, err := tx.Exec(ctx, `UPDATE contacts SET given_name = $2, family_name = $3, organization = $4, street = $5,
		postal_code = $6, city = $7, country = $8, sort_key = $9, search_text = $10, updated_at = now() WHERE id = $1`,
		into.ID, f.GivenName, f.FamilyName, organization(f), street, postalCode, city, country, store.SortKey(f.FamilyName, f.GivenName, f.Organization), store.SearchText(f))
	if err != nil {
		return fmt.Errorf("take over fields: %w", err)
	}
	return nil
}

// moveIdentifiers moves the e-mails and phones the survivor lacks to it, after its own, in
// the order of fromIDs. The rows move whole (with every column they have); those the survivor
// has already go with the merged records.
func moveIdentifiers(ctx context.Context, tx pgx.Tx, intoID string, fromIDs []string) error {
	for _, t := range []struct{ table, key string }{{"contact_emails", "normalized"}, {"contact_phones", "number"}} {
		_, err := tx.Exec(ctx, `WITH moving AS (
				SELECT contact_id, position, row_number() OVER (ORDER BY array_position($2::uuid[], contact_id), position) AS n
				FROM (SELECT DISTINCT ON (`+t.key+`) contact_id, position FROM `+t.table+`
					WHERE contact_id = ANY($2::uuid[])
					AND `+t.key+` NOT IN (SELECT `+t.key+` FROM `+t.table+` WHERE contact_id = $1)
					ORDER BY `+t.key+`, array_position($2::uuid[], contact_id), position) AS d),
			base AS (SELECT coalesce(max(position), -1) AS p FROM `+t.table+` WHERE contact_id = $1)
			UPDATE `+t.table+` x SET contact_id = $1, position = base.p + m.n
			FROM moving m, base WHERE x.contact_id = m.contact_id AND x.position = m.position`, intoID, fromIDs)
		if err != nil {
			return fmt.Errorf("move %s: %w", t.table, err)
		}
	}
	return nil
}

// mergeLedgers makes the ledger events of fromIDs the survivor's (only their contact_id
// changes; the database refuses any other change) and derives the survivor's consent state
// per purpose from the merged ledger (consent.Rederive). The survivor's state rows keep their ids.
func mergeLedgers(ctx context.Context, tx pgx.Tx, intoID string, fromIDs []string) error {
	if _, err := tx.Exec(ctx, `SET LOCAL vermerk.merge = 'on'`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE consent_events SET contact_id = $1 WHERE contact_id = ANY($2::uuid[])`, intoID, fromIDs); err != nil {
		return fmt.Errorf("move ledger events: %w", err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL vermerk.merge = 'off'`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM consent_state WHERE contact_id = ANY($1::uuid[])`, fromIDs); err != nil {
		return fmt.Errorf("consent state of merged records: %w", err)
	}
	// The ledger's one ordering rule (givenAt where given, else when recorded) decides, as for
	// a single record.
	return consent.Rederive(ctx, tx, intoID)
}

// mergedHere are the tables referencing contacts that MergeContacts merges itself, or that
// follow from them: contact_blocks is derived (migration 00025's triggers re-test the survivor
// as its identifiers and restrictions arrive), and moving a merged record's row there clashed
// with the survivor's own when both were blocked.
var mergedHere = []string{"contact_emails", "contact_phones", "list_members", "list_departures", "consent_events", "consent_state",
	"contact_merges", "contact_restrictions", "contact_blocks"}

// unconstrained are the columns that name a contact without a foreign key, because their rows
// outlive it as proof: a data-subject request and the audit trail. They are the person's too:
// moved to the survivor, an ERASURE request of a merged record erases the person, and an
// erasure of the survivor blanks what they say of the merged record.
var unconstrained = []string{"data_subject_requests.contact_id", "audit_log.contact_id"}

// repointOthers makes every other row that references a merged record (through a
// single-column foreign key to contacts, or a column of unconstrained) reference the
// survivor, instead of being deleted or orphaned with the merged record.
func repointOthers(ctx context.Context, tx pgx.Tx, intoID string, fromIDs []string) error {
	rows, err := tx.Query(ctx, `SELECT n.nspname, t.relname, a.attname
		FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		WHERE c.contype = 'f' AND c.confrelid = 'contacts'::regclass AND cardinality(c.conkey) = 1
			AND NOT (t.relname = ANY($1::text[]))
		UNION
		SELECT n.nspname, t.relname, a.attname
		FROM unnest($2::text[]) AS u(ref)
		JOIN pg_class t ON t.oid = split_part(u.ref, '.', 1)::regclass
		JOIN pg_namespace n ON n.oid = t.relnamespace
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attname = split_part(u.ref, '.', 2)
		ORDER BY 1, 2, 3`, mergedHere, unconstrained)
	if err != nil {
		return fmt.Errorf("references to contacts: %w", err)
	}
	refs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
		var ref [3]string
		return ref, r.Scan(&ref[0], &ref[1], &ref[2])
	})
	if err != nil || len(refs) == 0 {
		return err
	}
	if _, err := tx.Exec(ctx, `SET LOCAL vermerk.merge = 'on'`); err != nil {
		return err
	}
	for _, ref := range refs {
		table, column := pgx.Identifier{ref[0], ref[1]}.Sanitize(), pgx.Identifier{ref[2]}.Sanitize()
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET `+column+` = $1 WHERE `+column+` = ANY($2::uuid[])`, intoID, fromIDs); err != nil {
			return fmt.Errorf("move %s.%s to the survivor: %w", ref[1], ref[2], err)
		}
	}
	_, err = tx.Exec(ctx, `SET LOCAL vermerk.merge = 'off'`)
	return err
}
