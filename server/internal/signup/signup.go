// Package signup is double opt-in (DESIGN rule 3): a web form's integrator records a pending
// sign-up and mails the signed confirmURL it gets back; the person opens it (GET shows a
// page and changes nothing — mail scanners open links too) and confirms (POST). Only then,
// in one transaction, is the contact found by normalised e-mail or created, put on the list,
// and a GRANTED consent recorded whose evidence holds both steps and the consent text.
package signup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/contacts"
	"github.com/vermerk/vermerk/server/internal/linkpage"
	"github.com/vermerk/vermerk/server/internal/periodic"
	"github.com/vermerk/vermerk/server/internal/ratelimit"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Screener screens the confirming person against the blacklist inside the confirming
// transaction, and takes her off the entries her confirmed address matched (blacklist.Service).
type Screener interface {
	contacts.Screener
	EndForReentry(ctx context.Context, tx pgx.Tx, ids []string, normalizedEmail, contactID, reason string) (ended, restricted []string, firstID string, firstAt time.Time, err error)
}

// Options tune the service; zero values take the defaults.
type Options struct {
	// TTL is how long a confirmURL stays valid (default 7 days).
	TTL time.Duration
	// PerTokenRate is sign-ups per second per API token (default 10, bursts of 5 s' worth).
	PerTokenRate float64
	// PerEmailPerHour is sign-ups per hour per normalised e-mail address (default 5): a web
	// form must not become a way to flood someone's mailbox with confirmation mails.
	PerEmailPerHour int
	// Metrics counts refusals in vermerk_ratelimit_refusals_total{operation="signUp"}.
	Metrics prometheus.Registerer
}

// Service implements graph.SignUps and confirms through Handler.
type Service struct {
	db        *store.DB
	screener  Screener
	signer    *linkpage.Signer
	publicURL string
	ttl       time.Duration
	perToken  *ratelimit.Keyed
	perEmail  addressLimit
	refusals  prometheus.Counter
}

// New returns the service. publicURL is the base of the links (VERMERK_PUBLIC_URL); keys are
// the "signup" sub-keys of the server secrets, current first.
func New(db *store.DB, screener Screener, publicURL string, keys [][]byte, opts Options) (*Service, error) {
	signer, err := linkpage.NewSigner(keys...)
	if err != nil {
		return nil, err
	}
	if opts.TTL <= 0 {
		opts.TTL = 7 * 24 * time.Hour
	}
	if opts.PerTokenRate <= 0 {
		opts.PerTokenRate = 10
	}
	if opts.PerEmailPerHour <= 0 {
		opts.PerEmailPerHour = 5
	}
	return &Service{
		db: db, screener: screener, signer: signer, publicURL: strings.TrimRight(publicURL, "/"), ttl: opts.TTL,
		perToken: ratelimit.NewKeyed(opts.PerTokenRate, max(1, int(5*opts.PerTokenRate))),
		perEmail: addressLimit{key: keys[0], perHour: opts.PerEmailPerHour},
		refusals: ratelimit.Refusals(opts.Metrics, "signUp"),
	}, nil
}

const (
	maxName      = 200 // characters of a name or source
	maxUserAgent = 300 // characters of a user agent kept as evidence; longer ones are cut
)

// request is a validated SignUpInput.
type request struct {
	email, normalized     string
	givenName, familyName string
	source                string
	ip, userAgent         *string
}

