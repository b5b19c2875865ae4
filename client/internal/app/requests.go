package app

import (
	"context"
	"strings"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// RequestsBackend is what the data-subject requests screen needs from the server; *api.Client
// implements it (the demo backend does not, so the screen is shown only against a server).
type RequestsBackend interface {
	SearchContacts(ctx context.Context, search string, first int, after string) (api.ContactPage, error)
	OpenRequests(ctx context.Context, first int, after string) ([]api.RequestFields, error)
	FileRequest(ctx context.Context, kind api.RequestKind, contactID, channel, note string, receivedAt time.Time) (api.RequestFields, error)
	CompleteRequest(ctx context.Context, id, outcome string) (api.CompletedRequest, error)
	ProcessingRecord(ctx context.Context) (string, error)
}

var _ RequestsBackend = (*api.Client)(nil)

// DueSoon is how close a deadline is shown as near (the server's /metrics use the same).
const DueSoon = 7 * 24 * time.Hour

// Deadline is the deadline in force: the extension, else the due date.
func Deadline(r api.RequestFields) time.Time {
	if r.ExtendedTo != nil {
		return *r.ExtendedTo
	}
	return r.DueAt
}

// Overdue reports whether an open request is past its deadline at now.
func Overdue(r api.RequestFields, now time.Time) bool {
	return r.Status == api.RequestStatusOpen && now.After(Deadline(r))
}

// RequestForm is what staff type to file a request.
type RequestForm struct {
	Kind      api.RequestKind
	ContactID string // "" when the person is not a contact
	Channel   string
	Note      string
	// Received is the day the request arrived (zero: today).
	Received time.Time
}

// FileRequest checks the form and registers the request.
func FileRequest(ctx context.Context, b RequestsBackend, f RequestForm) (api.RequestFields, error) {
	if f.Kind == "" {
		return api.RequestFields{}, ErrMissing{"requestKind"}
	}
	channel := strings.TrimSpace(f.Channel)
	if channel == "" {
		return api.RequestFields{}, ErrMissing{"requestChannel"}
	}
	return b.FileRequest(ctx, f.Kind, f.ContactID, channel, strings.TrimSpace(f.Note), f.Received)
}

// CompleteRequest closes a request with its outcome, which must be given.
func CompleteRequest(ctx context.Context, b RequestsBackend, id, outcome string) (api.CompletedRequest, error) {
	outcome = strings.TrimSpace(outcome)
	if outcome == "" {
		return api.CompletedRequest{}, ErrMissing{"outcome"}
	}
	return b.CompleteRequest(ctx, id, outcome)
}
