package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/csvfile"
	"github.com/vermerk/vermerk/server/internal/store"
)

// lockClass is the first key of the session advisory lock a job's runner holds, so that of
// several instances sharing the database only one runs (or fails) a job.
const lockClass = 7243100

// progressEvery is the least time between two IMPORT_PROGRESS events of one job.
const progressEvery = 250 * time.Millisecond

// Writers is how many batches are written at once, each in its own transaction on its own
// connection: the database work of a batch (index maintenance, foreign key checks) runs on one
// core, so a second writer uses the second core while the first waits for its turn to commit.
const Writers = 2

// DefaultBatchRows is how many rows of the file a batch holds unless Options.BatchRows says.
const DefaultBatchRows = 5000

// lockRetry is how often a job whose lock another session holds is tried again: the
// session of a killed server lingers until its database backend notices.
const lockRetry = time.Second

// Recover starts adopting the jobs a crash or shutdown left RUNNING (adoptLoop, its first look
// at once): each is resumed from its checkpoint when its spooled file is still in the spool
// directory, else marked FAILED with the line up to which rows were imported. A job another
// live instance runs, or waits to run, is left to it.
func (s *Service) Recover(ctx context.Context) error {
	s.wg.Add(2)
	go s.pruneLoop()
	go s.adoptLoop()
	return nil
}

func tryLock(ctx context.Context, conn *pgxpool.Conn, id string) (bool, error) {
	var ok bool
	err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, lockClass, id).Scan(&ok)
	return ok, err
}

