package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/store"
)

// recipientsExclusionFigure: the recipients page (100 contacts with their e-mails) of the
// recipients group's list — every seeded contact, one in a hundred blocked, beside the
// scale's blacklist entries — with pgx, against the same page query without the blacklist
// exclusion (DESIGN rule 8: recipients never returns a blocked contact). The exclusion probes
// blacklist_hashes' primary key (index-only) with the hashes of the identifiers the page reads
// anyway; the target is a ratio of at most 1.2. The two queries take turns, one request at a
// time, so both see the same machine. plan is recipientsIndexOnly's verdict.
func (b *bench) recipientsExclusionFigure(ctx context.Context, plan string) error {
	n := b.contacts
	// ids reads a page after the contact id after.
	ids := func(sql, after string) ([]string, error) {
		rows, err := b.pool.Query(ctx, sql, b.listID, b.purposeID, after, recipientsPage+1)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
			c, err := store.ScanContact(r)
			if err != nil {
				return "", err
			}
			return c.ID, nil
		})
	}
	// The first pages are full, and the blocked contacts are left out of the one with the
	// exclusion only (a seed without hashes would leave out everybody).
	isBlocked := map[string]bool{}
	for i := 99; i <= n; i += 100 {
		isBlocked[contactID(i)] = true
	}
	for _, q := range []struct {
		sql      string
		excludes bool
	}{{consent.RecipientsPageSQL, true}, {consent.UnfilteredRecipientsPageSQL, false}} {
		page, err := ids(q.sql, "00000000-0000-0000-0000-000000000000")
		if err != nil {
			return fmt.Errorf("recipients exclusion: %w", err)
		}
		if want := min(recipientsPage+1, n*8/10); len(page) < want {
			return fmt.Errorf("recipients exclusion: the first page has %d contacts, want %d", len(page), want)
		}
		left := slices.IndexFunc(page, func(id string) bool { return isBlocked[id] }) >= 0
		if q.excludes && left {
			return errors.New("recipients exclusion: a blocked contact on the page")
		}
	}
	page := func(sql string) func(rnd *rand.Rand) (time.Duration, error) {
		return func(rnd *rand.Rand) (time.Duration, error) {
			t0 := time.Now()
			// a random cursor may rightly come after the last recipient: no check here
			_, err := ids(sql, contactID(1+rnd.IntN(n)))
			return time.Since(t0), err
		}
	}
	b.progress("recipients with and without the blacklist exclusion: %s contacts, %s blacklist entries, one request at a time, %s each",
		count(n), count(b.blacklist), b.scale.duration)
	with, without, err := alternate(ctx, b.scale.warmup, b.scale.duration, page(consent.RecipientsPageSQL), page(consent.UnfilteredRecipientsPageSQL))
	if err != nil {
		return fmt.Errorf("recipients exclusion: %w", err)
	}
	b.add(figure{name: "recipients_blacklist_page", value: ms(with), unit: "ms", baseline: ms(without), goal: atMost(1.2).requires(plan == "yes"),
		note: fmt.Sprintf("page of 100 at %s contacts (1 in 100 blocked) and %s blacklist entries, pgx; baseline: the same query without the exclusion; index-only: %s",
			count(n), count(b.blacklist), plan)})
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
