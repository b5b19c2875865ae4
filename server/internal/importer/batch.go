package importer

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// heldMatch is a row that matched an active blacklist entry (by e-mail, phone, or name and
// address), with the match that names it and every match it shows (shown_entries with
// shown_fields, element by element).
type heldMatch struct {
	row          *staged
	field        string
	entryID      string
	shownEntries []string
	shownFields  []string
}

// heldFilter remembers a 64-bit hash of every dedupe key of the job's held rows, so that
// lookup only asks the database about the (few) keys that may belong to a held row. It costs
// about 40 bytes per key however long the keys are; a hit is confirmed in the database, so a
// hash collision or a row decided meanwhile never makes a false duplicate. The writer adds
// to it while lookup reads it.
type heldFilter struct {
	mu   sync.Mutex
	seed maphash.Seed
	keys map[uint64]struct{}
}

func newHeldFilter() *heldFilter {
	return &heldFilter{seed: maphash.MakeSeed(), keys: map[uint64]struct{}{}}
}

func (f *heldFilter) addKey(k string) { f.keys[maphash.String(f.seed, k)] = struct{}{} }

// add remembers the keys of rows just committed as held.
func (f *heldFilter) add(holds []heldMatch) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range holds {
		for _, k := range h.row.dedupeKeys {
			f.addKey(k)
		}
	}
}

// mayHold returns the dedupe keys of rows that may belong to a held row.
func (f *heldFilter) mayHold(rows []*staged) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.keys) == 0 {
		return nil
	}
	var out []string
	for _, r := range rows {
		keys, _, _ := r.person()
		for _, k := range keys {
			if _, ok := f.keys[maphash.String(f.seed, k)]; ok {
				out = append(out, k)
			}
		}
	}
	return out
}