func unlock(conn *pgxpool.Conn, id string) {
	_, _ = conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, hashtext($2))`, lockClass, id)
}

// launch runs job id in the background, once this instance's job slot is free and no other
// session holds the job's lock; a job this instance runs or waits for already is left alone.
func (s *Service) launch(id string) {
	s.mu.Lock()
	if _, ok := s.launched[id]; ok {
		s.mu.Unlock()
		return
	}
	s.launched[id] = struct{}{}
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.launched, id)
			s.mu.Unlock()
		}()
		for {
			done, err := s.tryRun(id)
			if err != nil {
				s.opts.Log.Error("importer: import job failed", "job_id", id, "err", err)
			}
			if done || err != nil {
				return
			}
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(lockRetry):
			}
		}
	}()
}

// tryRun runs the job unless another session holds its lock (done is false then).
func (s *Service) tryRun(id string) (done bool, err error) {
	select {
	case s.slot <- struct{}{}:
	case <-s.ctx.Done():
		return true, nil
	}
	defer func() { <-s.slot }()
	ctx := context.WithoutCancel(s.ctx)
	conn, err := s.db.Direct().Acquire(ctx) // the job's lock is a session lock
	if err != nil {
		return false, err
	}
	defer conn.Release()
	locked, err := tryLock(ctx, conn, id)
	if err != nil || !locked {
		return false, err
	}
	defer unlock(conn, id)
	return true, s.run(ctx, conn, id)
}

// runState is what a runner knows of its job between batches.
type runState struct {
	id, listID string
	starter    string // the id of the API token that started the job (checkStarter)
	spool      string
	size       int64
	checkpoint int
	processed  int
	problems   int // problems found so far (the first maxListed are stored)
	held       int
	heldKeys   *heldFilter // the dedupe keys of the job's held rows
	// skipKeyChecks: the role may set session_replication_role (a superuser, as with the
	// embedded database, or granted SET on it), so writeRows skips the foreign key checks of
	// the identifiers of contacts it has just written
	skipKeyChecks bool
	lastEmit      time.Time
	// the contacts the planner's statistics knew of when they were last refreshed (-1: never
	// analysed), and those the job added since (keepStatisticsUp)
	statsKnown, statsSince float64
	analysing              atomic.Bool
}

// batch is the work of one transaction: prepared rows and what was already decided in Go,
// then what lookup decided in the database.
type batch struct {
	seq       int           // 0 for the first batch of this run
	done      chan struct{} // closed when the batch is committed, or its write failed
	rows      []*staged     // valid and not a duplicate of an earlier row of a batch not committed before its lookup
	problems  []problem
	invalid   int
	dupes     int // duplicates of an earlier row of a batch not committed before its lookup
	processed int
	lastLine  int
	bytes     int64 // of the file consumed up to lastLine
	eof       bool
	err       error // the file cannot be read on; the job fails after this batch

	lookErr        error
	writeErr       error     // set before done is closed
	blacklistSeen  int64     // the newest event id when lookup screened the batch
	ins            []*staged // new contacts, with their ids
	holds          []heldMatch
	warned         []problem // rows whose stated consent is not recorded (consent.go)
	dbDupes        int       // duplicates of existing contacts or of held rows
	dupConsents    []*staged // of those, the rows that state a consent (consent.go)
	emails, phones int       // of ins
	// later rows of a person whose earlier row went to an earlier batch (readStage): dropped
	// as duplicates, but screened with the batch (lookup), as kin is in one batch
	late []*staged
	ties []tie // duplicates whose e-mail or phone matches a blocking entry (lookup; ties.go)
}

// problem is one problem of a row: its line, stable code (apperr.Reason), the column it
// concerns ("" for the whole row) and a message for the uploader.
type problem struct {
	line  int
	code  apperr.Reason
	field string
	msg   string
}

// run imports job id from its checkpoint, holding its lock on conn. Database work is not
// cancelled by Stop: a stop takes effect between batches, so a stopped job stays RUNNING at a
// committed checkpoint.
func (s *Service) run(ctx context.Context, conn *pgxpool.Conn, id string) error {
	st, err := loadState(ctx, conn, id)
	if err != nil || st == nil {
		return err
	}
	f, err := os.Open(filepath.Join(s.opts.SpoolDir, st.spool))
	if errors.Is(err, os.ErrNotExist) {
		s.opts.Log.Warn("importer: import job interrupted and its file is gone; marking it FAILED", "job_id", id)
		return s.fail(ctx, conn, id, fmt.Sprintf("the server stopped during the import and the uploaded file is no longer there; "+
			"the rows up to line %d were imported. Import the file again to add the rest (rows already imported count as duplicates)", st.checkpoint))
	}
	if err != nil {
		s.opts.Log.Error("importer: opening spooled file", "job_id", id, "err", err)
		return s.fail(ctx, conn, id, fmt.Sprintf("the uploaded file could not be read back; the rows up to line %d were imported. "+
			"Import the file again to add the rest (rows already imported count as duplicates)", st.checkpoint))
	}
	defer f.Close()
	rd, err := csvfile.NewReader(f)
	if err != nil {
		return s.fail(ctx, conn, id, "the file cannot be read: "+strings.TrimPrefix(err.Error(), "csvfile: "))
	}

	lookConn, writeConns, closeConns, err := s.jobConns(ctx, conn)
	if err != nil {
		return err
	}
	defer closeConns()

	// The stages of a job, each on its own goroutine, joined by channels of batches:
	//   - readStage parses, validates, normalises and hashes batches of rows on every core and
	//     drops the duplicates among the batches not yet committed;
	//   - lookupStage, on a connection of its own, finds each batch's duplicates of stored
	//     contacts and held rows and screens it against the blacklist (blacklist.QueueMatches,
	//     behind a Bloom filter for large files), in one round trip;
	//   - writeStage copies the batches on `Writers` connections, each in its own transaction,
	//     committing them in file order.
	// The lookups of batch N start only once batch N-Writers-1 is committed, so what readStage
	// has not seen is in the database.
	readCtx, stopReading := context.WithCancel(s.ctx)
	read, looked := make(chan *batch), make(chan *batch)
	var stages, writing sync.WaitGroup
	defer func() { stopReading(); writing.Wait(); stages.Wait() }()
	stages.Go(func() { s.readStage(readCtx, rd, st.checkpoint, st.size, read) })
	stages.Go(func() { s.lookupStage(ctx, readCtx, lookConn, st, read, looked) })
	return s.writeStage(ctx, conn, writeConns, st, looked, stopReading, &writing)
}

// loadState reads what the runner of job id needs to go on from its checkpoint; nil when the
// job is no longer RUNNING.
func loadState(ctx context.Context, conn *pgxpool.Conn, id string) (*runState, error) {
	st := &runState{id: id}
	var status string
	var listID *string
	err := conn.QueryRow(ctx, `SELECT status, spool_file, file_size, list_id, checkpoint_line, processed, problem_count, held, created_by_id
		FROM import_jobs WHERE id = $1`, id).Scan(&status, &st.spool, &st.size, &listID, &st.checkpoint, &st.processed, &st.problems, &st.held, &st.starter)
	if err != nil || status != "RUNNING" {
		return nil, err
	}
	if listID != nil {
		st.listID = *listID
	}
	if st.heldKeys, err = loadHeldFilter(ctx, conn, id); err != nil {
		return nil, err
	}
	st.skipKeyChecks = maySkipKeyChecks(ctx, conn)
	if st.statsKnown, err = contactsKnown(ctx, conn); err != nil {
		return nil, err
	}
	return st, nil
}

// jobConns opens the job's own connections: one for lookups and Writers-1 more writers (the
// job's lock connection writes too). They are not of the pool's few, which serve requests.
func (s *Service) jobConns(ctx context.Context, conn *pgxpool.Conn) (look *pgx.Conn, write []txBeginner, closeAll func(), err error) {
	cfg := s.db.Direct().Config().ConnConfig // not through a transaction pooler: COPY and session state
	var opened []*pgx.Conn
	closeAll = func() {
		for _, c := range opened {
			_ = c.Close(context.WithoutCancel(ctx))
		}
	}
	look, err = pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return nil, nil, nil, err
	}
	opened = append(opened, look)
	write = []txBeginner{conn}
	for len(write) < Writers {
		c, err := pgx.ConnectConfig(ctx, cfg.Copy())
		if err != nil {
			closeAll()
			return nil, nil, nil, err
		}
		opened = append(opened, c)
		write = append(write, c)
	}
	return look, write, closeAll, nil
}

// lookupStage looks up each batch from in (dedupe against the database, blacklist screening)
// and hands it on to out, at most Writers+1 batches ahead of the last committed one.
func (s *Service) lookupStage(ctx, readCtx context.Context, conn *pgx.Conn, st *runState, in <-chan *batch, out chan<- *batch) {
	defer close(out)
	// A blacklist filter pays for loading when the file has many rows for the blacklist's
	// size: a hash loaded costs less than one probed in the database (3,000,000 hashes of a
	// blacklist larger than shared_buffers: 31 µs of database CPU per imported row without a
	// filter, 19 with one), and the loading runs beside the first lookups.
	rows := st.size / 100 // about
	screenWith := &filterState{use: rows >= int64(s.opts.FilterMinRows), maxHashes: max(16*rows, 1000), wait: s.waitForFilter,
		connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.ConnectConfig(ctx, s.db.Direct().Config().ConnConfig.Copy())
		}}
	screenWith.ctx, screenWith.cancel = context.WithCancel(readCtx)
	defer screenWith.stop()
	keyIDs := s.keyring.KeyIDs()
	var recent []*batch // handed on, oldest first
	for b := range in {
		if len(recent) > Writers {
			// batch N-Writers-1 committed (or failed)
			select {
			case <-recent[0].done:
			case <-readCtx.Done():
				return
			}
			recent = recent[1:]
		}
		if len(b.rows)+len(b.late) > 0 {
			b.lookErr = screenWith.refresh(ctx, conn)
			if b.lookErr == nil {
				b.lookErr = lookup(ctx, conn, keyIDs, st.id, st.heldKeys, screenWith.filter, b)
			}
		}
		select {
		case out <- b:
			recent = append(recent, b)
		case <-readCtx.Done():
			return
		}
	}
}

// writeStage writes the looked-up batches, up to `Writers` at once, and settles them in file
// order: the outcome of each decides whether the job goes on, fails or is finished.
func (s *Service) writeStage(ctx context.Context, conn *pgxpool.Conn, writeConns []txBeginner, st *runState, in <-chan *batch,
	stopReading func(), writing *sync.WaitGroup) error {
	var inFlight []*batch // oldest first
	settle := func(b *batch) (stop bool, err error) {
		<-b.done
		switch {
		case b.lookErr != nil || b.writeErr != nil:
			werr := b.lookErr
			if werr == nil {
				werr = b.writeErr
			}
			stopReading()
			writing.Wait()
			if errors.Is(werr, blacklist.ErrOtherCurrentKey) {
				// another instance rotated the key and this one stops: the job stays RUNNING at
				// its checkpoint for an instance with the new key to take over, as after a stop
				s.opts.Log.Error("importer: the secret key was rotated; leaving the job to an instance with the new key",
					"job_id", st.id, "after_line", st.checkpoint)
				return true, nil
			}
			if errors.Is(werr, errStarterRevoked) {
				s.opts.Log.Warn("importer: the token that started the import was revoked; stopping the job", "job_id", st.id, "after_line", st.checkpoint)
				return true, s.fail(ctx, conn, st.id, fmt.Sprintf("the API token that started the import was revoked, so the import stopped after line %d; "+
					"the rows up to there were imported and stay. Start the import again with a valid token to add the rest "+
					"(rows already imported count as duplicates)", st.checkpoint))
			}
			s.opts.Log.Error("importer: writing a batch", "job_id", st.id, "after_line", st.checkpoint, "err", werr)
			return true, s.fail(ctx, conn, st.id, fmt.Sprintf("an internal error stopped the import after line %d; the rows up to there were imported. "+
				"Import the file again to add the rest (rows already imported count as duplicates)", st.checkpoint))
		case b.err != nil:
			return true, s.fail(ctx, conn, st.id, fmt.Sprintf("%s; the rows before were imported. Correct the file and import it again "+
				"(rows already imported count as duplicates)", strings.TrimPrefix(b.err.Error(), "csvfile: ")))
		case b.eof:
			return true, s.finish(ctx, conn, st)
		}
		s.keepStatisticsUp(ctx, st, len(b.ins), writing)
		return false, nil
	}
	var prev *batch
	for b := range in {
		if s.ctx.Err() != nil {
			break // stopped; resumed from the checkpoint on the next start
		}
		if len(inFlight) == Writers {
			if stop, err := settle(inFlight[0]); stop {
				return err
			}
			inFlight = inFlight[1:]
		}
		c, after := writeConns[b.seq%Writers], prev
		writing.Go(func() {
			defer close(b.done)
			if b.lookErr == nil {
				b.writeErr = s.write(ctx, c, st, b, after)
			}
		})
		inFlight = append(inFlight, b)
		prev = b
	}
	for _, b := range inFlight {
		if stop, err := settle(b); stop {
			return err
		}
	}
	return nil
}

// filterState is the lookup stage's blacklist filter. It is loaded on a connection of its
// own while the lookups screen in the database; the lookups take it up once it is there.
type filterState struct {
	use       bool
	maxHashes int64
	wait      bool // load before the first lookup (Options.FilterMinRows < 0)
	filter    *blacklistFilter
	loads     int

	connect func(context.Context) (*pgx.Conn, error)
	ctx     context.Context // of the loading; ends with the lookups
	cancel  context.CancelFunc
	loading chan filterLoad // while a load runs
	loaders sync.WaitGroup
}

type filterLoad struct {
	filter *blacklistFilter
	err    error
}

// refresh takes up a filter that has finished loading, starts loading it, or again when the
// blacklist changed since; after filterMaxReloads, when the blacklist is too large or a load
// failed, it stops using one. Without a filter, lookup screens in the database, which is
// always right, only slower.
func (f *filterState) refresh(ctx context.Context, conn *pgx.Conn) error {
	if !f.use {
		return nil
	}
	if f.loading != nil {
		var r filterLoad
		if f.wait {
			r = <-f.loading
		} else {
			select {
			case r = <-f.loading:
			default:
				return nil // still loading
			}
		}
		f.loading = nil
		f.filter = r.filter
		f.use = r.err == nil && r.filter != nil
		if !f.use {
			return nil
		}
	}
	if f.filter != nil {
		changed, err := blacklistChangedSince(ctx, conn, f.filter.version)
		if err != nil || !changed {
			return err
		}
		f.filter = nil
	}
	if f.loads > filterMaxReloads {
		f.use = false
		return nil
	}
	f.loads++
	loading := make(chan filterLoad, 1)
	f.loading = loading
	f.loaders.Go(func() {
		c, err := f.connect(f.ctx)
		if err != nil {
			loading <- filterLoad{err: err}
			return
		}
		defer c.Close(context.WithoutCancel(f.ctx))
		filter, err := loadBlacklistFilter(f.ctx, c, f.maxHashes)
		loading <- filterLoad{filter: filter, err: err}
	})
	if f.wait {
		return f.refresh(ctx, conn)
	}
	return nil
}

// stop ends a load still running and waits for it.
func (f *filterState) stop() {
	f.cancel()
	f.loaders.Wait()
}

// maySkipKeyChecks reports whether the session may set session_replication_role.
func maySkipKeyChecks(ctx context.Context, conn *pgxpool.Conn) bool {
	var ok bool
	err := conn.QueryRow(ctx, `SELECT current_setting('is_superuser') = 'on'
		OR has_parameter_privilege('session_replication_role', 'SET')`).Scan(&ok)
	return err == nil && ok
}

// readStage streams the file from after line `after` in batches, prepared in parallel.
func (s *Service) readStage(ctx context.Context, rd *csvfile.Reader, after int, size int64, out chan<- *batch) {
	defer close(out)
	raw := make([]csvfile.Row, 0, s.opts.BatchRows)
	// the keys of the batches not yet committed when this one is looked up: this one and the
	// Writers before it
	window := make([]map[string]struct{}, Writers+1)
	for i := range window {
		window[i] = make(map[string]struct{}, s.opts.BatchRows*2)
	}
	for seq := 0; ctx.Err() == nil; seq++ {
		raw = raw[:0]
		var readErr error
		eof := false
		for len(raw) < s.opts.BatchRows {
			row, err := rd.Next()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				readErr = err
				break
			}
			if row.Line <= after {
				continue
			}
			raw = append(raw, row)
		}
		b := &batch{seq: seq, done: make(chan struct{}), eof: eof, err: readErr, bytes: rd.BytesRead(), processed: len(raw)}
		if eof {
			b.bytes = size
		}
		prepared, rowProblems := s.prepareAll(raw)
		seen := window[seq%len(window)]
		clear(seen)
		first := make(map[string]*staged, len(raw)) // the row of this batch a key was first seen in
		for i, row := range raw {
			b.lastLine = row.Line
			if rowProblems[i] != nil {
				b.invalid++
				b.problems = append(b.problems, rowProblems[i]...)
				continue
			}
			p := prepared[i]
			dup := false
		keys:
			for _, k := range p.dedupeKeys {
				for _, w := range window {
					if _, ok := w[k]; ok {
						dup = true
						break keys
					}
				}
			}
			if dup {
				b.dupes++
				// The file gives the two rows as one person: her earlier row in this batch is
				// screened and looked up with this one's identifiers too (staged.kin), so that a
				// blacklisted phone in her second row holds her first, and a phone of an existing
				// contact makes it a duplicate of hers, as had the rows come the other way round.
				kin := false
				for _, k := range p.dedupeKeys {
					if r := first[k]; r != nil {
						r.kin = append(r.kin, p)
						kin = true
						break
					}
				}
				if !kin {
					// her earlier row went to an earlier batch: too late to hold it with this one,
					// so this one is screened and the records it names answer for it (ties.go)
					b.late = append(b.late, p)
				}
				continue
			}
			for _, k := range p.dedupeKeys {
				seen[k] = struct{}{}
				first[k] = p
			}
			b.rows = append(b.rows, p)
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
		if eof || readErr != nil {
			return
		}
	}
}

// prepareAll runs prepare over rows on every core, keeping their order.
func (s *Service) prepareAll(rows []csvfile.Row) ([]*staged, [][]problem) {
	prepared := make([]*staged, len(rows))
	msgs := make([][]problem, len(rows))
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(rows) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(rows); lo += chunk {
		hi := min(lo+chunk, len(rows))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				prepared[i], msgs[i] = prepare(rows[i], s.keyring)
			}
		})
	}
	wg.Wait()
	return prepared, msgs
}

// finish ends a job that read its whole file: NEEDS_DECISION while held rows wait, else DONE.
func (s *Service) finish(ctx context.Context, conn *pgxpool.Conn, st *runState) error {
	s.refreshStatistics(ctx, conn, st.processed)
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE import_jobs SET status = CASE WHEN held > 0 THEN 'NEEDS_DECISION' ELSE 'DONE' END,
				total = processed, spool_file = '', updated_at = now() WHERE id = $1 AND status = 'RUNNING'`, st.id); err != nil {
			return err
		}
		_, err := store.Emit(ctx, tx, store.Event{Kind: store.EventImportProgress, Ref: st.id})
		return err
	})
	if err != nil {
		return fmt.Errorf("finish: %w", err)
	}
	s.removeSpool(st.spool)
	return nil
}

