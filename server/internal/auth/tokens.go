package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/store"
)

// SecretPrefix starts every API token secret, so a leaked one is recognisable (secret scanners).
const SecretPrefix = "vmk_"

const (
	// cacheTTL bounds how long an instance trusts a looked-up token: a token revoked through
	// another instance stops working here within this time (at once on this instance).
	cacheTTL = 5 * time.Second
	// lastUsedEvery bounds the writes of last_used_at to one per token and minute.
	lastUsedEvery = time.Minute
	maxCached     = 10_000
)

// Store keeps API tokens (hashed) and authenticates bearer secrets: the bootstrap admin token
// and the tokens in the database. It implements graph.Tokens.
type Store struct {
	db    *store.DB
	admin Bootstrap
	log   *slog.Logger
	now   func() time.Time

	mu    sync.Mutex
	cache map[[32]byte]*cachedToken
	// forgets counts Forget calls: a lookup that read a token before a Forget must not cache
	// what it read after it (the token may be the one revoked just then).
	forgets uint64

	lookedUp func() // tests only: runs between reading a token and caching it
}

type cachedToken struct {
	viewer    *viewer.Viewer
	expiresAt *time.Time
	revokedAt *time.Time
	fetched   time.Time
	lastUsed  time.Time // as far as this instance knows
}

// New returns the token store; adminToken is VERMERK_ADMIN_TOKEN (or the generated one).
func New(db *store.DB, adminToken string, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{db: db, admin: Bootstrap{AdminToken: adminToken}, log: log, now: time.Now,
		cache: map[[32]byte]*cachedToken{}}
}

func hashSecret(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// Authenticate identifies the caller by an Authorization header value ("Bearer <secret>").
func (s *Store) Authenticate(ctx context.Context, header string) (*viewer.Viewer, error) {
	secret, ok := BearerSecret(header)
	if !ok {
		return nil, &apperr.Error{Code: apperr.Unauthenticated, Message: "Authorization header must be 'Bearer <token>'"}
	}
	if v := matchAdmin(s.admin.AdminToken, secret); v != nil {
		return v, nil
	}
	if !strings.HasPrefix(secret, SecretPrefix) {
		return nil, refused("unknown token")
	}
	hash := hashSecret(secret)
	now := s.now()
	s.mu.Lock()
	c := s.cache[hash]
	if c != nil && now.Sub(c.fetched) >= cacheTTL {
		delete(s.cache, hash)
		c = nil
	}
	s.mu.Unlock()
	if c == nil {
		var err error
		if c, err = s.fetch(ctx, hash, now); err != nil {
			return nil, err
		}
	}
	switch {
	case c.revokedAt != nil:
		return nil, refused("token %q was revoked at %s; ask an admin for a new one",
			c.viewer.Name, c.revokedAt.UTC().Format(time.RFC3339))
	case c.expiresAt != nil && !now.Before(*c.expiresAt):
		return nil, refused("token %q expired at %s; ask an admin for a new one",
			c.viewer.Name, c.expiresAt.UTC().Format(time.RFC3339))
	}
	s.touch(ctx, c, now)
	return c.viewer, nil
}

// fetch reads the token and caches it. A read that a Forget overtook (a revocation committed
// while it ran, on this instance or another) is read again: cached, it would let the revoked
// token in here for the whole cacheTTL. A second overtaken read is used, not cached.
func (s *Store) fetch(ctx context.Context, hash [32]byte, now time.Time) (*cachedToken, error) {
	for try := 0; ; try++ {
		s.mu.Lock()
		gen := s.forgets
		s.mu.Unlock()
		c, err := s.lookup(ctx, hash)
		if err != nil {
			return nil, err
		}
		if s.lookedUp != nil {
			s.lookedUp()
		}
		c.fetched = now
		s.mu.Lock()
		overtaken := s.forgets != gen
		if !overtaken {
			if len(s.cache) >= maxCached {
				clear(s.cache)
			}
			s.cache[hash] = c
		}
		s.mu.Unlock()
		if !overtaken || try == 1 {
			return c, nil
		}
	}
}

func refused(format string, args ...any) *apperr.Error {
	return &apperr.Error{Code: apperr.Unauthenticated, Message: "bearer token refused: " + fmt.Sprintf(format, args...)}
}

func (s *Store) lookup(ctx context.Context, hash [32]byte) (*cachedToken, error) {
	var (
		c    cachedToken
		v    viewer.Viewer
		role string
		last *time.Time
	)
	err := s.db.Pool.QueryRow(ctx, `SELECT t.id, t.name, t.role, t.expires_at, t.revoked_at, t.last_used_at,
			coalesce((SELECT array_agg(p.purpose_key ORDER BY p.purpose_key) FROM api_token_purposes p WHERE p.token_id = t.id), '{}')
		FROM api_tokens t WHERE t.secret_hash = $1`, hash[:]).
		Scan(&v.TokenID, &v.Name, &role, &c.expiresAt, &c.revokedAt, &last, &v.PurposeKeys)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, refused("unknown token")
	}
	if err != nil {
		return nil, fmt.Errorf("auth.Authenticate: %w", err)
	}
	v.Role = model.Role(role)
	c.viewer = &v
	if last != nil {
		c.lastUsed = *last
	}
	return &c, nil
}

