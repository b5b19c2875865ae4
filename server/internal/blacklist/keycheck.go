package blacklist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/server/internal/periodic"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// CheckKeys fails when live blacklist entries were made with a key the keyring lacks and
// would match less without it: such an entry's identifiers are gone (only their hashes are
// kept), so a mistyped VERMERK_SECRET_KEY, or an old key dropped too early, would quietly let
// erased people back in. The server refuses to start instead. An entry is covered only when,
// for each kind of identifier, one key of the keyring holds as many of its hashes as the key
// it was made with: HashAllIdentifiers carries an identifier over to the current key when a
// live contact holds it, and an erased person's e-mail carried over that way says nothing of
// their phone number, which no contact holds. Entries made with a key named in lost (gone for
// good) match nobody whatever this start does; they are logged, not refused, so that a lost
// key does not keep every instance from starting.
func CheckKeys(ctx context.Context, q store.Querier, ring *screening.Keyring, lost []string, log *slog.Logger) error {
	rows, err := q.Query(ctx, `WITH candidates AS (
			SELECT id, key_id FROM blacklist_entries WHERE removed_at IS NULL AND NOT (key_id = ANY ($1))),
		carried AS ( -- the few with some identifier carried over: compared kind by kind
			SELECT c.id, c.key_id FROM candidates c
			WHERE EXISTS (SELECT 1 FROM blacklist_hashes h WHERE h.entry_id = c.id AND h.key_id = ANY ($1))),
		per_key AS (
			SELECT h.entry_id, h.kind, h.key_id, count(*) AS n
			FROM blacklist_hashes h JOIN carried c ON c.id = h.entry_id GROUP BY 1, 2, 3),
		per_kind AS (
			SELECT p.entry_id, p.kind, max(p.n) FILTER (WHERE p.key_id = c.key_id) AS own,
				max(p.n) FILTER (WHERE p.key_id = ANY ($1)) AS best
			FROM per_key p JOIN carried c ON c.id = p.entry_id GROUP BY 1, 2),
		covered AS (
			SELECT entry_id FROM per_kind GROUP BY 1
			HAVING bool_and(coalesce(best, 0) >= own) FILTER (WHERE own IS NOT NULL))
		SELECT c.key_id, count(*) FROM candidates c
		WHERE NOT EXISTS (SELECT 1 FROM covered v WHERE v.entry_id = c.id) GROUP BY 1 ORDER BY 1`, ring.KeyIDs())
	if err != nil {
		return fmt.Errorf("blacklist.CheckKeys: %w", err)
	}
	type missing struct {
		id    string
		count int64
	}
	uncovered, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (missing, error) {
		var m missing
		return m, r.Scan(&m.id, &m.count)
	})
	if err != nil {
		return fmt.Errorf("blacklist.CheckKeys: %w", err)
	}
	var lacking, gone []string
	for _, m := range uncovered {
		named := fmt.Sprintf("%s (%d live entries)", m.id, m.count)
		if slices.Contains(lost, m.id) {
			gone = append(gone, named)
		} else {
			lacking = append(lacking, named)
		}
	}
	if len(gone) > 0 {
		log.Warn("blacklist entries made with secret keys named in VERMERK_LOST_KEY_IDS match no one, or match fewer "+
			"identifiers than they were made with: the people they kept out are no longer recognised by what only the "+
			"lost key hashed. Enter them again from your own records if you have them (the blacklist query lists each "+
			"entry with its keyId)", "key_ids", strings.Join(gone, ", "))
	}
	if len(lacking) == 0 {
		return nil
	}
	return fmt.Errorf("the blacklist has entries made with secret keys this server does not have, which match fewer "+
		"people without them: key id %s; the configured keys are %s (current first). Check VERMERK_SECRET_KEY for a "+
		"typo, or put the missing keys into VERMERK_OLD_SECRET_KEYS (comma-separated); a key id is the first 8 hex "+
		"digits of the SHA-256 of the key. Only a key gone for good belongs in VERMERK_LOST_KEY_IDS",
		strings.Join(lacking, ", "), strings.Join(ring.KeyIDs(), ", "))
}

