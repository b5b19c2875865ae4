package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/screening"
)

// benchID is the uuid the seed SQL makes with md5(prefix || i)::uuid, so Go knows the ids
// without reading them back.
func benchID(prefix string, i int) string {
	sum := md5.Sum(fmt.Appendf(nil, "%s%d", prefix, i))
	h := hex.EncodeToString(sum[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// seedContacts writes n contacts, each with one e-mail (erika.<i>@example.org), in one statement
// per table.
func (b *bench) seedContacts(ctx context.Context, n int) error {
	t0 := time.Now()
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO contacts (id, given_name, family_name, sort_key, search_text)
			SELECT md5('contact-' || i)::uuid, 'Erika ' || i, 'Mustermann', 'mustermann erika ' || i, 'erika ' || i || ' mustermann'
			FROM generate_series(1, $1) i`, n); err != nil {
			return fmt.Errorf("seed contacts: %w", err)
		}
		return b.copyEmails(ctx, tx, "contact-", n, func(i int) string { return fmt.Sprintf("erika.%d@example.org", i) })
	})
	if err != nil {
		return err
	}
	err = b.settle(ctx, "contacts", "contact_emails")
	b.progress("seeded %d contacts with e-mails in %s", n, time.Since(t0).Round(time.Millisecond))
	return err
}

// seedRecipients puts every seeded contact on list listID and grants 9 in 10 of them consent
// for purposeID through the ledger (its trigger derives consent_state).
func (b *bench) seedRecipients(ctx context.Context, n int, listID, purposeID string) error {
	return b.seedMembers(ctx, "contact-", n, listID, purposeID)
}

// seedMembers puts the contacts md5(prefix || i), i = 1…n, on list listID and grants 9 in 10
// of them consent for purposeID through the ledger.
func (b *bench) seedMembers(ctx context.Context, prefix string, n int, listID, purposeID string) error {
	t0 := time.Now()
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO list_members (list_id, contact_id)
			SELECT $2, md5($3 || i)::uuid FROM generate_series(1, $1) i`, n, listID, prefix); err != nil {
			return fmt.Errorf("seed list members: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO consent_events (contact_id, purpose_id, status, source, recorded_by, recorded_by_token)
			SELECT md5($3 || i)::uuid, $2, 'GRANTED', 'bench', 'vermerk-bench', 'bench'
			FROM generate_series(1, $1) i WHERE i % 10 <> 0`, n, purposeID, prefix); err != nil {
			return fmt.Errorf("seed consents: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = b.settle(ctx, "list_members", "consent_events", "consent_state")
	b.progress("seeded %d list members, %d consents in %s", n, n-n/10, time.Since(t0).Round(time.Millisecond))
	return err
}

// copyEmails writes e-mail(i) for the contacts md5(prefix || i), i = 1…n, with its keyed hash
// under the servers' key, as createContact and the import do (recipients leaves out a contact
// whose e-mail has no hash).
func (b *bench) copyEmails(ctx context.Context, tx pgx.Tx, prefix string, n int, email func(int) string) error {
	key := b.keyring.Current().ID
	i := 0
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		e := email(i)
		h, err := b.keyring.Hash(key, screening.KindEmail, e)
		return []any{benchID(prefix, i), 0, e, e, h, key}, err
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contact_emails"}, []string{"contact_id", "position", "address", "normalized", "hash", "key_id"}, rows); err != nil {
		return fmt.Errorf("seed contact e-mails: %w", err)
	}
	return nil
}

// erasedEmail is the e-mail of blacklist entry i.
func erasedEmail(i int) string { return fmt.Sprintf("erased.%d@example.org", i) }

// seedBlacklist writes n ERASURE entries, each holding the keyed hash of erasedEmail(i) under
// the servers' key (computed here with the same keyring code), with COPY.
func (b *bench) seedBlacklist(ctx context.Context, n int) error {
	if b.blacklistSeeded {
		return nil
	}
	b.blacklistSeeded = true
	t0 := time.Now()
	keyID := b.keyring.Current().ID
	if _, err := b.pool.Exec(ctx, `INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds, created_at)
		SELECT md5('entry-' || i)::uuid, 'ERASURE', 'bench: erased on request', $2, '{EMAIL}', now() - i * interval '1 second'
		FROM generate_series(1, $1) i`, n, keyID); err != nil {
		return fmt.Errorf("seed blacklist entries: %w", err)
	}
	i := 0
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
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
	if _, err := b.pool.CopyFrom(ctx, pgx.Identifier{"blacklist_hashes"}, []string{"entry_id", "kind", "key_id", "hash"}, rows); err != nil {
		return fmt.Errorf("seed blacklist hashes: %w", err)
	}
	err := b.settle(ctx, "blacklist_entries", "blacklist_hashes")
	b.progress("seeded %d blacklist entries with their hashes in %s", n, time.Since(t0).Round(time.Millisecond))
	return err
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
