package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Grant is a GRANTED ledger entry written inside another service's transaction (a confirmed
// sign-up, an import row).
type Grant struct {
	ContactID, PurposeID string
	Source               string
	Evidence             *string
	GivenAt              *time.Time
	TextVersion          *int
	RecordedBy, TokenID  string
}

// AppendGrant locks the contact and appends g in tx; the state is derived in tx too.
func AppendGrant(ctx context.Context, tx pgx.Tx, g Grant) error {
	if err := lockContact(ctx, tx, g.ContactID); err != nil {
		return err
	}
	return appendEntry(ctx, tx, entry{ContactID: g.ContactID, PurposeID: g.PurposeID, Status: model.ConsentStatusGranted,
		Source: g.Source, Evidence: g.Evidence, GivenAt: g.GivenAt, TextVersion: g.TextVersion,
		RecordedBy: g.RecordedBy, TokenID: g.TokenID})
}

// JoinList makes the contact a member of the list in tx; joined is false when it was one.
func JoinList(ctx context.Context, tx pgx.Tx, listID, contactID string) (joined bool, err error) {
	tag, err := tx.Exec(ctx, `INSERT INTO list_members (list_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, listID, contactID)
	if err != nil {
		return false, fmt.Errorf("join list: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Target is a purpose, and optionally one of its lists, that a write names by key.
type Target struct {
	PurposeID, PurposeKey, PurposeName string
	ListID, ListName                   string // empty without a list
}

// ResolveTarget finds the purpose (field purposeField) and the list (field listField, when
// listKey is not empty), refuses a list of another purpose, and refuses an integrator whose
// token is not bound to the purpose (FORBIDDEN).
func ResolveTarget(ctx context.Context, q store.Querier, purposeField, purposeKey, listField, listKey string) (*Target, error) {
	if err := mayUse(ctx, purposeKey); err != nil {
		return nil, err
	}
	p, err := purposeByKey(ctx, q, purposeField, purposeKey)
	if err != nil {
		return nil, err
	}
	t := &Target{PurposeID: p.ID, PurposeKey: p.Key, PurposeName: p.Name}
	if listKey == "" {
		return t, nil
	}
	l, err := listByKey(ctx, q, listField, listKey)
	if err != nil {
		return nil, err
	}
	if l.PurposeID != p.ID {
		return nil, apperr.BadInput(listField, apperr.ReasonListOfOtherPurpose,
			"list %q belongs to purpose %q, not %q; name the list's own purpose or another list", l.Key, l.PurposeKey, p.Key)
	}
	t.ListID, t.ListName = l.ID, l.Name
	return t, nil
}
