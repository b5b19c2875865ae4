package app

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

// Office is what the admin's office screens need beyond Backend: purposes and lists, API
// tokens, webhooks. *api.Client implements it; a backend without it (the built-in demo) shows
// no such screens.
type Office interface {
	Purposes(ctx context.Context) ([]api.PurposeFields, error)
	Lists(ctx context.Context) ([]api.ListFields, error)
	CreatePurpose(ctx context.Context, in api.PurposeInput) (api.PurposeFields, error)
	CreateList(ctx context.Context, in api.ListInput) (api.ListFields, error)
	ApiTokens(ctx context.Context) ([]api.ApiTokenFields, error)
	CreateApiToken(ctx context.Context, name string, role api.Role, purposeKeys []string, expiresAt time.Time) (api.CreatedApiToken, error)
	RevokeApiToken(ctx context.Context, id string) (api.ApiTokenFields, error)
	Webhooks(ctx context.Context) ([]api.WebhookFields, error)
	WebhookDeliveries(ctx context.Context, webhookID string, first int) ([]api.WebhookDeliveryFields, error)
	CreateWebhook(ctx context.Context, in api.WebhookInput) (api.WebhookFields, error)
	DeleteWebhook(ctx context.Context, id string) (api.WebhookFields, error)
	SetWebhookSecret(ctx context.Context, id, secret string) (api.WebhookFields, error)
}

// ImportJobLister lists the caller's import jobs, so one can be reopened.
type ImportJobLister interface {
	ImportJobs(ctx context.Context, first int, after string) ([]api.ImportJobSummary, error)
}

var (
	_ Office          = (*api.Client)(nil)
	_ ImportJobLister = (*api.Client)(nil)
)

// OfficeError is a check of the office screens that failed before anything was sent; Key
// names its text ("office.error.<Key>").
type OfficeError struct {
	Key  string
	Data map[string]any
}

func (e OfficeError) Error() string { return "office: " + e.Key }

// CreatePurpose checks and creates a purpose. A key is what integrators and lists name it by:
// lower case letters, digits and dashes.
func CreatePurpose(ctx context.Context, o Office, key, name string, basis api.LegalBasis, description string) (api.PurposeFields, error) {
	key, name, description = strings.TrimSpace(key), strings.TrimSpace(name), strings.TrimSpace(description)
	if err := checkKey(key); err != nil {
		return api.PurposeFields{}, err
	}
	if name == "" {
		return api.PurposeFields{}, ErrMissing{"name"}
	}
	if basis == "" {
		return api.PurposeFields{}, ErrMissing{"basis"}
	}
	in := api.PurposeInput{Key: key, Name: name, LegalBasis: basis}
	if description != "" {
		in.Description = &description
	}
	return o.CreatePurpose(ctx, in)
}

// CreateList checks and creates a distribution list bound to one purpose.
func CreateList(ctx context.Context, o Office, key, name, purposeKey string) (api.ListFields, error) {
	key, name = strings.TrimSpace(key), strings.TrimSpace(name)
	if err := checkKey(key); err != nil {
		return api.ListFields{}, err
	}
	if name == "" {
		return api.ListFields{}, ErrMissing{"name"}
	}
	if purposeKey == "" {
		return api.ListFields{}, ErrMissing{"purpose"}
	}
	return o.CreateList(ctx, api.ListInput{Key: key, Name: name, PurposeKey: purposeKey})
}

func checkKey(key string) error {
	if key == "" {
		return ErrMissing{"key"}
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return OfficeError{Key: "key", Data: map[string]any{"Key": key}}
		}
	}
	return nil
}

// TokenRequest is the form of a new API token.
type TokenRequest struct {
	Name        string
	Role        api.Role
	PurposeKeys []string // INTEGRATOR only
	Expires     string   // a day as typed (ParseDate), or empty
}