// OpenKeys makes the database's keys the keyring's before a start serves, in the order that
// changes nothing when it refuses: the blacklist's entries (CheckKeys) and the recorded
// current key (CheckCurrentKey) must be among the keyring's keys or lost; then every
// identifier without a current-key hash gets one (HashAllIdentifiers, which refuses rows under
// a key it lacks first: hashing under a mistyped key would rewrite every identifier's hash,
// and contact_blocks with them, for every instance sharing the database); then the current
// key is recorded, and after a rotation what the instances on the key before wrote during
// that pass is hashed too (they write nothing from the record on, LockShared).
func OpenKeys(ctx context.Context, db *store.DB, ring *screening.Keyring, lost []string, log *slog.Logger) error {
	if err := CheckKeys(ctx, db.Pool, ring, lost, log); err != nil {
		return err
	}
	if err := CheckCurrentKey(ctx, db.Pool, ring, lost); err != nil {
		return err
	}
	start := time.Now()
	if n, err := HashAllIdentifiers(ctx, db, ring, lost); err != nil {
		return err
	} else if n > 0 {
		log.Info("hashed contact identifiers under the current key", "rows", n, "took", time.Since(start).Round(time.Millisecond))
	}
	rotated, err := RecordCurrentKey(ctx, db, ring, lost)
	if err != nil || !rotated {
		return err
	}
	if n, err := HashAllIdentifiers(ctx, db, ring, lost); err != nil {
		return err
	} else if n > 0 {
		log.Info("hashed contact identifiers written during the rotation under the current key", "rows", n)
	}
	return nil
}

// CheckCurrentKey fails when the database has recorded a current key (RecordCurrentKey) that
// the keyring lacks and lost does not name: the instances already using the database hash with
// another key, and this one's hashes would match none of theirs (a mistyped
// VERMERK_SECRET_KEY, or an outdated one after a rotation).
func CheckCurrentKey(ctx context.Context, q store.Querier, ring *screening.Keyring, lost []string) error {
	var (
		id   string
		when time.Time
	)
	err := q.QueryRow(ctx, `SELECT key_id, recorded_at FROM current_secret_key`).Scan(&id, &when)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("blacklist.CheckCurrentKey: %w", err)
	}
	if ours(id, ring, lost) {
		return nil
	}
	return otherCurrentKey(id, when, ring)
}

// ours reports whether a recorded current key id is one of ring's keys or named in lost: the
// one rule CheckCurrentKey, RecordCurrentKey and the writers' locks apply.
func ours(id string, ring *screening.Keyring, lost []string) bool {
	return ring.Has(id) || slices.Contains(lost, id)
}

// ErrOtherCurrentKey is what the refusals of CheckCurrentKey, RecordCurrentKey, the writers'
// locks (LockShared) and HashAllIdentifiers (identifiers under a key this server lacks) are
// (errors.Is): the database's instances hash with a key this server does not have.
var ErrOtherCurrentKey = errors.New("the database's current secret key is not among this server's keys")

// otherKeyError is such a refusal: its message says what was found and what to do.
type otherKeyError struct {
	msg string
	// retry is set on the refusal of a writer or a lookup (rotatedAway): the request was refused
	// whole and another instance will take it, so the caller sees UNAVAILABLE, not INTERNAL.
	retry bool
}

func (e *otherKeyError) Error() string        { return e.msg }
func (e *otherKeyError) Is(target error) bool { return target == ErrOtherCurrentKey }

// As lets apperr.As find the caller's error in a writer's refusal: UNAVAILABLE, with a
// message that names no key.
func (e *otherKeyError) As(target any) bool {
	if t, ok := target.(**apperr.Error); ok && e.retry {
		*t = &apperr.Error{Code: apperr.Unavailable, Message: "this server is being replaced after a rotation of " +
			"the secret key and writes nothing more; nothing was written. Send the request again in a few seconds"}
		return true
	}
	return false
}

func otherCurrentKey(id string, when time.Time, ring *screening.Keyring) error {
	return &otherKeyError{msg: fmt.Sprintf("this database's instances hash with the secret key with id %s (recorded %s), which this "+
		"server does not have; its keys are %s (current first). Check VERMERK_SECRET_KEY for a typo; every "+
		"instance of a database needs the same key. To rotate, put the recorded key into VERMERK_OLD_SECRET_KEYS; "+
		"only if it is gone for good, name its id in VERMERK_LOST_KEY_IDS",
		id, when.UTC().Format(time.RFC3339), strings.Join(ring.KeyIDs(), ", "))}
}

// WatchCurrentKey runs CheckCurrentKey at once and then every interval until ctx ends. A start
// with a new key whose old keys include this instance's records the new one (a rotation); from
// then on this instance would not recognise the blacklist entries made with it, nor its
// instances the identifiers this one writes. WatchCurrentKey then sends that refusal on stale
// and returns, for the server to stop; other errors (the database out of reach) are logged and
// retried.
func WatchCurrentKey(ctx context.Context, q store.Querier, ring *screening.Keyring, lost []string, interval time.Duration,
	log *slog.Logger, stale chan<- error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	periodic.Run(ctx, interval, func(ctx context.Context) {
		err := CheckCurrentKey(ctx, q, ring, lost)
		switch {
		case errors.Is(err, ErrOtherCurrentKey):
			log.Error("the database's current secret key changed to one this instance does not have; stopping", "err", err)
			stale <- err
			stop()
		case err != nil && ctx.Err() == nil:
			log.Warn("checking the database's current secret key", "err", err)
		}
	})
}

