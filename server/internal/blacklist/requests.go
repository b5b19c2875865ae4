package blacklist

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// erasedChannel replaces the channel of a request that named an erased person.
const erasedChannel = "(removed: it named an erased person)"

// blankLooseRequests forgets what data-subject requests filed without a contact quote of the
// erased person: staff file a request before they find the record ("caller gave
// e.t.vertrieb@firma.example"), and its note and channel are not blanked with her records
// (the trigger on contacts blanks the notes of requests filed for them). A note that quotes
// her (screening.Mentions) is blanked, a channel replaced; each request is audited by id.
func blankLooseRequests(ctx context.Context, tx pgx.Tx, erasedID, entryID string, people []screening.Candidate) error {
	rows, err := tx.Query(ctx, `SELECT id::text, channel, coalesce(note, '') FROM data_subject_requests
		WHERE contact_id IS NULL AND (note IS NOT NULL OR channel <> $1) FOR UPDATE`, erasedChannel)
	if err != nil {
		return fmt.Errorf("requests filed without a contact: %w", err)
	}
	type loose struct{ id, channel, note string }
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (loose, error) {
		var l loose
		return l, r.Scan(&l.id, &l.channel, &l.note)
	})
	if err != nil {
		return fmt.Errorf("requests filed without a contact: %w", err)
	}
	for _, l := range all {
		note, channel := l.note != "" && mentionsAny(l.note, people), mentionsAny(l.channel, people)
		if !note && !channel {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE data_subject_requests
			SET note = CASE WHEN $2 THEN NULL ELSE note END, channel = CASE WHEN $3 THEN $4 ELSE channel END
			WHERE id = $1`, l.id, note, channel, erasedChannel); err != nil {
			return fmt.Errorf("blank request %s: %w", l.id, err)
		}
		var what []string
		if note {
			what = append(what, "note blanked")
		}
		if channel {
			what = append(what, "channel replaced")
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "eraseContact", TargetID: l.id,
			Outcome: fmt.Sprintf("%s: it quoted the person erased with contact %s; blacklist entry %s", strings.Join(what, ", "), erasedID, entryID)}); err != nil {
			return err
		}
	}
	return nil
}
