package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// RequestFiler is what the form that files a request needs (STAFF): it is shown in the
// requests screen and, with the contact preset, from a contact's detail.
type RequestFiler interface {
	SearchContacts(ctx context.Context, search string, first int, after string) (api.ContactPage, error)
	FileRequest(ctx context.Context, kind api.RequestKind, contactID, channel, note string, receivedAt time.Time) (api.RequestFields, error)
}

// RequestsBackend is what the data-subject requests screen needs from the server; *api.Client
// implements it (the demo backend does not, so the screen is shown only against a server).
type RequestsBackend interface {
	RequestFiler
	OpenRequests(ctx context.Context, first int, after string) ([]api.RequestFields, error)
	CompleteRequest(ctx context.Context, id, outcome string, keep, checked []string) (api.CompletedRequest, error)
	PersonRecords(ctx context.Context, requestID string) ([]api.PersonRecordFields, error)
	ExtendRequest(ctx context.Context, id string, until time.Time, reason string, toldAt *time.Time) (api.RequestFields, error)
	RejectRequest(ctx context.Context, id, reason string) (api.RequestFields, error)
	ProcessingRecord(ctx context.Context) (string, error)
}

var _ RequestsBackend = (*api.Client)(nil)

// LatestExtension is the last day a request's deadline may be extended to: three months
// after it arrived, counted as the server counts (the same date of the month, or the last
// day of a shorter month: 30 November + 3 months is 28 (29) February).
func LatestExtension(received time.Time) time.Time {
	r := received.In(time.Local)
	y, m, d := r.Date()
	first := time.Date(y, m+3, 1, 0, 0, 0, 0, time.Local)
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.Local)
}

// ErrToldFormat: the day the person was told of an extension cannot be read.
var ErrToldFormat = errors.New("told: not a date")

// ExtendRequest moves the deadline of request id to the day typed (required, see ParseDay),
// with a reason that must be given; the server refuses more than three months after arrival.
// told is the day the person was told of the extension, as typed (empty: now); the server
// refuses a day after the request's month (Art. 12(3) GDPR). A day is sent as its end, or as
// now when that is earlier, so that the day the request arrived or today is always allowed.
func ExtendRequest(ctx context.Context, b RequestsBackend, id, until, told, reason string) (api.RequestFields, error) {
	if strings.TrimSpace(until) == "" {
		return api.RequestFields{}, ErrMissing{"until"}
	}
	day, err := ParseDay(until)
	if err != nil {
		return api.RequestFields{}, err
	}
	var toldAt *time.Time
	if strings.TrimSpace(told) != "" {
		d, err := ParseDate(told)
		if err != nil {
			return api.RequestFields{}, ErrToldFormat
		}
		at := d.AddDate(0, 0, 1).Add(-time.Second)
		if now := time.Now(); now.Before(at) {
			at = now
		}
		toldAt = &at
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return api.RequestFields{}, ErrMissing{"reason"}
	}
	return b.ExtendRequest(ctx, id, day, reason, toldAt)
}

// RejectRequest closes request id as rejected with a reason, which must be given.
func RejectRequest(ctx context.Context, b RequestsBackend, id, reason string) (api.RequestFields, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return api.RequestFields{}, ErrMissing{"reason"}
	}
	return b.RejectRequest(ctx, id, reason)
}

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
func FileRequest(ctx context.Context, b RequestFiler, f RequestForm) (api.RequestFields, error) {
	if f.Kind == "" {
		return api.RequestFields{}, ErrMissing{"requestKind"}
	}
	channel := strings.TrimSpace(f.Channel)
	if channel == "" {
		return api.RequestFields{}, ErrMissing{"requestChannel"}
	}
	return b.FileRequest(ctx, f.Kind, f.ContactID, channel, strings.TrimSpace(f.Note), f.Received)
}

// AlreadyFiled says whether err is the server's REQUEST_ALREADY_FILED: the same request of
// the person (kind, day received, channel) is open, so a submission sent again after its
// answer was lost was filed the first time.
func AlreadyFiled(err error) bool {
	return api.HasReason(err, "REQUEST_ALREADY_FILED")
}

// CompleteRequest closes a request with its outcome, which must be given; keep and checked
// as the server's completeRequest (records that are someone else; records checked). Sent
// again after its answer was lost, an erasure request completed by the first send hears
// ALREADY_CARRIED_OUT (its answer went with the person): that is done, not a failure.
func CompleteRequest(ctx context.Context, b RequestsBackend, id, outcome string, keep, checked []string) (api.CompletedRequest, error) {
	outcome = strings.TrimSpace(outcome)
	if outcome == "" {
		return api.CompletedRequest{}, ErrMissing{"outcome"}
	}
	r, err := b.CompleteRequest(ctx, id, outcome, keep, checked)
	if AlreadyCarriedOut(err) {
		return api.CompletedRequest{}, nil
	}
	return r, err
}
