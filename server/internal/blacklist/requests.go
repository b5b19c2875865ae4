package blacklist

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// erasedText replaces a text of a request that named an erased person where one is required
// (the channel, and the outcome and extension reason the register keeps as proof).
const erasedText = "(removed: it named an erased person)"

// forgetRequestTexts forgets what data-subject requests quote of the erased person where a
// text could not be checked against her when it was written. Filed without a contact: staff
// file a request before they find the record ("caller gave e.t.vertrieb@firma.example"),
// extend or close it while searching ("no record under …"), when she is on no record and
// not on the blacklist. Filed for one of the erased records: a text was checked against her
// records of that day, not one entered later with the address her letter gave. A note that
// quotes her (screening.Mentions; the notes of her requests go with her records, by a trigger
// on contacts) is blanked; a channel, outcome or extension reason replaced; the reasons of
// the audit rows of a request without a contact (which repeat its outcome and every
// extension's reason; those of her requests go with her records) blanked (store.Scrub). Each
// request is audited by id.
func forgetRequestTexts(ctx context.Context, tx pgx.Tx, erasedID string, erased []string, entryID string, people []screening.Candidate) error {
	rows, err := tx.Query(ctx, `SELECT id::text, channel, coalesce(note, ''), coalesce(outcome, ''), coalesce(extension_reason, '')
		FROM data_subject_requests WHERE (contact_id IS NULL OR contact_id = ANY($2::uuid[]))
		AND (note IS NOT NULL OR channel <> $1 OR outcome IS NOT NULL OR extension_reason IS NOT NULL) ORDER BY id FOR UPDATE`, erasedText, erased)
	if err != nil {
		return fmt.Errorf("requests quoting the person: %w", err)
	}
	type loose struct {
		id, channel, note, outcome, extension string
		auditIDs                              []int64
		auditReasons                          []string
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (loose, error) {
		var l loose
		return l, r.Scan(&l.id, &l.channel, &l.note, &l.outcome, &l.extension)
	})
	if err != nil {
		return fmt.Errorf("requests quoting the person: %w", err)
	}
	// Only a request extended or closed has audit rows with a reason (audit_log_loose_request_reasons).
	at := map[string]int{}
	var closed []string
	for i, l := range all {
		if l.outcome != "" || l.extension != "" {
			at[l.id] = i
			closed = append(closed, l.id)
		}
	}
	if len(closed) > 0 {
		rows, err := tx.Query(ctx, `SELECT target_id, id, reason FROM audit_log
			WHERE target_id = ANY($1::text[]) AND contact_id IS NULL AND reason IS NOT NULL
			AND operation IN ('extendRequest', 'rejectRequest', 'completeRequest') ORDER BY id`, closed)
		if err != nil {
			return fmt.Errorf("audit rows of requests quoting the person: %w", err)
		}
		var (
			target, reason string
			id             int64
		)
		if _, err := pgx.ForEachRow(rows, []any{&target, &id, &reason}, func() error {
			l := &all[at[target]]
			l.auditIDs, l.auditReasons = append(l.auditIDs, id), append(l.auditReasons, reason)
			return nil
		}); err != nil {
			return fmt.Errorf("audit rows of requests quoting the person: %w", err)
		}
	}
	replaced := erasedText
	because := fmt.Sprintf("it quoted the person erased with contact %s; blacklist entry %s", erasedID, entryID)
	for _, l := range all {
		if _, err := store.Scrub(ctx, tx, store.Scrubbed{Table: "data_subject_requests", ID: l.id,
			Texts: []store.ScrubbedText{
				{Column: "note", Text: l.note, Done: "note blanked"},
				{Column: "channel", Text: l.channel, Replacement: &replaced, Done: "channel replaced"},
				{Column: "outcome", Text: l.outcome, Replacement: &replaced, Done: "outcome replaced"},
				{Column: "extension_reason", Text: l.extension, Replacement: &replaced, Done: "extension reason replaced"}},
			AuditIDs: l.auditIDs, AuditReasons: l.auditReasons}, people, "eraseContact", because); err != nil {
			return err
		}
	}
	return nil
}
