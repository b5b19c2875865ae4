// Package webhooks delivers revocations and erasures from the outbox to the HTTP endpoints
// admins register: at least once, signed with the endpoint's shared secret, retried with
// exponential backoff, each endpoint on its own so a failing one never holds up the others.
package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Key is a sub-key of a server secret (screening.DeriveKey(key, "webhook-secret")) with the
// id of the server key it came from.
type Key = screening.Key

// Service implements graph.Webhooks.
type Service struct {
	db   *store.DB
	keys []Key // current first
	// AllowPrivate lets endpoints be on loopback, link-local and private networks
	// (VERMERK_WEBHOOK_ALLOW_PRIVATE); set it before the worker starts.
	AllowPrivate bool
}

// New returns the service; keys encrypt the endpoints' shared secrets at rest, current first.
func New(db *store.DB, keys ...Key) (*Service, error) {
	if len(keys) == 0 {
		return nil, errors.New("webhooks.New: no key")
	}
	for _, k := range keys {
		if len(k.Secret) != 32 || k.ID == "" {
			return nil, errors.New("webhooks.New: a key needs an id and 32 bytes")
		}
	}
	return &Service{db: db, keys: keys}, nil
}

const (
	minSecret = 16
	maxSecret = 1000
	maxURL    = 2000
)

// webhookColumns select a webhook (in RETURNING too), its purposes by key (NULL: every one).
const webhookColumns = `id, url, kinds, created_at,
	(SELECT array_agg(p.key ORDER BY p.key) FROM purposes p WHERE p.id = ANY(purpose_ids))`

func scanWebhook(row pgx.Row) (*model.Webhook, error) {
	var (
		w     model.Webhook
		kinds []string
	)
	if err := row.Scan(&w.ID, &w.URL, &kinds, &w.CreatedAt, &w.PurposeKeys); err != nil {
		return nil, err
	}
	for _, k := range kinds {
		w.Kinds = append(w.Kinds, model.RevocationKind(k))
	}
	return &w, nil
}

// Create registers an endpoint. It receives only events that happen after this call.
func (s *Service) Create(ctx context.Context, in model.WebhookInput) (*model.Webhook, error) {
	var errs apperr.List
	u := strings.TrimSpace(in.URL)
	if reason, msg := checkURL(u); msg != "" {
		errs = append(errs, apperr.BadInput("input.url", reason, "%s", msg))
	} else if pu, _ := url.Parse(u); !s.AllowPrivate && privateHost(pu.Hostname()) {
		errs = append(errs, apperr.BadInput("input.url", apperr.ReasonWebhookPrivateTarget, "%q is on this machine or a private network: %s", apperr.Clip(u), errPrivateTarget))
	}
	var kinds []string
	for _, k := range in.Kinds {
		if !k.IsValid() {
			errs = append(errs, apperr.BadInput("input.kinds", apperr.ReasonBadEventKind, "%q is not an event kind; use one of RevocationKind, e.g. CONSENT_REVOKED, CONTACT_ERASED or CONTACT_BLOCKED", k))
			continue
		}
		if !slices.Contains(kinds, string(k)) {
			kinds = append(kinds, string(k))
		}
	}
	if len(in.Kinds) == 0 {
		errs = append(errs, apperr.BadInput("input.kinds", apperr.ReasonRequired, "name at least one event kind, e.g. CONSENT_REVOKED, CONTACT_ERASED, CONTACT_BLOCKED"))
	}
	if in.PurposeKeys != nil && slices.Contains(kinds, string(model.RevocationKindRequestDue)) {
		errs = append(errs, apperr.BadInput("input.kinds", apperr.ReasonKindNotForBound,
			"REQUEST_DUE tells of the data-subject requests of any contact, whatever their purposes: only an endpoint bound to no purpose (the admins' own systems; leave purposeKeys out) may receive it"))
	}
	if err := checkSecret("input.secret", in.Secret); err != nil {
		errs = append(errs, err)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	id := uuid.NewString()
	enc, err := seal(s.keys[0], id, in.Secret)
	if err != nil {
		return nil, fmt.Errorf("webhooks.Create: %w", err)
	}
	var w *model.Webhook
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		purposeIDs, err := purposeIDs(ctx, tx, in.PurposeKeys)
		if err != nil {
			return err
		}
		// Events up to the newest one visible now are not for this endpoint: ids become
		// visible in id order (vermerk_emit), so every later event has a larger id.
		w, err = scanWebhook(tx.QueryRow(ctx, `INSERT INTO webhooks (id, url, kinds, secret_enc, secret_key_id, fanned_out_id, purpose_ids)
			VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(id), 0) FROM events), $6)
			RETURNING `+webhookColumns, id, u, kinds, enc, s.keys[0].ID, purposeIDs))
		if err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "createWebhook", TargetID: id, Outcome: "ok"})
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks.Create: %w", err)
	}
	return w, nil
}

