package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/screening"
)

// maxLookAlikeCandidates bounds the records whose name-and-address keys one call compares.
const maxLookAlikeCandidates = 5000

// LookAlikes is the one rule of which records look like a person: for each person (the ids of
// her records, as SamePerson or PersonOrRecord give them), the other live records, none of hers,
// whose name-and-address key (screening.NameAddressKeys: family name, given name, postal code,
// street and number, folded as screening folds them, so "1015 CJ" is "1015cj" and
// "Müller-Lüdenscheidt" is "Mueller Luedenscheidt") equals the key of one of her records, in
// the order found. They share no e-mail or phone with her: an erasure leaves them (erasurePreview
// shows them), staff may merge them (possibleDuplicates lists them). One statement for all the
// persons.
func LookAlikes(ctx context.Context, q Querier, persons [][]string) ([][]string, error) {
	out := make([][]string, len(persons))
	var ids []string
	for _, p := range persons {
		ids = append(ids, p...)
	}
	if len(ids) == 0 {
		return out, nil
	}
	own, err := scanKeyed(ctx, q, `SELECT id::text, given_name, family_name, postal_code, street FROM contacts
		WHERE id = ANY($1::uuid[]) AND postal_code IS NOT NULL`, ids)
	if err != nil {
		return nil, fmt.Errorf("store.LookAlikes: %w", err)
	}
	sql, args := lookAlikeCandidates(own)
	if sql == "" {
		return out, nil
	}
	candidates, err := scanKeyed(ctx, q, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("store.LookAlikes: candidates: %w", err)
	}
	keysOf := make(map[string][]string, len(own))
	for _, r := range own {
		keysOf[r.id] = r.keys()
	}
	for i, person := range persons {
		for _, c := range candidates {
			if slices.Contains(person, c.id) || slices.Contains(out[i], c.id) {
				continue
			}
			theirs := c.keys()
			alike := slices.ContainsFunc(person, func(id string) bool {
				return slices.ContainsFunc(keysOf[id], func(k string) bool { return slices.Contains(theirs, k) })
			})
			if alike {
				out[i] = append(out[i], c.id)
			}
		}
	}
	return out, nil
}

// keyed is what a record's name-and-address keys are made of.
type keyed struct{ id, given, family, postal, street string }

func (r keyed) keys() []string {
	return screening.NameAddressKeys(r.family, r.given, r.postal, r.street)
}

func scanKeyed(ctx context.Context, q Querier, sql string, args ...any) ([]keyed, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (keyed, error) {
		var k keyed
		return k, r.Scan(&k.id, &k.given, &k.family, &k.postal, &k.street)
	})
}

// lookAlikeCandidates is the statement reading the records that may share a key with one of
// own: at the same postal code (screening.PostalKey), their search text holding a spelling of
// the family name or one of its words — the trigram index of contacts_search answers the LIKEs.
// A family name of which no spelling or word has three letters (no trigram to look up) is
// asked for by the given name; with neither, every record at the postal code is read.
func lookAlikeCandidates(own []keyed) (string, []any) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	terms := map[string][]string{} // postal key → search terms; nil: the postal code alone
	var postals []string
	for _, r := range own {
		if len(r.keys()) == 0 {
			continue
		}
		pk := screening.PostalKey(r.postal)
		t := searchTerms(screening.FamilySpellings(r.family))
		if len(t) == 0 {
			t = searchTerms([]string{r.given})
		}
		old, seen := terms[pk]
		switch {
		case !seen:
			postals = append(postals, pk)
			terms[pk] = t
		case old == nil || len(t) == 0:
			terms[pk] = nil
		default:
			for _, s := range t {
				if !slices.Contains(old, s) {
					old = append(old, s)
				}
			}
			terms[pk] = old
		}
	}
	if len(postals) == 0 {
		return "", nil
	}
	var where []string
	for _, pk := range postals {
		cond := PostalKeySQL("c.postal_code") + " = " + arg(pk)
		if t := terms[pk]; len(t) > 0 {
			likes := make([]string, len(t))
			for i, s := range t {
				likes[i] = "c.search_text LIKE " + arg("%"+likeEscaper.Replace(s)+"%")
			}
			cond += " AND (" + strings.Join(likes, " OR ") + ")"
		}
		where = append(where, "("+cond+")")
	}
	return `SELECT c.id::text, c.given_name, c.family_name, c.postal_code, c.street FROM contacts c
		WHERE c.postal_code IS NOT NULL AND (` + strings.Join(where, " OR ") + `) LIMIT ` + arg(maxLookAlikeCandidates), args
}

// searchTerms are the forms of names that contacts.search_text holds them in (SearchFolds:
// "müller" as "muller" and "mueller"), and each word of them, so that a double name is found
// written with a hyphen or a space ("muller-ludenscheidt" by "ludenscheidt"); only those of
// three letters or more, which have a trigram to look up.
func searchTerms(names []string) []string {
	var out []string
	add := func(s string) {
		if utf8.RuneCountInString(s) >= 3 && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, n := range names {
		for _, f := range SearchFolds(n) {
			add(f)
			for _, w := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				add(w)
			}
		}
	}
	return out
}

// likeEscaper quotes the LIKE wildcards of a search term.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
