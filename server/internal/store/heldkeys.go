package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/vermerk/vermerk/server/internal/screening"
)

// The keys an import file's row is known by (import_held.dedupe_keys): a later row of the file
// with one of them is a duplicate, and an erasure or an access export finds the held rows of
// a person by them.
const (
	EmailKeyPrefix = "e:" // + the normalised e-mail
	PhoneKeyPrefix = "p:" // + the number in E.164
)

// HeldKeys returns the keys of normalised e-mails and E.164 phones.
func HeldKeys(emails, phones []string) []string {
	keys := make([]string, 0, len(emails)+len(phones))
	for _, e := range emails {
		keys = append(keys, EmailKeyPrefix+e)
	}
	for _, p := range phones {
		keys = append(keys, PhoneKeyPrefix+p)
	}
	return keys
}

// HeldNameAddressKeys returns the keys of a held row's name and postal address
// (import_held.name_address_keys): screening.NameAddressKeys, the one folding of them, and
// none (not nil: the column is NOT NULL) without a street or postal code. They are kept apart
// from the dedupe keys: a later row of the file with the same name and address is not a
// duplicate of a held one, as it is not of a contact.
func HeldNameAddressKeys(familyName, givenName string, postalCode, street *string) []string {
	if postalCode == nil || street == nil {
		return []string{}
	}
	keys := screening.NameAddressKeys(familyName, givenName, *postalCode, *street)
	if keys == nil {
		return []string{}
	}
	return keys
}

// HeldRows says which rows held for a decision (import_held) are one person's:
//   - those that hold an e-mail or phone of her records;
//   - those that matched an entry of her objection or restriction (an entry that restricts
//     one of her records: an e-mail of hers no longer on them) unless they hold an e-mail or
//     phone of a record kept as someone else's. An erased person's entry that blocks her by an
//     identifier she shares with them does not count: its rows are theirs;
//   - those that hold a name-and-address key of one of her records (her name with the street
//     and postal code of that record, folded as screening.NameAddressKeys folds them), whatever
//     entry they matched and by what, unless they hold an e-mail or phone that a live record
//     other than hers holds: a father and a son of one name at one address are told apart by
//     their e-mails and phones where the row has them. An e-mail no live record holds (a new
//     one, an erased person's) does not tell them apart.
//
// The one rule of it, for the erasure that drops them and the export that shows them.
type HeldRows struct{ keys, entries, kept, names, records []string }

// HeldWhere is the condition on import_held (named h) that holds for a HeldRows' rows, with
// its Args as $1 to $5. Each branch is an index probe: dedupe_keys and name_address_keys by
// their GIN indexes, entry_id by its own, and the e-mails and phones of a row found by its name
// and address in contact_emails and contact_phones.
const HeldWhere = `(h.dedupe_keys && $1::text[] OR (h.entry_id = ANY($2::uuid[]) AND NOT h.dedupe_keys && $3::text[])
	OR (h.name_address_keys && $4::text[]
		AND NOT EXISTS (SELECT FROM contact_emails ce WHERE ce.normalized = ANY(h.emails_norm) AND ce.contact_id <> ALL($5::uuid[]))
		AND NOT EXISTS (SELECT FROM contact_phones cp WHERE cp.number = ANY(h.phones) AND cp.contact_id <> ALL($5::uuid[]))))`

// With adds the keys of more normalised e-mails and E.164 phones of the person (as the rules
// of this server normalise her records' identifiers, in case they read one otherwise than
// when it was stored).
func (h HeldRows) With(emails, phones []string) HeldRows {
	h.keys = append(slices.Clip(h.keys), HeldKeys(emails, phones)...)
	return h
}

// Args are the arguments of HeldWhere.
func (h HeldRows) Args() []any { return []any{h.keys, h.entries, h.kept, h.names, h.records} }

// HeldOf returns the held rows of the person whose records are ids; keep names records that
// are someone else's. Read it before the records go.
func HeldOf(ctx context.Context, q Querier, ids, keep []string) (HeldRows, error) {
	var emails, phones, keptEmails, keptPhones, families, givens, postalCodes, streets []string
	var h HeldRows
	if err := q.QueryRow(ctx, `SELECT ARRAY(SELECT normalized FROM contact_emails WHERE contact_id = ANY($1::uuid[])),
			ARRAY(SELECT number FROM contact_phones WHERE contact_id = ANY($1::uuid[])),
			ARRAY(SELECT DISTINCT entry_id::text FROM contact_restrictions WHERE contact_id = ANY($1::uuid[])),
			ARRAY(SELECT normalized FROM contact_emails WHERE contact_id = ANY($2::uuid[])),
			ARRAY(SELECT number FROM contact_phones WHERE contact_id = ANY($2::uuid[])),
			a.families, a.givens, a.postal_codes, a.streets
		FROM (SELECT coalesce(array_agg(family_name), '{}') AS families, coalesce(array_agg(given_name), '{}') AS givens,
				coalesce(array_agg(postal_code), '{}') AS postal_codes, coalesce(array_agg(street), '{}') AS streets
			FROM contacts WHERE id = ANY($1::uuid[]) AND street IS NOT NULL AND postal_code IS NOT NULL) a`,
		ids, keep).Scan(&emails, &phones, &h.entries, &keptEmails, &keptPhones, &families, &givens, &postalCodes, &streets); err != nil {
		return HeldRows{}, fmt.Errorf("the person's held import rows: %w", err)
	}
	h.keys, h.kept = HeldKeys(emails, phones), HeldKeys(keptEmails, keptPhones)
	h.names = []string{}
	for i := range families {
		h.names = append(h.names, HeldNameAddressKeys(families[i], givens[i], &postalCodes[i], &streets[i])...)
	}
	h.records = slices.Clip(ids)
	if h.records == nil {
		h.records = []string{}
	}
	return h, nil
}
