// Package auth authenticates bearer tokens: the bootstrap admin token from the configuration
// and the API tokens stored (as hashes) in the database.
package auth

import (
	"context"
	"crypto/subtle"
	"strings"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
)

// BootstrapTokenID is the viewer TokenID of the admin token from VERMERK_ADMIN_TOKEN.
const BootstrapTokenID = "bootstrap-admin"

var errRefused = &apperr.Error{Code: apperr.Unauthenticated, Message: "bearer token refused: unknown, revoked or expired"}

// BearerSecret strips the "Bearer " scheme from an Authorization header value.
func BearerSecret(header string) (string, bool) {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return "", false
	}
	return strings.TrimSpace(secret), true
}

// matchAdmin compares in constant time.
func matchAdmin(adminToken, secret string) *viewer.Viewer {
	if adminToken == "" || subtle.ConstantTimeCompare([]byte(adminToken), []byte(secret)) != 1 {
		return nil
	}
	return &viewer.Viewer{TokenID: BootstrapTokenID, Name: "admin (bootstrap)", Role: model.RoleAdmin}
}

// Bootstrap authenticates only the admin token; the token store builds on it.
type Bootstrap struct{ AdminToken string }

// Authenticate returns the admin viewer for the admin token.
func (b Bootstrap) Authenticate(_ context.Context, header string) (*viewer.Viewer, error) {
	secret, ok := BearerSecret(header)
	if !ok {
		return nil, &apperr.Error{Code: apperr.Unauthenticated, Message: "Authorization header must be 'Bearer <token>'"}
	}
	if v := matchAdmin(b.AdminToken, secret); v != nil {
		return v, nil
	}
	return nil, errRefused
}
