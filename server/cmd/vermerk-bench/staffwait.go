package main

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/importer"
)

// What office staff wait for while a big import runs. Every staff write that joins a record
// to a person (createContact, updateContact, mergeContacts, an accepted held row) takes the
// join turn's shared side (consent.JoinTurn); every import batch takes its exclusive side
// (consent.BulkTurn) from its commit phase to its commit. A save may therefore wait for a
// batch's commit phase: the staff figures measure how long, against the same saves on the same
// server and database with no import running.
//
// Two writers, each saving, waiting for the answer, then pausing 100–200 ms before the next
// save (a closed loop with a person's pause, not an open-loop rate: a person does not send the
// next save before the last one answered): about 13 saves a second, more than an office of a
// hundred people entering contacts produces. They run beside an import of their own (the file
// again, into an empty database, as the superuser), so that the import figures stay as they
// were: a save holds the turn's shared side for its whole transaction, and a batch that comes
// for the turn meanwhile waits (import_rps_staff_writing: 0.58–0.65 of import_rps in most runs
// on 2 cores, docs/performance.md).
const (
	staffWriters                 = 2
	staffPauseMin, staffPauseMax = 100 * time.Millisecond, 200 * time.Millisecond
)

// staffWriteGoalMS is the p99 a save may take while an import runs: a person notices a save
// that takes a quarter of a second, and a save should wait for at most one batch's commit
// phase (about a tenth of a second at the median on 2 cores, docs/performance.md). An
// absolute target, not a ratio: the wait is for a batch, not a multiple of the save's own work
// (a few milliseconds, so any wait at all is a large ratio).
const staffWriteGoalMS = 250

// staffWrites is what the writers measured.
type staffWrites struct {
	latencies []time.Duration // of the saves that succeeded, sorted
	failed    int
	firstErr  error
}

func (w staffWrites) quantileMS(q float64) float64 {
	return loadResult{latencies: w.latencies}.quantileMS(q)
}

