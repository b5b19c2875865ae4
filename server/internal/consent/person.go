package consent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Revocation is the person's last "no" to a purpose, on whichever of their records it was said.
type Revocation struct {
	ContactID           string    // the record it was recorded on
	At                  time.Time // when the person said it (givenAt, else when recorded)
	Source              string    // the channel
	RecordedBy, TokenID string
}

// PersonRevocation returns the last revocation of purposeID by the person the records
// contactIDs belong to — those records and every record sharing a normalised e-mail or phone
// with them, transitively (store.SamePerson) — or nil when the person never revoked it.
// Grants weigh themselves against it (GrantUndoes): only a strictly later one undoes a "no".
func PersonRevocation(ctx context.Context, tx pgx.Tx, contactIDs []string, purposeID string) (*Revocation, error) {
	person := slices.Clone(contactIDs)
	for _, id := range contactIDs {
		records, _, err := store.PersonOrRecord(ctx, tx, id, nil)
		if err != nil {
			return nil, fmt.Errorf("consent.PersonRevocation: %w", err)
		}
		for _, o := range records {
			if !slices.Contains(person, o) {
				person = append(person, o)
			}
		}
	}
	return lastRevocation(ctx, tx, person, purposeID)
}

// lastRevocation is the last revocation of purposeID on any of the records person, or nil.
func lastRevocation(ctx context.Context, tx pgx.Tx, person []string, purposeID string) (*Revocation, error) {
	var r Revocation
	err := tx.QueryRow(ctx, `SELECT e.contact_id::text, vermerk_consent_moment(e.status, e.given_at, e.at), e.source, e.recorded_by, e.recorded_by_token
		FROM consent_events e WHERE e.contact_id = ANY($1::uuid[]) AND e.purpose_id = $2 AND e.status = 'REVOKED'
		ORDER BY vermerk_consent_moment(e.status, e.given_at, e.at) DESC, e.id DESC LIMIT 1`, person, purposeID).
		Scan(&r.ContactID, &r.At, &r.Source, &r.RecordedBy, &r.TokenID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("consent.PersonRevocation: %w", err)
	}
	return &r, nil
}

// reach is what a revocation did beyond the record it was said on.
type reach struct {
	others   []string // the person's other records it revoked
	tooLarge bool     // more than store.MaxPersonRecords share identifiers: the named record only
}

// note is the audit outcome's account of reach (ids only: the audit names no person).
func (r reach) note() string {
	switch {
	case r.tooLarge:
		return fmt.Sprintf("; not on other records: more than %d records share e-mails or phones with this one, so they "+
			"are not taken for one person's", store.MaxPersonRecords)
	case len(r.others) > 0:
		return "; also on the same person's records " + strings.Join(r.others, ", ")
	}
	return ""
}

// revokeSamePerson revokes for the person's other records what e revoked on e.ContactID
// (see revoke), and says which records it changed.
func revokeSamePerson(ctx context.Context, tx pgx.Tx, e entry) (reach, error) {
	person, whole, err := store.PersonOrRecord(ctx, tx, e.ContactID, nil)
	if err != nil || !whole {
		// !whole: identifiers shared far beyond one person (a switchboard): the named record only
		return reach{tooLarge: !whole}, err
	}
	var others []string
	evidence := sameRecordEvidence(e.ContactID)
	for _, id := range person[1:] {
		if err := lockContact(ctx, tx, id); err != nil {
			return reach{}, err
		}
		o := e
		o.ContactID, o.Evidence = id, &evidence
		st, err := currentStatus(ctx, tx, id, e.PurposeID)
		if err != nil {
			return reach{}, err
		}
		if st == model.ConsentStatusRevoked {
			continue
		}
		if _, err := revokeRecord(ctx, tx, o); err != nil {
			return reach{}, err
		}
		others = append(others, id)
	}
	return reach{others: others}, nil
}

// sameRecordEvidence is the evidence of a revocation taken over from another record of the
// person: it names that record by id only, no personal data.
func sameRecordEvidence(contactID string) string {
	return fmt.Sprintf("revoked on record %s of the same person (a shared e-mail or phone)", contactID)
}

