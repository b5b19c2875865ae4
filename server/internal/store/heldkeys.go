package store

import (
	"context"
	"fmt"
	"slices"
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

// HeldRows says which rows held for a decision (import_held) are one person's: those that
// hold an e-mail or phone of her records, and those that matched an entry of her objection or
// restriction (an entry that restricts one of her records: an e-mail of hers no longer on
// them) unless they hold an e-mail or phone of a record kept as someone else's. An erased
// person's entry that blocks her by an identifier she shares with them does not count: its
// rows are theirs. The one rule of it, for the erasure that drops them and the export that
// shows them.
type HeldRows struct{ keys, entries, kept []string }

// HeldWhere is the condition on import_held (named h) that holds for a HeldRows' rows, with
// its Args as $1, $2 and $3.
const HeldWhere = `(h.dedupe_keys && $1::text[] OR (h.entry_id = ANY($2::uuid[]) AND NOT h.dedupe_keys && $3::text[]))`

// With adds the keys of more normalised e-mails and E.164 phones of the person (as the rules
// of this server normalise her records' identifiers, in case they read one otherwise than
// when it was stored).
func (h HeldRows) With(emails, phones []string) HeldRows {
	h.keys = append(slices.Clip(h.keys), HeldKeys(emails, phones)...)
	return h
}

// Args are the arguments of HeldWhere.
func (h HeldRows) Args() []any { return []any{h.keys, h.entries, h.kept} }

// HeldOf returns the held rows of the person whose records are ids; keep names records that
// are someone else's. Read it before the records go.
func HeldOf(ctx context.Context, q Querier, ids, keep []string) (HeldRows, error) {
	var emails, phones, keptEmails, keptPhones []string
	var h HeldRows
	if err := q.QueryRow(ctx, `SELECT ARRAY(SELECT normalized FROM contact_emails WHERE contact_id = ANY($1::uuid[])),
			ARRAY(SELECT number FROM contact_phones WHERE contact_id = ANY($1::uuid[])),
			ARRAY(SELECT DISTINCT entry_id::text FROM contact_restrictions WHERE contact_id = ANY($1::uuid[])),
			ARRAY(SELECT normalized FROM contact_emails WHERE contact_id = ANY($2::uuid[])),
			ARRAY(SELECT number FROM contact_phones WHERE contact_id = ANY($2::uuid[]))`,
		ids, keep).Scan(&emails, &phones, &h.entries, &keptEmails, &keptPhones); err != nil {
		return HeldRows{}, fmt.Errorf("the person's held import rows: %w", err)
	}
	h.keys, h.kept = HeldKeys(emails, phones), HeldKeys(keptEmails, keptPhones)
	return h, nil
}
