package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/record"
	"github.com/vermerk/vermerk/server/internal/retention"
	"github.com/vermerk/vermerk/server/internal/store"
)

// retentionFigures: a dry run of the retention over the retention contacts (half with a
// granted consent, half due) and every contact other figures seeded, in this process through
// retention.Service; the baseline is one SQL count of the contacts without a granted consent.
// retention_heap is the largest growth of the live Go heap seen between batches: it must not
// grow with the number of contacts (issue 18 asks for bounded memory and prints the rate; the
// rate has no target).
func (b *bench) retentionFigures(ctx context.Context) error {
	if !b.retentionSeeded {
		if err := b.seedRetention(ctx, b.scale.retentionContacts); err != nil {
			return err
		}
		b.retentionSeeded = true
	}
	heap := watchLiveHeap()
	svc := retention.New(&store.DB{Pool: b.pool}, b.keyring)
	t0 := time.Now()
	rep, err := svc.Run(ctx, true, func(retention.Report) { heap.sample() })
	if err != nil {
		return err
	}
	took, collections := time.Since(t0), gcCycles()-heap.cycles
	t1 := time.Now()
	var due int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM contacts c WHERE NOT EXISTS
		(SELECT 1 FROM consent_state s WHERE s.contact_id = c.id AND s.status = 'GRANTED')`).Scan(&due); err != nil {
		return fmt.Errorf("retention baseline: %w", err)
	}
	baseTook := time.Since(t1)
	b.progress("retention dry run: %d contacts examined, %d due in %s (baseline count %d in %s)",
		rep.Examined, rep.Due, took.Round(time.Millisecond), due, baseTook.Round(time.Millisecond))
	b.add(figure{name: "retention_examined", value: float64(rep.Examined) / took.Seconds(), unit: "contacts/s",
		baseline: float64(rep.Examined) / baseTook.Seconds(),
		note:     fmt.Sprintf("dry run over %s contacts in batches of %d; baseline: one SQL count without holds", count(rep.Examined), svc.BatchSize)})
	b.add(figure{name: "retention_heap", value: float64(heap.growth()) / 1e6, unit: "MB", baseline: na, goal: valueAtMost(retentionHeapMB),
		note: fmt.Sprintf("largest rise of the live Go heap above its lowest point during the dry run, over %d collections, %.1f MB before it (bounded: holding every contact's id would take over 50 MB at 1M); no baseline",
			collections, float64(heap.before)/1e6)})
	return b.recordFigure(ctx)
}

// recordFigure: the record of processing activities (processingRecord, `vermerk record`) over
// the same database, through record.Service as the resolver calls it: it counts the contacts
// of every purpose and what is kept of them, so it reads every purpose's consents and lists and
// their contacts' e-mails and phones. Printed, no baseline.
func (b *bench) recordFigure(ctx context.Context) error {
	t0 := time.Now()
	md, err := record.New(&store.DB{Pool: b.pool}).Markdown(ctx)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	took := time.Since(t0)
	b.progress("record of processing activities: %d bytes in %s", len(md), took.Round(time.Millisecond))
	b.add(figure{name: "record_s", value: took.Seconds(), unit: "s", baseline: na,
		note: fmt.Sprintf("processingRecord over every purpose, %s contacts in all, in process; no baseline",
			count(b.contacts+b.scale.retentionContacts))})
	return nil
}

// liveHeapGrowth follows how far the live heap grows above the lowest it has been since the
// watch began. Measured from where it began, memory the process let go of during the run
// (the bench's earlier figures leave some, freed when their goroutines end) would hide what
// the run keeps: a run after the fan-out read 0 MB from 95 MB.
type liveHeapGrowth struct {
	before, low uint64 // bytes: when the watch began, the lowest since
	grown       uint64 // the largest rise above low seen so far
	cycles      uint64 // garbage collections completed before the watch began
}

// watchLiveHeap collects garbage and starts watching from the live heap that is left.
func watchLiveHeap() *liveHeapGrowth {
	runtime.GC()
	b := liveHeap()
	return &liveHeapGrowth{before: b, low: b, cycles: gcCycles()}
}

// sample takes the live heap of the last collection into account.
func (w *liveHeapGrowth) sample() {
	h := liveHeap()
	w.low = min(w.low, h)
	w.grown = max(w.grown, h-w.low)
}

// growth is the largest rise of the live heap above the lowest it had been before, in bytes.
func (w *liveHeapGrowth) growth() uint64 { return w.grown }

// liveHeap is the heap the last garbage collection found reachable: what a run keeps, not the
// garbage it has made since (HeapAlloc counts that too, up to the collector's target, which
// grows with whatever else the bench process holds at the time).
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// gcCycles is the number of garbage collections the process has completed.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// retentionHeapMB bounds retention_heap: a run that held a string per contact examined
// would pass it at 1,000,000 contacts.
const retentionHeapMB = 32

// retentionEpochMS is when the retention contacts were created, one a millisecond from then on
// (2020-09-13, before the other seeded contacts); retentionIDSQL is their id, time-ordered as
// Vermerk's contact ids are.
const retentionEpochMS = 1_600_000_000_000

var retentionIDSQL = orderedIDSQL("retention-", retentionEpochMS)

// seedRetention writes n contacts (retentionIDSQL: older than the other seeded contacts) under a purpose with retentionMonths
// 0, every second one with a granted consent for it (ledger and state written as
// seedRecipients does).
func (b *bench) seedRetention(ctx context.Context, n int) error {
	t0 := time.Now()
	var purpose string
	if err := b.pool.QueryRow(ctx, `INSERT INTO purposes (key, name, legal_basis, retention_months)
		VALUES ('bench-retention', 'Bench retention', 'CONSENT', 0) RETURNING id`).Scan(&purpose); err != nil {
		return fmt.Errorf("seed retention purpose: %w", err)
	}
	err := b.bulk(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO contacts (id, given_name, family_name, sort_key, search_text)
			SELECT `+retentionIDSQL+`, `+seededNameSQL+`
			FROM generate_series(1, $1) i`, n); err != nil {
			return fmt.Errorf("seed retention contacts: %w", err)
		}
		if _, err := tx.Exec(ctx, `WITH granted AS (
				INSERT INTO consent_events (contact_id, purpose_id, status, source, recorded_by, recorded_by_token)
				SELECT `+retentionIDSQL+`, $2, 'GRANTED', 'bench', 'vermerk-bench', 'bench'
				FROM generate_series(1, $1) i WHERE i % 2 = 0
				RETURNING id, contact_id, purpose_id, at)
			INSERT INTO consent_state (contact_id, purpose_id, status, granted_at, last_event_id)
			SELECT contact_id, purpose_id, 'GRANTED', at, id FROM granted`, n, purpose); err != nil {
			return fmt.Errorf("seed retention consents: %w", err)
		}
		return nil
	}, "contacts", "consent_events", "consent_state")
	if err != nil {
		return err
	}
	b.progress("seeded %s retention contacts, half with a granted consent, in %s", count(n), time.Since(t0).Round(time.Millisecond))
	return nil
}
