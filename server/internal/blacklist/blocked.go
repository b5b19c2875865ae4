package blacklist

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// BlockedContacts says per contact id, in order, whether recipients leaves it out because an
// e-mail or phone of it matches an active blacklist entry (Contact.blocked, through the
// per-request loader).
func (s *Service) BlockedContacts(ctx context.Context, ids []string) ([]bool, []error) {
	out, errs := make([]bool, len(ids)), make([]error, len(ids))
	blocked, err := blockedAmong(ctx, s.db.Pool, ids)
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("blacklist.BlockedContacts: %w", err)
		}
		return out, errs
	}
	for i, id := range ids {
		_, out[i] = blocked[id]
	}
	return out, errs
}

func blockedAmong(ctx context.Context, q store.Querier, ids []string) (map[string]struct{}, error) {
	blocked, err := store.BlockedAmong(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	found := make(map[string]struct{}, len(blocked))
	for _, id := range blocked {
		found[id] = struct{}{}
	}
	return found, nil
}

// uncoveredHolders are the live contacts holding one of the normalised e-mails $1 or E.164
// numbers $2, and the records the entry restricts, that are not blocked yet (contact_blocks,
// before the caller adds its entry): those a new entry newly covers. Found through the identifier
// indexes, not the hashes, as the caller knows the identifiers in clear.
func uncoveredHolders(ctx context.Context, q store.Querier, emails, phones, records []string) ([]string, error) {
	if len(emails) == 0 && len(phones) == 0 && len(records) == 0 {
		return nil, nil
	}
	if records == nil {
		records = []string{}
	}
	rows, err := q.Query(ctx, `SELECT c.contact_id FROM (
			SELECT contact_id FROM contact_emails WHERE normalized = ANY($1::text[])
			UNION SELECT contact_id FROM contact_phones WHERE number = ANY($2::text[])
			UNION SELECT unnest($3::uuid[])) c
		WHERE NOT EXISTS (SELECT FROM contact_blocks b WHERE b.contact_id = c.contact_id)
		ORDER BY c.contact_id`, emails, phones, records)
	if err != nil {
		return nil, fmt.Errorf("contacts newly covered: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// BlockHolders brings contact_blocks up to date for the contacts holding one of the normalised
// e-mails or E.164 numbers given, in q's transaction: every writer of blacklist_hashes calls it
// after adding hashes of these identifiers (a trigger cannot find the holders: an entry has no
// identifier in clear, and the identifier tables have no index on the hash). Removals and
// every change of a contact's identifiers are kept up to date by triggers (migration 00025).
func BlockHolders(ctx context.Context, q store.Querier, emails, phones []string) error {
	if len(emails) == 0 && len(phones) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `SELECT vermerk_refresh_blocks(ARRAY(
			SELECT contact_id FROM contact_emails WHERE normalized = ANY($1::text[])
			UNION SELECT contact_id FROM contact_phones WHERE number = ANY($2::text[])))`, emails, phones)
	if err != nil {
		return fmt.Errorf("blacklist.BlockHolders: %w", err)
	}
	return nil
}

// emitBlocked writes one CONTACT_BLOCKED event per contact, naming the entry that covers it.
func emitBlocked(ctx context.Context, tx pgx.Tx, contactIDs []string, entryID string) error {
	for _, id := range contactIDs {
		if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventContactBlocked, ContactID: id, Channel: viewer.Channel(ctx), Ref: entryID}); err != nil {
			return err
		}
	}
	return nil
}

// clearIdentifiers returns the normalised e-mails and phones among ids.
func clearIdentifiers(ids screening.Identifiers) (emails, phones []string) {
	emails, phones = []string{}, []string{}
	for _, id := range ids {
		switch id.Kind {
		case screening.KindEmail:
			emails = append(emails, id.Normalized)
		case screening.KindPhone:
			phones = append(phones, id.Normalized)
		}
	}
	return emails, phones
}