// loadHeldFilter fills the filter with the keys of the rows the job already holds (a resumed
// job).
func loadHeldFilter(ctx context.Context, conn *pgxpool.Conn, jobID string) (*heldFilter, error) {
	f := newHeldFilter()
	rows, err := conn.Query(ctx, `SELECT k FROM import_held, unnest(dedupe_keys) AS k WHERE job_id = $1`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var k string
	_, err = pgx.ForEachRow(rows, []any{&k}, func() error { f.addKey(k); return nil })
	return f, err
}

// The columns writeRows copies a new contact, its e-mails and its phones into.
var (
	contactColumns = []string{"id", "given_name", "family_name", "organization", "street", "postal_code", "city", "country",
		"sort_key", "search_text"}
	emailColumns = []string{"contact_id", "position", "address", "normalized", "hash", "key_id"}
	phoneColumns = []string{"contact_id", "position", "number", "hash", "key_id"}
	heldColumns  = []string{"job_id", "line", "field", "entry_id", "raw_email", "raw_phone", "given_name", "family_name",
		"organization", "street", "postal_code", "city", "country", "emails", "emails_norm", "phones", "sort_key",
		"search_text", "dedupe_keys", "name_address_keys", "shown_entries", "shown_fields"}
)

// StoredTable is a table an import stores its new contacts in, with the columns it copies.
type StoredTable struct {
	Name    string
	Columns []string
}

// StoredTables are the tables an import stores its new contacts in, in the order a batch
// writes them (for the bench's floor of the import).
func StoredTables() []StoredTable {
	return []StoredTable{{"contacts", contactColumns}, {"contact_emails", emailColumns}, {"contact_phones", phoneColumns}}
}

// existingEmails and existingPhones return those of the normalised e-mails or E.164 numbers
// $1 that belong to a contact.
const (
	existingEmails = `SELECT q.k FROM unnest($1::text[]) AS q(k)
		CROSS JOIN LATERAL (SELECT FROM contact_emails WHERE normalized = q.k LIMIT 1) AS found`
	existingPhones = `SELECT q.k FROM unnest($1::text[]) AS q(k)
		CROSS JOIN LATERAL (SELECT FROM contact_phones WHERE number = q.k LIMIT 1) AS found`
)

// lookup decides what becomes of the rows of b, set-based: the keys of the whole batch are
// looked up at once (index probes on the normalised e-mails and phones, the job's held rows
// and the blacklist hashes, in one round trip on q, outside the writing transaction). A row
// whose e-mail or phone belongs to an existing contact or a held row is a duplicate; one
// matching the blacklist (by e-mail, phone, or name and address) is held.
func lookup(ctx context.Context, q batchSender, keyIDs []string, jobID string, held *heldFilter, filter *blacklistFilter, b *batch) error {
	// Rows of a batch share no e-mail or phone (read drops such duplicates), so the keys go
	// to the database as they are, and only the few keys found are mapped back to rows.
	emails, phones := make([]string, 0, len(b.rows)), make([]string, 0, len(b.rows))
	hashes := make([][]byte, 0, 4*len(b.rows))
	for _, r := range b.rows {
		emails = append(emails, r.emailsNorm...)
		phones = append(phones, r.phones...)
		for _, k := range r.kin {
			emails = append(emails, k.emailsNorm...)
			phones = append(phones, k.phones...)
		}
		hs := r.screened()
		if filter == nil {
			hashes = append(hashes, hs...)
			continue
		}
		for _, h := range hs {
			if filter.mayContain(h) {
				hashes = append(hashes, h)
			}
		}
	}
	for _, r := range b.late {
		for _, h := range r.hashes {
			if filter == nil || filter.mayContain(h) {
				hashes = append(hashes, h)
			}
		}
	}
	heldKeys := held.mayHold(b.rows)

	found := map[string]struct{}{} // dedupe keys ("e:…", "p:…") of existing contacts and held rows
	collect := func(prefix string) func(pgx.Rows) error {
		return func(rows pgx.Rows) error {
			var k string
			_, err := pgx.ForEachRow(rows, []any{&k}, func() error {
				found[prefix+k] = struct{}{}
				return nil
			})
			return err
		}
	}
	qb := &pgx.Batch{}
	// First, before the blacklist is read: events are numbered in commit order and every new
	// blacklist entry writes one, so an entry this lookup does not see has a higher number.
	if filter != nil {
		b.blacklistSeen = filter.version
	} else {
		qb.Queue(`SELECT coalesce(max(id), 0) FROM events`).QueryRow(func(r pgx.Row) error { return r.Scan(&b.blacklistSeen) })
	}
	// One index probe per key, whatever the table's size: with `= ANY` of thousands of keys the
	// planner prefers a (parallel) scan of the whole table once it holds some hundred thousand
	// rows, which made every batch of an import read every e-mail stored.
	qb.Queue(existingEmails, pgtype.FlatArray[string](emails)).Query(collect(store.EmailKeyPrefix))
	qb.Queue(existingPhones, pgtype.FlatArray[string](phones)).Query(collect(store.PhoneKeyPrefix))
	if len(heldKeys) > 0 {
		qb.Queue(`SELECT DISTINCT k FROM import_held h, unnest(h.dedupe_keys) AS k
			WHERE h.job_id = $1 AND h.dedupe_keys && $2::text[] AND k = ANY ($2::text[])`, jobID, heldKeys).
			Query(collect(""))
	}
	var matches blacklist.Matches
	blacklist.QueueMatches(qb, keyIDs, hashes, &matches)
	if err := q.SendBatch(ctx, qb).Close(); err != nil {
		return fmt.Errorf("dedupe and screen: %w", err)
	}

	isDup := func(r *staged) bool {
		if len(found) == 0 {
			return false
		}
		keys, _, _ := r.person()
		for _, k := range keys {
			if _, ok := found[k]; ok {
				return true
			}
		}
		return false
	}
	// decided afresh: rewrite looks up again a batch an earlier attempt decided (and warned about)
	b.ins, b.holds, b.warned, b.dupConsents, b.ties = make([]*staged, 0, len(b.rows)), nil, nil, nil, nil
	b.dbDupes, b.emails, b.phones = 0, 0, 0
	for _, r := range b.late {
		b.ties = appendTie(b.ties, r, matches.Screening(r.hashes), true)
	}
	for _, r := range b.rows {
		if isDup(r) {
			b.dbDupes++
			b.ties = appendTie(b.ties, r, matches.Screening(r.screened()), false)
			switch {
			case r.consent == nil:
			case blocksConsent(matches.Screening(r.screened())):
				// The row ties the existing record to a blacklisted identifier: a consent it states
				// is written for nobody without a decision, as a held row's (DESIGN rule 6).
				b.warned = append(b.warned, problem{line: r.line, code: apperr.ReasonContactBlocked, field: "consent",
					msg: "duplicate of an existing contact, and its consent is not recorded: an e-mail or phone of the row matches a blacklist entry " +
						"(objection, restriction or erasure); only the person's own confirmed sign-up brings her back"})
			default:
				b.dupConsents = append(b.dupConsents, r)
			}
			continue
		}
		// A name-and-address match holds the row too: at entry it only warns, as the one typing
		// decides there, but nobody is at an import's row when it is written. The first match
		// names the hold: a blocking one (e-mail, phone) if any. The row shows every match, so
		// that the acceptance made knowing them covers them all (screening.Unseen).
		if scr := matches.Screening(r.screened()); scr != nil {
			m := scr.Matches[0]
			entries, fields := shownMatches(scr.Matches)
			b.holds = append(b.holds, heldMatch{row: r, field: string(m.Field), entryID: m.Entry.ID,
				shownEntries: entries, shownFields: fields})
			continue
		}
		// Time-ordered ids: the new keys go to the right edge of the contacts, e-mail and phone
		// primary keys instead of random pages all over them.
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		r.id = id
		b.emails += len(r.emails)
		b.phones += len(r.phones)
		b.ins = append(b.ins, r)
	}
	return nil
}

// blocksConsent says whether a duplicate row's screening leaves its consent unrecorded: an
// e-mail or phone matches (a name-and-address match only warns, as at entry).
func blocksConsent(scr *model.Screening) bool {
	return scr != nil && len(screening.Blocking(scr.Matches)) > 0
}

// batchSender is a connection or transaction that lookup sends its queries on.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// txBeginner is a connection a batch is written on.
type txBeginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// errEarlierFailed stops a batch whose predecessor was not written: it must not commit.
var errEarlierFailed = errors.New("the batch before was not written")

// write commits one looked-up batch: the new contacts with their e-mails, phones and list
// memberships and the held rows, copied straight into their tables with the ids lookup
// gave, and the problems, counters and checkpoint, all in one transaction. The rows are
// copied at once; the rest waits until after, the batch before, is committed, so batches
// commit in file order and the checkpoint only moves forward.
//
// Screening holds: the transaction takes the blacklist lock (shared) before it commits, and
// then checks whether a blacklist entry was added since lookup read the blacklist. If so, the
// batch is looked up and written again in one transaction under that lock (rare), so an entry
// committed before the batch commits is always honoured, and an entry added later waits for
// the batch.
//
// A transaction PostgreSQL aborts for a concurrent one (store.Retryable: a deadlock with a
// revocation locking the person's records in another order, say) is rewritten, up to
// writeRetries times, before the job fails: the conflict is transient, and the batch is
// still uncommitted, so the batch after still waits for it.
//
// The transaction commits asynchronously (synchronous_commit off): should the database crash,
// it loses at most the last batches together with their checkpoint, and the resumed job writes
// them again; finish commits synchronously, which flushes every batch before it.
func (s *Service) write(ctx context.Context, c txBeginner, st *runState, b, after *batch) error {
	err := s.writeFirst(ctx, c, st, b, after)
	for attempt := 1; attempt <= writeRetries && store.Retryable(err); attempt++ {
		// the first attempt may have failed before it waited for the batch before
		if err := waitFor(after); err != nil {
			return err
		}
		s.opts.Log.Warn("importer: a concurrent transaction aborted the batch's (deadlock or serialization failure); writing the batch again",
			"job_id", st.id, "after_line", st.checkpoint, "attempt", attempt, "err", err)
		err = s.rewrite(ctx, c, st, b)
	}
	return err
}

// writeRetries is how often write writes a batch again that a concurrent transaction aborted.
const writeRetries = 3

// waitFor waits until after, the batch before (nil for none), is committed or failed.
func waitFor(after *batch) error {
	if after == nil {
		return nil
	}
	<-after.done
	if after.lookErr != nil || after.writeErr != nil {
		return errEarlierFailed
	}
	return nil
}

// writeFirst is write's first attempt: rows copied at once, the locks taken once after has
// committed.
func (s *Service) writeFirst(ctx context.Context, c txBeginner, st *runState, b, after *batch) error {
	tx, err := begin(ctx, c)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := writeRows(ctx, tx, s.keyring, st, b); err != nil {
		return err
	}
	if err := waitFor(after); err != nil {
		return err
	}
	// Taken only now, when no other transaction of the job holds or waits for them: a blacklist
	// writer waiting for the lock blocks new shared requests, and the batch after this one waits
	// for this one. The join turn first, as every writer that joins a person takes it.
	if err := bulkTurn(ctx, tx); err != nil {
		return err
	}
	if err := blacklist.LockShared(ctx, tx, s.keyring); err != nil {
		return err
	}
	changed, err := blacklistChangedSince(ctx, tx, b.blacklistSeen)
	if err != nil {
		return fmt.Errorf("blacklist changes: %w", err)
	}
	if !changed {
		return s.commit(ctx, tx, st, b)
	}
	if err := tx.Rollback(ctx); err != nil {
		return err
	}
	return s.rewrite(ctx, c, st, b)
}

// rewrite looks up and writes batch b again in one transaction that holds the join turn and
// the blacklist lock from the start.
func (s *Service) rewrite(ctx context.Context, c txBeginner, st *runState, b *batch) error {
	tx, err := begin(ctx, c)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := bulkTurn(ctx, tx); err != nil {
		return err
	}
	if err := blacklist.LockShared(ctx, tx, s.keyring); err != nil {
		return err
	}
	if len(b.rows)+len(b.late) > 0 {
		if err := lookup(ctx, tx, s.keyring.KeyIDs(), st.id, st.heldKeys, nil, b); err != nil {
			return err
		}
	}
	if err := writeRows(ctx, tx, s.keyring, st, b); err != nil {
		return err
	}
	return s.commit(ctx, tx, st, b)
}

// bulkTurn takes consent.BulkTurn for a batch without queueing for it while staff writers
// hold its shared side (consent.TryBulkTurn, again every bulkTurnRetry): a save that comes
// meanwhile is let in at once instead of waiting behind the batch for the saves ahead of it
// and then the batch's whole commit phase. After bulkTurnPatience it queues as any writer
// does, so that saves overlapping without a gap cannot hold the import up for good.
func bulkTurn(ctx context.Context, tx pgx.Tx) error {
	deadline := time.Now().Add(bulkTurnPatience)
	for time.Now().Before(deadline) {
		took, err := consent.TryBulkTurn(ctx, tx)
		if err != nil || took {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(bulkTurnRetry):
		}
	}
	return consent.BulkTurn(ctx, tx)
}

// bulkTurnPatience is how long bulkTurn asks before it queues (a variable for tests).
var bulkTurnPatience = time.Second

// bulkTurnRetry is how long bulkTurn waits between two asks: a save holds the turn for some
// milliseconds.
const bulkTurnRetry = 2 * time.Millisecond

func begin(ctx context.Context, c txBeginner) (pgx.Tx, error) {
	tx, err := c.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
		_ = tx.Rollback(ctx)
		return nil, err
	}
	return tx, nil
}