// touch records the use of a token, at most once a minute per token; a failure only logs.
func (s *Store) touch(ctx context.Context, c *cachedToken, now time.Time) {
	s.mu.Lock()
	due := now.Sub(c.lastUsed) >= lastUsedEvery
	if due {
		c.lastUsed = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_, err := s.db.Pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now()
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, c.viewer.TokenID)
	if err != nil {
		s.log.WarnContext(ctx, "recording token use", "token_id", c.viewer.TokenID, "err", err)
	}
}

// Forget drops a token from this instance's cache, so its revocation holds here at once; it
// is called for the TOKEN_REVOKED events of the other instances too.
func (s *Store) Forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forgets++
	for h, c := range s.cache {
		if c.viewer.TokenID == id {
			delete(s.cache, h)
		}
	}
}

const tokenColumns = `t.id, t.name, t.role, t.created_at, t.expires_at, t.revoked_at, t.last_used_at,
	coalesce((SELECT array_agg(p.purpose_key ORDER BY p.purpose_key) FROM api_token_purposes p WHERE p.token_id = t.id), '{}')`

func scanToken(row pgx.Row) (*model.APIToken, error) {
	var (
		t    model.APIToken
		role string
	)
	if err := row.Scan(&t.ID, &t.Name, &role, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt, &t.PurposeKeys); err != nil {
		return nil, err
	}
	t.Role = model.Role(role)
	return &t, nil
}

