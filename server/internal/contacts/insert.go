package contacts

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// Insert validates in and writes it as a new contact in tx, without screening: for callers
// that screened the person themselves and decided (a confirmed double opt-in sign-up). Its
// identifiers get their keyed hashes in tx, as on every write path. It returns the new
// contact's id; the caller audits.
func Insert(ctx context.Context, tx pgx.Tx, sc Screener, in model.ContactInput) (string, error) {
	f, err := apply(screening.ContactInput{}, in)
	if err != nil {
		return "", err
	}
	id, err := insert(ctx, tx, sc, f)
	if err != nil {
		return "", err
	}
	if err := sc.HashContacts(ctx, tx, []string{id}); err != nil {
		return "", err
	}
	return id, nil
}