// inheritRevocation gives the record contactID (locked by the caller) r, the person's last
// revocation of the purpose (PersonRevocation; nil for none), when the grant about to be
// appended or in force, counting from grantAt (GrantMoment), does not undo it (GrantUndoes:
// it is not strictly later) and the record's own ledger lacks it — a record entered after the
// person said no on another one. Dated when the person said it, it leaves the record revoked
// under the older grant, or the grant of the same instant, as on the record the "no" was said on.
func inheritRevocation(ctx context.Context, tx pgx.Tx, contactID, purposeID string, grantAt time.Time, r *Revocation) error {
	if r == nil || r.ContactID == contactID || GrantUndoes(grantAt, r.At) {
		return nil
	}
	var own *time.Time
	if err := tx.QueryRow(ctx, `SELECT max(vermerk_consent_moment(e.status, e.given_at, e.at)) FROM consent_events e
		WHERE e.contact_id = $1 AND e.purpose_id = $2 AND e.status = 'REVOKED'`, contactID, purposeID).Scan(&own); err != nil {
		return fmt.Errorf("own revocations: %w", err)
	}
	if own != nil && !own.Before(r.At) {
		return nil
	}
	before, err := currentStatus(ctx, tx, contactID, purposeID)
	if err != nil {
		return err
	}
	evidence := sameRecordEvidence(r.ContactID)
	givenAt := &r.At
	if r.At.Before(time.Now().AddDate(-givenAtBound, 0, 0)) {
		givenAt = nil // older than a ledger entry may be dated back: dated now, as late as it can be
	}
	if err := appendEntry(ctx, tx, entry{ContactID: contactID, PurposeID: purposeID, Status: model.ConsentStatusRevoked,
		Source: r.Source, Evidence: &evidence, RecordedBy: r.RecordedBy, TokenID: r.TokenID, GivenAt: givenAt}); err != nil {
		return err
	}
	return announceStop(ctx, tx, contactID, purposeID, before)
}

// joinTurnLock is the transaction advisory lock between the writers that join one record to
// a person (JoinPerson's callers, shared: JoinTurn) and an import batch (exclusive:
// BulkTurn), which writes thousands of records with their e-mails and phones at once.
const joinTurnLock = 7243003

// JoinTurn is taken by every transaction that calls JoinPerson, before it locks any row (the
// blacklist lock comes after it): a batch holding BulkTurn waits for none of its rows. JoinPerson
// takes it too, so a caller that forgets is not wrong, only open to a deadlock with the batch.
func JoinTurn(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, joinTurnLock); err != nil {
		return fmt.Errorf("consent.JoinTurn: %w", err)
	}
	return nil
}

// BulkTurn is JoinTurn's exclusive side, for a writer of many new records that looked for
// their e-mails and phones outside its transaction (an import batch): taken before the
// blacklist lock, and before JoinShared reads who else holds them, up to the commit. No
// writer of JoinPerson is then between its read of the person and its commit, which takes
// turns on identifiers one lock each (see JoinPerson) in a bounded lock table: one lock here
// stands for every identifier of the batch.
//
// No interleaving escapes: a JoinPerson writer that took JoinTurn before the batch took
// BulkTurn commits before the batch reads (JoinShared finds its record and joins the batch's
// to it); one that takes it after waits until the batch has committed, and reads the person
// with the batch's records in it.
func BulkTurn(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, joinTurnLock); err != nil {
		return fmt.Errorf("consent.BulkTurn: %w", err)
	}
	return nil
}

// TryBulkTurn is BulkTurn without waiting: it takes the turn when no one holds it or waits
// for it, and says whether it did. A writer that comes back for the turn batch after batch (an
// import) asks with it before it queues: a JoinTurn request queued behind a waiting BulkTurn
// waits for both, the staff write ahead of it and the whole batch.
func TryBulkTurn(ctx context.Context, tx pgx.Tx) (bool, error) {
	var took bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, joinTurnLock).Scan(&took); err != nil {
		return false, fmt.Errorf("consent.TryBulkTurn: %w", err)
	}
	return took, nil
}

