package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
)

// neighbours selects up to $2 of the live contacts sharing a normalised e-mail or phone with
// one of the contacts $1, or restricted together with one of them by an active blacklist entry
// (contact_restrictions: an objection or restriction named them as one person's records), other
// than those. One index probe per identifier of $1, whatever the statistics say: as a join, a
// save during an import into a young database was planned as a hash join over every e-mail
// stored (the statistics still of the empty table), 30–250 ms instead of a tenth of one.
const neighbours = `SELECT DISTINCT o.contact_id::text FROM (
		SELECT x.contact_id FROM contact_emails e CROSS JOIN LATERAL (
			SELECT x.contact_id FROM contact_emails x WHERE x.normalized = e.normalized LIMIT $2) x WHERE e.contact_id = ANY($1::uuid[])
		UNION SELECT x.contact_id FROM contact_phones p CROSS JOIN LATERAL (
			SELECT x.contact_id FROM contact_phones x WHERE x.number = p.number LIMIT $2) x WHERE p.contact_id = ANY($1::uuid[])
		UNION SELECT x.contact_id FROM contact_restrictions r CROSS JOIN LATERAL (
			SELECT x.contact_id FROM contact_restrictions x WHERE x.entry_id = r.entry_id LIMIT $2) x WHERE r.contact_id = ANY($1::uuid[])) o
	WHERE o.contact_id <> ALL($1::uuid[]) ORDER BY 1 LIMIT $2`

// MaxPersonRecords bounds the records of one person: more means identifiers shared far
// beyond one person (an office's switchboard), which keep must cut first.
const MaxPersonRecords = 200

// SamePerson is DESIGN rule 8's person: the live records reachable from id through a shared
// normalised e-mail or phone, transitively, without passing through a record in keep (someone
// else, as an admin named them). Records an active objection or restriction blocked together
// stay one person after staff took the shared identifier off one of them (it stays blocked as
// hers), so her later erasure takes it too. It returns them in the order found (id first), and the
// records of keep met; more than MaxPersonRecords is BAD_USER_INPUT PERSON_TOO_LARGE.
// Erasure, its preview and revocation all ask this one rule who the person is.
func SamePerson(ctx context.Context, q Querier, id string, keep []string) (records, kept []string, err error) {
	records = []string{id}
	seen := map[string]bool{id: true}
	for _, k := range keep {
		seen[k] = true
	}
	frontier := []string{id}
	for len(frontier) > 0 {
		// Enough rows to tell a person too large without reading every record an office's
		// switchboard number is on: past this many, more than MaxPersonRecords are new.
		limit := MaxPersonRecords + 1 + len(records) + len(keep)
		rows, err := q.Query(ctx, neighbours, frontier, limit)
		if err != nil {
			return nil, nil, fmt.Errorf("records sharing an identifier: %w", err)
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, nil, fmt.Errorf("records sharing an identifier: %w", err)
		}
		frontier = frontier[:0]
		for _, o := range found {
			switch {
			case slices.Contains(keep, o):
				if !slices.Contains(kept, o) {
					kept = append(kept, o)
				}
			case !seen[o]:
				seen[o] = true
				records = append(records, o)
				frontier = append(frontier, o)
			}
		}
		if len(records) > MaxPersonRecords {
			return nil, nil, apperr.BadInput("id", apperr.ReasonPersonTooLarge,
				"more than %d records share e-mails or phones with this contact, directly or through records sharing with it "+
					"(an office's switchboard number, say), so they are not taken for one person: take the identifier that is "+
					"no one's own off this contact with updateContact first (erasurePreview then shows the person), or name the "+
					"records that are someone else in keep", MaxPersonRecords)
		}
	}
	return records, kept, nil
}

// PersonOrRecord is SamePerson for the callers that act on the person where there is one and
// on the record alone where identifiers are shared far beyond one person (an office's
// switchboard): past MaxPersonRecords it returns id alone and whole false.
func PersonOrRecord(ctx context.Context, q Querier, id string, keep []string) (records []string, whole bool, err error) {
	records, _, err = SamePerson(ctx, q, id, keep)
	if ae, ok := apperr.As(err); ok && ae.Reason == apperr.ReasonPersonTooLarge {
		return []string{id}, false, nil
	}
	return records, err == nil, err
}