func validate(in model.SignUpInput) (*request, error) {
	var errs apperr.List
	r := &request{}
	var err error
	if r.email, r.normalized, err = screening.EmailForms(in.Email); err != nil {
		errs = append(errs, apperr.BadInput("input.email", apperr.ReasonEmailInvalid, "%s", err.Error()))
	}
	text := func(field, what string, v *string, required bool) string {
		s := ""
		if v != nil {
			s = strings.TrimSpace(*v)
		}
		switch {
		case s == "" && required:
			errs = append(errs, apperr.BadInput(field, apperr.ReasonRequired, "%s is required", what))
		case utf8.RuneCountInString(s) > maxName:
			errs = append(errs, apperr.BadInput(field, apperr.ReasonTooLong, "%s is longer than %d characters", what, maxName))
		}
		return s
	}
	r.givenName = text("input.givenName", "the given name", in.GivenName, false)
	r.familyName = text("input.familyName", "the family name", in.FamilyName, false)
	r.source = text("input.source", "source (where the sign-up came from, e.g. web-form-footer)", &in.Source, true)
	if in.PurposeKey == "" {
		errs = append(errs, apperr.BadInput("input.purposeKey", apperr.ReasonRequired, "name the purpose the person signs up for by its key"))
	}
	if in.IP != nil && strings.TrimSpace(*in.IP) != "" {
		a, err := netip.ParseAddr(strings.TrimSpace(*in.IP))
		if err != nil {
			errs = append(errs, apperr.BadInput("input.ip", apperr.ReasonIPInvalid, "ip is no IPv4 or IPv6 address; pass the address the web form saw, or leave it out"))
		} else {
			r.ip = ptr(a.Unmap().String())
		}
	}
	r.userAgent = clipUserAgent(in.UserAgent)
	return r, errs.Err()
}

func clipUserAgent(ua *string) *string {
	if ua == nil {
		return nil
	}
	s := strings.ToValidUTF8(strings.TrimSpace(*ua), "\uFFFD")
	if s == "" {
		return nil
	}
	if utf8.RuneCountInString(s) > maxUserAgent {
		s = string([]rune(s)[:maxUserAgent])
	}
	return &s
}

// SignUp records a pending sign-up and returns its confirmURL. It stores the same for anyone,
// on the blacklist or not, and answers the same: a sign-up is no way to learn who was erased.
// A repeated sign-up of the same address (in any spelling) for the same purpose and list
// returns the pending one.
func (s *Service) SignUp(ctx context.Context, in model.SignUpInput) (*model.SignUp, error) {
	r, err := validate(in)
	if err != nil {
		return nil, err
	}
	listKey := ""
	if in.ListKey != nil {
		listKey = *in.ListKey
	}
	tokenID, name := viewer.Actor(ctx)
	if wait, ok := s.perToken.Allow(tokenID); !ok {
		return nil, s.limited("this token's sign-ups are limited to %g per second; retry in %s", s.perToken.Limit(), ratelimit.RoundUp(wait))
	}
	var out model.SignUp
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		target, err := consent.ResolveTarget(ctx, tx, "input.purposeKey", in.PurposeKey, "input.listKey", listKey)
		if err != nil {
			return err
		}
		// Checked after the purpose binding: a refused token does not use up the address's sign-ups.
		if wait, ok, err := s.perEmail.take(ctx, tx, r.normalized); err != nil {
			return err
		} else if !ok {
			return s.limited("this address was signed up too often in the last hour; retry in %s", wait.Round(time.Second))
		}
		version := in.ConsentTextVersion
		if version != nil {
			if err := consent.CheckTextVersion(ctx, tx, "input.consentTextVersion", target.PurposeID, *version); err != nil {
				return err
			}
		} else if version, err = consent.LatestTextVersion(ctx, tx, target.PurposeID); err != nil {
			return err
		}
		if _, err := deleteExpired(ctx, tx); err != nil {
			return err
		}
		var listID *string
		if target.ListID != "" {
			listID = &target.ListID
		}
		err = tx.QueryRow(ctx, `INSERT INTO sign_ups (purpose_id, list_id, email, email_normalized, given_name, family_name,
				consent_text_version, source, signed_up_ip, signed_up_user_agent, recorded_by, recorded_by_token, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now() + $13::float8 * interval '1 second')
			ON CONFLICT (email_normalized, purpose_id, coalesce(list_id, '00000000-0000-0000-0000-000000000000')) WHERE confirmed_at IS NULL
			DO NOTHING RETURNING id, expires_at`,
			target.PurposeID, listID, r.email, r.normalized, r.givenName, r.familyName, version, r.source, r.ip, r.userAgent,
			name, tokenID, s.ttl.Seconds()).Scan(&out.ID, &out.ExpiresAt)
		outcome := "ok: pending"
		if errors.Is(err, pgx.ErrNoRows) {
			outcome = "ok: already pending"
			err = tx.QueryRow(ctx, `SELECT id, expires_at FROM sign_ups WHERE email_normalized = $1 AND purpose_id = $2
				AND list_id IS NOT DISTINCT FROM $3 AND confirmed_at IS NULL`, r.normalized, target.PurposeID, listID).Scan(&out.ID, &out.ExpiresAt)
		}
		if err != nil {
			return fmt.Errorf("insert sign-up: %w", err)
		}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "signUp", TargetID: out.ID, Outcome: outcome})
	})
	if err != nil {
		return nil, fmt.Errorf("signup.SignUp: %w", err)
	}
	out.Status = model.SignUpStatusPending
	out.ConfirmURL = s.ConfirmURL(out.ID)
	return &out, nil
}

