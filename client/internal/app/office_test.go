package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// TestOfficeChecksBeforeSending: what the office forms refuse before anything is sent (a nil
// Office would panic if called). The accepted cases run against a real server in the ui tests.
func TestOfficeChecksBeforeSending(t *testing.T) {
	now := time.Date(2026, 6, 4, 12, 0, 0, 0, time.Local)
	yesterday := now.Add(-24 * time.Hour)
	tokens := []api.ApiTokenFields{
		{Name: "Erika Mustermann", Role: api.RoleStaff},
		{Name: "Max Mustermann", Role: api.RoleStaff, RevokedAt: &yesterday},
		{Name: "Hans Beispiel", Role: api.RoleStaff, ExpiresAt: &yesterday},
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		err  error
		want string // OfficeError key or ErrMissing field
	}{
		{"purpose key with a space", func() error {
			_, err := CreatePurpose(ctx, nil, "News Letter", "Newsletter", api.LegalBasisConsent, "")
			return err
		}(), "key"},
		{"purpose without a name", func() error {
			_, err := CreatePurpose(ctx, nil, "newsletter", " ", api.LegalBasisConsent, "")
			return err
		}(), "name"},
		{"list without a purpose", func() error { _, err := CreateList(ctx, nil, "kunden", "Kunden", ""); return err }(), "purpose"},
		{"second token for a person", func() error {
			_, err := CreateToken(ctx, nil, TokenRequest{Name: " erika mustermann ", Role: api.RoleStaff}, tokens, now)
			return err
		}(), "token.exists"},
		{"integration token without purposes", func() error {
			_, err := CreateToken(ctx, nil, TokenRequest{Name: "Webshop", Role: api.RoleIntegrator}, tokens, now)
			return err
		}(), "token.purposes"},
		{"expiry that is no date", func() error {
			_, err := CreateToken(ctx, nil, TokenRequest{Name: "Webshop", Role: api.RoleStaff, Expires: "31.13.2027"}, tokens, now)
			return err
		}(), "token.expires"},
		{"expiry in the past", func() error {
			_, err := CreateToken(ctx, nil, TokenRequest{Name: "Webshop", Role: api.RoleStaff, Expires: "2026-06-01"}, tokens, now)
			return err
		}(), "token.past"},
		{"webhook URL without a scheme", func() error {
			_, err := CreateWebhook(ctx, nil, "mailer.example.org/hook", []api.RevocationKind{api.RevocationKindConsentRevoked}, "0123456789abcdef")
			return err
		}(), "webhook.url"},
		{"webhook without events", func() error {
			_, err := CreateWebhook(ctx, nil, "https://mailer.example.org/hook", nil, "0123456789abcdef")
			return err
		}(), "webhook.kinds"},
		{"webhook secret too short", func() error {
			_, err := CreateWebhook(ctx, nil, "https://mailer.example.org/hook", []api.RevocationKind{api.RevocationKindContactErased}, "kurz")
			return err
		}(), "webhook.secret"},
	} {
		var oe OfficeError
		var missing ErrMissing
		switch {
		case errors.As(c.err, &oe) && oe.Key == c.want, errors.As(c.err, &missing) && missing.Field == c.want:
		default:
			t.Errorf("%s: %v, want %s", c.name, c.err, c.want)
		}
	}
	// A revoked or expired token's person may get a new one.
	for _, name := range []string{"Max Mustermann", "Hans Beispiel"} {
		o := &tokenRecorder{}
		if _, err := CreateToken(ctx, o, TokenRequest{Name: name, Role: api.RoleStaff}, tokens, now); err != nil || o.name != name {
			t.Errorf("%s: %v, sent %q", name, err, o.name)
		}
	}
}

// tokenRecorder is an Office that only takes new tokens (any other call panics).
type tokenRecorder struct {
	Office
	name string
}

func (r *tokenRecorder) CreateApiToken(_ context.Context, name string, role api.Role, _ []string, _ time.Time) (api.CreatedApiToken, error) {
	r.name = name
	return api.CreatedApiToken{Token: api.ApiTokenFields{Name: name, Role: role}, Secret: "vmk_test"}, nil
}
