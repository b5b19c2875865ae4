package app

import (
	"github.com/vermerk/vermerk/client/internal/api"
)

// FeedLimit is how many revocations the admin feed keeps on screen.
const FeedLimit = 500

// RevocationFeed is the admin's live list of revocations and erasures, newest first. It
// remembers the last cursor, so a reconnect resumes exactly after it.
type RevocationFeed struct {
	Events []api.RevocationFields
	Cursor string
	seen   map[string]bool
}

// Add takes one event; a replayed one (same cursor) is ignored. It reports whether it was new.
func (f *RevocationFeed) Add(e api.RevocationFields) bool {
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	if f.seen[e.Cursor] {
		return false
	}
	f.seen[e.Cursor] = true
	f.Cursor = e.Cursor
	f.Events = append([]api.RevocationFields{e}, f.Events...)
	if len(f.Events) > FeedLimit {
		for _, old := range f.Events[FeedLimit:] {
			delete(f.seen, old.Cursor)
		}
		f.Events = f.Events[:FeedLimit]
	}
	return true
}

// IsAdmin says whether the viewer may see the admin view.
func IsAdmin(v api.Viewer) bool { return v.Role == api.RoleAdmin }