// staffWaitFigures: createContact and updateContact over GraphQL by staffWriters people while
// the import file goes into an empty database as the superuser, against the same saves on the
// same server and database just before (for b.scale.duration), when it held only the
// blacklist entries the file's rows match.
func (b *bench) staffWaitFigures(ctx context.Context) error {
	const db = "bench_import_staff"
	if err := b.exec(ctx, `CREATE DATABASE `+db); err != nil {
		return err
	}
	defer b.exec(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`)
	s, err := b.startServer(ctx, b.cluster.ConnString(db))
	if err != nil {
		return err
	}
	defer s.stop()
	seed, err := pgx.Connect(ctx, b.cluster.ConnString(db))
	if err != nil {
		return err
	}
	_, err = importer.SeedBlacklist(ctx, seed, b.keyring, b.file.expect.Rows, importSeed, 0)
	seed.Close(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	staff, err := createToken(ctx, s, "bench-office", "STAFF", nil)
	if err != nil {
		return err
	}
	client, err := newRawClient(s.url, staffWriters)
	if err != nil {
		return err
	}

	b.quiesce(ctx)
	b.progress("staff saves without an import: %d writers, %s–%s between saves, %s", staffWriters, staffPauseMin, staffPauseMax, b.scale.duration)
	quiet, cancel := context.WithTimeout(ctx, b.scale.duration)
	without := staffWrite(ctx, quiet.Done(), client, staff, "quiet")
	cancel()
	if ctx.Err() != nil {
		return ctx.Err()
	}

	b.quiesce(ctx)
	b.progress("staff saves while the import runs")
	t0 := time.Now()
	id, err := uploadImport(ctx, s.url, staff, b.file.path)
	if err != nil {
		return err
	}
	importDone := make(chan struct{})
	var during staffWrites
	var waits turnWaits
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		during = staffWrite(ctx, importDone, client, staff, "import")
	}()
	go func() {
		defer wg.Done()
		waits = b.watchJoinTurn(ctx, importDone)
	}()
	var job struct {
		Status    string
		Processed int
	}
	for {
		var out struct {
			ImportJob *struct {
				Status    string
				Processed int
			}
		}
		if err := gql(ctx, s.url, staff, `query($id: ID!) { importJob(id: $id) { status processed } }`, map[string]any{"id": id}, &out); err != nil {
			close(importDone)
			wg.Wait()
			return fmt.Errorf("importJob: %w", err)
		}
		if out.ImportJob != nil {
			job = *out.ImportJob
		}
		if out.ImportJob == nil || job.Status != "RUNNING" || time.Since(t0) > b.scale.importBudget {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(t0)
	close(importDone)
	wg.Wait()
	importNote := fmt.Sprintf("the import beside them: %s after %s, %d rows processed", job.Status, took.Round(time.Millisecond), job.Processed)
	b.progress("staff saves: join turn, sampled every %s: %s", turnSample, waits)
	b.progress("staff saves: %s; %d saves during it (p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d failed), %d without (p99 %.1f ms, %d failed)",
		importNote, len(during.latencies), during.quantileMS(0.5), during.quantileMS(0.99), during.quantileMS(1), during.failed,
		len(without.latencies), without.quantileMS(0.99), without.failed)
	done := job.Status == "DONE" || job.Status == "NEEDS_DECISION" // the file's held rows wait for a person
	figs := staffFigures(during, without, done)
	figs[1].note = join(figs[1].note, fmt.Sprintf("join turn sampled every %s: %s", turnSample, waits))
	for _, f := range figs {
		b.add(f)
	}
	rps := na
	if done {
		rps = float64(b.file.expect.Rows) / took.Seconds()
	}
	b.add(figure{name: "import_rps_staff_writing", value: rps, unit: "rows/s", baseline: b.values["import_rps"],
		note: join("the import the staff saves ran beside (no profile, one run); baseline: import_rps, the best of the superuser's imports without them", importNote)})
	return nil
}

// staffFigures are the staff figures of one measurement; done says whether the import beside
// the saves finished. A failed save fails the p99's target, whatever its number.
func staffFigures(during, without staffWrites, done bool) []figure {
	ok := during.failed == 0 && without.failed == 0 && len(during.latencies) > 0 && done
	what := "createContact and updateContact over GraphQL, by turns, by 2 writers pausing 100–200 ms after each save; " +
		"baseline: the same saves on the same server and database before the import"
	fails := fmt.Sprintf("%d saves during the import, %d without", len(during.latencies)+during.failed, len(without.latencies)+without.failed)
	if err := cmp.Or(during.firstErr, without.firstErr); err != nil {
		fails += fmt.Sprintf("; first error: %v", err)
	}
	if !done {
		fails += "; the import did not finish"
	}
	return []figure{
		{name: "staff_write_p50_during_import", value: during.quantileMS(0.5), unit: "ms", baseline: without.quantileMS(0.5), note: what},
		{name: "staff_write_p99_during_import", value: during.quantileMS(0.99), unit: "ms", baseline: without.quantileMS(0.99),
			goal: valueAtMost(staffWriteGoalMS).requires(ok), note: fails},
		{name: "staff_write_max_during_import", value: during.quantileMS(1), unit: "ms", baseline: without.quantileMS(1)},
		{name: "staff_write_failures", value: float64(during.failed + without.failed), unit: "saves", baseline: na,
			goal: valueAtMost(0), note: fails},
	}
}

// staffWrite runs staffWriters people saving contacts until stop is closed: each creates a
// contact (Erika Mustermann with an e-mail of her own), then changes its e-mail, and so on,
// pausing staffPauseMin–staffPauseMax after each answer. tag keeps the e-mails of two runs
// apart.
func staffWrite(ctx context.Context, stop <-chan struct{}, client *rawClient, token, tag string) staffWrites {
	const (
		create = `mutation Create($e: String!) { createContact(input: {givenName: "Erika", familyName: "Mustermann",
			emails: [$e]}) { contact { id } } }`
		update = `mutation Update($id: ID!, $e: String!) { updateContact(id: $id, input: {emails: [$e]}) { contact { id } } }`
	)
	type payload struct{ Contact *struct{ ID string } }
	results := make([]staffWrites, staffWriters)
	var wg sync.WaitGroup
	for w := range results {
		wg.Add(1)
		go func(r *staffWrites) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 0x57aff))
			var id string
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				email := fmt.Sprintf("staff.%s.%d.%d@example.test", tag, w, n)
				t0 := time.Now()
				var got *struct{ ID string }
				var err error
				if id == "" {
					var out struct{ CreateContact payload }
					out, err = gqlData[struct{ CreateContact payload }](ctx, client, token, gqlBody(create, map[string]any{"e": email}))
					got = out.CreateContact.Contact
				} else {
					var out struct{ UpdateContact payload }
					out, err = gqlData[struct{ UpdateContact payload }](ctx, client, token, gqlBody(update, map[string]any{"id": id, "e": email}))
					got = out.UpdateContact.Contact
				}
				took := time.Since(t0)
				if err == nil && got == nil {
					err = fmt.Errorf("save %d of writer %d: no contact returned (screening refused it?)", n, w)
				}
				switch {
				case err != nil && ctx.Err() == nil:
					if r.failed == 0 {
						r.firstErr = err
					}
					r.failed++
				case err == nil:
					r.latencies = append(r.latencies, took)
				}
				if id != "" {
					id = "" // the next save creates another contact
				} else if got != nil {
					id = got.ID
				}
				pause := staffPauseMin + time.Duration(rnd.Int64N(int64(staffPauseMax-staffPauseMin)))
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				case <-time.After(pause):
				}
			}
		}(&results[w])
	}
	wg.Wait()
	var all staffWrites
	for _, r := range results {
		all.latencies = append(all.latencies, r.latencies...)
		all.failed += r.failed
		if all.firstErr == nil {
			all.firstErr = r.firstErr
		}
	}
	slices.Sort(all.latencies)
	return all
}

// turnSample is how often watchJoinTurn looks at who waits for the join turn.
const turnSample = 10 * time.Millisecond

// turnWaits is what watchJoinTurn saw: the waits for the join turn's shared side (staff saves)
// and for its exclusive side (import batches queued for it), each a statement seen waiting, and
// the batches seen asking for it again while saves held it (consent.TryBulkTurn).
type turnWaits struct {
	shared, exclusive, asking           int
	behindBatch                         int // saves seen waiting while a batch waited too
	longestShared, longestX, longestAsk time.Duration
}

func (w turnWaits) String() string {
	return fmt.Sprintf("%d saves seen waiting (%d while a batch waited too), the longest %s; %d batches seen queued, the longest %s; "+
		"%d seen asking again, the longest for %s",
		w.shared, w.behindBatch, w.longestShared.Round(time.Millisecond), w.exclusive, w.longestX.Round(time.Millisecond),
		w.asking, w.longestAsk.Round(time.Millisecond))
}

// watchJoinTurn samples pg_stat_activity until stop is closed for statements waiting on the
// join turn — consent.JoinTurn's pg_advisory_xact_lock_shared, consent.BulkTurn's
// pg_advisory_xact_lock with a bare parameter — each wait once by its backend and start, and
// for batches between two asks of consent.TryBulkTurn, each by its backend and transaction.
func (b *bench) watchJoinTurn(ctx context.Context, stop <-chan struct{}) turnWaits {
	type wait struct {
		pid   int
		start time.Time
	}
	longest := map[wait]time.Duration{}
	shared := map[wait]bool{}
	behind := map[wait]bool{} // a save seen waiting while a batch waited too: behind it in the queue
	firstAsk, lastAsk := map[wait]time.Time{}, map[wait]time.Time{}
	tick := time.NewTicker(turnSample)
	defer tick.Stop()
	for {
		select {
		case <-stop:
		case <-ctx.Done():
		case <-tick.C:
			rows, err := b.pool.Query(ctx, `SELECT pid, CASE WHEN kind = 'asking' THEN xact_start ELSE query_start END,
					extract(epoch FROM clock_timestamp() - query_start)::float8, kind
				FROM (SELECT pid, xact_start, query_start, CASE
					WHEN wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE '%pg_advisory_xact_lock_shared($1)%' THEN 'save'
					WHEN wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE '%pg_advisory_xact_lock($1)%' THEN 'batch'
					WHEN state <> 'idle' AND query LIKE '%pg_try_advisory_xact_lock($1)%' THEN 'asking' END AS kind
					FROM pg_stat_activity) AS a
				WHERE kind IS NOT NULL`)
			if err != nil {
				continue
			}
			now := time.Now()
			var w wait
			var secs float64
			var kind string
			var saves []wait
			batchWaiting := false
			_, _ = pgx.ForEachRow(rows, []any{&w.pid, &w.start, &secs, &kind}, func() error {
				if kind == "asking" {
					if _, seen := firstAsk[w]; !seen {
						firstAsk[w] = now
					}
					lastAsk[w] = now
					return nil
				}
				longest[w], shared[w] = max(longest[w], time.Duration(secs*float64(time.Second))), kind == "save"
				batchWaiting = batchWaiting || kind == "batch"
				if kind == "save" {
					saves = append(saves, w)
				}
				return nil
			})
			if batchWaiting {
				for _, w := range saves {
					behind[w] = true
				}
			}
			continue
		}
		break
	}
	var out turnWaits
	for w, d := range longest {
		if shared[w] {
			out.shared++
			if behind[w] {
				out.behindBatch++
			}
			out.longestShared = max(out.longestShared, d)
		} else {
			out.exclusive++
			out.longestX = max(out.longestX, d)
		}
	}
	for w, first := range firstAsk {
		if d := lastAsk[w].Sub(first); d > 0 { // seen in two samples at least: it asked again
			out.asking++
			out.longestAsk = max(out.longestAsk, d)
		}
	}
	return out
}
