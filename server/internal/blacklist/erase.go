package blacklist

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Erase deletes a contact and all its personal data in one transaction and keeps the person
// out: a blacklist entry (source ERASURE) with the keyed hashes of every identifier the
// person had, and a PII-free proof (contact id, time, who, reason, entry). Audit reasons
// about the person are blanked, as staff may have written personal details into them.
func (s *Service) Erase(ctx context.Context, contactID, reason string) (*model.ErasureReceipt, error) {
	if err := store.CheckID("id", contactID); err != nil {
		return nil, err
	}
	reason, err := checkReason("reason", reason)
	if err != nil {
		return nil, err
	}
	var receipt *model.ErasureReceipt
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		receipt, err = s.erase(ctx, tx, contactID, reason)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("blacklist.Erase(%s): %w", contactID, err)
	}
	return receipt, nil
}

func (s *Service) erase(ctx context.Context, tx pgx.Tx, id, reason string) (*model.ErasureReceipt, error) {
	// the blacklist lock before the row lock: screened writers take them in the same order
	if err := lockExclusive(ctx, tx); err != nil {
		return nil, err
	}
	c, err := store.ScanContact(tx.QueryRow(ctx, `SELECT `+store.ContactColumns+` FROM contacts c WHERE c.id = $1 FOR UPDATE OF c`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("no contact with id %s; it may have been erased already", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load contact: %w", err)
	}
	// Stored identifiers were validated on the way in; one that no longer normalises is skipped.
	ids, _ := s.keyring.Identify(contactCandidate(c))
	entry, err := s.insertEntry(ctx, tx, model.BlacklistSourceErasure, reason, ids)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('vermerk.erasure', 'on', true)`); err != nil {
		return nil, fmt.Errorf("enter erasure mode: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_log SET reason = NULL WHERE contact_id = $1 AND reason IS NOT NULL`, id); err != nil {
		return nil, fmt.Errorf("blank audit reasons: %w", err)
	}
	// Every table with personal data references contacts ON DELETE CASCADE.
	if _, err := tx.Exec(ctx, `DELETE FROM contacts WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("delete contact: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('vermerk.erasure', 'off', true)`); err != nil {
		return nil, fmt.Errorf("leave erasure mode: %w", err)
	}
	actorID, actorName := actor(ctx)
	var erasedAt time.Time
	if err := tx.QueryRow(ctx, `INSERT INTO erasures (contact_id, erased_by_id, erased_by_name, reason, blacklist_entry_id)
		VALUES ($1, $2, $3, $4, $5) RETURNING erased_at`, id, actorID, actorName, reason, entry.ID).Scan(&erasedAt); err != nil {
		return nil, fmt.Errorf("write erasure proof: %w", err)
	}
	if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventContactErased, ContactID: id, Channel: channel(ctx)}); err != nil {
		return nil, err
	}
	if err := changed(ctx, tx, entry.ID); err != nil {
		return nil, err
	}
	if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "eraseContact", TargetID: id, ContactID: id,
		Outcome: "erased; blacklist entry " + entry.ID, Reason: reason}); err != nil {
		return nil, err
	}
	return &model.ErasureReceipt{ContactID: id, ErasedAt: erasedAt, BlacklistEntry: entry}, nil
}

func contactCandidate(c *model.Contact) screening.Candidate {
	cand := screening.Candidate{GivenName: c.GivenName, FamilyName: c.FamilyName, Emails: c.Emails, Phones: c.Phones}
	if c.Organization != nil {
		cand.Organization = *c.Organization
	}
	if a := c.Address; a != nil {
		cand.Street, cand.PostalCode, cand.City, cand.Country = a.Street, a.PostalCode, a.City, a.Country
	}
	return cand
}

// actor names the caller as the audit trail does.
func actor(ctx context.Context) (id, name string) {
	if v := viewer.From(ctx); v != nil {
		return v.TokenID, v.Name
	}
	return "system", "system"
}

// channel is how a change came in, for subscribers: staff and admins, an API token, or the
// server itself (CLI).
func channel(ctx context.Context) string {
	switch v := viewer.From(ctx); {
	case v == nil:
		return "system"
	case v.Role == model.RoleIntegrator:
		return "api"
	default:
		return "staff"
	}
}
