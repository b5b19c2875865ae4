package app

import (
	"context"
	"encoding/json"
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

// FeedKept is how many of the newest events the feed keeps across a restart. The server
// offers no query for the last events, only the subscription's replay after a cursor: without
// them the feed came back empty after every restart, until something new happened.
const FeedKept = 50

// The feed's last cursor and its newest events are kept in the preferences together with the
// server they came from, so a restart shows them and resumes after the cursor, and a cursor of
// another server is never sent. The events hold ids, kinds, times and purposes, no names: the
// feed loads names from the server while it shows a row.
const (
	prefFeedServer = "revocations_server"
	prefFeedCursor = "revocations_cursor"
	prefFeedEvents = "revocations_events"
)

// LoadFeed is the feed of one server as it was left: its newest events and the cursor it
// resumes after (empty, from now, for another server or none kept).
func LoadFeed(p Preferences, serverURL string) RevocationFeed {
	var f RevocationFeed
	if p.String(prefFeedServer) != strings.TrimSpace(serverURL) {
		return f
	}
	var kept []api.RevocationFields
	if raw := p.String(prefFeedEvents); raw != "" && json.Unmarshal([]byte(raw), &kept) != nil {
		kept = nil // written by another version: the feed starts with what the server replays
	}
	for i := len(kept) - 1; i >= 0; i-- {
		f.Add(kept[i])
	}
	f.Cursor = p.String(prefFeedCursor)
	return f
}

// SaveFeed remembers the feed's cursor and newest events for the next start.
func SaveFeed(p Preferences, serverURL string, f RevocationFeed) {
	kept, err := json.Marshal(f.Events[:min(len(f.Events), FeedKept)])
	if err != nil {
		kept = nil
	}
	p.SetString(prefFeedServer, strings.TrimSpace(serverURL))
	p.SetString(prefFeedCursor, f.Cursor)
	p.SetString(prefFeedEvents, string(kept))
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
