package contacts

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// Insert validates in and writes it as a new contact in tx, without screening: for callers
// that screened the person themselves and decided (a confirmed double opt-in sign-up). It
// returns the new contact's id; the caller audits.
func Insert(ctx context.Context, tx pgx.Tx, in model.ContactInput) (string, error) {
	f, err := apply(screening.ContactInput{}, in)
	if err != nil {
		return "", err
	}
	return insert(ctx, tx, f)
}
