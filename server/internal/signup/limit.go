package signup

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/store"
)

// addressLimit is the limit of sign-ups per address and hour. It is kept in the database
// (sign_up_limits), not in the instance's memory: a web form whose requests a load balancer
// spreads over several instances gets the same few sign-ups of one address as with one.
type addressLimit struct {
	key     []byte // keys the hash the limit is kept under, so the table holds no address
	perHour int
}

// take takes one sign-up of the normalised address in tx, the sign-up's transaction (so a
// sign-up that fails takes none); when the hour's sign-ups are used up, it says how long to wait.
// Each sign-up moves the time the allowance is full again on by an hour / perHour; one that
// would move it more than an hour ahead is refused.
func (l addressLimit) take(ctx context.Context, tx store.Querier, normalized string) (time.Duration, bool, error) {
	step := time.Hour.Seconds() / float64(l.perHour)
	key := l.hash(normalized)
	err := tx.QueryRow(ctx, `INSERT INTO sign_up_limits AS l (address_key, full_at)
		VALUES ($1, now() + $2::float8 * interval '1 second')
		ON CONFLICT (address_key) DO UPDATE SET full_at = greatest(l.full_at, now()) + $2::float8 * interval '1 second'
			WHERE greatest(l.full_at, now()) + $2::float8 * interval '1 second' <= now() + interval '1 hour'
		RETURNING true`, key, step).Scan(new(bool))
	if err == nil {
		return 0, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, fmt.Errorf("sign-ups per address: %w", err)
	}
	// Refused: ON CONFLICT locked the row, so it reads as the refusal saw it.
	var wait float64
	if err := tx.QueryRow(ctx, `SELECT extract(epoch FROM greatest(full_at, now()) + $2::float8 * interval '1 second' - now() - interval '1 hour')
		FROM sign_up_limits WHERE address_key = $1`, key, step).Scan(&wait); err != nil {
		return 0, false, fmt.Errorf("sign-ups per address: %w", err)
	}
	return time.Duration(wait * float64(time.Second)), false, nil
}

func (l addressLimit) hash(normalized string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte("sign-ups per address:" + normalized))
	return m.Sum(nil)[:16]
}
