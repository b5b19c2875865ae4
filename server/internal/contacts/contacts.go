// Package contacts keeps contacts and their identifiers. Every write is screened against the
// blacklist in the transaction that writes it, so no way in can skip the check.
package contacts

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Screener checks a candidate against the blacklist within the writing transaction, and
// gives the identifiers written their keyed hashes (which recipients' exclusion reads).
type Screener interface {
	ScreenTx(ctx context.Context, q store.Querier, c screening.Candidate) (*model.Screening, error)
	HashContacts(ctx context.Context, q store.Querier, ids []string) error
	// IdentifierHash is the current key's hash an e-mail or phone is written with.
	IdentifierHash(kind screening.Kind, normalized string) (keyID string, hash []byte, err error)
}

// Service implements graph.Contacts.
type Service struct {
	db       *store.DB
	screener Screener
	byID     *store.Joiner[string, *model.Contact] // contact(id) of concurrent requests
}

// contactsByIDs looks up contacts by id; its argument is store.UUIDArray of
// store.GenericPlanKeys, so that PostgreSQL keeps one plan for it.
const contactsByIDs = `SELECT ` + store.ContactColumns + ` FROM contacts c WHERE c.id = ANY($1::uuid[])`

// New returns the contacts service.
func New(db *store.DB, screener Screener) *Service {
	s := &Service{db: db, screener: screener}
	s.byID = store.NewJoiner(store.JoinSlots(db.Pool), func(ctx context.Context, ids []string, found func(string, *model.Contact)) error {
		arg, err := store.UUIDArray(store.GenericPlanKeys(ids))
		if err != nil {
			return err
		}
		rows, err := db.Pool.Query(ctx, contactsByIDs, arg)
		if err != nil {
			return err
		}
		cs, err := collect(rows)
		for _, c := range cs {
			found(c.ID, c)
		}
		return err
	})
	return s
}

// Contact returns one contact or an apperr NOT_FOUND.
func (s *Service) Contact(ctx context.Context, id string) (*model.Contact, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	cs, err := s.byID.Lookup(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("contacts.Contact(%s): %w", id, err)
	}
	if len(cs) == 0 {
		return nil, apperr.NotFoundf("no contact with id %s", id)
	}
	return cs[0], nil
}

// MergedInto returns the live record the merged contact id was merged into (store.Survivor:
// contact_merges follows later merges of the survivor); NOT_FOUND when id was never merged, or
// when the person was erased since (her erasure deleted the survivor and its merge rows).
func (s *Service) MergedInto(ctx context.Context, id string) (*model.Contact, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	into, err := store.Survivor(ctx, s.db.Pool, id)
	if err != nil {
		return nil, fmt.Errorf("contacts.MergedInto(%s): %w", id, err)
	}
	if into == id {
		return nil, apperr.NotFoundf("contact %s was not merged into another", id)
	}
	return s.Contact(ctx, into)
}

