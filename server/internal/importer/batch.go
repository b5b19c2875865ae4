package importer

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vermerk/vermerk/server/internal/store"
)

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

// writeRows stages the batch's valid rows and writes those that are neither duplicates nor
// held. It returns the counts and the name-and-address warnings.
func (s *Service) writeRows(ctx context.Context, tx pgx.Tx, st *runState, b *batch) (inserted, dupes, held int, warned []problem, err error) {
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"import_staging"}, stagingColumns, pgx.CopyFromSlice(len(b.rows), func(i int) ([]any, error) {
		r := b.rows[i]
		return []any{st.id, r.line, r.rawEmail, r.rawPhone, r.givenName, r.familyName, r.organization,
			r.street, r.postalCode, r.city, r.country, r.emails, r.emailsNorm, r.phones, r.sortKey, r.searchText,
			r.dedupeKeys, r.hashes}, nil
	}))
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("copy to staging: %w", err)
	}

	// Duplicates: an existing contact has one of the row's e-mails or phones, or a row of this
	// file held for a decision has.
	heldClause := ""
	if st.held > 0 {
		heldClause = ` OR EXISTS (SELECT 1 FROM import_held h WHERE h.job_id = s.job_id AND h.dedupe_keys && s.dedupe_keys)`
	}
	rows, err := tx.Query(ctx, `SELECT s.line FROM import_staging s WHERE s.job_id = $1 AND (
			EXISTS (SELECT 1 FROM contact_emails ce WHERE ce.normalized = ANY (s.emails_norm))
			OR EXISTS (SELECT 1 FROM contact_phones cp WHERE cp.number = ANY (s.phones))`+heldClause+`)`, st.id)
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("dedupe: %w", err)
	}
	dupLines, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("dedupe: %w", err)
	}
	isDup := make(map[int]bool, len(dupLines))
	for _, l := range dupLines {
		isDup[l] = true
	}

	// Screening: e-mail or phone matches hold the row; a name-and-address match only warns.
	rows, err = tx.Query(ctx, `SELECT s.line, h.kind, e.id
		FROM import_staging s CROSS JOIN LATERAL unnest(s.hashes) AS x(hash)
		JOIN blacklist_hashes h ON h.hash = x.hash
		JOIN blacklist_entries e ON e.id = h.entry_id AND e.removed_at IS NULL
		WHERE s.job_id = $1
		ORDER BY s.line, h.kind = 'NAME_AND_ADDRESS', h.kind, e.created_at DESC`, st.id)
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("screen: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (heldMatch, error) {
		var m heldMatch
		return m, r.Scan(&m.line, &m.field, &m.entryID)
	})
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("screen: %w", err)
	}
	var holds []heldMatch
	for _, m := range ms { // ordered by line, blocking kinds first
		switch {
		case isDup[m.line]:
		case len(holds) > 0 && holds[len(holds)-1].line == m.line:
		case len(warned) > 0 && warned[len(warned)-1].line == m.line:
		case m.field == "NAME_AND_ADDRESS":
			warned = append(warned, problem{m.line, fmt.Sprintf("imported, but name and address match blacklist entry %s; "+
				"check whether this is the person who asked to be erased", m.entryID)})
		default:
			holds = append(holds, m)
		}
	}

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
			FROM import_staging s JOIN unnest($2::int[], $3::text[], $4::uuid[]) AS m(line, field, entry_id) ON m.line = s.line
			WHERE s.job_id = $1`, st.id, lines, fields, entries); err != nil {
			return 0, 0, 0, nil, fmt.Errorf("held rows: %w", err)
		}
		for _, h := range holds {
			dupLines = append(dupLines, h.line)
		}
	}
	if len(dupLines) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM import_staging WHERE job_id = $1 AND line = ANY ($2::int[])`, st.id, dupLines); err != nil {
			return 0, 0, 0, nil, fmt.Errorf("staging: %w", err)
		}
	}

	tag, err := tx.Exec(ctx, `INSERT INTO contacts (id, given_name, family_name, organization, street, postal_code, city,
			country, sort_key, search_text)
		SELECT contact_id, given_name, family_name, organization, street, postal_code, city, country, sort_key, search_text
		FROM import_staging WHERE job_id = $1`, st.id)
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("contacts: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized)
		SELECT s.contact_id, e.ord - 1, e.address, e.normalized
		FROM import_staging s, unnest(s.emails, s.emails_norm) WITH ORDINALITY AS e(address, normalized, ord)
		WHERE s.job_id = $1`, st.id); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("e-mails: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO contact_phones (contact_id, position, number)
		SELECT s.contact_id, p.ord - 1, p.number
		FROM import_staging s, unnest(s.phones) WITH ORDINALITY AS p(number, ord)
		WHERE s.job_id = $1`, st.id); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("phones: %w", err)
	}
	if st.listID != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO list_members (list_id, contact_id)
			SELECT $2, contact_id FROM import_staging WHERE job_id = $1 ON CONFLICT DO NOTHING`, st.id, st.listID); err != nil {
			return 0, 0, 0, nil, fmt.Errorf("list members: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_staging WHERE job_id = $1`, st.id); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("staging: %w", err)
	}
	return int(tag.RowsAffected()), len(isDup), len(holds), warned, nil
}
