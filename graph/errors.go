package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/requestid"
)

// internalError marks an error a resolver returned that is not meant for the caller (SQL,
// I/O, bugs). classifyErrors wraps them; the presenter logs them and hides their text.
type internalError struct{ err error }

func (e *internalError) Error() string { return e.err.Error() }
func (e *internalError) Unwrap() error { return e.err }

// presentCallerError words a caller error as GraphQL error: its message, extensions.code, and
// extensions.field and extensions.reason where it has them.
func presentCallerError(gqlErr *gqlerror.Error, e *apperr.Error) {
	if gqlErr.Extensions == nil {
		gqlErr.Extensions = map[string]any{}
	}
	gqlErr.Message = e.Message
	gqlErr.Extensions["code"] = string(e.Code)
	if e.Field != "" {
		gqlErr.Extensions["field"] = e.Field
	}
	if e.Reason != "" {
		gqlErr.Extensions["reason"] = string(e.Reason)
	}
}

// presentError turns every error into a GraphQL error with extensions.code. Caller errors
// keep their message (and name the input field); internal errors are logged once with the
// request id and shown as INTERNAL without their text, so SQL and internals never leak;
// gqlgen's own errors (parsing, validation, input coercion) are the caller's: BAD_USER_INPUT.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		if e, ok := apperr.As(err); ok {
			presentCallerError(gqlErr, e)
			return gqlErr
		}
		var internal *internalError
		if !errors.As(err, &internal) {
			if _, ok := gqlErr.Extensions["code"]; !ok {
				// gqlgen's input coercion (a value of the wrong type or shape): no code of ours
				// names the problem better, but clients still get one to word.
				gqlErr.Extensions["code"] = string(apperr.BadUserInput)
				gqlErr.Extensions["reason"] = string(apperr.ReasonInvalidValue)
			}
			gqlErr.Message = withoutValue(gqlErr.Message)
			return gqlErr
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			gqlErr.Message = "the request was cancelled or timed out"
			gqlErr.Extensions["code"] = string(apperr.Internal)
			return gqlErr
		}
		id := requestid.From(ctx)
		log.ErrorContext(ctx, "internal error", "request_id", id, "path", gqlErr.Path.String(), "err", err)
		gqlErr.Message = fmt.Sprintf("internal error (request id %s)", id)
		gqlErr.Extensions["code"] = string(apperr.Internal)
		return gqlErr
	}
}

// gqlparser's validation and variable coercion quote the value they could not use (`Int
// cannot represent non-integer value: "Zyxqa Quorvex"`, `Value "Zyxqa" does not exist in
// "LegalBasis" enum.`, `Zyxqa is not a valid LegalBasis`): what was typed may be personal
// data, and errors travel further than the request (an integrator's logs, a ticket). Their
// messages keep what is wrong and where (the location and path stay), not the value. Names
// (of fields, arguments, types, operations, variables) are the query's and stay.
var valueInMessage = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?s)^(.*? cannot represent [^:]*value): .*$`), "$1."},
	{regexp.MustCompile(`(?s)^Value ".*" does not exist in ("[^"]*") enum\.$`), "The value does not exist in $1 enum."},
	{regexp.MustCompile(`(?s)^(Expected value of type "[^"]*"), found .*\.$`), "$1, found another value."},
	{regexp.MustCompile(`(?s)^.* is not a valid (\w+)$`), "the value is not a valid $1"},
	{regexp.MustCompile(`(?s)^cannot use (?:value )?[-+0-9.eE]+ as (\w+)`), "cannot use the number as $1"},
}

// withoutValue is msg with the value it quotes cut (valueInMessage); other messages as they are.
func withoutValue(msg string) string {
	if strings.HasSuffix(msg, ", found null.") { // a missing value, nothing typed
		return msg
	}
	for _, v := range valueInMessage {
		if v.re.MatchString(msg) {
			return v.re.ReplaceAllString(msg, v.repl)
		}
	}
	return msg
}

func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "request_id", requestid.From(ctx),
			"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return &internalError{errors.New("panic")}
	}
}

// aroundFields runs around every field: its errors sorted (classifyErrors), and the contacts
// it resolves into a keyed mutation's answer recorded (namesShown).
func aroundFields(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := classifyErrors(ctx, next)
	namesShown(ctx, res)
	return res, err
}

// classifyErrors sorts what a resolver returns: each error of an apperr.List becomes its own
// GraphQL error (so every invalid field of an input is named at once), caller errors and
// gqlgen's own errors pass, and everything else is marked internal.
func classifyErrors(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err == nil {
		return res, nil
	}
	var list apperr.List
	if errors.As(err, &list) && len(list) > 0 {
		for _, e := range list[1:] {
			graphql.AddError(ctx, e)
		}
		return res, list[0]
	}
	var gqlErr *gqlerror.Error
	if _, ok := apperr.As(err); ok || errors.As(err, &gqlErr) && gqlErr.Err == nil {
		return res, err
	}
	return res, &internalError{err}
}
