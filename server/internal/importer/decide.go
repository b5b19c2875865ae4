package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Decide accepts (with a reason: the row is written as a contact and the override audited)
// or drops (the row's data is deleted) a row held because it matched the blacklist. When the
// last held row is decided, a job waiting for decisions is DONE. A row accepted after an
// equal contact appeared meanwhile is counted as a duplicate instead.
func (s *Service) Decide(ctx context.Context, jobID string, line int, accept bool, reason *string) (*model.ImportJob, error) {
	if err := store.CheckID("jobId", jobID); err != nil {
		return nil, err
	}
	if err := s.checkAccess(ctx, jobID); err != nil {
		return nil, err
	}
	why := ""
	if reason != nil {
		why = *reason
	}
	// a rejection needs no reason; an acceptance does
	if accept || strings.TrimSpace(why) != "" {
		var err error
		if why, err = screening.CheckReason("reason", why, "write why this person may be imported although the row matches the blacklist"); err != nil {
			return nil, err
		}
	}
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		// identifiers are written: the join turn and the blacklist lock before the row locks, as
		// for every writer
		if err := consent.JoinTurn(ctx, tx); err != nil {
			return err
		}
		if err := blacklist.LockShared(ctx, tx, s.keyring); err != nil {
			return err
		}
		var (
			field, entryID, listID string
			emailsNorm, phones     []string
			person                 screening.Candidate
		)
		err := tx.QueryRow(ctx, `SELECT h.field, h.entry_id, h.emails_norm, h.phones, coalesce(j.list_id::text, ''),
				h.given_name, h.family_name, coalesce(h.street, ''), coalesce(h.country, '')
			FROM import_held h JOIN import_jobs j ON j.id = h.job_id
			WHERE h.job_id = $1 AND h.line = $2 FOR UPDATE OF j, h`, jobID, line).
			Scan(&field, &entryID, &emailsNorm, &phones, &listID, &person.GivenName, &person.FamilyName, &person.Street, &person.Country)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFoundf("import job %s has no row at line %d waiting for a decision; it may have been decided already, or its job waited longer than VERMERK_HELD_RETENTION", jobID, line)
		}
		if err != nil {
			return err
		}
		person.Emails, person.Phones = emailsNorm, phones
		if err := screening.RefuseMentions("reason", why, person); err != nil {
			return err
		}
		audit := store.AuditRecord{Operation: "decideImportRow", TargetID: jobID, Reason: why}
		inserted, dupes := 0, 0
		if accept {
			var dup bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contact_emails WHERE normalized = ANY ($1::text[]))
				OR EXISTS (SELECT 1 FROM contact_phones WHERE number = ANY ($2::text[]))`, emailsNorm, phones).Scan(&dup); err != nil {
				return err
			}
			if dup {
				dupes = 1
				audit.Outcome = fmt.Sprintf("accepted line %d (blacklist match %s, entry %s), not inserted: a contact with its e-mail or phone exists now", line, field, entryID)
			} else {
				id, err := insertHeld(ctx, tx, s.keyring, jobID, line, listID, emailsNorm, phones)
				if err != nil {
					return err
				}
				if _, err := blacklist.HashIdentifiers(ctx, tx, s.keyring, []string{id}); err != nil {
					return err
				}
				recorded, err := recordHeldConsent(ctx, tx, jobID, line, id)
				if err != nil {
					return err
				}
				// No contact held its e-mails or phones above, but one may have been given one
				// meanwhile: the record joins that person, with the consent just recorded.
				if err := consent.JoinPerson(ctx, tx, id); err != nil {
					return err
				}
				inserted = 1
				audit.ContactID = id
				audit.Outcome = fmt.Sprintf("override: imported line %d despite blacklist match %s, entry %s", line, field, entryID)
				if !recorded {
					audit.Outcome += "; its consent not recorded: the contact is blocked"
				}
			}
		} else {
			audit.Outcome = fmt.Sprintf("dropped line %d (blacklist match %s, entry %s)", line, field, entryID)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM import_held WHERE job_id = $1 AND line = $2`, jobID, line); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE import_jobs SET held = held - 1, inserted = inserted + $2, duplicates = duplicates + $3,
				status = CASE WHEN status = 'NEEDS_DECISION' AND held = 1 THEN 'DONE' ELSE status END, updated_at = now()
			WHERE id = $1`, jobID, inserted, dupes); err != nil {
			return err
		}
		if err := store.Audit(ctx, tx, audit); err != nil {
			return err
		}
		_, err = store.Emit(ctx, tx, store.Event{Kind: store.EventImportProgress, Ref: jobID})
		return err
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("importer.Decide(%s, %d): %w", jobID, line, err)
	}
	return s.Job(ctx, jobID)
}

// insertHeld writes a held row as a contact and returns its id. Its e-mails (emailsNorm, as
// the held row stores them) and phones are written with their keyed hashes under the current
// key, as every writer does: without, the database blocked the contact for the missing hash,
// and tested it again when HashIdentifiers filled it in.
func insertHeld(ctx context.Context, tx pgx.Tx, keyring *screening.Keyring, jobID string, line int, listID string,
	emailsNorm, phones []string) (string, error) {
	var key string // the current key's id, as CurrentHash gives it with each hash
	hashesOf := func(kind screening.Kind, values []string) ([][]byte, error) {
		out := make([][]byte, len(values))
		for i, v := range values {
			var err error
			if key, out[i], err = keyring.CurrentHash(kind, v); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	emailHashes, err := hashesOf(screening.KindEmail, emailsNorm)
	if err != nil {
		return "", err
	}
	phoneHashes, err := hashesOf(screening.KindPhone, phones)
	if err != nil {
		return "", err
	}
	var id string
	err = tx.QueryRow(ctx, `INSERT INTO contacts (given_name, family_name, organization, street, postal_code, city, country,
			sort_key, search_text)
		SELECT given_name, family_name, organization, street, postal_code, city, country, sort_key, search_text
		FROM import_held WHERE job_id = $1 AND line = $2 RETURNING id`, jobID, line).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("insert contact: %w", err)
	}
	// the hashes follow the held row's arrays, which are what emailsNorm and phones were read from
	if _, err := tx.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized, hash, key_id)
		SELECT $3, e.ord - 1, e.address, e.normalized, ($4::bytea[])[e.ord], $5
		FROM import_held h, unnest(h.emails, h.emails_norm) WITH ORDINALITY AS e(address, normalized, ord)
		WHERE h.job_id = $1 AND h.line = $2`, jobID, line, id, emailHashes, key); err != nil {
		return "", fmt.Errorf("insert e-mails: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO contact_phones (contact_id, position, number, hash, key_id)
		SELECT $3, p.ord - 1, p.number, ($4::bytea[])[p.ord], $5
		FROM import_held h, unnest(h.phones) WITH ORDINALITY AS p(number, ord)
		WHERE h.job_id = $1 AND h.line = $2`, jobID, line, id, phoneHashes, key); err != nil {
		return "", fmt.Errorf("insert phones: %w", err)
	}
	if listID != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO list_members (list_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, listID, id); err != nil {
			return "", fmt.Errorf("list member: %w", err)
		}
	}
	return id, nil
}
