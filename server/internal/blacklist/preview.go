package blacklist

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// ErasurePreview shows what eraseContact(id) would do, changing nothing: the records that
// share a normalised e-mail or phone with the contact, directly or through one another (erased
// with it unless named in keep), and the records that look like the person (store.LookAlikes:
// the same name-and-address key as one of her records, and no identifier shared; not erased).
func (s *Service) ErasurePreview(ctx context.Context, id string) (*model.ErasurePreview, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	p := &model.ErasurePreview{SameIdentifiers: []*model.Contact{}, LookAlikes: []*model.Contact{}}
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		id, err := survivor(ctx, tx, id, nil, "erased")
		if err != nil {
			return err
		}
		c, err := loadContact(ctx, tx, id)
		if err != nil {
			return err
		}
		p.Contact = c
		same, _, err := store.SamePerson(ctx, tx, id, nil)
		if err != nil {
			return err
		}
		if p.SameIdentifiers, err = contactsSorted(ctx, tx, same[1:]); err != nil {
			return err
		}
		alike, err := store.LookAlikes(ctx, tx, [][]string{same})
		if err != nil {
			return err
		}
		p.LookAlikes, err = contactsSorted(ctx, tx, alike[0])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("blacklist.ErasurePreview(%s): %w", id, err)
	}
	return p, nil
}

// contactsSorted loads the live contacts of ids in the order of the contact list.
func contactsSorted(ctx context.Context, q store.Querier, ids []string) ([]*model.Contact, error) {
	if len(ids) == 0 {
		return []*model.Contact{}, nil
	}
	rows, err := q.Query(ctx, `SELECT `+store.ContactColumns+` FROM contacts c WHERE c.id = ANY($1::uuid[]) ORDER BY c.sort_key, c.id`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Contact, error) { return store.ScanContact(r) })
}
