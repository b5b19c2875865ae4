package contacts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// maxDuplicates bounds the possible duplicates listed for one contact.
const maxDuplicates = 20

// maxLookAlikeCandidates bounds the records whose name-and-address keys one batch compares.
const maxLookAlikeCandidates = 5000

// PossibleDuplicatesOf returns, per contact id and in order, the other live records that may
// be the same person: the person's records (store.SamePerson: sharing a normalised e-mail or
// phone with it, transitively), those sharing one directly where identifiers are shared far
// beyond one person, and those sharing a name-and-address key (the matching of screening:
// family name, given name, postal code, street and number, folded).
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
	for _, id := range ids {
		person, whole, err := store.PersonOrRecord(ctx, s.db.Pool, id, nil)
		if err != nil {
			return fmt.Errorf("the person: %w", err)
		}
		if whole {
			for _, o := range person {
				add(id, o)
			}
		}
	}
	if err := s.lookAlikes(ctx, ids, add); err != nil {
		return err
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

// likeEscaper quotes the LIKE wildcards of a search term.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// lookAlikes calls add for each pair of a contact of ids and another record with a common
// name-and-address key.
func (s *Service) lookAlikes(ctx context.Context, ids []string, add func(of, dup string)) error {
	type person struct{ id, given, family, postal, street string }
	scan := func(sql string, args ...any) ([]person, error) {
		rows, err := s.db.Pool.Query(ctx, sql, args...)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, func(r pgx.CollectableRow) (person, error) {
			var p person
			return p, r.Scan(&p.id, &p.given, &p.family, &p.postal, &p.street)
		})
	}
	own, err := scan(`SELECT id::text, given_name, family_name, postal_code, street FROM contacts
		WHERE id = ANY($1::uuid[]) AND postal_code IS NOT NULL`, ids)
	if err != nil || len(own) == 0 {
		return err
	}
	keysOf := func(p person) []string { return screening.NameAddressKeys(p.family, p.given, p.postal, p.street) }
	// The candidates: records at the same postal codes whose search text holds a spelling of
	// the family name (the trigram index of contacts_search answers the LIKEs). The search
	// text is folded (store.SearchText: "von Bülow" as "von bulow", and "buelow"), so each
	// spelling is asked for in its folds (store.SearchFolds), as a search for it would be.
	var likes []string
	var args []any
	postals := make([]string, 0, len(own))
	for _, p := range own {
		postals = append(postals, screening.PostalKey(p.postal))
		var folds []string
		for _, sp := range screening.FamilySpellings(p.family) {
			for _, f := range store.SearchFolds(sp) {
				if utf8.RuneCountInString(f) >= 3 && !slices.Contains(folds, f) { // shorter: no trigram to look up
					folds = append(folds, f)
				}
			}
		}
		for _, f := range folds {
			args = append(args, "%"+likeEscaper.Replace(f)+"%")
			likes = append(likes, fmt.Sprintf("c.search_text LIKE $%d", len(args)))
		}
	}
	if len(likes) == 0 {
		return nil
	}
	args = append(args, postals, maxLookAlikeCandidates)
	candidates, err := scan(`SELECT c.id::text, c.given_name, c.family_name, c.postal_code, c.street FROM contacts c
		WHERE (`+strings.Join(likes, " OR ")+fmt.Sprintf(`) AND `+store.PostalKeySQL("c.postal_code")+` = ANY($%d::text[]) LIMIT $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return fmt.Errorf("look-alikes: %w", err)
	}
	for _, p := range own {
		keys := keysOf(p)
		if len(keys) == 0 {
			continue
		}
		for _, c := range candidates {
			if c.id == p.id {
				continue
			}
			for _, k := range keysOf(c) {
				if slices.Contains(keys, k) {
					add(p.id, c.id)
					break
				}
			}
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
