// Package retention deletes the contacts no purpose holds any more (storage limitation, Art.
// 5(1)(e) GDPR; DESIGN rule 10). A purpose holds a contact
//
//   - while the contact has a GRANTED consent for it;
//   - after a revocation, for the purpose's retentionMonths from the revocation in force;
//   - without any consent for it but on one of its lists, for retentionMonths from the
//     contact's last change;
//
// and with retentionMonths null ("no limit set") for ever. A contact with neither consents nor
// list memberships is kept for the longest retentionMonths any purpose sets, from its last
// change (for ever when no purpose sets one, so nothing is deleted before someone decides).
// A contact is due when no purpose holds it and nothing else does: an open data-subject
// request on any record of the person (store.SamePerson: a request filed on her newsletter
// record holds her sales record too), or a legal hold — an active MANUAL blacklist entry
// (blacklistContact, blacklistAdd) matching one of its e-mails or phones, or restricting the
// record itself (blacklistContact and a completed objection or restriction do, also for a
// record without e-mail or phone).
//
// Deletion is not an objection: it leaves no blacklist entry (the person may be entered
// again), is audited and emits CONTACT_DELETED; a deleted record's departures from lists pass
// to the person's records that stay (consent.HandOverDepartures). Contacts are examined in
// batches along the primary key (keyset pagination), so memory stays bounded however many
// there are.
package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Service implements graph.Retention.
type Service struct {
	db      *store.DB
	keyring *screening.Keyring
	keyIDs  []string // keyring's, for the blacklist lookups' key check
	// Now is the clock (tests set it); BatchSize how many contacts one step examines.
	Now       func() time.Time
	BatchSize int
}

// New returns the retention service; keyring hashes identifiers to find legal holds.
func New(db *store.DB, keyring *screening.Keyring) *Service {
	return &Service{db: db, keyring: keyring, keyIDs: keyring.KeyIDs(), Now: time.Now, BatchSize: 5000}
}

// Report is what one run found and did.
type Report struct {
	Examined int // contacts looked at
	Due      int // contacts no purpose and no hold keeps
	Deleted  int
}

// Apply runs over every contact: with dryRun it only counts what is due, otherwise it
// deletes it. The run is audited as one row; each deletion has its own.
func (s *Service) Apply(ctx context.Context, dryRun bool) (*model.RetentionReport, error) {
	r, err := s.Run(ctx, dryRun, nil)
	if err != nil {
		return nil, err
	}
	return &model.RetentionReport{DryRun: dryRun, Due: r.Due, Deleted: r.Deleted}, nil
}

// Run is Apply with progress reported after every batch (for the CLI).
func (s *Service) Run(ctx context.Context, dryRun bool, progress func(Report)) (Report, error) {
	var rep Report
	rules, err := s.rules(ctx)
	if err != nil {
		return rep, fmt.Errorf("retention.Run: %w", err)
	}
	after := ""
	for {
		ids, err := s.batch(ctx, after)
		if err != nil {
			return rep, fmt.Errorf("retention.Run: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		rep.Examined += len(ids)
		due, err := s.dueAmong(ctx, s.db.Pool, ids, rules)
		if err != nil {
			return rep, fmt.Errorf("retention.Run: %w", err)
		}
		if dryRun || len(due) == 0 {
			rep.Due += len(due)
		} else {
			n, err := s.delete(ctx, due, rules)
			if err != nil {
				return rep, fmt.Errorf("retention.Run: %w", err)
			}
			rep.Due += n
			rep.Deleted += n
		}
		if progress != nil {
			progress(rep)
		}
	}
	outcome := fmt.Sprintf("dry run: %d of %d contacts due", rep.Due, rep.Examined)
	if !dryRun {
		outcome = fmt.Sprintf("deleted %d of %d contacts", rep.Deleted, rep.Examined)
	}
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "applyRetention", Outcome: outcome})
	})
	if err != nil {
		return rep, fmt.Errorf("retention.Run: %w", err)
	}
	return rep, nil
}

// batchQuery is a batch of contact ids after $1, in id order.
const batchQuery = `SELECT c.id::text FROM contacts c WHERE c.id > $1::uuid ORDER BY c.id LIMIT $2` // "ORDER BY id" would sort by the text

// batch returns the next BatchSize contact ids after after, in id order: one range of the
// primary key per batch, so a run over n contacts reads each once.
func (s *Service) batch(ctx context.Context, after string) ([]string, error) {
	if after == "" {
		after = store.BeforeAllIDs
	}
	rows, err := s.db.Pool.Query(ctx, batchQuery, after, s.BatchSize)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// delete removes the contacts of due that are still due once locked, like an erasure but
// without a blacklist entry, and returns how many it deleted.
func (s *Service) delete(ctx context.Context, due []string, r rules) (deleted int, err error) {
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		// A blacklist entry added meanwhile (a new legal hold) waits for this transaction or is
		// seen by it, as for screened writes. The legal holds are found by hashing the
		// contacts' identifiers with this server's keys, so, as for screened writes, a server a
		// key rotation left behind (it would not recognise a hold made with the new key)
		// deletes nothing.
		if err := blacklist.LockShared(ctx, tx, s.keyring); err != nil {
			return err
		}
		// Lock first, then look again: a consent granted meanwhile keeps the contact.
		rows, err := tx.Query(ctx, `SELECT id::text FROM contacts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, due)
		if err != nil {
			return err
		}
		locked, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		// A legal hold added since the run began is seen here (under the lock): it holds too.
		if !r.manualHolds {
			if r.manualHolds, err = anyManualHold(ctx, tx); err != nil {
				return err
			}
		}
		// The persons of the open requests as they are now: a request filed since the run
		// began, and a record that became hers since (an identifier of hers added), hold too.
		if r.requested, err = personsRequesting(ctx, tx); err != nil {
			return err
		}
		ids, err := s.dueAmong(ctx, tx, locked, r)
		if err != nil || len(ids) == 0 {
			return err
		}
		// Her departures from lists stay with her other records: she is still in the registry.
		if err := consent.HandOverDepartures(ctx, tx, ids); err != nil {
			return err
		}
		// The consent ledger is append-only except in erasure mode, in which a trigger also
		// blanks the notes of the person's requests; audit reasons may name the person too.
		if err := store.InErasureMode(ctx, tx, func() error {
			for _, sql := range []string{
				`UPDATE audit_log SET reason = NULL WHERE contact_id = ANY($1::uuid[]) AND reason IS NOT NULL`,
				`DELETE FROM contacts WHERE id = ANY($1::uuid[])`,
				`SELECT vermerk_emit('CONTACT_DELETED', id, NULL, 'retention', '') FROM unnest($1::uuid[]) AS id ORDER BY id`,
			} {
				if _, err := tx.Exec(ctx, sql, ids); err != nil {
					return fmt.Errorf("%.50s…: %w", sql, err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		actorID, actorName := viewer.Actor(ctx)
		if _, err := tx.Exec(ctx, `INSERT INTO audit_log (actor_id, actor_name, operation, target_id, contact_id, outcome)
			SELECT $2, $3, 'applyRetention', id::text, id, 'deleted: no purpose holds the contact any more (no blacklist entry)'
			FROM unnest($1::uuid[]) AS id`, ids, actorID, actorName); err != nil {
			return fmt.Errorf("audit deletions: %w", err)
		}
		deleted = len(ids)
		return nil
	})
	return deleted, err
}
