package store

import (
	"context"
	"fmt"

	"github.com/vermerk/vermerk/graph/idempotency"
	"github.com/vermerk/vermerk/graph/viewer"
)

// AuditRecord is one row of the audit trail. Reason is free text written by staff (an
// override or erasure reason); never put identifiers such as e-mails into Operation or Target.
type AuditRecord struct {
	Operation string // the GraphQL operation or CLI command, e.g. "createContact"
	TargetID  string // id of what was acted on
	ContactID string // the person it concerns, if any (erasure blanks reasons by this)
	Outcome   string // "ok", "refused: blacklist match", "override", …
	Reason    string
}

// Audit appends r in tx, naming the caller from ctx (or "system" outside a request).
// The contact it concerns is one a mutation's answer may show (idempotency.Claim.Names).
func Audit(ctx context.Context, tx Querier, r AuditRecord) error {
	idempotency.From(ctx).Names(r.ContactID)
	actorID, actorName := viewer.Actor(ctx)
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (actor_id, actor_name, operation, target_id, contact_id, outcome, reason)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, NULLIF($7, ''))`,
		actorID, actorName, r.Operation, r.TargetID, nullUUID(r.ContactID), r.Outcome, r.Reason)
	if err != nil {
		return fmt.Errorf("store.Audit(%s): %w", r.Operation, err)
	}
	return nil
}
