package retention

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// rules are read once per run.
type rules struct {
	now time.Time
	// unrelated is how many months a contact without consents and lists is kept; nil: for ever.
	unrelated *int
	// manualHolds: some active MANUAL blacklist entry exists (else the hash check is skipped).
	manualHolds bool
	// requested holds the records of every person with an open request (a request concerns
	// the person, not the record it was filed on): when the run began, and in a deletion step
	// as they are then (a request filed since, a record that became hers since).
	requested map[string]bool
}

func (s *Service) rules(ctx context.Context) (rules, error) {
	r := rules{now: s.Now()}
	if err := s.db.Pool.QueryRow(ctx, `SELECT max(retention_months) FROM purposes`).Scan(&r.unrelated); err != nil {
		return r, err
	}
	var err error
	if r.manualHolds, err = anyManualHold(ctx, s.db.Pool); err != nil {
		return r, err
	}
	r.requested, err = personsRequesting(ctx, s.db.Pool)
	return r, err
}

// anyManualHold says whether an active MANUAL blacklist entry exists (else dueAmong skips
// hashing the contacts' identifiers).
func anyManualHold(ctx context.Context, q store.Querier) (bool, error) {
	var exists bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blacklist_entries WHERE source = 'MANUAL' AND removed_at IS NULL)`).Scan(&exists)
	if err != nil {
		return false, fmt.Errorf("manual blacklist entries: %w", err)
	}
	return exists, nil
}

// personsRequesting returns the records of each person (store.PersonOrRecord) on whose record
// an open request was filed, searched for all the requests together (store.PersonsOrRecords:
// one statement per step of the search). Open requests are few (each is answered within a
// month).
func personsRequesting(ctx context.Context, q store.Querier) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT contact_id::text FROM data_subject_requests
		WHERE status = 'OPEN' AND contact_id IS NOT NULL ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("open requests: %w", err)
	}
	contacts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("open requests: %w", err)
	}
	persons, _, err := store.PersonsOrRecords(ctx, q, contacts)
	if err != nil {
		return nil, fmt.Errorf("the persons of open requests: %w", err)
	}
	held := make(map[string]bool)
	for _, records := range persons {
		for _, id := range records {
			held[id] = true
		}
	}
	return held, nil
}

// dueSQL keeps of $1 the contacts no purpose, open request, list or restriction holds (see the
// package doc); dueAmong adds the open requests on the person's other records.
const dueSQL = `SELECT c.id::text FROM contacts c
	WHERE c.id = ANY($1::uuid[])
	  AND NOT EXISTS (SELECT 1 FROM consent_state s JOIN purposes p ON p.id = s.purpose_id
		WHERE s.contact_id = c.id AND (s.status = 'GRANTED' OR p.retention_months IS NULL
			OR s.revoked_at + make_interval(months => p.retention_months) > $2))
	  AND NOT EXISTS (SELECT 1 FROM list_members m JOIN distribution_lists l ON l.id = m.list_id JOIN purposes p ON p.id = l.purpose_id
		WHERE m.contact_id = c.id
		  AND NOT EXISTS (SELECT 1 FROM consent_state s WHERE s.contact_id = c.id AND s.purpose_id = p.id)
		  AND (p.retention_months IS NULL OR c.updated_at + make_interval(months => p.retention_months) > $2))
	  AND (EXISTS (SELECT 1 FROM consent_state s WHERE s.contact_id = c.id)
		OR EXISTS (SELECT 1 FROM list_members m WHERE m.contact_id = c.id)
		OR c.updated_at + make_interval(months => $3::int) <= $2)
	  AND NOT EXISTS (SELECT 1 FROM data_subject_requests r WHERE r.contact_id = c.id AND r.status = 'OPEN')
	  AND NOT EXISTS (SELECT 1 FROM contact_restrictions x WHERE x.contact_id = c.id)
	ORDER BY c.id`

// dueAmong returns the contacts of ids that are due, in id order.
func (s *Service) dueAmong(ctx context.Context, q store.Querier, ids []string, r rules) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, dueSQL, ids, r.now, r.unrelated)
	if err != nil {
		return nil, fmt.Errorf("due contacts: %w", err)
	}
	due, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	due = slices.DeleteFunc(due, func(id string) bool { return r.requested[id] })
	if !r.manualHolds || len(due) == 0 {
		return due, nil
	}
	held, err := s.heldByManualBlacklist(ctx, q, due)
	if err != nil {
		return nil, err
	}
	out := due[:0]
	for _, id := range due {
		if !held[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// heldByManualBlacklist returns the contacts of ids whose e-mail or phone matches an active
// MANUAL blacklist entry: an objection or restriction keeps the record (legal hold).
func (s *Service) heldByManualBlacklist(ctx context.Context, q store.Querier, ids []string) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT contact_id::text, 'EMAIL', normalized FROM contact_emails WHERE contact_id = ANY($1::uuid[])
		UNION ALL SELECT contact_id::text, 'PHONE', number FROM contact_phones WHERE contact_id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("identifiers: %w", err)
	}
	owner := make(map[string][]string) // hash → contacts
	var hashes [][]byte
	var id, kind, value string
	_, err = pgx.ForEachRow(rows, []any{&id, &kind, &value}, func() error {
		for _, h := range s.keyring.HashAll(screening.Kind(kind), value) {
			k := string(h.Hash)
			if owner[k] == nil {
				hashes = append(hashes, h.Hash)
			}
			owner[k] = append(owner[k], id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("identifiers: %w", err)
	}
	held := make(map[string]bool)
	if len(hashes) == 0 {
		return held, nil
	}
	err = blacklist.ManualHolds(ctx, q, s.keyIDs, hashes, func(h []byte) {
		for _, c := range owner[string(h)] {
			held[c] = true
		}
	})
	if err != nil {
		return nil, fmt.Errorf("manual blacklist: %w", err)
	}
	return held, nil
}

// Due lists the contacts that are due, in id order; after is the endCursor of the previous
// page. totalCount, when asked for, examines every contact (as a dry run does).
func (s *Service) Due(ctx context.Context, first int, after string) (*model.ContactConnection, error) {
	if after != "" {
		parts, err := store.DecodeCursor("after", after, 1)
		if err != nil || store.CheckID("after", parts[0]) != nil {
			return nil, apperr.BadInput("after", apperr.ReasonBadCursor, "%q is not a cursor of this list; pass an endCursor you received", apperr.Clip(after))
		}
		after = parts[0]
	}
	r, err := s.rules(ctx)
	if err != nil {
		return nil, fmt.Errorf("retention.Due: %w", err)
	}
	var due []string
	for len(due) <= first {
		ids, err := s.batch(ctx, after)
		if err != nil {
			return nil, fmt.Errorf("retention.Due: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		more, err := s.dueAmong(ctx, s.db.Pool, ids, r)
		if err != nil {
			return nil, fmt.Errorf("retention.Due: %w", err)
		}
		due = append(due, more...)
	}
	conn := &model.ContactConnection{PageInfo: &model.PageInfo{}, Edges: []*model.ContactEdge{}}
	if len(due) > first {
		due, conn.PageInfo.HasNextPage = due[:first], true
	}
	if len(due) > 0 {
		rows, err := s.db.Pool.Query(ctx, `SELECT `+store.ContactColumns+` FROM contacts c WHERE c.id = ANY($1::uuid[]) ORDER BY c.id`, due)
		if err != nil {
			return nil, fmt.Errorf("retention.Due: %w", err)
		}
		contacts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Contact, error) { return store.ScanContact(r) })
		if err != nil {
			return nil, fmt.Errorf("retention.Due: %w", err)
		}
		for _, c := range contacts {
			conn.Edges = append(conn.Edges, &model.ContactEdge{Cursor: store.EncodeCursor(c.ID), Node: c})
		}
		if n := len(conn.Edges); n > 0 {
			conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
		}
	}
	if graph.Requested(ctx, "totalCount") {
		rep, err := s.count(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("retention.Due: %w", err)
		}
		conn.TotalCount = rep
	}
	return conn, nil
}

// count is the number of due contacts, batch by batch.
func (s *Service) count(ctx context.Context, r rules) (int, error) {
	n, after := 0, ""
	for {
		ids, err := s.batch(ctx, after)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		after = ids[len(ids)-1]
		due, err := s.dueAmong(ctx, s.db.Pool, ids, r)
		if err != nil {
			return n, err
		}
		n += len(due)
	}
}
