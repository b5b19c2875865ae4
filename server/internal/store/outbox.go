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
