// Package apperr is the vocabulary of errors a caller sees. The server returns these; graph's
// error presenter turns them into GraphQL errors with extensions.code (and extensions.field).
// Any other error is presented as INTERNAL without its text.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Code is the value of extensions.code.
type Code string

const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	BadUserInput    Code = "BAD_USER_INPUT"
	RateLimited     Code = "RATE_LIMITED"
	// Unavailable: this server cannot do it now and wrote nothing; the same request may be
	// sent again in a few seconds (another instance, or this one recovered, answers it).
	Unavailable Code = "UNAVAILABLE"
	Internal    Code = "INTERNAL"
)

// Reason is the value of extensions.reason on a BAD_USER_INPUT error: a stable UPPER_SNAKE
// code (EMAIL_NO_AT, REASON_HAS_PERSONAL_DATA, …) that clients word in their own language.
// The message beside it stays English, for logs and GraphiQL.
type Reason string

// Error is an error meant for the caller: its message is safe to show.
type Error struct {
	Code    Code
	Field   string // input path such as "input.emails[1]"; empty when not about one field
	Reason  Reason // set on BAD_USER_INPUT errors
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Is makes errors.Is(err, ErrNotFound) true for every NOT_FOUND error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Field == "" && t.Message == "" && t.Code == e.Code
}

// ErrNotFound matches (errors.Is) every NOT_FOUND error.
var ErrNotFound = &Error{Code: NotFound}

// BadInput reports bad input at field, with the stable code clients translate.
func BadInput(field string, reason Reason, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf reports that a thing the caller named does not exist.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Code: NotFound, Message: fmt.Sprintf(format, args...)}
}

// Forbiddenf reports that the caller may not do this.
func Forbiddenf(format string, args ...any) *Error {
	return &Error{Code: Forbidden, Message: fmt.Sprintf(format, args...)}
}

// List is several caller errors at once, e.g. every invalid field of one input.
type List []*Error

func (l List) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Err returns nil for an empty list, so validators can `return errs.Err()`.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// As finds the caller error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Clip shortens a value the caller sent to 60 characters for quoting it in a message.
func Clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