// statisticsTables are the tables an import writes whose statistics the planner and
// totalCount's estimate read.
const statisticsTables = `contacts, contact_emails, contact_phones, list_members, consent_state`

// refreshStatistics analyses the tables a finished import wrote when it added a tenth of the
// contacts the statistics know of or more, or they were never analysed. totalCount above
// store.ExactCountLimit is the planner's estimate, and autovacuum refreshes the statistics
// only a minute or more later: right after a 300,000-row import into an empty database
// totalCount said 119,830. It runs before the job is marked DONE, so that what a caller reads
// once it is DONE is counted right; a failure is logged, not the job's (the rows are there;
// this is only what the planner knows of them).
func (s *Service) refreshStatistics(ctx context.Context, conn *pgxpool.Conn, rows int) {
	known, err := contactsKnown(ctx, conn)
	if err != nil {
		s.opts.Log.Warn("importer: reading the table statistics", "err", err)
		return
	}
	if known >= 0 && float64(rows) < known/10 {
		return
	}
	// A role that does not own the tables gets a warning from PostgreSQL, not an error.
	if _, err := conn.Exec(ctx, `ANALYZE `+statisticsTables); err != nil {
		s.opts.Log.Warn("importer: refreshing the table statistics after an import", "err", err)
	}
}

// contactsKnown is how many contacts the planner's statistics know of (-1: never analysed).
func contactsKnown(ctx context.Context, conn *pgxpool.Conn) (float64, error) {
	var known float64
	err := conn.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'contacts'::regclass`).Scan(&known)
	return known, err
}

// keepStatisticsUp refreshes the statistics of the contacts and their e-mails and phones while
// a job more than doubles them (from analyseMinRows contacts on): the requests of staff during
// the import are planned on them. On the statistics of an empty table the planner takes a
// table of a hundred thousand e-mails for a few and plans a save's lookups as reads of the whole
// table, or compiles them (JIT) for tens of milliseconds. The ANALYZE runs beside the import on
// a connection of the pool, one at a time.
func (s *Service) keepStatisticsUp(ctx context.Context, st *runState, added int, writing *sync.WaitGroup) {
	st.statsSince += float64(added)
	if st.statsSince < max(st.statsKnown, analyseMinRows) || !st.analysing.CompareAndSwap(false, true) {
		return
	}
	st.statsKnown, st.statsSince = max(st.statsKnown, 0)+st.statsSince, 0
	writing.Go(func() {
		defer st.analysing.Store(false)
		// A sample of 3,000 rows a table instead of 30,000: the table's size and which values
		// are rare is what the plans of staff requests need, and finish analyses in full. A
		// role that does not own the tables gets a warning from PostgreSQL, not an error.
		err := pgx.BeginFunc(ctx, s.db.Direct(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL default_statistics_target = 10`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `ANALYZE contacts, contact_emails, contact_phones`)
			return err
		})
		if err != nil && ctx.Err() == nil {
			s.opts.Log.Warn("importer: refreshing the table statistics during an import", "job_id", st.id, "err", err)
		}
	})
}

// analyseMinRows is the fewest contacts keepStatisticsUp refreshes the statistics for.
const analyseMinRows = 20000

// fail marks a RUNNING job FAILED with a message for the uploader (no personal data) and
// deletes its spooled file. Rows committed so far stay imported.
func (s *Service) fail(ctx context.Context, conn *pgxpool.Conn, id, msg string) error {
	var spool string
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE import_jobs SET status = 'FAILED', message = $2, total = processed,
				updated_at = now() WHERE id = $1 AND status = 'RUNNING' RETURNING spool_file`,
			id, msg).Scan(&spool)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		_, err = store.Emit(ctx, tx, store.Event{Kind: store.EventImportProgress, Ref: id})
		return err
	})
	if err != nil {
		return fmt.Errorf("fail: %w", err)
	}
	if spool != "" {
		s.removeSpool(spool)
	}
	return nil
}
