package importer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vermerk/vermerk/server/internal/store"
)

// createBatchTable makes the runner's staging table: temporary (private to the runner's
// session, never WAL-logged) and emptied at every commit, so it never bloats however many
// batches pass through it.
const createBatchTable = `CREATE TEMP TABLE IF NOT EXISTS import_batch (
	job_id       uuid NOT NULL,
	line         int  NOT NULL PRIMARY KEY,
	contact_id   uuid NOT NULL DEFAULT gen_random_uuid(),
	raw_email    text NOT NULL,
	raw_phone    text NOT NULL,
	given_name   text NOT NULL,
	family_name  text NOT NULL,
	organization text,
	street       text,
	postal_code  text,
	city         text,
	country      text,
	emails       text[] NOT NULL,
	emails_norm  text[] NOT NULL,
	phones       text[] NOT NULL,
	sort_key     text NOT NULL,
	search_text  text NOT NULL,
	dedupe_keys  text[] NOT NULL,
	hashes       bytea[] NOT NULL
) ON COMMIT DELETE ROWS`

var stagingColumns = []string{"job_id", "line", "raw_email", "raw_phone", "given_name", "family_name", "organization",
	"street", "postal_code", "city", "country", "emails", "emails_norm", "phones", "sort_key", "search_text",
	"dedupe_keys", "hashes"}

// heldMatch is a staged row that matched an active blacklist entry by e-mail or phone.
type heldMatch struct {
	line    int
	field   string
	entryID string
}