// JoinPerson applies the person's revocations and list departures after contactID's e-mails
// or phones changed (createContact, updateContact, an accepted held import row, and
// mergeContacts for the survivor; JoinShared for an import batch's records): the record may
// have joined a person — or joined two — and every record of the person whose grant in force
// is older than the person's last revocation of that purpose inherits it, so the person's
// "no" holds for the records they are now known by; and every record of the person leaves the
// lists the person left after its membership there began (LeaveListsSheLeft); and her
// objections and restrictions reach every record of hers and the identifiers they hold now
// (followRestrictions); and the reasons of her blacklist entries and the override and merge
// reasons audited for her records that quote a record of hers now are scrubbed
// (store.ScrubEntryReasons, store.ScrubRecordReasons). The caller takes JoinTurn first.
func JoinPerson(ctx context.Context, tx pgx.Tx, contactID string) error {
	if err := JoinTurn(ctx, tx); err != nil {
		return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
	}
	// Writers of one e-mail or phone take turns from here to their commit, so each reads the
	// person after the other's record holding it committed: two staff adding her new address
	// to two records at once (on two instances) join both to her, and the "no" reaches both.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (
			SELECT 'person-identifier:e:' || normalized AS k FROM contact_emails WHERE contact_id = $1
			UNION SELECT 'person-identifier:p:' || number FROM contact_phones WHERE contact_id = $1) AS keys ORDER BY k`, contactID); err != nil {
		return fmt.Errorf("consent.JoinPerson(%s): take turns on its identifiers: %w", contactID, err)
	}
	person, _, err := store.PersonOrRecord(ctx, tx, contactID, nil)
	if err != nil { // alone, or identifiers shared far beyond one person: person is the record
		return err
	}
	// Her records are locked before what they said is read: a revocation or unsubscribe on one
	// of them that is under way read the person before this record joined it, so it is read
	// here once it has committed (it holds that record's lock until then).
	if err := store.LockRecords(ctx, tx, person, "FOR NO KEY UPDATE"); err != nil {
		return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
	}
	// Even alone: a merge gives the survivor the merged records' memberships and departures.
	if err := LeaveListsSheLeft(ctx, tx, person); err != nil {
		return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
	}
	// Even alone: her blocked record may hold an identifier it did not hold when she was blocked.
	if err := followRestrictions(ctx, tx, contactID, person); err != nil {
		return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
	}
	// Even alone: a reason of her entries may quote what her records hold now.
	if err := store.ScrubEntryReasons(ctx, tx, person); err != nil {
		return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
	}
	if err := store.ScrubRecordReasons(ctx, tx, person); err != nil {
		return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
	}
	if len(person) < 2 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT contact_id::text, purpose_id::text, granted_at FROM consent_state
		WHERE contact_id = ANY($1::uuid[]) AND status = 'GRANTED' ORDER BY contact_id, purpose_id`, person)
	if err != nil {
		return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
	}
	type granted struct {
		contactID, purposeID string
		at                   time.Time
	}
	grants, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (g granted, err error) {
		return g, r.Scan(&g.contactID, &g.purposeID, &g.at)
	})
	if err != nil {
		return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
	}
	last := map[string]*Revocation{} // per purpose: the person is the same for every grant
	for _, g := range grants {
		r, ok := last[g.purposeID]
		if !ok {
			if r, err = lastRevocation(ctx, tx, person, g.purposeID); err != nil {
				return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
			}
			last[g.purposeID] = r
		}
		if err := inheritRevocation(ctx, tx, g.contactID, g.purposeID, g.at, r); err != nil {
			return fmt.Errorf("consent.JoinPerson(%s): %w", contactID, err)
		}
	}
	return nil
}

// Written is a record written together with others (an import batch) and the identifiers it
// was written with: its normalised e-mails and E.164 phones.
type Written struct {
	ID             string
	Emails, Phones []string
}

