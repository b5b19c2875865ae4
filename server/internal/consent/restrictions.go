package consent

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/store"
)

// followRestrictions makes the objections and restrictions of the person hold for what she is
// known by now (JoinPerson, person locked): an entry that restricts a record of hers
// (blacklist.BlockPerson) restricts every record of hers — those sharing an e-mail or phone with
// a record it restricts, transitively, not passing through the records it set apart
// (restriction_kept) — and holds the keyed hashes of their e-mails and phones, except what a
// record set apart holds. A record that became hers through an identifier added after the block
// is blocked at once, and a record entered later with that identifier is screened as a match.
// Each entry is locked against its end (blacklistRemove, a re-entry) up to the commit, so no
// hash is added to an entry that ended meanwhile. Contacts it newly blocks get CONTACT_BLOCKED.
func followRestrictions(ctx context.Context, tx pgx.Tx, contactID string, person []string) error {
	rows, err := tx.Query(ctx, `SELECT e.id::text FROM blacklist_entries e
		WHERE e.removed_at IS NULL AND e.id IN (SELECT entry_id FROM contact_restrictions WHERE contact_id = ANY($1::uuid[]))
		ORDER BY e.id FOR SHARE`, person)
	if err != nil {
		return fmt.Errorf("entries restricting the person: %w", err)
	}
	entries, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("entries restricting the person: %w", err)
	}
	for _, entry := range entries {
		if err := followRestriction(ctx, tx, contactID, person, entry); err != nil {
			return fmt.Errorf("entry %s: %w", entry, err)
		}
	}
	return nil
}

// heldIdentifier is an e-mail or phone of her records with its keyed hash.
type heldIdentifier struct {
	kind, keyID, value string
	hash               []byte
}

func followRestriction(ctx context.Context, tx pgx.Tx, contactID string, person []string, entry string) error {
	var restricted, kept []string
	if err := tx.QueryRow(ctx, `SELECT
			ARRAY(SELECT contact_id::text FROM contact_restrictions WHERE entry_id = $1 ORDER BY 1),
			ARRAY(SELECT contact_id::text FROM restriction_kept WHERE entry_id = $1 ORDER BY 1)`, entry).Scan(&restricted, &kept); err != nil {
		return fmt.Errorf("its records: %w", err)
	}
	var hers []string
	for _, seed := range person {
		if !slices.Contains(restricted, seed) || slices.Contains(hers, seed) {
			continue
		}
		// past store.MaxPersonRecords (a switchboard): the restricted record alone
		more, _, err := store.PersonOrRecord(ctx, tx, seed, kept)
		if err != nil {
			return err
		}
		for _, r := range more {
			if !slices.Contains(hers, r) {
				hers = append(hers, r)
			}
		}
	}
	newcomers := slices.DeleteFunc(slices.Clone(hers), func(r string) bool { return slices.Contains(restricted, r) })

	rows, err := tx.Query(ctx, `SELECT 'EMAIL', m.key_id, m.normalized, m.hash FROM contact_emails m
			WHERE m.contact_id = ANY($2::uuid[]) AND m.hash IS NOT NULL
			AND NOT EXISTS (SELECT FROM contact_emails k WHERE k.contact_id = ANY($3::uuid[]) AND k.normalized = m.normalized)
			AND NOT EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = m.hash AND h.entry_id = $1)
		UNION
		SELECT 'PHONE', m.key_id, m.number, m.hash FROM contact_phones m
			WHERE m.contact_id = ANY($2::uuid[]) AND m.hash IS NOT NULL
			AND NOT EXISTS (SELECT FROM contact_phones k WHERE k.contact_id = ANY($3::uuid[]) AND k.number = m.number)
			AND NOT EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = m.hash AND h.entry_id = $1)
		ORDER BY 1, 3`, entry, hers, kept)
	if err != nil {
		return fmt.Errorf("identifiers it lacks: %w", err)
	}
	missing, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (h heldIdentifier, err error) {
		return h, r.Scan(&h.kind, &h.keyID, &h.value, &h.hash)
	})
	if err != nil {
		return fmt.Errorf("identifiers it lacks: %w", err)
	}
	if len(newcomers) == 0 && len(missing) == 0 {
		return nil
	}
	var kinds, keyIDs, emails, phones []string
	var hashes [][]byte
	for _, m := range missing {
		kinds, keyIDs, hashes = append(kinds, m.kind), append(keyIDs, m.keyID), append(hashes, m.hash)
		if m.kind == "EMAIL" {
			emails = append(emails, m.value)
		} else {
			phones = append(phones, m.value)
		}
	}
	// the contacts this blocks that were not blocked before: her newcomers, and every holder of
	// an identifier the entry gains (beyond her records only past MaxPersonRecords)
	rows, err = tx.Query(ctx, `SELECT c.id::text FROM (
			SELECT unnest($1::uuid[]) AS id
			UNION SELECT contact_id FROM contact_emails WHERE normalized = ANY($2::text[])
			UNION SELECT contact_id FROM contact_phones WHERE number = ANY($3::text[])) c
		WHERE NOT EXISTS (SELECT FROM contact_blocks b WHERE b.contact_id = c.id)
		ORDER BY 1`, newcomers, emails, phones)
	if err != nil {
		return fmt.Errorf("contacts newly covered: %w", err)
	}
	covered, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("contacts newly covered: %w", err)
	}
	if len(missing) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash)
				SELECT $1, k.kind, k.key_id, k.hash FROM unnest($2::text[], $3::text[], $4::bytea[]) AS k(kind, key_id, hash)
				ON CONFLICT DO NOTHING`, entry, kinds, keyIDs, hashes); err != nil {
			return fmt.Errorf("add her identifiers: %w", err)
		}
		// as blacklist.BlockHolders: no trigger finds the holders of a hash added
		if _, err := tx.Exec(ctx, `SELECT vermerk_refresh_blocks(ARRAY(
				SELECT contact_id FROM contact_emails WHERE normalized = ANY($1::text[])
				UNION SELECT contact_id FROM contact_phones WHERE number = ANY($2::text[])))`, emails, phones); err != nil {
			return fmt.Errorf("block the holders: %w", err)
		}
	}
	if len(newcomers) > 0 {
		// the trigger of migration 00035 blocks them in contact_blocks
		if _, err := tx.Exec(ctx, `INSERT INTO contact_restrictions (entry_id, contact_id)
				SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`, entry, newcomers); err != nil {
			return fmt.Errorf("restrict her records: %w", err)
		}
	}
	for _, id := range covered {
		if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventContactBlocked, ContactID: id, Channel: viewer.Channel(ctx), Ref: entry}); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventBlacklistChanged, Channel: viewer.Channel(ctx), Ref: entry}); err != nil {
			return err
		}
	}
	// ids and counts only: the audit names no e-mail or phone
	outcome := fmt.Sprintf("ok: %d e-mails and phones of her records added to the entry; %d live contacts newly blocked", len(missing), len(covered))
	if len(newcomers) > 0 {
		outcome += "; records " + strings.Join(newcomers, ", ") + " became hers and are restricted"
	}
	return store.Audit(ctx, tx, store.AuditRecord{Operation: "blockJoinedRecords", TargetID: entry, ContactID: contactID, Outcome: outcome})
}
