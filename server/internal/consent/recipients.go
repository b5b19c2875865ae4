package consent

import (
	"context"
	"fmt"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// recipientCandidates is the purpose-bound core of recipients: members of list $1 holding a
// GRANTED consent for purpose $2, after contact id $3. Both sides are read from indexes only
// (list_members' primary key, consent_state_granted), each starting at the cursor — hence the
// bound on both — and joined in id order. Erased people are gone from both.
const recipientCandidates = `SELECT m.contact_id FROM list_members m
	JOIN consent_state s ON s.purpose_id = $2 AND s.contact_id = m.contact_id AND s.status = 'GRANTED'
	WHERE m.list_id = $1 AND m.contact_id > $3 AND s.contact_id > $3`

// recipientsQuery is a page of candidates in id order that are not blocked, then the
// contacts. A contact whose e-mail or phone matches an active blacklist entry, ERASURE or
// MANUAL, is left out whatever its consents say (DESIGN rule 8): the database keeps those
// contacts in contact_blocks (migration 00025: exact on every write of identifiers or
// blacklist hashes, and failing closed for an identifier not hashed yet), so the exclusion is
// one probe of that small table's primary key per candidate, index-only. (The bound on
// b.contact_id repeats the cursor for a merge anti-join, which would otherwise read the
// table from its start on every page.)
const recipientsQuery = `SELECT ` + store.ContactColumns + ` FROM (` + recipientCandidates + `
		AND NOT EXISTS (SELECT FROM contact_blocks b WHERE b.contact_id = m.contact_id AND b.contact_id > $3)
	ORDER BY m.contact_id LIMIT $4) r JOIN contacts c ON c.id = r.contact_id ORDER BY c.id`

// RecipientsPageSQL is the page query of recipients ($1 list id, $2 purpose id, $3 the
// contact id to start after, $4 the page size), for the bench's pgx baseline.
const RecipientsPageSQL = recipientsQuery

// UnfilteredRecipientsPageSQL is RecipientsPageSQL without the blacklist exclusion: the
// bench's baseline for what the exclusion costs.
const UnfilteredRecipientsPageSQL = unfilteredRecipientsQuery

// unfilteredRecipientsQuery is recipientsQuery without the blacklist exclusion.
const unfilteredRecipientsQuery = `SELECT ` + store.ContactColumns + ` FROM (` + recipientCandidates + `
	ORDER BY m.contact_id LIMIT $4) r JOIN contacts c ON c.id = r.contact_id ORDER BY c.id`

// recipientsGranted is the list's members with a granted consent, before the blacklist test:
// above store.ExactCountLimit, totalCount is the planner's estimate of it (blocked members
// are few).
const recipientsGranted = `SELECT m.contact_id FROM list_members m
	JOIN consent_state s ON s.purpose_id = $2 AND s.contact_id = m.contact_id AND s.status = 'GRANTED'
	WHERE m.list_id = $1`

// recipientsCounted is what totalCount counts: exact up to store.ExactCountLimit, estimated
// above.
const recipientsCounted = recipientsGranted + `
	AND NOT EXISTS (SELECT FROM contact_blocks b WHERE b.contact_id = m.contact_id)`

// Recipients pages through the list members who may receive mail for the list's purpose —
// the only way to obtain mailing addresses. The cursor is the last contact id.
func (s *Service) Recipients(ctx context.Context, listKey string, first int, after string) (*model.ContactConnection, error) {
	afterID := store.BeforeAllIDs
	if after != "" {
		parts, err := store.DecodeCursor("after", after, 1)
		if err != nil {
			return nil, err
		}
		if store.CheckID("after", parts[0]) != nil {
			return nil, store.BadCursor("after", after)
		}
		afterID = parts[0]
	}
	l, err := listByKey(ctx, s.db.Pool, "listKey", listKey)
	if err != nil {
		return nil, err
	}
	if err := mayUse(ctx, l.PurposeKey); err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, recipientsQuery, l.ID, l.PurposeID, afterID, first+1)
	if err != nil {
		return nil, fmt.Errorf("consent.Recipients(%s): %w", listKey, err)
	}
	conn := &model.ContactConnection{Edges: []*model.ContactEdge{}, PageInfo: &model.PageInfo{}}
	defer rows.Close()
	for rows.Next() {
		c, err := store.ScanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("consent.Recipients(%s): %w", listKey, err)
		}
		if len(conn.Edges) == first {
			conn.PageInfo.HasNextPage = true
			break
		}
		conn.Edges = append(conn.Edges, &model.ContactEdge{Cursor: store.EncodeCursor(c.ID), Node: c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("consent.Recipients(%s): %w", listKey, err)
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	if graph.Requested(ctx, "totalCount") { // counting a list of a million costs more than a page
		if conn.TotalCount, _, err = store.CountEstimating(ctx, s.db.Pool, recipientsCounted, recipientsGranted, l.ID, l.PurposeID); err != nil {
			return nil, fmt.Errorf("consent.Recipients(%s): count: %w", listKey, err)
		}
	}
	return conn, nil
}
