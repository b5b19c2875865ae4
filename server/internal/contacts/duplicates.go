package contacts

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// maxDuplicates bounds the possible duplicates listed for one contact.
const maxDuplicates = 20

// PossibleDuplicatesOf returns, per contact id and in order, the other live records that may
// be the same person: the person's records (store.SamePerson: sharing a normalised e-mail or
// phone with it, transitively), those sharing one directly where identifiers are shared far
// beyond one person, and those that look like her (store.LookAlikes: a name-and-address key of
// one of her records, as erasurePreview shows them).
// Merged and erased records are gone from contacts and so never listed.
func (s *Service) PossibleDuplicatesOf(ctx context.Context, ids []string) ([][]*model.Contact, []error) {
	out := make([][]*model.Contact, len(ids))
	errs := make([]error, len(ids))
	err := s.possibleDuplicates(ctx, ids, out)
	for i := range ids {
		if err != nil {
			errs[i] = fmt.Errorf("contacts.PossibleDuplicatesOf: %w", err)
		} else if out[i] == nil {
			out[i] = []*model.Contact{}
		}
	}
	return out, errs
}

func (s *Service) possibleDuplicates(ctx context.Context, ids []string, out [][]*model.Contact) error {
	dups := map[string][]string{} // contact id → ids of its possible duplicates
	add := func(of, dup string) {
		if of != dup && !slices.Contains(dups[of], dup) {
			dups[of] = append(dups[of], dup)
		}
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT a.contact_id::text, b.contact_id::text
			FROM contact_emails a JOIN contact_emails b ON b.normalized = a.normalized AND b.contact_id <> a.contact_id
			WHERE a.contact_id = ANY($1::uuid[])
		UNION SELECT a.contact_id::text, b.contact_id::text
			FROM contact_phones a JOIN contact_phones b ON b.number = a.number AND b.contact_id <> a.contact_id
			WHERE a.contact_id = ANY($1::uuid[])`, ids)
	if err != nil {
		return fmt.Errorf("same identifiers: %w", err)
	}
	var of, dup string
	if _, err := pgx.ForEachRow(rows, []any{&of, &dup}, func() error { add(of, dup); return nil }); err != nil {
		return fmt.Errorf("same identifiers: %w", err)
	}
	// The person (store.SamePerson) reaches further, through records that share an identifier
	// with one that shares another with this one: her revocation, erasure and objection take
	// them too, so staff see them here, to merge.
	persons, whole, err := store.PersonsOrRecords(ctx, s.db.Pool, ids)
	if err != nil {
		return fmt.Errorf("the person: %w", err)
	}
	for i, id := range ids {
		if whole[i] {
			for _, o := range persons[i] {
				add(id, o)
			}
		}
	}
	// and the records that look like her, as her erasure's preview shows them
	alike, err := store.LookAlikes(ctx, s.db.Pool, persons)
	if err != nil {
		return err
	}
	for i, id := range ids {
		for _, o := range alike[i] {
			add(id, o)
		}
	}

	var all []string
	for _, d := range dups {
		all = append(all, d...)
	}
	if len(all) == 0 {
		return nil
	}
	found, errs := s.ContactsByIDs(ctx, all)
	byID := make(map[string]*model.Contact, len(found))
	for i, c := range found {
		if errs[i] == nil {
			byID[c.ID] = c
		}
	}
	for i, id := range ids {
		for _, d := range dups[id] {
			if c, ok := byID[d]; ok {
				out[i] = append(out[i], c)
			}
		}
		slices.SortFunc(out[i], func(a, b *model.Contact) int {
			if d := cmp.Compare(sortKeyOf(a), sortKeyOf(b)); d != 0 {
				return d
			}
			return cmp.Compare(a.ID, b.ID)
		})
		if len(out[i]) > maxDuplicates {
			out[i] = out[i][:maxDuplicates]
		}
	}
	return nil
}

// sortKeyOf is a contact's sort_key (store.SortKey), for ordering contacts read without it.
func sortKeyOf(c *model.Contact) string {
	org := ""
	if c.Organization != nil {
		org = *c.Organization
	}
	return store.SortKey(c.FamilyName, c.GivenName, org)
}
