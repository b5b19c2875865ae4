package app

import (
	"context"
	"errors"

	"github.com/vermerk/vermerk/client/internal/api"
)

// ErrorDetail is the technical cause behind ErrorText's plain words, for whoever looks after
// the server ("createContact: Post …: dial tcp 127.0.0.1:8080: connect: connection refused"):
// the network's or the server's own message, with the address asked and no personal data.
// For a file of the app's own that could not be written, it is the system's words
// ("token file …: its folder: mkdir …: not a directory"). It is "" where ErrorText already
// says all there is (input the server refused, a check the app made itself), so the UI folds
// away details only where there are any.
func ErrorDetail(err error) string {
	if err == nil || errors.Is(err, api.ErrBadInput) {
		return ""
	}
	var apiErr *api.Error
	var tokenErr *TokenFileError
	if errors.As(err, &apiErr) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &tokenErr) {
		return err.Error()
	}
	return ""
}

// SaveErrorText is ErrorText for a failed write (a contact, a consent, a request, a decision
// with its reason). During an outage it says whether the write is lost or may have reached
// the server (the connection broke, or no answer came), and that what was typed stays to be
// sent again.
func SaveErrorText(err error, loc Localizer) string {
	text := ErrorText(err, loc)
	switch {
	case !api.Outage(err):
		return text
	case api.NeverSent(err):
		return loc.T("save.failed.outage", map[string]any{"Error": text})
	case errors.Is(err, api.ErrAnswerLost):
		return loc.T("save.failed.answerlost", nil)
	case errors.Is(err, api.ErrUnreachable):
		return loc.T("save.failed.unsure", map[string]any{"Error": text})
	default: // no answer came, but the connection did not break
		return loc.T("save.failed.unanswered", map[string]any{"Error": text})
	}
}

// SubmissionErrorText is SaveErrorText for a save sent as a Submission from screen (its
// Idempotency-Key goes with it again): when it is unclear whether it was saved, sending it
// again is safe, and the text says so instead of asking the user to look first; when it was
// sent again changed, the text says in screen's terms what the first send saved (ChangedText).
func SubmissionErrorText(err error, screen Screen, loc Localizer) string {
	return SubmissionErrorTextNaming(err, screen, "", loc)
}

// SubmissionErrorTextNaming is SubmissionErrorText for a screen whose text for a changed write
// names what the first send sent (first: the file imported, the list chosen).
func SubmissionErrorTextNaming(err error, screen Screen, first string, loc Localizer) string {
	if text, ok := ChangedText(screen, err, first, loc); ok {
		return text
	}
	switch {
	case !api.Outage(err) || api.NeverSent(err):
		return SaveErrorText(err, loc)
	case errors.Is(err, api.ErrAnswerLost):
		return unclearText(screen, "answerlost", nil, loc)
	case errors.Is(err, api.ErrUnreachable):
		return unclearText(screen, "unsure", map[string]any{"Error": ErrorText(err, loc)}, loc)
	default:
		return unclearText(screen, "unanswered", map[string]any{"Error": ErrorText(err, loc)}, loc)
	}
}

// unclearText says that a write's answer is unclear and that sending it again is safe (kind:
// answerlost, unsure, unanswered): in the screen's own terms where it has a text of its own
// (resend.unclear.<screen>.<kind>: the import start, where nothing was typed and the question is
// whether the import began), else in the form's (save.failed.<kind>.resend).
func unclearText(screen Screen, kind string, data map[string]any, loc Localizer) string {
	if screen != NoScreen {
		if text, ok := catalogueText("resend.unclear."+string(screen)+"."+kind, data, loc); ok {
			return text
		}
	}
	return loc.T("save.failed."+kind+".resend", data)
}

// ScreenErrorText says that a live screen got no answer: the input is unchecked, not clear.
// During an outage it says the check goes on by itself (NewLiveScreen retries) and leaves the
// server's address and what to check to the save's message and the status line.
func ScreenErrorText(err error, loc Localizer) string {
	if api.Outage(err) {
		return loc.T("form.screen.offline", nil)
	}
	return loc.T("form.screen.failed", map[string]any{"Error": ErrorText(err, loc)})
}
