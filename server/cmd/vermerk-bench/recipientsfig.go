package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// recipientsExclusionFigure: the recipients page (100 contacts with their e-mails) at
// b.scale.recipients contacts and b.scale.blacklist blacklist entries, one contact in a hundred
// blocked, with pgx, beside the same page query without the blacklist exclusion (DESIGN rule 8:
// recipients never returns a blocked contact). The exclusion probes blacklist_hashes' primary
// key (index-only) with the hashes of the identifiers the page reads anyway; the target is a
// ratio of at most 1.2. The
// two queries take turns, one request at a time, so both see the same machine.
func (b *bench) recipientsExclusionFigure(ctx context.Context) error {
	n := b.scale.recipients
	if err := b.seedBlacklist(ctx, b.scale.blacklist); err != nil {
		return err
	}
	s, err := b.mainServer(ctx)
	if err != nil {
		return err
	}
	for _, m := range []string{
		`mutation { createPurpose(input: {key: "mailing", name: "Mailing", legalBasis: CONSENT}) { id } }`,
		`mutation { createList(input: {key: "mailing", name: "Mailing", purposeKey: "mailing"}) { id } }`,
	} {
		if err := gql(ctx, s.url, adminToken, m, nil, nil); err != nil {
			return fmt.Errorf("recipients exclusion setup: %w", err)
		}
	}
	var listID, purposeID string
	if err := b.pool.QueryRow(ctx, `SELECT id, purpose_id FROM distribution_lists WHERE key = 'mailing'`).Scan(&listID, &purposeID); err != nil {
		return fmt.Errorf("recipients exclusion setup: %w", err)
	}
	if err := b.seedBlockedContacts(ctx, n); err != nil {
		return err
	}
	if err := b.seedMembers(ctx, "rcpt-", n, listID, purposeID); err != nil {
		return err
	}

	plan, err := b.indexOnly(ctx, listID, purposeID, benchID("rcpt-", n/2))
	if err != nil {
		return err
	}
	page := func(sql string) func(rnd *rand.Rand) (time.Duration, error) {
		return func(rnd *rand.Rand) (time.Duration, error) {
			t0 := time.Now()
			rows, err := b.pool.Query(ctx, sql, listID, purposeID, benchID("rcpt-", 1+rnd.IntN(n)), recipientsPage+1)
			if err != nil {
				return 0, err
			}
			got := 0
			for rows.Next() {
				got++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return 0, err
			}
			if got == 0 && n > 10*recipientsPage {
				return 0, fmt.Errorf("an empty recipients page")
			}
			return time.Since(t0), nil
		}
	}
	b.progress("recipients with and without the blacklist exclusion: %d contacts, %d entries, one request at a time, %s each",
		n, b.scale.blacklist, b.scale.duration)
	with, without, err := alternate(ctx, b.scale.warmup, b.scale.duration, page(consent.RecipientsPageSQL), page(consent.UnfilteredRecipientsPageSQL))
	if err != nil {
		return fmt.Errorf("recipients exclusion: %w", err)
	}
	b.add(figure{name: "recipients_blacklist_page", value: ms(with), unit: "ms", baseline: ms(without), target: "≤ 1.2",
		note: fmt.Sprintf("page of 100 at %d contacts and %d blacklist entries, pgx; baseline: the same query without the exclusion; %s",
			n, b.scale.blacklist, plan)})
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// alternate runs a and b by turns, one request at a time, for warmup and then for d each, and
// returns the mean time of a request of each.
func alternate(ctx context.Context, warmup, d time.Duration, a, b func(*rand.Rand) (time.Duration, error)) (time.Duration, time.Duration, error) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for end := time.Now().Add(warmup); time.Now().Before(end); {
		if _, err := a(rnd); err != nil {
			return 0, 0, err
		}
		if _, err := b(rnd); err != nil {
			return 0, 0, err
		}
	}
	var sumA, sumB time.Duration
	count := 0
	for end := time.Now().Add(2 * d); time.Now().Before(end) && ctx.Err() == nil; count++ {
		ta, err := a(rnd)
		if err != nil {
			return 0, 0, err
		}
		tb, err := b(rnd)
		if err != nil {
			return 0, 0, err
		}
		sumA, sumB = sumA+ta, sumB+tb
	}
	if count == 0 {
		return 0, 0, ctx.Err()
	}
	return sumA / time.Duration(count), sumB / time.Duration(count), nil
}

// seedBlockedContacts writes n contacts md5('rcpt-' || i) with one e-mail each (with its keyed
// hash), and a MANUAL blacklist entry for the e-mail of every hundredth (99, 199, …: contacts
// with a consent, see seedMembers).
func (b *bench) seedBlockedContacts(ctx context.Context, n int) error {
	t0 := time.Now()
	email := func(i int) string { return fmt.Sprintf("rcpt.%d@example.org", i) }
	key := b.keyring.Current().ID
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO contacts (id, given_name, family_name, sort_key, search_text)
			SELECT md5('rcpt-' || i)::uuid, 'Max ' || i, 'Muster', 'muster max ' || i, 'max ' || i || ' muster'
			FROM generate_series(1, $1) i`, n); err != nil {
			return fmt.Errorf("seed contacts: %w", err)
		}
		if err := b.copyEmails(ctx, tx, "rcpt-", n, email); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
			SELECT md5('block-' || i)::uuid, 'MANUAL', 'bench: objection', $2, '{EMAIL}' FROM generate_series(1, $1) i`, n/100, key); err != nil {
			return fmt.Errorf("seed blocking entries: %w", err)
		}
		i := 0
		rows := pgx.CopyFromFunc(func() ([]any, error) {
			if i == n/100 {
				return nil, nil
			}
			i++
			h, err := b.keyring.Hash(key, screening.KindEmail, email(100*i-1)) // one with a consent
			return []any{benchID("block-", i), string(screening.KindEmail), key, h}, err
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"blacklist_hashes"}, []string{"entry_id", "kind", "key_id", "hash"}, rows); err != nil {
			return fmt.Errorf("seed blocking hashes: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = b.settle(ctx, "contacts", "contact_emails", "blacklist_entries", "blacklist_hashes")
	b.progress("seeded %d contacts with hashed e-mails, %d of them blocked, in %s", n, n/100, time.Since(t0).Round(time.Millisecond))
	return err
}

// bigScan is a sequential scan of a table the blacklist exclusion reads (at small scale the
// planner may rightly scan the few contacts of a page's final join).
var bigScan = regexp.MustCompile(`Seq Scan on (list_members|consent_state|contact_emails|contact_phones|blacklist_hashes)`)

// indexOnly explains a page from the cursor after and says whether the blacklist exclusion
// reads only indexes.
func (b *bench) indexOnly(ctx context.Context, listID, purposeID, after string) (string, error) {
	rows, err := b.pool.Query(ctx, `EXPLAIN `+consent.RecipientsPageSQL, listID, purposeID, after, recipientsPage+1)
	if err != nil {
		return "", fmt.Errorf("explain recipients: %w", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("explain recipients: %w", err)
	}
	plan := strings.Join(lines, "\n")
	for _, want := range []string{"Index Only Scan using blacklist_hashes_pkey"} {
		if !strings.Contains(plan, want) {
			b.progress("recipients plan lacks %q:\n%s", want, plan)
			return "plan NOT index-only (see above)", nil
		}
	}
	if m := bigScan.FindString(plan); m != "" {
		b.progress("recipients plan has %q:\n%s", m, plan)
		return "plan NOT index-only (see above)", nil
	}
	return "plan index-only", nil
}