// purposeIDs resolves the purposes a webhook is bound to (input.purposeKeys); nil: every purpose.
func purposeIDs(ctx context.Context, tx pgx.Tx, keys []string) ([]string, error) {
	if keys == nil {
		return nil, nil
	}
	if len(keys) == 0 {
		return nil, apperr.BadInput("input.purposeKeys", apperr.ReasonRequired,
			"name at least one purpose the endpoint is bound to, or leave purposeKeys out for every purpose")
	}
	var (
		ids  []string
		errs apperr.List
	)
	for i, k := range keys {
		var id string
		err := tx.QueryRow(ctx, `SELECT id::text FROM purposes WHERE key = $1`, k).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			errs = append(errs, apperr.BadInput(fmt.Sprintf("input.purposeKeys[%d]", i), apperr.ReasonPurposeUnknown,
				"there is no purpose with key %q; see the purposes query for the existing ones", apperr.Clip(k)))
		case err != nil:
			return nil, fmt.Errorf("purpose %s: %w", apperr.Clip(k), err)
		case !slices.Contains(ids, id):
			ids = append(ids, id)
		}
	}
	return ids, errs.Err()
}

// checkSecret is the rule for a shared secret, given as field: 16 to 1,000 characters.
func checkSecret(field, secret string) *apperr.Error {
	switch n := utf8.RuneCountInString(secret); {
	case n < minSecret:
		return apperr.BadInput(field, apperr.ReasonSecretTooShort, "the secret has %d characters; it needs at least %d (e.g. openssl rand -hex 32)", n, minSecret)
	case n > maxSecret:
		return apperr.BadInput(field, apperr.ReasonTooLong, "the secret is longer than %d characters", maxSecret)
	}
	return nil
}

// SetSecret replaces the shared secret of the endpoint, sealed under the current key. The
// senders read the secret for every round, so the deliveries still pending are signed with
// it from their next attempt on, whichever instance sends them; so are those that waited for
// a key no instance had.
func (s *Service) SetSecret(ctx context.Context, id, secret string) (*model.Webhook, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	if err := checkSecret("secret", secret); err != nil {
		return nil, err
	}
	enc, err := seal(s.keys[0], id, secret)
	if err != nil {
		return nil, fmt.Errorf("webhooks.SetSecret: %w", err)
	}
	return s.changeOne(ctx, "setWebhookSecret", id, `UPDATE webhooks SET secret_enc = $2, secret_key_id = $3 WHERE id = $1
		RETURNING `+webhookColumns, enc, s.keys[0].ID)
}

// checkURL returns the reason code and what is wrong with an endpoint URL, or "" and "".
func checkURL(s string) (apperr.Reason, string) {
	if s == "" {
		return apperr.ReasonRequired, "the URL is required, e.g. https://mailer.example.org/hooks/vermerk"
	}
	if len(s) > maxURL {
		return apperr.ReasonTooLong, fmt.Sprintf("the URL is longer than %d characters", maxURL)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return apperr.ReasonBadURL, fmt.Sprintf("%q is not an absolute http or https URL with a host, e.g. https://mailer.example.org/hooks/vermerk", apperr.Clip(s))
	}
	if u.Fragment != "" {
		return apperr.ReasonBadURL, "the URL must not have a #fragment"
	}
	return "", ""
}