// RecordCurrentKey records the keyring's current key as the database's (CheckCurrentKey): on
// the first start, and when the recorded key is one of the keyring's old keys or named in
// lost (a rotation; rotated says so). It fails when another start recorded a key this one
// lacks meanwhile. It holds the exclusive blacklist lock while it records, so a rotation waits
// for the writers in flight, and a writer that starts later finds the new key (LockShared).
func RecordCurrentKey(ctx context.Context, db *store.DB, ring *screening.Keyring, lost []string) (rotated bool, err error) {
	cur := ring.Current().ID
	var (
		id   string
		when time.Time
	)
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		if err := store.LockBlacklistExclusive(ctx, tx); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT key_id, recorded_at FROM current_secret_key FOR UPDATE`).Scan(&id, &when)
		switch {
		case errors.Is(err, pgx.ErrNoRows): // the first start; of two at once, the other waits here
			id = cur
			_, err = tx.Exec(ctx, `INSERT INTO current_secret_key (key_id) VALUES ($1)`, cur)
			return err
		case err != nil:
			return err
		case id != cur && ours(id, ring, lost):
			rotated, id = true, cur
			_, err = tx.Exec(ctx, `UPDATE current_secret_key SET key_id = $1, recorded_at = now()`, cur)
			return err
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("blacklist.RecordCurrentKey: %w", err)
	}
	if id != cur {
		return false, otherCurrentKey(id, when, ring)
	}
	return rotated, nil
}

// LockShared takes the shared blacklist lock (store.LockBlacklistShared) for a transaction that
// screens with ring and writes contact identifiers hashed with it, and fails with
// ErrOtherCurrentKey when the database's recorded current key is one ring lacks: another
// instance has rotated the key since this one started, and entries may exist that this one
// would not recognise. Between its start and its stop (WatchCurrentKey) an instance left on
// the old key so writes nothing.
func LockShared(ctx context.Context, q store.Querier, ring *screening.Keyring) error {
	return lockSharedLost(ctx, q, ring, nil)
}

// lockSharedLost is LockShared that also accepts a recorded key named in lost, for the start-up
// pass of a start that replaces a lost key (it records its own key after the pass).
func lockSharedLost(ctx context.Context, q store.Querier, ring *screening.Keyring, lost []string) error {
	id, err := store.LockBlacklistSharedKey(ctx, q)
	if err != nil {
		return err
	}
	return keyStillOurs(id, ring, lost)
}

// lockExclusive is LockShared's check with the exclusive lock, for the service's transactions
// that add, end or remove entries and erase.
func (s *Service) lockExclusive(ctx context.Context, q store.Querier) error {
	id, err := store.LockBlacklistExclusiveKey(ctx, q)
	if err != nil {
		return err
	}
	return keyStillOurs(id, s.keyring, nil)
}

// keyGate turns the refusal of matchHashes' gate (keyGateSQL: the recorded current key is not
// among the asking server's) into the writers' refusal, so that the screen query, like a
// write, answers UNAVAILABLE on an instance a rotation left behind. Other errors pass unchanged.
func keyGate(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22P02" { // invalid_text_representation
		return err
	}
	_, rest, found := strings.Cut(pgErr.Message, keyGateMark)
	if !found {
		return err
	}
	id, _, _ := strings.Cut(rest, `"`)
	return rotatedAway(id)
}

// rotatedAway is the refusal of a writer's lock (keyStillOurs) and of a lookup (keyGate) once
// the database's recorded current key, id, is one this server does not have.
func rotatedAway(id string) error {
	return &otherKeyError{msg: fmt.Sprintf("this database's instances now hash with the secret key with id %s, which "+
		"this server does not have: another instance rotated the key; this one screens and writes nothing more "+
		"and stops", id), retry: true}
}

// KeyStillCurrent fails with the writers' refusal (rotatedAway: UNAVAILABLE) when the
// database's recorded current key is one this server does not have, as a writer's lock
// would. It is for what has no lock or lookup to carry the check: a signed link that does
// not verify here may be one signed with the new key by a rotated instance, and must be
// sent on, not called invalid (the unsubscribe and confirmation pages).
func (s *Service) KeyStillCurrent(ctx context.Context) error {
	id, err := store.CurrentKeyID(ctx, s.db.Pool)
	if err != nil {
		return fmt.Errorf("blacklist.KeyStillCurrent: %w", err)
	}
	return keyStillOurs(id, s.keyring, nil)
}

// keyStillOurs fails with ErrOtherCurrentKey when id, the recorded current key ("" for none),
// is neither among ring's keys nor named in lost.
func keyStillOurs(id string, ring *screening.Keyring, lost []string) error {
	if id != "" && !ours(id, ring, lost) {
		return rotatedAway(id)
	}
	return nil
}