// Create makes a token and returns its secret; only the secret's hash is stored.
func (s *Store) Create(ctx context.Context, name string, role model.Role, purposeKeys []string, expiresAt *time.Time) (*model.CreatedAPIToken, error) {
	name = strings.TrimSpace(name)
	keys := dedupe(purposeKeys)
	var errs apperr.List
	switch {
	case name == "":
		errs = append(errs, apperr.BadInput("name", apperr.ReasonRequired, "name is empty; name the token after who or what uses it, e.g. \"newsletter-tool\""))
	case len([]rune(name)) > 100:
		errs = append(errs, apperr.BadInput("name", apperr.ReasonTooLong, "name is %d characters long; the limit is 100", len([]rune(name))))
	}
	switch {
	case !role.IsValid():
		errs = append(errs, apperr.BadInput("role", apperr.ReasonBadRole, "role %q is unknown; use STAFF, INTEGRATOR or ADMIN", role))
	case role == model.RoleIntegrator && len(keys) == 0:
		errs = append(errs, apperr.BadInput("purposeKeys", apperr.ReasonPurposesMissing, "an INTEGRATOR token must be bound to at least one purpose; pass purposeKeys"))
	case role != model.RoleIntegrator && len(keys) > 0:
		errs = append(errs, apperr.BadInput("purposeKeys", apperr.ReasonPurposesRefused, "only INTEGRATOR tokens are bound to purposes; a %s token sees every purpose, so leave purposeKeys empty", role))
	}
	if expiresAt != nil && !expiresAt.After(s.now()) {
		errs = append(errs, apperr.BadInput("expiresAt", apperr.ReasonNotInFuture, "expiresAt %s is not in the future", expiresAt.UTC().Format(time.RFC3339)))
	}
	if len(errs) > 0 {
		return nil, errs
	}

	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("auth.Create: %w", err)
	}
	secret := SecretPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	hash := hashSecret(secret)

	var tok *model.APIToken
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		if len(keys) > 0 {
			rows, err := tx.Query(ctx, `SELECT key FROM purposes WHERE key = ANY($1)`, keys)
			if err != nil {
				return err
			}
			known, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			var missing apperr.List
			reported := map[string]bool{}
			for i, k := range purposeKeys {
				if k = strings.TrimSpace(k); !slices.Contains(known, k) && !reported[k] {
					reported[k] = true
					missing = append(missing, apperr.BadInput(fmt.Sprintf("purposeKeys[%d]", i), apperr.ReasonPurposeUnknown,
						"no purpose has the key %q; create the purpose first or check the spelling", k))
				}
			}
			if len(missing) > 0 {
				return missing
			}
		}
		var id string
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (name, role, secret_hash, expires_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, name, string(role), hash[:], expiresAt).Scan(&id); err != nil {
			return err
		}
		if len(keys) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO api_token_purposes (token_id, purpose_key)
				SELECT $1, unnest($2::text[])`, id, keys); err != nil {
				return err
			}
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "createApiToken", TargetID: id,
			Outcome: "ok: created a " + string(role) + " token"}); err != nil {
			return err
		}
		var err error
		tok, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens t WHERE t.id = $1`, id))
		return err
	})
	if err != nil {
		if list := apperr.List(nil); errors.As(err, &list) {
			return nil, list
		}
		return nil, fmt.Errorf("auth.Create(%s): %w", role, err)
	}
	return &model.CreatedAPIToken{Token: tok, Secret: secret}, nil
}

func dedupe(keys []string) []string {
	var out []string
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// List returns every token, newest first, revoked and expired ones included.
func (s *Store) List(ctx context.Context) ([]*model.APIToken, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens t ORDER BY t.created_at DESC, t.id`)
	if err != nil {
		return nil, fmt.Errorf("auth.List: %w", err)
	}
	out := []*model.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("auth.List: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth.List: %w", err)
	}
	return out, nil
}

// Revoke ends a token for good; revoking a revoked token changes nothing.
func (s *Store) Revoke(ctx context.Context, id string) (*model.APIToken, error) {
	if id == BootstrapTokenID {
		return nil, apperr.BadInput("id", apperr.ReasonBootstrapToken, "the bootstrap admin token comes from VERMERK_ADMIN_TOKEN (or the admin-token file); change it there and restart")
	}
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	var tok *model.APIToken
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		var already bool
		err := tx.QueryRow(ctx, `UPDATE api_tokens t SET revoked_at = coalesce(t.revoked_at, now())
			FROM (SELECT id, revoked_at IS NOT NULL AS already FROM api_tokens WHERE id = $1 FOR UPDATE) old
			WHERE t.id = old.id RETURNING old.already`, id).Scan(&already)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFoundf("no API token has the id %s; list them with apiTokens", id)
		}
		if err != nil {
			return err
		}
		outcome := "ok"
		if already {
			outcome = "ok: was already revoked"
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "revokeApiToken", TargetID: id, Outcome: outcome}); err != nil {
			return err
		}
		if !already { // every instance drops the token from its cache and closes its sockets
			if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventTokenRevoked, Channel: "api", Ref: id}); err != nil {
				return err
			}
		}
		tok, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens t WHERE t.id = $1`, id))
		return err
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("auth.Revoke(%s): %w", id, err)
	}
	s.Forget(id)
	return tok, nil
}

// LiveAdmins counts the ADMIN API tokens that are neither revoked nor expired: with the
// bootstrap admin token off (VERMERK_ADMIN_TOKEN=off), they are the only way in as ADMIN.
func (s *Store) LiveAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM api_tokens
		WHERE role = 'ADMIN' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("auth.LiveAdmins: %w", err)
	}
	return n, nil
}