// Get loads a contact with q; a missing contact is apperr NOT_FOUND.
func Get(ctx context.Context, q store.Querier, id string) (*model.Contact, error) {
	c, err := store.ScanContact(q.QueryRow(ctx, `SELECT `+store.ContactColumns+` FROM contacts c WHERE c.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("no contact with id %s", id)
	}
	return c, err
}

// ContactsByIDs loads contacts for the per-request loader, one result per id.
func (s *Service) ContactsByIDs(ctx context.Context, ids []string) ([]*model.Contact, []error) {
	out := make([]*model.Contact, len(ids))
	errs := make([]error, len(ids))
	arg, err := store.UUIDArray(store.GenericPlanKeys(ids))
	var found []*model.Contact
	if err == nil {
		var rows pgx.Rows
		if rows, err = s.db.Pool.Query(ctx, contactsByIDs, arg); err == nil {
			found, err = collect(rows)
		}
	}
	if err == nil {
		byID := make(map[string]*model.Contact, len(found))
		for _, c := range found {
			byID[c.ID] = c
		}
		for i, id := range ids {
			if c, ok := byID[id]; ok {
				out[i] = c
			} else {
				errs[i] = apperr.NotFoundf("no contact with id %s", id)
			}
		}
	}
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("contacts.ContactsByIDs: %w", err)
		}
	}
	return out, errs
}

// collect reads contacts selected with store.ContactColumns, in the query's order.
func collect(rows pgx.Rows) ([]*model.Contact, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Contact, error) { return store.ScanContact(r) })
}

// CreateContact validates, screens and writes a new contact. A blocking blacklist match
// without override writes nothing and returns the screening; with an override the write is
// audited with its reason.
func (s *Service) CreateContact(ctx context.Context, in model.ContactInput, override *model.OverrideInput) (*model.ContactPayload, error) {
	f, err := apply(screening.ContactInput{}, in)
	if err != nil {
		return nil, err
	}
	if err := checkOverride(override); err != nil {
		return nil, err
	}
	var payload *model.ContactPayload
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		payload, err = s.write(ctx, tx, "createContact", "", f, override)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("contacts.CreateContact: %w", err)
	}
	return payload, nil
}

// UpdateContact applies the fields in sets over the stored contact; only identifiers it sets
// are screened, so an unrelated edit of a contact once let in by override is not refused.
func (s *Service) UpdateContact(ctx context.Context, id string, in model.ContactInput, override *model.OverrideInput) (*model.ContactPayload, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	if err := checkOverride(override); err != nil {
		return nil, err
	}
	var payload *model.ContactPayload
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		old, err := Get(ctx, tx, id)
		if err != nil {
			return err
		}
		f, err := apply(fromContact(old), in)
		if err != nil {
			return err
		}
		payload, err = s.write(ctx, tx, "updateContact", id, f, override, setFields(in)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("contacts.UpdateContact(%s): %w", id, err)
	}
	return payload, nil
}

// checkOverride trims the override's reason and refuses a missing or over-long one.
func checkOverride(o *model.OverrideInput) error {
	if o == nil {
		return nil
	}
	r, err := screening.CheckReason("override.reason", o.Reason, "write why this person may be entered although the blacklist matches")
	o.Reason = r
	return err
}

// setFields names the identifier groups an update sets, for screening only what changes.
func setFields(in model.ContactInput) []string {
	var set []string
	if in.Emails != nil {
		set = append(set, "emails")
	}
	if in.Phones != nil {
		set = append(set, "phones")
	}
	if in.Address != nil || in.FamilyName != nil || in.GivenName != nil {
		set = append(set, "nameAddress")
	}
	return set
}

// write screens f and, unless blocked without override, inserts (id == "") or updates it.
// only, when given, limits screening to those identifier groups.
func (s *Service) write(ctx context.Context, tx pgx.Tx, op, id string, f fields, override *model.OverrideInput, only ...string) (*model.ContactPayload, error) {
	// before any lock: the write ends in JoinPerson
	if err := consent.JoinTurn(ctx, tx); err != nil {
		return nil, err
	}
	cand := candidate(f)
	whole := cand
	if id != "" {
		cand = restrict(cand, only)
	}
	scr, err := s.screener.ScreenTx(ctx, tx, cand)
	if err != nil {
		return nil, err
	}
	if override != nil {
		// the reason is about the person entered: what is typed, the record, and the records
		// of the entries it matches
		who := store.Subject{Candidates: []screening.Candidate{whole}}
		if id != "" {
			who.Records = []string{id}
		}
		for _, m := range scr.Matches {
			who.Entries = append(who.Entries, m.Entry.ID)
		}
		if err := store.RefuseQuoting(ctx, tx, "override.reason", override.Reason, who); err != nil {
			return nil, err
		}
	}
	if id != "" {
		// The record's person is locked in id order before the record is written (JoinPerson
		// locks her again after): a "no" said through another record of hers at the same time
		// locks them in that order too, so the two take turns instead of deadlocking.
		into, _, _, err := store.LockPersonOf(ctx, tx, id, "FOR NO KEY UPDATE")
		if err != nil {
			return nil, err
		}
		if into != id { // merged meanwhile: the fields read belong to a record that is gone
			return nil, apperr.NotFoundf("contact %s was merged into %s meanwhile; edit that one", id, into)
		}
	}
	refused := "refused: blacklist match"
	if override != nil {
		// a blocking match of an entry the override was not shown needs a decision of its own;
		// a name-and-address match only warns here, shown or not
		if unseen := screening.Blocking(screening.Unseen(override.EntryIds, scr)); len(unseen) > 0 {
			override = nil
			refused = "refused: override of blacklist entries shown, but it matches " + screening.DescribeMatches(unseen) + " too"
		}
	}
	if scr.Blocked && override == nil {
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: op, TargetID: id, ContactID: id,
			Outcome: refused}); err != nil {
			return nil, err
		}
		return &model.ContactPayload{Screening: scr, Duplicates: []*model.Contact{}}, nil
	}
	wasBlocked := true // a new record is known to no one yet: nothing to announce
	if id == "" {
		id, err = insert(ctx, tx, s.screener, f)
	} else if wasBlocked, err = blocked(ctx, tx, id); err == nil {
		err = update(ctx, tx, s.screener, id, f)
	}
	if err != nil {
		return nil, err
	}
	if err := s.screener.HashContacts(ctx, tx, []string{id}); err != nil {
		return nil, err
	}
	if err := consent.JoinPerson(ctx, tx, id); err != nil {
		return nil, err
	}
	if err := announceBlocked(ctx, tx, id, wasBlocked); err != nil {
		return nil, err
	}
	rec := store.AuditRecord{Operation: op, TargetID: id, ContactID: id, Outcome: "ok"}
	if scr.Blocked || len(scr.Matches) > 0 && override != nil {
		rec.Outcome = "override of blacklist " + screening.DescribeMatches(scr.Matches)
		rec.Reason = override.Reason
	}
	if err := store.Audit(ctx, tx, rec); err != nil {
		return nil, err
	}
	c, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	dups, err := duplicates(ctx, tx, id, f)
	if err != nil {
		return nil, err
	}
	return &model.ContactPayload{Contact: c, Screening: scr, Duplicates: dups}, nil
}

func restrict(c screening.Candidate, only []string) screening.Candidate {
	r := screening.Candidate{}
	for _, g := range only {
		switch g {
		case "emails":
			r.Emails = c.Emails
		case "phones":
			r.Phones = c.Phones
		case "nameAddress":
			r.GivenName, r.FamilyName = c.GivenName, c.FamilyName
			r.Street, r.PostalCode, r.City, r.Country = c.Street, c.PostalCode, c.City, c.Country
		}
	}
	return r
}

// duplicates are other live contacts holding one of f's e-mails or phones.
func duplicates(ctx context.Context, q store.Querier, id string, f fields) ([]*model.Contact, error) {
	norms := f.NormalizedEmails()
	rows, err := q.Query(ctx, `SELECT `+store.ContactColumns+` FROM contacts c WHERE c.id <> $1 AND c.id IN (
			SELECT contact_id FROM contact_emails WHERE normalized = ANY($2)
			UNION SELECT contact_id FROM contact_phones WHERE number = ANY($3))
		ORDER BY c.sort_key, c.id LIMIT 20`, id, norms, f.Phones)
	if err != nil {
		return nil, fmt.Errorf("duplicates: %w", err)
	}
	out, err := collect(rows)
	if err != nil {
		return nil, fmt.Errorf("duplicates: %w", err)
	}
	return out, nil
}