// write commits one batch: staging, dedupe, screening, inserts, problems, counters and the
// checkpoint, all in one transaction.
func (s *Service) write(ctx context.Context, conn *pgxpool.Conn, st *runState, b *batch) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()

	inserted, dupes, held := 0, b.dupes, 0
	problems := b.problems
	if len(b.rows) > 0 {
		var warned []problem
		inserted, dupes, held, warned, err = s.writeRows(ctx, tx, st, b)
		if err != nil {
			return err
		}
		dupes += b.dupes
		problems = append(problems, warned...)
		slices.SortStableFunc(problems, func(a, b problem) int { return a.line - b.line })
	}

	if room := maxListed - st.problems; room > 0 && len(problems) > 0 {
		keep := problems[:min(room, len(problems))]
		seqs, lines, msgs := make([]int, len(keep)), make([]int, len(keep)), make([]string, len(keep))
		for i, p := range keep {
			seqs[i], lines[i], msgs[i] = st.problems+i, p.line, p.msg
		}
		if _, err := tx.Exec(ctx, `INSERT INTO import_problems (job_id, seq, line, message)
			SELECT $1, * FROM unnest($2::int[], $3::int[], $4::text[])`, st.id, seqs, lines, msgs); err != nil {
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
	if emitted {
		st.lastEmit = now
	}
	return nil
}

// writeRows writes the batch's rows that are neither duplicates nor held, set-based: the keys
// of the whole batch are looked up at once (index probes on the normalised e-mails and phones
// and on the blacklist hashes), the remaining rows are copied into the staging table and
// written from there with INSERT … SELECT. It returns the counts and the name-and-address
// warnings.
func (s *Service) writeRows(ctx context.Context, tx pgx.Tx, st *runState, b *batch) (inserted, dupes, held int, warned []problem, err error) {
	byEmail, byPhone, byHash := map[string][]int{}, map[string][]int{}, map[string][]int{}
	var emails, phones, keys []string
	var hashes [][]byte
	for i, r := range b.rows {
		for _, e := range r.emailsNorm {
			if byEmail[e] == nil {
				emails = append(emails, e)
			}
			byEmail[e] = append(byEmail[e], i)
		}
		for _, p := range r.phones {
			if byPhone[p] == nil {
				phones = append(phones, p)
			}
			byPhone[p] = append(byPhone[p], i)
		}
		keys = append(keys, r.dedupeKeys...)
		for _, h := range r.hashes {
			if byHash[string(h)] == nil {
				hashes = append(hashes, h)
			}
			byHash[string(h)] = append(byHash[string(h)], i)
		}
	}

	// Duplicates: an existing contact has one of the row's e-mails or phones, or a row of this
	// file held for a decision has.
	isDup := make([]bool, len(b.rows))
	mark := func(sql string, args []any, index func(string) []int) error {
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		for _, f := range found {
			for _, i := range index(f) {
				isDup[i] = true
			}
		}
		return err
	}
	if err := mark(`SELECT DISTINCT normalized FROM contact_emails WHERE normalized = ANY ($1::text[])`, []any{emails},
		func(k string) []int { return byEmail[k] }); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("dedupe e-mails: %w", err)
	}
	if err := mark(`SELECT DISTINCT number FROM contact_phones WHERE number = ANY ($1::text[])`, []any{phones},
		func(k string) []int { return byPhone[k] }); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("dedupe phones: %w", err)
	}
	if st.held > 0 {
		if err := mark(`SELECT DISTINCT k FROM import_held h, unnest(h.dedupe_keys) AS k
			WHERE h.job_id = $1 AND h.dedupe_keys && $2::text[] AND k = ANY ($2::text[])`, []any{st.id, keys},
			func(k string) []int {
				if e, ok := strings.CutPrefix(k, "e:"); ok {
					return byEmail[e]
				}
				return byPhone[strings.TrimPrefix(k, "p:")]
			}); err != nil {
			return 0, 0, 0, nil, fmt.Errorf("dedupe held rows: %w", err)
		}
	}

	// Screening: an e-mail or phone match holds the row; a name-and-address match only warns.
	// Blocking kinds first, the newest entry first.
	rows, err := tx.Query(ctx, `SELECT h.hash, h.kind, e.id
		FROM blacklist_hashes h JOIN blacklist_entries e ON e.id = h.entry_id AND e.removed_at IS NULL
		WHERE h.hash = ANY ($1::bytea[])
		ORDER BY h.kind = 'NAME_AND_ADDRESS', h.kind, e.created_at DESC`, hashes)
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("screen: %w", err)
	}
	type hit struct {
		hash         []byte
		field, entry string
	}
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hit, error) {
		var h hit
		return h, r.Scan(&h.hash, &h.field, &h.entry)
	})
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("screen: %w", err)
	}
	match := make([]*hit, len(b.rows))
	for k := range hits {
		for _, i := range byHash[string(hits[k].hash)] {
			if match[i] == nil {
				match[i] = &hits[k]
			}
		}
	}
	var holds []heldMatch
	stage := make([]*staged, 0, len(b.rows))
	for i, r := range b.rows {
		m := match[i]
		switch {
		case isDup[i]:
			dupes++
			continue
		case m == nil:
		case m.field == "NAME_AND_ADDRESS":
			warned = append(warned, problem{r.line, fmt.Sprintf("imported, but name and address match blacklist entry %s; "+
				"check whether this is the person who asked to be erased", m.entry)})
		default:
			holds = append(holds, heldMatch{line: r.line, field: m.field, entryID: m.entry})
		}
		stage = append(stage, r)
	}

	_, err = tx.CopyFrom(ctx, pgx.Identifier{"import_batch"}, stagingColumns, pgx.CopyFromSlice(len(stage), func(i int) ([]any, error) {
		r := stage[i]
		return []any{st.id, r.line, r.rawEmail, r.rawPhone, r.givenName, r.familyName, r.organization,
			r.street, r.postalCode, r.city, r.country, r.emails, r.emailsNorm, r.phones, r.sortKey, r.searchText,
			r.dedupeKeys, r.hashes}, nil
	}))
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("copy to staging: %w", err)
	}
	var heldLines []int
	if len(holds) > 0 {
		lines, fields, entries := make([]int, len(holds)), make([]string, len(holds)), make([]string, len(holds))
		for i, h := range holds {
			lines[i], fields[i], entries[i] = h.line, h.field, h.entryID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO import_held (job_id, line, field, entry_id, raw_email, raw_phone, given_name,
				family_name, organization, street, postal_code, city, country, emails, emails_norm, phones, sort_key,
				search_text, dedupe_keys)
			SELECT s.job_id, s.line, m.field, m.entry_id, s.raw_email, s.raw_phone, s.given_name, s.family_name,
				s.organization, s.street, s.postal_code, s.city, s.country, s.emails, s.emails_norm, s.phones, s.sort_key,
				s.search_text, s.dedupe_keys
			FROM import_batch s JOIN unnest($2::int[], $3::text[], $4::uuid[]) AS m(line, field, entry_id) ON m.line = s.line
			WHERE s.job_id = $1`, st.id, lines, fields, entries); err != nil {
			return 0, 0, 0, nil, fmt.Errorf("held rows: %w", err)
		}
		heldLines = lines
	}
	if len(heldLines) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM import_batch WHERE job_id = $1 AND line = ANY ($2::int[])`, st.id, heldLines); err != nil {
			return 0, 0, 0, nil, fmt.Errorf("staging: %w", err)
		}
	}

	tag, err := tx.Exec(ctx, `INSERT INTO contacts (id, given_name, family_name, organization, street, postal_code, city,
			country, sort_key, search_text)
		SELECT contact_id, given_name, family_name, organization, street, postal_code, city, country, sort_key, search_text
		FROM import_batch WHERE job_id = $1`, st.id)
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("contacts: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized)
		SELECT s.contact_id, e.ord - 1, e.address, e.normalized
		FROM import_batch s, unnest(s.emails, s.emails_norm) WITH ORDINALITY AS e(address, normalized, ord)
		WHERE s.job_id = $1`, st.id); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("e-mails: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO contact_phones (contact_id, position, number)
		SELECT s.contact_id, p.ord - 1, p.number
		FROM import_batch s, unnest(s.phones) WITH ORDINALITY AS p(number, ord)
		WHERE s.job_id = $1`, st.id); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("phones: %w", err)
	}
	if st.listID != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO list_members (list_id, contact_id)
			SELECT $2, contact_id FROM import_batch WHERE job_id = $1 ON CONFLICT DO NOTHING`, st.id, st.listID); err != nil {
			return 0, 0, 0, nil, fmt.Errorf("list members: %w", err)
		}
	}
	return int(tag.RowsAffected()), dupes, len(holds), warned, nil
}
