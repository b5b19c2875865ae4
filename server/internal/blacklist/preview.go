package blacklist

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// ErasurePreview shows what eraseContact(id) would do, changing nothing: the records that
// share a normalised e-mail or phone with the contact, directly or through one another (erased
// with it unless named in keep), and those with the same name-and-address key only
// (look-alikes, not erased).
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
		rows, err := tx.Query(ctx, `SELECT `+store.ContactColumns+` FROM contacts c WHERE c.id = ANY($1::uuid[]) ORDER BY c.sort_key, c.id`, same[1:])
		if err != nil {
			return err
		}
		if p.SameIdentifiers, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Contact, error) { return store.ScanContact(r) }); err != nil {
			return err
		}
		p.LookAlikes, err = lookAlikes(ctx, tx, c, p.SameIdentifiers)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("blacklist.ErasurePreview(%s): %w", id, err)
	}
	return p, nil
}

// lookAlikes are the other contacts at c's postal code whose name-and-address key equals one
// of c's, and that are not among same. (The postal code narrows the candidates; the key is
// compared in Go, where it is folded.)
func lookAlikes(ctx context.Context, q store.Querier, c *model.Contact, same []*model.Contact) ([]*model.Contact, error) {
	out := []*model.Contact{}
	if c.Address == nil {
		return out, nil
	}
	keys := screening.NameAddressKeys(c.FamilyName, c.GivenName, c.Address.PostalCode, c.Address.Street)
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT `+store.ContactColumns+` FROM contacts c WHERE c.postal_code = $1 AND c.id <> $2
		ORDER BY c.sort_key, c.id`, c.Address.PostalCode, c.ID)
	if err != nil {
		return nil, err
	}
	near, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Contact, error) { return store.ScanContact(r) })
	if err != nil {
		return nil, err
	}
	for _, o := range near {
		if slices.ContainsFunc(same, func(x *model.Contact) bool { return x.ID == o.ID }) {
			continue
		}
		theirs := screening.NameAddressKeys(o.FamilyName, o.GivenName, o.Address.PostalCode, o.Address.Street)
		if slices.ContainsFunc(theirs, func(k string) bool { return slices.Contains(keys, k) }) {
			out = append(out, o)
		}
	}
	return out, nil
}
