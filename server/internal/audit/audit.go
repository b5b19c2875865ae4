// Package audit reads the append-only audit trail (table audit_log) that every mutation
// writes through store.Audit.
package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Trail implements graph.Audit.
type Trail struct{ db *store.DB }

// New returns the audit trail reader.
func New(db *store.DB) *Trail { return &Trail{db: db} }

// Trail pages the audit trail newest first, optionally only the rows about one contact (a
// merged record: the record it went into) and only those written at or after since.
func (a *Trail) Trail(ctx context.Context, contactID *string, since *time.Time, first int, after string) (*model.AuditConnection, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if contactID != nil {
		if err := store.CheckID("contactId", *contactID); err != nil {
			return nil, err
		}
		// A merged record's rows name the survivor since the merge: its id answers for the
		// record it went into, as the export, the erasure and its unsubscribe link do.
		id, err := store.Survivor(ctx, a.db.Pool, *contactID)
		if err != nil {
			return nil, fmt.Errorf("audit.Trail: %w", err)
		}
		where = append(where, "contact_id = "+arg(id))
	}
	if since != nil {
		where = append(where, "at >= "+arg(*since))
	}
	if after != "" {
		parts, err := store.DecodeCursor("after", after, 1)
		if err != nil {
			return nil, err
		}
		id, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, store.BadCursor("after", after)
		}
		where = append(where, "id < "+arg(id))
	}
	sql := `SELECT id, at, actor_id, actor_name, operation, target_id, outcome, reason FROM audit_log`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY id DESC LIMIT " + arg(first+1)

	rows, err := a.db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("audit.Trail: %w", err)
	}
	defer rows.Close()
	conn := &model.AuditConnection{Edges: []*model.AuditEdge{}, PageInfo: &model.PageInfo{}}
	for rows.Next() {
		if len(conn.Edges) == first {
			conn.PageInfo.HasNextPage = true
			break
		}
		var (
			e  model.AuditEntry
			id int64
		)
		if err := rows.Scan(&id, &e.At, &e.ActorID, &e.ActorName, &e.Operation, &e.TargetID, &e.Outcome, &e.Reason); err != nil {
			return nil, fmt.Errorf("audit.Trail: %w", err)
		}
		e.ID = strconv.FormatInt(id, 10)
		cursor := store.EncodeCursor(e.ID)
		conn.Edges = append(conn.Edges, &model.AuditEdge{Cursor: cursor, Node: &e})
		conn.PageInfo.EndCursor = &cursor
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit.Trail: %w", err)
	}
	return conn, nil
}