// commit writes the batch's consents, joins its new contacts to the people they met (see
// below), writes its problems, the job's counters and checkpoint and (at most every
// progressEvery) a progress event, and commits; the batch before is committed and tx holds
// consent.BulkTurn.
func (s *Service) commit(ctx context.Context, tx pgx.Tx, st *runState, b *batch) error {
	if err := checkStarter(ctx, tx, st); err != nil {
		return err
	}
	if err := recordConsents(ctx, tx, st.id, b); err != nil {
		return err
	}
	// lookup found none of the new contacts' e-mails and phones, but a staff member may have
	// given one of them to a record meanwhile, reading that person before this batch
	// committed: such a contact joins her here, with its consent just recorded, as after
	// updateContact. Read under BulkTurn, so in the same checkpoint as the rows: a job resumed
	// after a crash has no batch left to check.
	if len(b.ins) > 0 {
		written := make([]consent.Written, len(b.ins))
		for i, r := range b.ins {
			written[i] = consent.Written{ID: r.id.String(), Emails: r.emailsNorm, Phones: r.phones}
		}
		if err := consent.JoinShared(ctx, tx, written); err != nil {
			return err
		}
	}
	tied, err := blockTiedRecords(ctx, tx, st.id, b)
	if err != nil {
		return err
	}
	warned := b.warned
	if len(tied) > 0 {
		// a line that blocked her record says so instead of its consent's warning
		warned = slices.DeleteFunc(slices.Clone(warned), func(w problem) bool {
			return slices.ContainsFunc(tied, func(t problem) bool { return t.line == w.line })
		})
	}
	inserted, held, dupes := len(b.ins), len(b.holds), b.dupes+b.dbDupes
	// a copy: sorted in place in b.problems, the warnings took the place of its problems in a
	// rewrite after a failed commit
	problems := slices.Concat(b.problems, warned, tied)
	if len(warned)+len(tied) > 0 {
		slices.SortStableFunc(problems, func(a, b problem) int { return a.line - b.line })
	}

	if room := maxListed - st.problems; room > 0 && len(problems) > 0 {
		keep := problems[:min(room, len(problems))]
		seqs, lines := make([]int, len(keep)), make([]int, len(keep))
		codes, fields, msgs := make([]string, len(keep)), make([]*string, len(keep)), make([]string, len(keep))
		for i, p := range keep {
			seqs[i], lines[i], codes[i], msgs[i] = st.problems+i, p.line, string(p.code), p.msg
			if p.field != "" {
				fields[i] = &p.field
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO import_problems (job_id, seq, line, code, field, message)
			SELECT $1, * FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[])`,
			st.id, seqs, lines, codes, fields, msgs); err != nil {
			return fmt.Errorf("problems: %w", err)
		}
	}

	processed := st.processed + b.processed
	total := processed
	if !b.eof && b.bytes > 0 && b.bytes < st.size {
		total = int(float64(processed) * float64(st.size) / float64(b.bytes)) // estimated from the bytes read so far
	}
	checkpoint := st.checkpoint
	if b.lastLine > 0 {
		checkpoint = b.lastLine
	}
	if _, err := tx.Exec(ctx, `UPDATE import_jobs SET processed = processed + $2, inserted = inserted + $3,
			duplicates = duplicates + $4, held = held + $5, invalid = invalid + $6, problem_count = problem_count + $7,
			checkpoint_line = $8, checkpoint_bytes = $9, total = greatest($10, processed + $2), updated_at = now()
		WHERE id = $1`,
		st.id, b.processed, inserted, dupes, held, b.invalid, len(problems), checkpoint, b.bytes, total); err != nil {
		return fmt.Errorf("job counters: %w", err)
	}
	now := time.Now()
	emitted := false
	if now.Sub(st.lastEmit) >= progressEvery {
		if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventImportProgress, Ref: st.id}); err != nil {
			return err
		}
		emitted = true
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	st.processed, st.checkpoint, st.problems, st.held = processed, checkpoint, st.problems+len(problems), st.held+held
	st.heldKeys.add(b.holds)
	if s.opts.Counted != nil {
		s.opts.Counted(inserted, dupes, held, b.invalid)
	}
	if emitted {
		st.lastEmit = now
	}
	return nil
}

// writeRows copies the batch's new contacts, their e-mails and phones with their keyed hashes
// under keyring's current key (those prepare computed for screening), their list memberships
// and the batch's held rows into their tables. (Rows written here matched no blacklist entry
// under any key, so no entry needs its hashes carried over to the current key: see
// blacklist.HashIdentifiers.)
func writeRows(ctx context.Context, tx pgx.Tx, keyring *screening.Keyring, st *runState, b *batch) error {
	keyID := keyring.Current().ID
	// prepare hashed every identifier under every key, current first: e-mails, then phones
	// (screening.Keyring.AppendHashes), so the hash under the current key is at every stride-th.
	stride := len(keyring.KeyIDs())
	if len(b.ins) > 0 {
		ins := b.ins
		c := newCopyBuf(len(ins) * 256)
		for _, r := range ins {
			c.row(len(contactColumns))
			c.uuid(r.id)
			c.text(r.givenName)
			c.text(r.familyName)
			c.textOrNull(r.organization)
			c.textOrNull(r.street)
			c.textOrNull(r.postalCode)
			c.textOrNull(r.city)
			c.textOrNull(r.country)
			c.text(r.sortKey)
			c.text(r.searchText)
		}
		if err := c.copyInto(ctx, tx, "contacts", contactColumns); err != nil {
			return fmt.Errorf("contacts: %w", err)
		}
		// The e-mails and phones reference only the contacts just copied in this transaction:
		// where the role may, their foreign key checks (one query per row, a quarter of the
		// database's work per row) are skipped for these two statements. The constraints stay;
		// nobody else can see, let alone delete, those contacts before the commit. Replica mode
		// turns off every trigger not enabled ALWAYS; the tables' own (contact_blocks) are (a
		// test says so).
		if st.skipKeyChecks {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				return err
			}
		}
		// Every e-mail and phone copied here was screened by lookup, and the batch commits only
		// if the blacklist did not change since (write, rewrite): the trigger that keeps
		// contact_blocks exact need not probe the blacklist for them again (migration 00027).
		if _, err := tx.Exec(ctx, `SET LOCAL vermerk.identifiers_screened = on`); err != nil {
			return err
		}
		if b.emails > 0 {
			c := newCopyBuf(b.emails * 160)
			for _, r := range ins {
				for j := range r.emails {
					c.row(6)
					c.uuid(r.id)
					c.int4(int32(j))
					c.text(r.emails[j])
					c.text(r.emailsNorm[j])
					c.bytea(r.hashes[j*stride])
					c.text(keyID)
				}
			}
			if err := c.copyInto(ctx, tx, "contact_emails", emailColumns); err != nil {
				return fmt.Errorf("e-mails: %w", err)
			}
		}
		if b.phones > 0 {
			c := newCopyBuf(b.phones * 112)
			for _, r := range ins {
				for j := range r.phones {
					c.row(5)
					c.uuid(r.id)
					c.int4(int32(j))
					c.text(r.phones[j])
					c.bytea(r.hashes[(len(r.emails)+j)*stride])
					c.text(keyID)
				}
			}
			if err := c.copyInto(ctx, tx, "contact_phones", phoneColumns); err != nil {
				return fmt.Errorf("phones: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `SET LOCAL vermerk.identifiers_screened = off`); err != nil {
			return err
		}
		if st.skipKeyChecks {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = origin`); err != nil {
				return err
			}
		}
		if st.listID != "" {
			listID, err := uuid.Parse(st.listID)
			if err != nil {
				return err
			}
			c := newCopyBuf(len(ins) * 48)
			for _, r := range ins {
				c.row(2)
				c.uuid(listID)
				c.uuid(r.id)
			}
			if err := c.copyInto(ctx, tx, "list_members", []string{"list_id", "contact_id"}); err != nil {
				return fmt.Errorf("list members: %w", err)
			}
		}
	}
	if len(b.holds) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_held"}, heldColumns, pgx.CopyFromSlice(len(b.holds), func(i int) ([]any, error) {
			h := b.holds[i]
			r := h.row
			return []any{st.id, r.line, h.field, h.entryID, r.rawEmail, r.rawPhone, r.givenName, r.familyName, r.organization,
				r.street, r.postalCode, r.city, r.country, r.emails, r.emailsNorm, r.phones, r.sortKey, r.searchText,
				r.dedupeKeys, store.HeldNameAddressKeys(r.familyName, r.givenName, r.postalCode, r.street),
				h.shownEntries, h.shownFields}, nil
		})); err != nil {
			return fmt.Errorf("held rows: %w", err)
		}
	}
	return nil
}