// Delete removes an endpoint and its delivery log; pending deliveries are dropped.
func (s *Service) Delete(ctx context.Context, id string) (*model.Webhook, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	return s.changeOne(ctx, "deleteWebhook", id, `DELETE FROM webhooks WHERE id = $1 RETURNING `+webhookColumns)
}

// changeOne runs sql ($1 the webhook id, then args), which returns the webhook it changed or
// deleted, and audits it as op: NOT_FOUND for an id that names no webhook.
func (s *Service) changeOne(ctx context.Context, op, id, sql string, args ...any) (*model.Webhook, error) {
	var w *model.Webhook
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		w, err = scanWebhook(tx.QueryRow(ctx, sql, append([]any{id}, args...)...))
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFoundf("no webhook with id %s; see the webhooks query", id)
		}
		if err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: op, TargetID: id, Outcome: "ok"})
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks.%s(%s): %w", op, id, err)
	}
	return w, nil
}

// List returns the endpoints, oldest first.
func (s *Service) List(ctx context.Context) ([]*model.Webhook, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY created_at, id`)
	if err == nil {
		var out []*model.Webhook
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Webhook, error) { return scanWebhook(r) })
		if err == nil {
			return nonNil(out), nil
		}
	}
	return nil, fmt.Errorf("webhooks.List: %w", err)
}

// Deliveries returns the newest first deliveries, of one endpoint or of all.
func (s *Service) Deliveries(ctx context.Context, webhookID *string, first int) ([]*model.WebhookDelivery, error) {
	var id *string
	if webhookID != nil {
		if err := store.CheckID("webhookId", *webhookID); err != nil {
			return nil, err
		}
		var ok bool
		if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhooks WHERE id = $1)`, *webhookID).Scan(&ok); err != nil {
			return nil, fmt.Errorf("webhooks.Deliveries: %w", err)
		}
		if !ok {
			return nil, apperr.NotFoundf("no webhook with id %s; see the webhooks query", *webhookID)
		}
		id = webhookID
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT id, webhook_id, event_id, kind, status, attempts, last_error,
			last_attempt_at, next_attempt_at, delivered_at
		FROM webhook_deliveries WHERE $1::uuid IS NULL OR webhook_id = $1
		ORDER BY event_id DESC, webhook_id LIMIT $2`, id, first)
	if err == nil {
		var out []*model.WebhookDelivery
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.WebhookDelivery, error) {
			var (
				d       model.WebhookDelivery
				eventID int64
			)
			err := r.Scan(&d.ID, &d.WebhookID, &eventID, &d.Kind, &d.Status, &d.Attempts, &d.LastError,
				&d.LastAttemptAt, &d.NextAttemptAt, &d.DeliveredAt)
			d.EventCursor = cursorOf(eventID)
			return &d, err
		})
		if err == nil {
			return nonNil(out), nil
		}
	}
	return nil, fmt.Errorf("webhooks.Deliveries: %w", err)
}

// Backlog counts the deliveries not sent yet and says how long the oldest of them has waited
// since it was created (0 when none waits), for the metrics. It reads the partial index of
// pending deliveries and their rows, not the log of sent ones.
func (s *Service) Backlog(ctx context.Context) (pending int, oldest time.Duration, err error) {
	var secs float64
	err = s.db.Pool.QueryRow(ctx, `SELECT count(*), COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8
		FROM webhook_deliveries WHERE status = 'PENDING'`).Scan(&pending, &secs)
	if err != nil {
		return 0, 0, fmt.Errorf("webhooks.Backlog: %w", err)
	}
	return pending, time.Duration(max(secs, 0) * float64(time.Second)), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// keyByID finds the key a secret was sealed with.
func (s *Service) keyByID(id string) (Key, bool) {
	for _, k := range s.keys {
		if k.ID == id {
			return k, true
		}
	}
	return Key{}, false
}
