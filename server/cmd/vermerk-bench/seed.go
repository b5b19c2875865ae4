package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// benchID is the uuid the seed SQL makes with md5(prefix || i)::uuid, so Go knows the ids
// without reading them back.
func benchID(prefix string, i int) string {
	sum := md5.Sum(fmt.Appendf(nil, "%s%d", prefix, i))
	h := hex.EncodeToString(sum[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// orderedIDSQL is the id the seed SQL gives row i (its column i) of a kind named by prefix,
// and orderedID the same in Go. The ids run in the order of i as the ids Vermerk gives contacts
// do (UUIDv7: a millisecond time first, here epochMS + i, so rows written together lie together
// in the table and in id order); the rest is md5(prefix || i).
func orderedIDSQL(prefix string, epochMS int) string {
	return fmt.Sprintf(`(lpad(to_hex(%d + i), 12, '0') || '7' || substr(md5('%s' || i), 1, 3) || '8' ||
	substr(md5('%s' || i), 4, 15))::uuid`, epochMS, prefix, prefix)
}

func orderedID(prefix string, epochMS, i int) string {
	sum := md5.Sum(fmt.Appendf(nil, "%s%d", prefix, i))
	m := hex.EncodeToString(sum[:])
	h := fmt.Sprintf("%012x", epochMS+i) + "7" + m[:3] + "8" + m[3:18]
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// seededNameSQL are the given name, family name, sort key and search text of seeded contact i
// (Erika i Mustermann), written in SQL for speed: they must be what store.SortKey and
// store.SearchText derive from the names (TestSeededNamesAreStores; the given name of two
// words is written once more without its space).
const seededNameSQL = `'Erika ' || i, 'Mustermann', 'mustermann erika ' || i || ' ', 'erika ' || i || ' mustermann erika' || i`

// contactsEpochMS is when the seeded contacts were created, one a millisecond from then on
// (2023-11-14); contactIDSQL and contactID are their ids.
const contactsEpochMS = 1_700_000_000_000

var contactIDSQL = orderedIDSQL("contact-", contactsEpochMS)

func contactID(i int) string { return orderedID("contact-", contactsEpochMS, i) }

// contactEmail is the e-mail of seeded contact i.
func contactEmail(i int) string { return fmt.Sprintf("erika.%d@example.org", i) }

// seedContacts writes contacts from..to, each with one e-mail (contactEmail(i)) and its keyed
// hash.
func (b *bench) seedContacts(ctx context.Context, from, to int) error {
	t0 := time.Now()
	err := b.bulk(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO contacts (id, given_name, family_name, sort_key, search_text)
			SELECT `+contactIDSQL+`, `+seededNameSQL+`
			FROM generate_series($1::int, $2::int) i`, from, to); err != nil {
			return fmt.Errorf("seed contacts: %w", err)
		}
		return b.copyEmails(ctx, tx, contactID, from, to, contactEmail)
	}, "contacts", "contact_emails")
	if err != nil {
		return err
	}
	b.contacts = to
	b.progress("seeded contacts %d–%d with e-mails in %s", from, to, time.Since(t0).Round(time.Millisecond))
	return nil
}

// seedRecipients puts contacts from..to on list listID, grants 9 in 10 of them consent for
// purposeID and blocks 1 in 100 (seedBlocks). The ledger rows are written with the derive trigger off (replica mode) and their
// consent_state rows in one statement, as the trigger would have made them.
func (b *bench) seedRecipients(ctx context.Context, from, to int, listID, purposeID string) error {
	t0 := time.Now()
	err := b.bulk(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO list_members (list_id, contact_id)
			SELECT $3, `+contactIDSQL+` FROM generate_series($1::int, $2::int) i`, from, to, listID); err != nil {
			return fmt.Errorf("seed list members: %w", err)
		}
		if _, err := tx.Exec(ctx, `WITH granted AS (
				INSERT INTO consent_events (contact_id, purpose_id, status, source, recorded_by, recorded_by_token)
				SELECT `+contactIDSQL+`, $3, 'GRANTED', 'bench', 'vermerk-bench', 'bench'
				FROM generate_series($1::int, $2::int) i WHERE i % 10 <> 0
				RETURNING id, contact_id, purpose_id, at)
			INSERT INTO consent_state (contact_id, purpose_id, status, granted_at, last_event_id)
			SELECT contact_id, purpose_id, 'GRANTED', at, id FROM granted`, from, to, purposeID); err != nil {
			return fmt.Errorf("seed consents: %w", err)
		}
		return nil
	}, "list_members", "consent_events", "consent_state")
	if err != nil {
		return err
	}
	if err := b.seedBlocks(ctx, from, to); err != nil {
		return err
	}
	b.progress("seeded list members %d–%d with 9 in 10 consents, 1 in 100 blocked, in %s", from, to, time.Since(t0).Round(time.Millisecond))
	return nil
}

// copyEmails writes email(i) for the contacts id(i), i = from…to, with its keyed
// hash under the servers' key, as createContact and the import do (recipients leaves out a
// contact whose e-mail has no hash).
func (b *bench) copyEmails(ctx context.Context, tx pgx.Tx, id func(int) string, from, to int, email func(int) string) error {
	key := b.keyring.Current().ID
	i := from - 1
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		if i == to {
			return nil, nil
		}
		i++
		e := email(i)
		h, err := b.keyring.Hash(key, screening.KindEmail, e)
		return []any{id(i), 0, e, e, h, key}, err
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contact_emails"}, []string{"contact_id", "position", "address", "normalized", "hash", "key_id"}, rows); err != nil {
		return fmt.Errorf("seed contact e-mails: %w", err)
	}
	return nil
}

// blocked says whether seedRecipients blocks contact i with a MANUAL blacklist entry: one in
// a hundred (99, 199, …, each with a consent).
func blocked(i int) bool { return i%100 == 99 }

// seedBlocks writes a MANUAL blacklist entry (an objection) for the e-mail of every contact
// from..to that blocked picks, so that recipients has people to leave out. The rows are few
// (one in a hundred): they go in with the indexes in place.
func (b *bench) seedBlocks(ctx context.Context, from, to int) error {
	key := b.keyring.Current().ID
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
			SELECT md5('block-' || i)::uuid, 'MANUAL', 'bench: objection', $3, '{EMAIL}'
			FROM generate_series($1::int, $2::int) i WHERE i % 100 = 99`, from, to, key); err != nil {
			return fmt.Errorf("seed blocking entries: %w", err)
		}
		i := from - 1
		rows := pgx.CopyFromFunc(func() ([]any, error) {
			for i < to {
				i++
				if blocked(i) {
					h, err := b.keyring.Hash(key, screening.KindEmail, contactEmail(i))
					return []any{benchID("block-", i), string(screening.KindEmail), key, h}, err
				}
			}
			return nil, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"blacklist_hashes"}, []string{"entry_id", "kind", "key_id", "hash"}, rows); err != nil {
			return fmt.Errorf("seed blocking hashes: %w", err)
		}
		var emails []string
		for i := from; i <= to; i++ {
			if blocked(i) {
				emails = append(emails, contactEmail(i))
			}
		}
		return blacklist.BlockHolders(ctx, tx, emails, nil)
	})
	if err != nil {
		return err
	}
	return b.settle(ctx, "blacklist_entries", "blacklist_hashes", "contact_blocks")
}

// erasedEmail is the e-mail of blacklist entry i.
func erasedEmail(i int) string { return fmt.Sprintf("erased.%d@example.org", i) }

// seedBlacklist writes ERASURE entries from..to, each holding the keyed hash of erasedEmail(i)
// under the servers' key (computed here with the same keyring code), with COPY.
func (b *bench) seedBlacklist(ctx context.Context, from, to int) error {
	t0 := time.Now()
	keyID := b.keyring.Current().ID
	err := b.bulk(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds, created_at)
			SELECT md5('entry-' || i)::uuid, 'ERASURE', 'bench: erased on request', $3, '{EMAIL}', now() - i * interval '1 second'
			FROM generate_series($1::int, $2::int) i`, from, to, keyID); err != nil {
			return fmt.Errorf("seed blacklist entries: %w", err)
		}
		i := from - 1
		rows := pgx.CopyFromFunc(func() ([]any, error) {
			if i == to {
				return nil, nil
			}
			i++
			norm, err := screening.NormalizeEmail(erasedEmail(i))
			if err != nil {
				return nil, err
			}
			h := b.keyring.HashAll(screening.KindEmail, norm)[0]
			return []any{benchID("entry-", i), string(h.Kind), h.KeyID, h.Hash}, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"blacklist_hashes"}, []string{"entry_id", "kind", "key_id", "hash"}, rows); err != nil {
			return fmt.Errorf("seed blacklist hashes: %w", err)
		}
		return nil
	}, "blacklist_entries", "blacklist_hashes")
	if err != nil {
		return err
	}
	b.blacklist = to
	b.progress("seeded blacklist entries %d–%d with their hashes in %s", from, to, time.Since(t0).Round(time.Millisecond))
	return nil
}

