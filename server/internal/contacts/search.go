package contacts

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// matching is the set of contacts a search term finds: its name, organisation or city contains
// the term, however umlauts are written (trigram index on search_text; store.SearchFolds:
// "Müller", "Muller" and "Mueller" find Frau Müller), an e-mail address starts with it (normalised, so
// "Erika.Mustermann@Example.org" and "erika.mustermann@" both find the address), or a phone
// number starts with it (as typed nationally or in E.164: "030 5550", "+49305550").
const matching = `SELECT id FROM contacts WHERE search_text LIKE ANY($1::text[])
	UNION SELECT contact_id FROM contact_emails WHERE normalized LIKE $2
	UNION SELECT contact_id FROM contact_phones WHERE number LIKE $3`

// SearchContacts pages through contacts in name order, optionally those a search term finds
// (see matching; case-insensitive). Keyset pagination: the cursor holds the last row's sort
// key and id.
func (s *Service) SearchContacts(ctx context.Context, search string, first int, after string) (*model.ContactConnection, error) {
	var afterKey, afterID *string
	if after != "" {
		parts, err := store.DecodeCursor("after", after, 2)
		if err != nil {
			return nil, err
		}
		if store.CheckID("after", parts[1]) != nil {
			return nil, store.BadCursor("after", after)
		}
		key := store.CursorSortKey(parts[0])
		afterKey, afterID = &key, &parts[1]
	}
	t := searchTerms(search)
	filter, args := "true", []any{afterKey, afterID, first + 1}
	if t != nil {
		filter = `c.id IN (` + strings.NewReplacer("$1", "$4", "$2", "$5", "$3", "$6").Replace(matching) + `)`
		args = append(args, t.text, t.email, t.phone)
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+store.ContactColumns+`, c.sort_key FROM contacts c
		WHERE `+filter+` AND ($1::text IS NULL OR (c.sort_key, c.id) > ($1, $2::uuid))
		ORDER BY c.sort_key, c.id LIMIT $3`, args...)
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
	if graph.Requested(ctx, "totalCount") { // a count over all contacts costs more than a page
		if conn.TotalCount, err = s.count(ctx, t); err != nil {
			return nil, err
		}
	}
	return conn, nil
}

// allContacts is every contact, for count: in id order, so that counting reads the primary
// key (a few dozen pages that stay in shared buffers), not the table, which a sequential scan
// reads through a small ring of buffers once it is larger than a quarter of shared_buffers.
const allContacts = `SELECT id FROM contacts ORDER BY id`

// count is the number of contacts the terms find (all contacts for nil): exact up to
// store.ExactCountLimit, an estimate above (the schema says so).
func (s *Service) count(ctx context.Context, t *terms) (int, error) {
	query, args := allContacts, []any{}
	if t != nil {
		query, args = matching, []any{t.text, t.email, t.phone}
	}
	n, _, err := store.Count(ctx, s.db.Pool, query, args...)
	if err != nil {
		return 0, fmt.Errorf("contacts.SearchContacts: count: %w", err)
	}
	return n, nil
}

// terms are the LIKE patterns of one search term: anywhere in search_text (each of its
// store.SearchFolds), at the start of a normalised e-mail, at the start of an E.164 number
// (nil when the term is no phone number).
type terms struct {
	text  []string
	email string
	phone *string
}

func searchTerms(term string) *terms {
	term = strings.ToLower(strings.TrimSpace(term))
	if term == "" {
		return nil
	}
	t := &terms{text: []string{}, email: escapeLike(term) + "%"} // a term with no folds finds no name
	for _, f := range store.SearchFolds(term) {
		t.text = append(t.text, "%"+escapeLike(f)+"%")
	}
	if n, err := screening.NormalizeEmail(term); err == nil {
		t.email = escapeLike(n) + "%" // a whole address finds it however it was written
	}
	if p := phonePrefix(term); p != "" {
		p += "%"
		t.phone = &p
	}
	return t
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// phonePrefix turns a term that looks like the start of a phone number into the start of
// its E.164 form: "030 555-01" → "+493055501", "0049 30" and "+49 30" →
// "+4930". National numbers are German (the default region of contacts). It returns "" for
// terms that are not numbers or have fewer than three digits.
func phonePrefix(term string) string {
	var digits strings.Builder
	plus := false
	for i, r := range term {
		switch {
		case unicode.IsDigit(r) && r < 128:
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case strings.ContainsRune(" /-().", r):
		default:
			return ""
		}
	}
	d := digits.String()
	switch {
	case len(d) < 3:
		return ""
	case plus:
		return "+" + d
	case strings.HasPrefix(d, "00"):
		return "+" + d[2:]
	case strings.HasPrefix(d, "0"):
		return "+49" + d[1:]
	}
	return "+" + d
}