// JoinShared runs JoinPerson for those of the records that share a normalised e-mail or phone
// with another record, in id order: records written together that looked for their identifiers
// outside the writing transaction (an import batch, under BulkTurn) and may have met a record
// that was given one of them meanwhile. The common case, none shared, costs one index probe
// per identifier (the writer knows what it wrote, so the records' own rows are not read
// again), and no lock.
func JoinShared(ctx context.Context, tx pgx.Tx, records []Written) error {
	var emailIDs, emails, phoneIDs, phones []string
	for _, r := range records {
		for _, e := range r.Emails {
			emailIDs, emails = append(emailIDs, r.ID), append(emails, e)
		}
		for _, p := range r.Phones {
			phoneIDs, phones = append(phoneIDs, r.ID), append(phones, p)
		}
	}
	// A probe per identifier, whatever the tables' size: over a semi-join of thousands of
	// keys the planner may read every e-mail stored.
	rows, err := tx.Query(ctx, `SELECT k.id::text FROM unnest($1::uuid[], $2::text[]) AS k(id, normalized) CROSS JOIN LATERAL (
			SELECT FROM contact_emails o WHERE o.normalized = k.normalized AND o.contact_id <> k.id LIMIT 1) AS other
		UNION
		SELECT k.id::text FROM unnest($3::uuid[], $4::text[]) AS k(id, number) CROSS JOIN LATERAL (
			SELECT FROM contact_phones o WHERE o.number = k.number AND o.contact_id <> k.id LIMIT 1) AS other
		ORDER BY 1`, emailIDs, emails, phoneIDs, phones)
	if err != nil {
		return fmt.Errorf("consent.JoinShared: %w", err)
	}
	shared, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("consent.JoinShared: %w", err)
	}
	for _, id := range shared {
		if err := JoinPerson(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// LeaveListsSheLeft ends the membership of each of the person's records (locked by the
// caller) in each list the person left through its unsubscribe link (list_departures, on any
// of her records) after that membership began: a record that was not known as hers when she
// said no keeps no membership her next "yes" to the purpose could make her a recipient by. A
// membership begun after her last departure stays — someone put the record on the list later
// (her own sign-up with another address, say) — and, as ever, sends nothing without a grant
// later than her revocation. Audited per membership, ids only.
func LeaveListsSheLeft(ctx context.Context, tx pgx.Tx, person []string) error {
	rows, err := tx.Query(ctx, `DELETE FROM list_members m
		USING (SELECT list_id, max(left_at) AS left_at FROM list_departures WHERE contact_id = ANY($1::uuid[]) GROUP BY list_id) d
		WHERE m.list_id = d.list_id AND m.contact_id = ANY($1::uuid[]) AND m.added_at < d.left_at
		RETURNING m.contact_id::text, m.list_id::text`, person)
	if err != nil {
		return fmt.Errorf("leave the lists the person left: %w", err)
	}
	type membership struct{ contactID, listID string }
	ended, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (m membership, err error) {
		return m, r.Scan(&m.contactID, &m.listID)
	})
	if err != nil {
		return fmt.Errorf("leave the lists the person left: %w", err)
	}
	for _, m := range ended {
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "leaveList", TargetID: m.listID, ContactID: m.contactID,
			Outcome: "ok: the record joined a person who left this list after its membership began"}); err != nil {
			return err
		}
	}
	return nil
}

// HandOverDepartures gives the person's records that stay the list departures of the records
// leaving (retention deletes records no purpose holds, one by one, while she stays): she left
// the list, not the record whose link she used, so addToList and JoinPerson must still find it
// on the records she is known by. Records past MaxPersonRecords hand over nothing (no one
// person's). The caller locks leaving and deletes them after.
func HandOverDepartures(ctx context.Context, tx pgx.Tx, leaving []string) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT contact_id::text FROM list_departures WHERE contact_id = ANY($1::uuid[]) ORDER BY 1`, leaving)
	if err != nil {
		return fmt.Errorf("consent.HandOverDepartures: %w", err)
	}
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("consent.HandOverDepartures: %w", err)
	}
	for _, id := range left {
		person, whole, err := store.PersonOrRecord(ctx, tx, id, nil)
		if err != nil {
			return fmt.Errorf("consent.HandOverDepartures: %w", err)
		}
		stay := slices.DeleteFunc(person, func(o string) bool { return slices.Contains(leaving, o) })
		if !whole || len(stay) == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO list_departures (list_id, contact_id, left_at)
				SELECT d.list_id, s.id, d.left_at FROM list_departures d, unnest($2::uuid[]) AS s(id) WHERE d.contact_id = $1
				ON CONFLICT (contact_id, list_id) DO UPDATE SET left_at = greatest(list_departures.left_at, EXCLUDED.left_at)`,
			id, stay); err != nil {
			return fmt.Errorf("consent.HandOverDepartures(%s): %w", id, err)
		}
	}
	return nil
}