// bulk runs fill in one transaction in replica mode (no foreign key checks or triggers: the
// seed is consistent by construction) with the tables' indexes dropped (but those that
// foreign keys need), builds them again, then settles the tables. For millions of rows that is
// several times faster than maintaining the indexes row by row.
func (b *bench) bulk(ctx context.Context, fill func(pgx.Tx) error, tables ...string) error {
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		// Each index as the statement that drops it and the one that builds it again.
		rows, err := tx.Query(ctx, `
			SELECT 'DROP INDEX ' || i.indexrelid::regclass, pg_get_indexdef(i.indexrelid)
			FROM pg_index i
			WHERE i.indrelid = ANY($1::regclass[]) AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
			UNION ALL
			SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
			       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
			FROM pg_constraint c
			WHERE c.conrelid = ANY($1::regclass[]) AND c.contype IN ('p', 'u')
			AND NOT EXISTS (SELECT FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)`, tables)
		if err != nil {
			return err
		}
		type index struct{ drop, build string }
		indexes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
			var ix index
			return ix, r.Scan(&ix.drop, &ix.build)
		})
		if err != nil {
			return err
		}
		for _, stmt := range []string{`SET LOCAL session_replication_role = replica`, `SET LOCAL maintenance_work_mem = '1GB'`,
			`SET LOCAL synchronous_commit = off`} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		for _, ix := range indexes {
			if _, err := tx.Exec(ctx, ix.drop); err != nil {
				return fmt.Errorf("%s: %w", ix.drop, err)
			}
		}
		if err := fill(tx); err != nil {
			return err
		}
		for _, ix := range indexes {
			if _, err := tx.Exec(ctx, ix.build); err != nil {
				return fmt.Errorf("%s: %w", ix.build, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return b.settle(ctx, tables...)
}

// exec runs statements one by one (VACUUM cannot share an implicit transaction).
func (b *bench) exec(ctx context.Context, stmts ...string) error {
	for _, s := range stmts {
		if _, err := b.pool.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// settle vacuums and analyzes freshly seeded tables and forces a checkpoint, so neither
// autovacuum nor checkpoint writes of the seed land in a measurement.
func (b *bench) settle(ctx context.Context, tables ...string) error {
	var stmts []string
	for _, t := range tables {
		stmts = append(stmts, "VACUUM ANALYZE "+pgx.Identifier{t}.Sanitize())
	}
	return b.exec(ctx, append(stmts, "CHECKPOINT")...)
}

// fullContacts seeds contacts up to the scale's number, once for every group that needs them.
func (b *bench) fullContacts(ctx context.Context) error {
	if b.contacts >= b.scale.contacts {
		return nil
	}
	return b.seedContacts(ctx, b.contacts+1, b.scale.contacts)
}

// fullBlacklist seeds blacklist entries up to the scale's number, shared by recipients and screen.
func (b *bench) fullBlacklist(ctx context.Context) error {
	if b.blacklist >= b.scale.blacklist {
		return nil
	}
	return b.seedBlacklist(ctx, b.blacklist+1, b.scale.blacklist)
}
