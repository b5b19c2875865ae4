package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// BlockedAmong returns, sorted, those of the contact ids that recipients leaves out: the ones
// in contact_blocks, which the database keeps equal to vermerk_contact_blocked (migrations
// 00025 and 00035: an e-mail or phone whose hash an active entry holds or that has no hash
// yet, or a record an entry restricts). The one lookup of it.
func BlockedAmong(ctx context.Context, q Querier, ids []string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT contact_id::text FROM contact_blocks WHERE contact_id = ANY($1::uuid[]) ORDER BY 1`, ids)
	if err != nil {
		return nil, fmt.Errorf("blocked contacts: %w", err)
	}
	blocked, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("blocked contacts: %w", err)
	}
	return blocked, nil
}

// BlockingEntry is an active blacklist entry that blocks a record, and how: by the e-mail or
// phone hashes it holds (kinds EMAIL, PHONE) or by restricting the record itself
// (BlockedByRecord: an objection or restriction of her person, blacklist.BlockPerson).
type BlockingEntry struct {
	ID          string    `json:"id"`
	Source      string    `json:"source"`
	Reason      string    `json:"reason"`
	Since       time.Time `json:"since"`
	Restriction bool      `json:"restriction"`
	By          []string  `json:"by"`
}

// BlockedByRecord is how an entry blocks the records it restricts (contact_restrictions).
const BlockedByRecord = "RECORD"

// EntriesBlocking returns the active entries that block the contact id, oldest first: the
// entries behind its row in contact_blocks (the same rule, vermerk_contact_blocked, read
// entry by entry). A record whose identifiers are not hashed yet (a key rotation in progress)
// is blocked with no entry to name.
func EntriesBlocking(ctx context.Context, q Querier, id string) ([]BlockingEntry, error) {
	rows, err := q.Query(ctx, `
		WITH hashes AS (
			SELECT hash, 'EMAIL' AS kind FROM contact_emails WHERE contact_id = $1 AND hash IS NOT NULL
			UNION ALL SELECT hash, 'PHONE' FROM contact_phones WHERE contact_id = $1 AND hash IS NOT NULL),
		blocking AS (
			SELECT h.entry_id, x.kind FROM blacklist_hashes h JOIN hashes x ON x.hash = h.hash
			UNION SELECT entry_id, $2 FROM contact_restrictions WHERE contact_id = $1)
		SELECT e.id::text, e.source, e.reason, e.created_at, e.restriction, array_agg(DISTINCT b.kind ORDER BY b.kind)
		FROM blocking b JOIN blacklist_entries e ON e.id = b.entry_id
		WHERE e.removed_at IS NULL
		GROUP BY e.id ORDER BY e.created_at, e.id`, id, BlockedByRecord)
	if err != nil {
		return nil, fmt.Errorf("entries blocking the contact: %w", err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BlockingEntry, error) {
		var e BlockingEntry
		err := r.Scan(&e.ID, &e.Source, &e.Reason, &e.Since, &e.Restriction, &e.By)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("entries blocking the contact: %w", err)
	}
	return entries, nil
}