// RevokeObjectedGrants is what a re-entry leaves of the person's older grants. A blacklist
// entry (her objection, restriction or erasure, made at blockedAt) ends because she came back
// herself for the purpose keptPurposeID (a confirmed double opt-in) on the record contactID;
// the entry overrode every grant she had, and what she did not say yes to again does not come
// back with her: the grants of other purposes, and those of that purpose on her other records
// (another address of hers: she confirmed this one). Each record of the person
// (store.SamePerson of contactID, and the records the entry restricted, which may share no
// identifier with her any more; locked by the caller) whose grant in force, but for
// keptPurposeID on contactID, does not undo the entry (GrantUndoes: older than blockedAt, or of
// that instant) gets a REVOKED entry dated blockedAt (as late as a ledger entry may be dated
// back), evidence naming the entry by id, and a CONSENT_REVOKED event. A later grant of that
// purpose is a new "yes" and undoes it.
func RevokeObjectedGrants(ctx context.Context, tx pgx.Tx, contactID string, restricted []string, keptPurposeID, entryID string, blockedAt time.Time, source string) error {
	person, _, err := store.PersonOrRecord(ctx, tx, contactID, nil)
	if err != nil {
		return fmt.Errorf("consent.RevokeObjectedGrants: %w", err)
	}
	for _, r := range restricted {
		if !slices.Contains(person, r) {
			person = append(person, r)
		}
	}
	rows, err := tx.Query(ctx, `SELECT contact_id::text, purpose_id::text, granted_at FROM consent_state
		WHERE contact_id = ANY($1::uuid[]) AND (purpose_id <> $2 OR contact_id <> $3) AND status = 'GRANTED'
		ORDER BY contact_id, purpose_id`, person, keptPurposeID, contactID)
	if err != nil {
		return fmt.Errorf("consent.RevokeObjectedGrants: %w", err)
	}
	type grant struct {
		contactID, purposeID string
		at                   time.Time
	}
	granted, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grant, error) {
		var g grant
		return g, r.Scan(&g.contactID, &g.purposeID, &g.at)
	})
	if err != nil {
		return fmt.Errorf("consent.RevokeObjectedGrants: %w", err)
	}
	// the entry is her "no" of blockedAt: a grant of that very instant does not outlast it either
	older := slices.DeleteFunc(granted, func(g grant) bool { return GrantUndoes(g.at, blockedAt) })
	evidence := fmt.Sprintf("blacklist entry %s (made %s) ended by the person's re-entry (a confirmed sign-up on another record or for another purpose); "+
		"this grant, older than the entry, does not revive", entryID, blockedAt.UTC().Format(time.RFC3339))
	givenAt := &blockedAt
	if blockedAt.Before(time.Now().AddDate(-givenAtBound, 0, 0)) {
		givenAt = nil
	}
	tokenID, recordedBy := viewer.Actor(ctx)
	for _, g := range older {
		if err := lockContact(ctx, tx, g.contactID); err != nil {
			return err
		}
		if _, err := revokeRecord(ctx, tx, entry{ContactID: g.contactID, PurposeID: g.purposeID, Source: source,
			Evidence: &evidence, RecordedBy: recordedBy, TokenID: tokenID, GivenAt: givenAt}); err != nil {
			return err
		}
	}
	return nil
}