func (s *Service) limited(format string, args ...any) error {
	s.refusals.Inc()
	return &apperr.Error{Code: apperr.RateLimited, Message: fmt.Sprintf(format, args...)}
}

// ConfirmPath is where the confirm links point, under the public URL: a link is a capability
// (whoever holds it confirms the sign-up), so answers holding one are not kept for a request
// sent again (store.NewIdempotency).
const ConfirmPath = "/confirm/"

// A token is base64url of: version (1 byte) ‖ sign-up uuid (16) ‖ truncated HMAC (linkpage).
const (
	tokenVersion = 1
	payloadSize  = 1 + 16
)

// ConfirmURL is the link the person confirms the sign-up id with.
func (s *Service) ConfirmURL(id string) string {
	u := uuid.MustParse(id)
	return s.publicURL + ConfirmPath + s.signer.Seal(append([]byte{tokenVersion}, u[:]...))
}

// parseToken returns the sign-up id a token names, or linkpage.ErrInvalidToken.
func (s *Service) parseToken(token string) (string, error) {
	b, err := s.signer.Open(token, payloadSize)
	if err != nil || b[0] != tokenVersion {
		return "", linkpage.ErrInvalidToken
	}
	return uuid.UUID(b[1:]).String(), nil
}

func ptr[T any](v T) *T { return &v }

// deleteExpired deletes the sign-ups nobody confirmed in time, with what they hold (the
// address, the name, the IP address and user agent of the request): they serve no purpose any
// more. A new sign-up does it first; WatchExpired does it on a timer, so that an address
// signed up once and never confirmed is gone within minutes of its link's expiry, not only
// when someone signs up next.
func deleteExpired(ctx context.Context, q store.Querier) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM sign_ups WHERE expires_at < now()`)
	if err != nil {
		return 0, fmt.Errorf("delete expired sign-ups: %w", err)
	}
	if _, err := q.Exec(ctx, `DELETE FROM sign_up_limits WHERE full_at < now()`); err != nil {
		return 0, fmt.Errorf("delete full sign-up allowances: %w", err)
	}
	return tag.RowsAffected(), nil
}

// DeleteExpired deletes the sign-ups whose confirmURL has expired, returning how many.
func (s *Service) DeleteExpired(ctx context.Context) (int64, error) {
	return deleteExpired(ctx, s.db.Pool)
}

// WatchExpired calls DeleteExpired every interval until ctx ends.
func (s *Service) WatchExpired(ctx context.Context, every time.Duration, log *slog.Logger) {
	periodic.Run(ctx, every, func(ctx context.Context) {
		n, err := s.DeleteExpired(ctx)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			log.Warn("signup: deleting expired sign-ups failed; trying again later", "err", err)
		case n > 0:
			log.Info("signup: deleted sign-ups nobody confirmed in time", "sign_ups", n)
		}
	})
}
