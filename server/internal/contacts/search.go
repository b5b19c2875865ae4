package contacts

import (
	"context"
	"fmt"
	"strings"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// SearchContacts pages through contacts in name order, optionally those whose name,
// organisation, e-mail, phone or city contains search (case-insensitive). Keyset pagination:
// the cursor holds the last row's sort key and id.
func (s *Service) SearchContacts(ctx context.Context, search string, first int, after string) (*model.ContactConnection, error) {
	var afterKey, afterID *string
	if after != "" {
		parts, err := store.DecodeCursor("after", after, 2)
		if err != nil {
			return nil, err
		}
		afterKey, afterID = &parts[0], &parts[1]
	}
	pattern := likePattern(search)
	const filter = `($1::text IS NULL OR c.search_text LIKE $1)`
	rows, err := s.db.Pool.Query(ctx, `SELECT `+store.ContactColumns+`, c.sort_key FROM contacts c
		WHERE `+filter+` AND ($2::text IS NULL OR (c.sort_key, c.id) > ($2, $3::uuid))
		ORDER BY c.sort_key, c.id LIMIT $4`, pattern, afterKey, afterID, first+1)
	if err != nil {
		return nil, fmt.Errorf("contacts.SearchContacts: %w", err)
	}
	conn := &model.ContactConnection{Edges: []*model.ContactEdge{}, PageInfo: &model.PageInfo{}}
	defer rows.Close()
	for rows.Next() {
		var key string
		c, err := store.ScanContact(rows, &key)
		if err != nil {
			return nil, fmt.Errorf("contacts.SearchContacts: %w", err)
		}
		if len(conn.Edges) == first {
			conn.PageInfo.HasNextPage = true
			break
		}
		conn.Edges = append(conn.Edges, &model.ContactEdge{Cursor: store.EncodeCursor(key, c.ID), Node: c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("contacts.SearchContacts: %w", err)
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM contacts c WHERE `+filter, pattern).Scan(&conn.TotalCount); err != nil {
		return nil, fmt.Errorf("contacts.SearchContacts: count: %w", err)
	}
	return conn, nil
}

// likePattern makes a LIKE pattern that finds term anywhere, or nil for no filter.
func likePattern(term string) *string {
	term = strings.ToLower(strings.TrimSpace(term))
	if term == "" {
		return nil
	}
	term = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(term)
	p := "%" + term + "%"
	return &p
}
