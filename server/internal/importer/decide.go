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
//
// An acceptance is screened again at decision time: it overrides the entries the row showed
// (screening.Unseen): every match of its screening at import, and those a refusal named
// since; one that matches an entry it did not show is refused with NEW_BLACKLIST_MATCH and
// the row shows the new match (committed, so the next look sees it).
// A row that matches nothing any more is accepted as any such row, without an override, and
// needs no reason — unless the entry it was held for still holds (it matched a later row of
// the file that is the same person): then it needs one, and the audit names the entry. Dropping always works.
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
	// the acceptance of a row that matches the blacklist needs a reason (checked below, once
	// screened); a reason given is checked either way
	if strings.TrimSpace(why) != "" {
		var err error
		if why, err = checkDecisionReason(why); err != nil {
			return nil, err
		}
	}
	var refused error
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		refused = nil
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
			shown                  []string
			person                 screening.Candidate
		)
		err := tx.QueryRow(ctx, `SELECT h.field, h.entry_id, h.emails_norm, h.phones, coalesce(j.list_id::text, ''),
				h.given_name, h.family_name, coalesce(h.street, ''), coalesce(h.postal_code, ''), coalesce(h.city, ''),
				coalesce(h.country, ''), coalesce(h.shown_entries::text[], '{}')
			FROM import_held h JOIN import_jobs j ON j.id = h.job_id
			WHERE h.job_id = $1 AND h.line = $2 FOR UPDATE OF j, h`, jobID, line).
			Scan(&field, &entryID, &emailsNorm, &phones, &listID, &person.GivenName, &person.FamilyName,
				&person.Street, &person.PostalCode, &person.City, &person.Country, &shown)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFoundf("import job %s has no row at line %d waiting for a decision; it may have been decided already, or its job waited longer than VERMERK_HELD_RETENTION", jobID, line)
		}
		if err != nil {
			return err
		}
		person.Emails, person.Phones = emailsNorm, phones
		// the person of the row: what it holds, and the records of the entries it was held for
		if err := store.RefuseQuoting(ctx, tx, "reason", why, store.Subject{Candidates: []screening.Candidate{person},
			Entries: append([]string{entryID}, shown...)}); err != nil {
			return err
		}
		heldFor := fmt.Sprintf("blacklist match %s, entry %s", field, entryID)
		audit := store.AuditRecord{Operation: "decideImportRow", TargetID: jobID, Reason: why}
		inserted, dupes := 0, 0
		if accept {
			now, err := blacklist.ScreenLocked(ctx, tx, s.keyring, person)
			if err != nil {
				return err
			}
			seen := append([]string{entryID}, shown...)
			if refused = screening.RefuseUnseen("accept", fmt.Sprintf("line %d", line), seen, now); refused != nil {
				return s.showNewMatch(ctx, tx, jobID, line, seen, now)
			}
			// Held for an entry that still holds although the row itself matches it no more: it
			// matched a later row of the file that is the same person (kinHashes).
			var held bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM blacklist_entries WHERE id = $1 AND removed_at IS NULL)`,
				entryID).Scan(&held); err != nil {
				return err
			}
			held = held && len(now.Matches) == 0
			if (len(now.Matches) > 0 || held) && why == "" {
				_, err := checkDecisionReason(why)
				return err
			}
			var dup bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contact_emails WHERE normalized = ANY ($1::text[]))
				OR EXISTS (SELECT 1 FROM contact_phones WHERE number = ANY ($2::text[]))`, emailsNorm, phones).Scan(&dup); err != nil {
				return err
			}
			if dup {
				dupes = 1
				audit.Outcome = fmt.Sprintf("accepted line %d (%s), not inserted: a contact with its e-mail or phone exists now", line, heldFor)
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
				switch {
				case held:
					audit.Outcome = fmt.Sprintf("override: imported line %d despite blacklist entry %s, which matched another row of the file with an e-mail or phone of this one",
						line, entryID)
				case len(now.Matches) == 0:
					audit.Outcome = fmt.Sprintf("imported line %d: nothing matched the blacklist at decision time (held for %s)", line, heldFor)
				default:
					audit.Outcome = fmt.Sprintf("override: imported line %d despite blacklist %s", line, screening.DescribeMatches(now.Matches))
				}
				if !recorded {
					audit.Outcome += "; its consent not recorded: the contact is blocked"
				}
			}
		} else {
			audit.Outcome = fmt.Sprintf("dropped line %d (%s)", line, heldFor)
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
	if err == nil && refused != nil {
		err = refused
	}
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("importer.Decide(%s, %d): %w", jobID, line, err)
	}
	return s.Job(ctx, jobID)
}

func checkDecisionReason(why string) (string, error) {
	return screening.CheckReason("reason", why, "write why this person may be imported although the row matches the blacklist")
}

// showNewMatch records that line's acceptance was refused for matches of now it had not shown
// (seen): the row names the match that holds it now (a blocking one first, as the import
// names it, and of those one not seen before) and shows every match of now, with its field
// (heldRows.matches), so that the next acceptance, made knowing them, covers them. Audited and announced
// to the job's watchers; the caller commits it and answers with the refusal.
func (s *Service) showNewMatch(ctx context.Context, tx pgx.Tx, jobID string, line int, seen []string, now *model.Screening) error {
	unseen := screening.Unseen(seen, now)
	hold := heldMatchOf(now.Matches, unseen)
	ids, fields := shownMatches(now.Matches)
	if _, err := tx.Exec(ctx, `UPDATE import_held SET field = $3, entry_id = $4, shown_entries = $5::uuid[], shown_fields = $6
		WHERE job_id = $1 AND line = $2`, jobID, line, string(hold.Field), hold.Entry.ID, ids, fields); err != nil {
		return fmt.Errorf("show the new match: %w", err)
	}
	if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "decideImportRow", TargetID: jobID,
		Outcome: fmt.Sprintf("refused acceptance of line %d: it matches blacklist %s, not shown when it was held; held now for %s, entry %s",
			line, screening.DescribeMatches(unseen), hold.Field, hold.Entry.ID)}); err != nil {
		return err
	}
	_, err := store.Emit(ctx, tx, store.Event{Kind: store.EventImportProgress, Ref: jobID})
	return err
}

// shownMatches are the entries and match fields (element by element) a held row keeps as
// shown (import_held.shown_entries and shown_fields): every one of matches.
func shownMatches(matches []*model.BlacklistMatch) (entries, fields []string) {
	entries, fields = make([]string, len(matches)), make([]string, len(matches))
	for i, m := range matches {
		entries[i], fields[i] = m.Entry.ID, string(m.Field)
	}
	return entries, fields
}

// heldMatchOf is the match a held row names among matches (blocking first, as the screening
// orders them): a blocking one not yet seen, else a blocking one, else one not yet seen.
func heldMatchOf(matches, unseen []*model.BlacklistMatch) *model.BlacklistMatch {
	if b := screening.Blocking(unseen); len(b) > 0 {
		return b[0]
	}
	if b := screening.Blocking(matches); len(b) > 0 {
		return b[0]
	}
	return unseen[0]
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
