package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/idempotency"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// claimKey claims the request's Idempotency-Key in tx, the transaction that carries its
// writes (Transact calls it after fn, before the commit): the key is spent exactly when the
// writes are in. A request sent again while the first one's transaction runs waits here for
// it; once it committed, this transaction writes nothing (ErrCarriedOut, or ErrReused when
// the key came with another request) and the claim records the first request.
func claimKey(ctx context.Context, tx pgx.Tx, keys *digestKeys, c *idempotency.Claim) error {
	keyID, digest, err := keys.current(c.Digest)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO idempotent_requests (caller, key, key_id, digest) VALUES ($1, $2, $3, $4)
		ON CONFLICT (caller, key) DO NOTHING`, c.Caller, c.Key, keyID, digest)
	if err != nil {
		return fmt.Errorf("claim the idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	first, same, err := findKey(ctx, tx, keys, c)
	if err != nil {
		return err
	}
	if first == nil { // pruned between the two statements: a day old, so not this request's first
		return fmt.Errorf("claim the idempotency key: %w", errKeyVanished)
	}
	if !same {
		return idempotency.ErrReused(first.At)
	}
	c.Lose(first)
	return idempotency.ErrCarriedOut(first.At)
}

var errKeyVanished = errors.New("the key was pruned while it was claimed; send the request again")

// findKey reads the request that holds c's key within its day (nil when none does) and
// whether it is the same request as c.
func findKey(ctx context.Context, q Querier, keys *digestKeys, c *idempotency.Claim) (first *idempotency.First, same bool, err error) {
	var (
		keyID        *string
		salt, digest []byte
	)
	first = &idempotency.First{}
	err = q.QueryRow(ctx, `SELECT key_id, salt, digest, claimed_at, response, answered_at IS NOT NULL FROM idempotent_requests
		WHERE caller = $1 AND key = $2 AND claimed_at > now() - $3::interval`, c.Caller, c.Key, idempotency.TTL).
		Scan(&keyID, &salt, &digest, &first.At, &first.Response, &first.Answered)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read the idempotency key: %w", err)
	}
	var want []byte
	switch {
	case digest == nil: // forgotten with a person the answer named
	case keyID != nil:
		want = keys.digest(*keyID, c.Digest)
	default: // claimed before migration 00046
		want = saltedDigest(salt, c.Digest)
	}
	if want == nil { // forgotten, or keyed with a key the server no longer has: carried out, nothing more known
		first.Response, first.Answered = nil, true
		return first, true, nil
	}
	return first, hmac.Equal(want, digest), nil
}

// saltedDigest is the digest of a key claimed before migration 00046; such keys are pruned a
// day after it ran.
func saltedDigest(salt []byte, request [32]byte) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write(request[:])
	return h.Sum(nil)
}

// DigestPurpose is the purpose of the sub-key of the server's secret keys that a request's
// digest is kept under (screening.DeriveKey): a keyed hash, so that a copy of the database
// cannot test guesses of what a request carried (a person's name and e-mail) against it.
const DigestPurpose = "idempotency-digest/v1"

// digestKeys are the sub-keys a request's digest is kept under, current first.
type digestKeys struct {
	keys []screening.Key
}

// UseDigestKeys gives db the keys it keeps the digests of Idempotency-Key requests under: the
// sub-keys DigestPurpose of the server's secret keys, current first. A key claimed under a
// key no longer among them is taken as carried out, with nothing more known of it.
func (db *DB) UseDigestKeys(keys []screening.Key) {
	db.digests = &digestKeys{keys: slices.Clone(keys)}
}

var errNoDigestKey = errors.New("store: no key to keep an Idempotency-Key's request digest under (DB.UseDigestKeys)")

// current returns the id of the key new digests are kept under and request's digest under it.
func (k *digestKeys) current(request [32]byte) (keyID string, digest []byte, err error) {
	if k == nil || len(k.keys) == 0 {
		return "", nil, errNoDigestKey
	}
	return k.keys[0].ID, keyedDigest(k.keys[0].Secret, request), nil
}

// digest returns request's digest under the key keyID, nil when there is no such key.
func (k *digestKeys) digest(keyID string, request [32]byte) []byte {
	if k == nil {
		return nil
	}
	for _, key := range k.keys {
		if key.ID == keyID {
			return keyedDigest(key.Secret, request)
		}
	}
	return nil
}

func keyedDigest(secret []byte, request [32]byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(request[:])
	return m.Sum(nil)
}

// Idempotency is the transport's side of Idempotency-Key: what the first request with a key
// answered, and keeping that answer.
type Idempotency struct {
	db      *DB
	secrets [][]byte
}

// NewIdempotency returns the keys of db. An answer holding one of secrets (the prefix of API
// token secrets) is not kept: of a secret only its hash is stored.
func NewIdempotency(db *DB, secrets ...string) *Idempotency {
	s := &Idempotency{db: db}
	for _, p := range secrets {
		s.secrets = append(s.secrets, []byte(p))
	}
	return s
}

// holdsSecret reports whether response holds one of s.secrets.
func (s *Idempotency) holdsSecret(response []byte) bool {
	return slices.ContainsFunc(s.secrets, func(p []byte) bool { return bytes.Contains(response, p) })
}

// First returns the request that holds c's key (nil when no request has written under it
// within its day); a key sent with another request is ErrReused.
func (s *Idempotency) First(ctx context.Context, c *idempotency.Claim) (*idempotency.First, error) {
	first, same, err := findKey(ctx, s.db.Pool, s.db.digests, c)
	if err != nil || first == nil {
		return nil, err
	}
	if !same {
		return nil, idempotency.ErrReused(first.At)
	}
	return first, nil
}

// MaxKeptAnswer is the largest answer kept for a request sent again; a larger one is not
// kept (the request sent again hears that it was carried out, not its answer).
const MaxKeptAnswer = 256 << 10

// uuidPattern finds the ids an answer names, to forget it with any contact among them.
var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// Keep stores the answer of the request that claimed c's key, beside every id it names: the
// ids in its text, the contacts it shows or concerns without their id (Claim.Names) and the
// rows whose text it may quote (Claim.Quotes). The answer is forgotten with any contact among
// them (erasure, retention: migration 00043's trigger) and with any text of those rows (a held
// import row decided, a request's note blanked: migration 00045) or a text of a row it names
// or shows is scrubbed (a blacklist entry's reason: Scrub), so a kept answer never outlives a
// person it names or a quote of her. An answer is not kept when a contact it names
// is gone or erased, when a row it quotes has dropped text since the answer read it, when it
// holds a secret (NewIdempotency) or is larger than MaxKeptAnswer; the key is marked answered
// in every case (a request sent again then hears at once that it was carried out).
func (s *Idempotency) Keep(ctx context.Context, c *idempotency.Claim, response []byte) error {
	ctx = context.WithoutCancel(ctx)
	if len(response) > MaxKeptAnswer || s.holdsSecret(response) {
		return s.answered(ctx, c)
	}
	named, quoted := c.Named(), c.Quoted()
	ids := []string{}
	for _, m := range uuidPattern.FindAll(response, -1) {
		ids = append(ids, string(m))
	}
	ids = append(ids, named...)
	for q := range quoted {
		ids = append(ids, q.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	// The live contacts it names are locked against deletion until the answer is stored (a
	// deletion then forgets it with them), and an answer naming one gone already is not
	// stored: the trigger cannot forget what is written after the person went.
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id::text FROM contacts WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE`, ids)
		if err != nil {
			return err
		}
		live, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		gone := slices.ContainsFunc(named, func(id string) bool { return !slices.Contains(live, id) })
		if !gone {
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM erasures WHERE contact_id = ANY($1::uuid[]))`, ids).Scan(&gone); err != nil {
				return err
			}
		}
		if !gone {
			if gone, err = quotesDropped(ctx, tx, quoted); err != nil {
				return err
			}
		}
		if gone {
			return markAnswered(ctx, tx, c)
		}
		tag, err := tx.Exec(ctx, `UPDATE idempotent_requests SET response = $3, contact_ids = $4, answered_at = now()
			WHERE caller = $1 AND key = $2 AND digest IS NOT NULL`, c.Caller, c.Key, response, ids)
		if err == nil && tag.RowsAffected() == 0 { // forgotten meanwhile
			err = markAnswered(ctx, tx, c)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store.Idempotency.Keep: %w", err)
	}
	return nil
}

// quoteTables are the tables of the rows an answer may quote (idempotency.Quote), in the
// order Keep locks them.
var quoteTables = []struct {
	of    idempotency.QuoteOf
	table string
}{{idempotency.ImportFile, "import_jobs"}, {idempotency.RequestNote, "data_subject_requests"}}

// quotesDropped reports whether a row the answer quotes (quoted: each with what it had
// dropped when the answer read it) has dropped text since, or is gone. The rows are locked
// until the answer is stored: a change after that forgets the answer (migration 00045); one
// before it means the answer may quote what is no longer there, and it is not kept.
func quotesDropped(ctx context.Context, tx pgx.Tx, quoted map[idempotency.Quote]int64) (bool, error) {
	for _, t := range quoteTables {
		want := map[string]int64{}
		for q, dropped := range quoted {
			if q.Of == t.of {
				want[q.ID] = dropped
			}
		}
		if len(want) == 0 {
			continue
		}
		rows, err := tx.Query(ctx, `SELECT id::text, quotes_dropped FROM `+t.table+` WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`,
			slices.Sorted(maps.Keys(want)))
		if err != nil {
			return false, err
		}
		now := map[string]int64{}
		var id string
		var dropped int64
		if _, err := pgx.ForEachRow(rows, []any{&id, &dropped}, func() error { now[id] = dropped; return nil }); err != nil {
			return false, err
		}
		if !maps.Equal(now, want) {
			return true, nil
		}
	}
	return false, nil
}

// answered marks c's key answered without keeping the answer.
func (s *Idempotency) answered(ctx context.Context, c *idempotency.Claim) error {
	if err := markAnswered(ctx, s.db.Pool, c); err != nil {
		return fmt.Errorf("store.Idempotency.Keep: %w", err)
	}
	return nil
}

func markAnswered(ctx context.Context, q Querier, c *idempotency.Claim) error {
	_, err := q.Exec(ctx, `UPDATE idempotent_requests SET answered_at = now() WHERE caller = $1 AND key = $2`, c.Caller, c.Key)
	return err
}

// PruneKeys deletes the keys older than idempotency.TTL; it returns how many.
func (s *Idempotency) PruneKeys(ctx context.Context) (int64, error) {
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM idempotent_requests WHERE claimed_at < now() - $1::interval`, idempotency.TTL)
	if err != nil {
		return 0, fmt.Errorf("store.Idempotency.PruneKeys: %w", err)
	}
	return tag.RowsAffected(), nil
}
