package app

import (
	"context"
	"errors"
	"strings"

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

// The feed's last cursor is kept in the preferences together with the server it came from,
// so a restart resumes after it and a cursor of another server is never sent.
const (
	prefFeedServer = "revocations_server"
	prefFeedCursor = "revocations_cursor"
)

// FeedCursor is where the revocations feed of one server resumes ("" = from now).
func FeedCursor(p Preferences, serverURL string) string {
	if p.String(prefFeedServer) != strings.TrimSpace(serverURL) {
		return ""
	}
	return p.String(prefFeedCursor)
}

// SaveFeedCursor remembers the last cursor the feed showed.
func SaveFeedCursor(p Preferences, serverURL, cursor string) {
	p.SetString(prefFeedServer, strings.TrimSpace(serverURL))
	p.SetString(prefFeedCursor, cursor)
}

// Erase erases a contact everywhere (ADMIN); the written reason is required and audited.
func Erase(ctx context.Context, b Backend, contactID, reason string) (api.ErasureReceipt, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return api.ErasureReceipt{}, ErrMissing{"reason"}
	}
	return b.EraseContact(ctx, contactID, reason)
}

// RemoveFromBlacklist lifts a blacklist entry (ADMIN) with a written reason.
func RemoveFromBlacklist(ctx context.Context, b Backend, entryID, reason string) (api.BlacklistEntryFields, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return api.BlacklistEntryFields{}, ErrMissing{"reason"}
	}
	return b.BlacklistRemove(ctx, entryID, reason)
}

// ContactOrSurvivor loads the contact an event or link names. A record merged into another
// since lives on in that survivor: it is returned with merged true (contact(id) knows only
// the survivor's id). api.ErrNotFound means the record is gone: erased, or deleted by the
// retention rules.
func ContactOrSurvivor(ctx context.Context, b Backend, id string) (c api.ContactDetail, merged bool, err error) {
	c, err = b.Contact(ctx, id)
	if !errors.Is(err, api.ErrNotFound) {
		return c, false, err
	}
	c, err = b.MergedInto(ctx, id)
	if err != nil {
		return api.ContactDetail{}, false, err
	}
	return c, true, nil
}