// CreateToken checks the request against the tokens there are — one active token per staff
// member: a second one for the same name is refused until the first is revoked — and creates it.
// The secret in the answer is shown once; the server keeps only its hash.
func CreateToken(ctx context.Context, o Office, req TokenRequest, existing []api.ApiTokenFields, now time.Time) (api.CreatedApiToken, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return api.CreatedApiToken{}, ErrMissing{"name"}
	}
	if req.Role == "" {
		return api.CreatedApiToken{}, ErrMissing{"role"}
	}
	for _, t := range existing {
		if strings.EqualFold(strings.TrimSpace(t.Name), name) && TokenActive(t, now) {
			return api.CreatedApiToken{}, OfficeError{Key: "token.exists", Data: map[string]any{"Name": name}}
		}
	}
	var purposes []string
	if req.Role == api.RoleIntegrator {
		if len(req.PurposeKeys) == 0 {
			return api.CreatedApiToken{}, OfficeError{Key: "token.purposes"}
		}
		purposes = req.PurposeKeys
	}
	var expires time.Time
	if s := strings.TrimSpace(req.Expires); s != "" {
		d, err := ParseDate(s)
		if err != nil {
			return api.CreatedApiToken{}, OfficeError{Key: "token.expires", Data: map[string]any{"Value": s}}
		}
		if !d.After(now) {
			return api.CreatedApiToken{}, OfficeError{Key: "token.past", Data: map[string]any{"Value": s}}
		}
		expires = d
	}
	return o.CreateApiToken(ctx, name, req.Role, purposes, expires)
}

// TokenActive: not revoked and not expired.
func TokenActive(t api.ApiTokenFields, now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(now))
}

// SortTokens puts active tokens first, then by name.
func SortTokens(tokens []api.ApiTokenFields, now time.Time) {
	slices.SortStableFunc(tokens, func(a, b api.ApiTokenFields) int {
		if aa, ba := TokenActive(a, now), TokenActive(b, now); aa != ba {
			if aa {
				return -1
			}
			return 1
		}
		return i18n.Compare(a.Name, b.Name)
	})
}

// WebhookSecretMin is the shortest signing secret the server accepts.
const WebhookSecretMin = 16

// CreateWebhook checks and registers a webhook.
func CreateWebhook(ctx context.Context, o Office, rawURL string, kinds []api.RevocationKind, secret string) (api.WebhookFields, error) {
	rawURL, secret = strings.TrimSpace(rawURL), strings.TrimSpace(secret)
	if rawURL == "" {
		return api.WebhookFields{}, ErrMissing{"url"}
	}
	if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return api.WebhookFields{}, OfficeError{Key: "webhook.url", Data: map[string]any{"Value": rawURL}}
	}
	if len(kinds) == 0 {
		return api.WebhookFields{}, OfficeError{Key: "webhook.kinds"}
	}
	if err := checkWebhookSecret(secret); err != nil {
		return api.WebhookFields{}, err
	}
	return o.CreateWebhook(ctx, api.WebhookInput{Url: rawURL, Kinds: kinds, Secret: secret})
}

// SetWebhookSecret checks and sets a new shared secret of webhook id.
func SetWebhookSecret(ctx context.Context, o Office, id, secret string) (api.WebhookFields, error) {
	secret = strings.TrimSpace(secret)
	if err := checkWebhookSecret(secret); err != nil {
		return api.WebhookFields{}, err
	}
	return o.SetWebhookSecret(ctx, id, secret)
}

// checkWebhookSecret is the server's rule for a shared secret, checked before it is sent.
func checkWebhookSecret(secret string) error {
	if utf8.RuneCountInString(secret) < WebhookSecretMin {
		return OfficeError{Key: "webhook.secret", Data: map[string]any{"Min": WebhookSecretMin}}
	}
	return nil
}

// DeliverySummary counts a webhook's deliveries by status.
func DeliverySummary(ds []api.WebhookDeliveryFields) map[api.DeliveryStatus]int {
	out := map[api.DeliveryStatus]int{}
	for _, d := range ds {
		out[d.Status]++
	}
	return out
}
