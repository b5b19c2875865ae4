package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// A Subject is the person a free text (a reason, a closing text) is about, as far as the
// caller knows her: records of hers, blacklist entries blocking her, and what is being entered,
// imported or blocked that is not stored as hers (yet).
type Subject struct {
	Records    []string
	Entries    []string
	Candidates []screening.Candidate
	Keep       []string // records an admin named as someone else: not hers, and not passed through
}

// RefuseQuoting is the one check of a free text about a person that outlives her (the reason
// of a blacklist entry, an override, an import row's decision, the end of an entry): it
// answers BAD_USER_INPUT REASON_HAS_PERSONAL_DATA at field when text quotes her
// (screening.RefuseMentions) — any e-mail, phone, name or street of any record of hers
// (People), not only the value being blocked or entered.
func RefuseQuoting(ctx context.Context, q Querier, field, text string, who Subject) error {
	people, err := People(ctx, q, who)
	if err != nil {
		return err
	}
	return screening.RefuseMentions(field, text, people...)
}

// People is every one whom a text about who may quote: who's candidates and every live record
// of her person (PersonOrRecord) — of the records named, of the records holding an e-mail or
// phone of a candidate, and of the records an entry of who blocks (restricted by it, or holding
// one of its e-mails or phones). An identifier held by more than MaxPersonRecords records (an
// office's switchboard) names no one's records.
func People(ctx context.Context, q Querier, who Subject) ([]screening.Candidate, error) {
	seeds := slices.Clone(who.Records)
	var emails, phones []string
	for _, c := range who.Candidates {
		e, p := normalizedIdentifiers(c)
		emails, phones = append(emails, e...), append(phones, p...)
	}
	if len(emails)+len(phones)+len(who.Entries) > 0 {
		rows, err := q.Query(ctx, holders, emails, phones, who.Entries, MaxPersonRecords+1)
		if err != nil {
			return nil, fmt.Errorf("store.People: %w", err)
		}
		type held struct {
			id, by string
		}
		found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (held, error) {
			var h held
			return h, r.Scan(&h.by, &h.id)
		})
		if err != nil {
			return nil, fmt.Errorf("store.People: %w", err)
		}
		count := map[string]int{}
		for _, h := range found {
			count[h.by]++
		}
		for _, h := range found {
			if count[h.by] <= MaxPersonRecords && !slices.Contains(seeds, h.id) {
				seeds = append(seeds, h.id)
			}
		}
	}
	var ids []string
	for _, s := range seeds {
		if slices.Contains(ids, s) || slices.Contains(who.Keep, s) {
			continue
		}
		person, _, err := PersonOrRecord(ctx, q, s, who.Keep)
		if err != nil {
			return nil, fmt.Errorf("store.People: %w", err)
		}
		for _, p := range person {
			if !slices.Contains(ids, p) {
				ids = append(ids, p)
			}
		}
	}
	out := slices.Clone(who.Candidates)
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT `+ContactColumns+` FROM contacts c WHERE c.id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("store.People: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Contact, error) { return ScanContact(r) })
	if err != nil {
		return nil, fmt.Errorf("store.People: %w", err)
	}
	return append(out, screening.ContactCandidates(cs)...), nil
}

// holders selects (what led to it, live record) for the records holding one of the e-mails $1
// or phones $2, and those an entry of $3 restricts or blocks by an e-mail or phone of theirs
// (found among the blocked records, contact_blocks: the identifier tables have no index on the
// hash); at most $4 per identifier or entry (more: shared far beyond one person, People drops
// them). A blocked record's e-mails and phones are probed by its id and the entry's hashes by
// their primary key, one record after another (a LATERAL with a LIMIT, which the planner
// cannot turn into a join): as two EXISTS it hashed them, reading every e-mail and phone
// stored for each entry.
const holders = `
	SELECT 'e:' || n, x.contact_id::text FROM unnest($1::text[]) n CROSS JOIN LATERAL (
		SELECT contact_id FROM contact_emails WHERE normalized = n LIMIT $4) x
	UNION SELECT 'p:' || n, x.contact_id::text FROM unnest($2::text[]) n CROSS JOIN LATERAL (
		SELECT contact_id FROM contact_phones WHERE number = n LIMIT $4) x
	UNION SELECT 'r:' || r.entry_id::text || ':' || r.contact_id::text, r.contact_id::text FROM contact_restrictions r
		WHERE r.entry_id = ANY($3::uuid[])
	UNION SELECT 'h:' || id::text, x.contact_id::text FROM unnest($3::uuid[]) id CROSS JOIN LATERAL (
		SELECT b.contact_id FROM contact_blocks b CROSS JOIN LATERAL (
			SELECT FROM contact_emails e JOIN blacklist_hashes h ON h.hash = e.hash AND h.entry_id = id WHERE e.contact_id = b.contact_id
			UNION ALL
			SELECT FROM contact_phones p JOIN blacklist_hashes h ON h.hash = p.hash AND h.entry_id = id WHERE p.contact_id = b.contact_id
			LIMIT 1) held
		LIMIT $4) x`

// normalizedIdentifiers are c's e-mails and phones as contacts hold them (normalised; a phone
// read in screening.CountryRegion of c's country); what cannot be read is left out.
func normalizedIdentifiers(c screening.Candidate) (emails, phones []string) {
	for _, e := range c.Emails {
		if n, err := screening.NormalizeEmail(e); err == nil {
			emails = append(emails, n)
		}
	}
	region, _ := screening.CountryRegion(c.Country)
	for _, p := range c.Phones {
		if n, err := screening.NormalizePhone(p, region); err == nil {
			phones = append(phones, n)
		}
	}
	return emails, phones
}
