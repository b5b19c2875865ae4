package app

import (
	"github.com/vermerk/vermerk/client/internal/api"
)

// PageSize is how many contacts one "load more" fetches.
const PageSize = 50

// ContactList is the search-as-you-type list: the search text, the rows loaded so far and
// where the next page starts.
type ContactList struct {
	Search  string
	Items   []api.ContactSummary
	Total   int
	Next    string
	HasMore bool
}

// Apply takes a page: the first page of a search replaces the rows, a later one appends.
func (l *ContactList) Apply(search string, after string, p api.ContactPage) {
	if after == "" || search != l.Search {
		l.Items = l.Items[:0]
	}
	l.Search = search
	for _, e := range p.Edges {
		l.Items = append(l.Items, e.Node)
	}
	l.Total = p.TotalCount
	l.HasMore = p.PageInfo.HasNextPage
	l.Next = ""
	if p.PageInfo.EndCursor != nil {
		l.Next = *p.PageInfo.EndCursor
	}
}

// SearchQuery is one request of the list: a search text and the cursor to start after.
type SearchQuery struct {
	Search string
	After  string
}
