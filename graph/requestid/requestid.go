// Package requestid carries the id the server gives each HTTP request, so that errors logged
// deep inside can be matched with the request's log line.
package requestid

import "context"

type ctxKey struct{}

// With returns a context carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the request id, or "" outside a request.
func From(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// IsKey reports whether key is the one From looks up: for a context type that carries the id
// beside other values of its request (one context instead of one per value; see web).
func IsKey(key any) bool {
	_, ok := key.(ctxKey)
	return ok
}
