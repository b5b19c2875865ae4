package store

import (
	"context"
	"fmt"
)

// EventKind names what an outbox event reports.
type EventKind string

const (
	EventConsentRevoked   EventKind = "CONSENT_REVOKED"
	EventContactErased    EventKind = "CONTACT_ERASED"
	EventContactBlocked   EventKind = "CONTACT_BLOCKED" // a blacklist entry now covers a live contact
	EventBlacklistChanged EventKind = "BLACKLIST_CHANGED"
	EventImportProgress   EventKind = "IMPORT_PROGRESS"
	EventRequestDue       EventKind = "REQUEST_DUE"     // a data-subject request falls due; Ref: its id
	EventContactDeleted   EventKind = "CONTACT_DELETED" // deleted by retention, no blacklist entry
	// EventContactReentered: a person on the blacklist confirmed a double opt-in sign-up.
	EventContactReentered EventKind = "CONTACT_REENTERED"
	// EventContactMerged: mergeContacts merged the record Ref into ContactID, the survivor.
	EventContactMerged EventKind = "CONTACT_MERGED"
	// EventTokenRevoked: ref is the API token's id; every instance closes the token's sockets.
	EventTokenRevoked EventKind = "TOKEN_REVOKED"
)

// Event is one outbox row. It never carries personal data: an erased person's event must
// not say who they were.
type Event struct {
	Kind      EventKind
	ContactID string // uuid or ""
	PurposeID string // uuid or ""
	Channel   string // e.g. "staff", "api", "unsubscribe-link"
	Ref       string // blacklist entry id, import job id, …
}

// Emit writes e in tx and returns its id; listeners are woken when tx commits.
func Emit(ctx context.Context, tx Querier, e Event) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT vermerk_emit($1, $2, $3, $4, $5)`,
		string(e.Kind), nullUUID(e.ContactID), nullUUID(e.PurposeID), e.Channel, e.Ref).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store.Emit(%s): %w", e.Kind, err)
	}
	return id, nil
}

func nullUUID(s string) any {
	if s == "" {
		return nil
	}
	return s
}
