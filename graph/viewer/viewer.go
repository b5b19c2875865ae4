// Package viewer carries the authenticated caller through a request's context. The server's
// auth middleware puts it there; graph's @hasRole directive and the services read it.
package viewer

import (
	"context"
	"slices"

	"github.com/vermerk/vermerk/graph/model"
)

// Viewer is the caller as identified by its bearer token.
type Viewer struct {
	TokenID     string
	Name        string
	Role        model.Role
	PurposeKeys []string // only for INTEGRATOR tokens
}

type ctxKey struct{}

// With returns a context that carries v.
func With(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// From returns the caller, or nil when the request is not authenticated.
func From(ctx context.Context) *Viewer {
	v, _ := ctx.Value(ctxKey{}).(*Viewer)
	return v
}

// Has reports whether the caller holds one of roles. ADMIN holds every role, STAFF is not an
// INTEGRATOR and an INTEGRATOR is not STAFF.
func (v *Viewer) Has(roles ...model.Role) bool {
	if v == nil {
		return false
	}
	return v.Role == model.RoleAdmin || slices.Contains(roles, v.Role)
}

// MayUsePurpose reports whether the caller may act on data of the purpose: always, except an
// INTEGRATOR outside the purposes its token is bound to.
func (v *Viewer) MayUsePurpose(key string) bool {
	if v == nil {
		return false
	}
	if v.Role != model.RoleIntegrator {
		return true
	}
	return slices.Contains(v.PurposeKeys, key)
}

// Actor names the caller as the audit trail and the ledger record it: the token's id and
// name, or "system" for both outside a request (CLI, scheduled work).
func Actor(ctx context.Context) (id, name string) {
	if v := From(ctx); v != nil {
		return v.TokenID, v.Name
	}
	return "system", "system"
}

// Channel is how a change came in, for event subscribers: "staff" (staff and admins), "api"
// (an integrator token) or "system" (the server itself, e.g. the CLI).
func Channel(ctx context.Context) string {
	switch v := From(ctx); {
	case v == nil:
		return "system"
	case v.Role == model.RoleIntegrator:
		return "api"
	default:
		return "staff"
	}
}