// PersonContacts loads the live records of the person of the record id (SamePerson), id's
// first: the people a text about one of them may name. Past MaxPersonRecords it is id's record
// alone (identifiers shared far beyond one person); none when id names no live record.
func PersonContacts(ctx context.Context, q Querier, id string) ([]*model.Contact, error) {
	ids, _, err := PersonOrRecord(ctx, q, id, nil)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+ContactColumns+` FROM contacts c WHERE c.id = ANY($1::uuid[]) ORDER BY c.id = $2 DESC, c.id`, ids, id)
	if err != nil {
		return nil, fmt.Errorf("the person's records: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Contact, error) { return ScanContact(r) })
	if err != nil {
		return nil, fmt.Errorf("the person's records: %w", err)
	}
	return cs, nil
}

// neighboursOf is neighbours for many frontiers at once: (origin, record) for the live
// contacts sharing a normalised e-mail or phone with the contact $2[i], or restricted together
// with it, found from origin $1[i]; at most $3[i] per identifier of $2[i].
const neighboursOf = `SELECT DISTINCT f.origin, o.contact_id::text
	FROM unnest($1::text[], $2::uuid[], $3::int[]) AS f(origin, id, lim) CROSS JOIN LATERAL (
		SELECT x.contact_id FROM contact_emails e CROSS JOIN LATERAL (
			SELECT x.contact_id FROM contact_emails x WHERE x.normalized = e.normalized LIMIT f.lim) x WHERE e.contact_id = f.id
		UNION SELECT x.contact_id FROM contact_phones p CROSS JOIN LATERAL (
			SELECT x.contact_id FROM contact_phones x WHERE x.number = p.number LIMIT f.lim) x WHERE p.contact_id = f.id
		UNION SELECT x.contact_id FROM contact_restrictions r CROSS JOIN LATERAL (
			SELECT x.contact_id FROM contact_restrictions x WHERE x.entry_id = r.entry_id LIMIT f.lim) x WHERE r.contact_id = f.id) o
	ORDER BY 1, 2`

// PersonsOrRecords is PersonOrRecord of each of ids (without keep), asked of all of them in
// one statement per step of the search instead of one search each: for a page of contacts
// (possibleDuplicates through its loader). records[i] holds ids[i] first, then the records in
// the order SamePerson finds them; whole[i] is false where identifiers are shared far beyond
// one person, and records[i] then ids[i] alone.
func PersonsOrRecords(ctx context.Context, q Querier, ids []string) (records [][]string, whole []bool, err error) {
	records, whole = make([][]string, len(ids)), make([]bool, len(ids))
	seen := make([]map[string]bool, len(ids))
	at := map[string][]int{} // an id → its places in ids (an id asked twice is searched once)
	frontier := map[int][]string{}
	for i, id := range ids {
		records[i], whole[i] = []string{id}, true
		if places := at[id]; len(places) > 0 {
			continue
		}
		at[id] = append(at[id], i)
		seen[i] = map[string]bool{id: true}
		frontier[i] = []string{id}
	}
	for i, id := range ids {
		if at[id][0] != i {
			at[id] = append(at[id], i)
		}
	}
	for len(frontier) > 0 {
		var origins, from []string
		var limits []int32
		for i, f := range frontier {
			// as SamePerson: enough rows per identifier to tell a person too large
			lim := int32(MaxPersonRecords + 1 + len(records[i]))
			for _, id := range f {
				origins, from, limits = append(origins, ids[i]), append(from, id), append(limits, lim)
			}
		}
		rows, err := q.Query(ctx, neighboursOf, origins, from, limits)
		if err != nil {
			return nil, nil, fmt.Errorf("store.PersonsOrRecords: %w", err)
		}
		var origin, o string
		next := map[int][]string{}
		_, err = pgx.ForEachRow(rows, []any{&origin, &o}, func() error {
			i := at[origin][0]
			if !seen[i][o] && whole[i] {
				seen[i][o] = true
				records[i] = append(records[i], o)
				next[i] = append(next[i], o)
				if len(records[i]) > MaxPersonRecords {
					records[i], whole[i] = []string{ids[i]}, false
					delete(next, i)
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("store.PersonsOrRecords: %w", err)
		}
		frontier = map[int][]string{}
		for i, n := range next {
			if whole[i] {
				frontier[i] = n
			}
		}
	}
	for _, places := range at {
		for _, j := range places[1:] {
			records[j], whole[j] = slices.Clone(records[places[0]]), whole[places[0]]
		}
	}
	return records, whole, nil
}
