package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// A Scrubbed is a stored row whose free texts may quote a person they could not be checked
// against when they were written, and the audit rows repeating them.
type Scrubbed struct {
	Table        string // the row's table (a constant of the caller's, never input)
	ID           string
	Texts        []ScrubbedText
	AuditIDs     []int64 // audit_log rows repeating the texts, with their reasons
	AuditReasons []string
}

// A ScrubbedText is a column of a Scrubbed row: its text, what replaces it when it quotes the
// person (nil: NULL) and how the audit says so ("note blanked").
type ScrubbedText struct {
	Column, Text string
	Replacement  *string
	Done         string
}

// Scrub is the one scrubbing of stored free texts that quote a person they could not be
// checked against when written (a request filed before her record was found; an entry's
// reason written before a record holding what it quotes became hers): each text of row that
// quotes one of people (screening.Mentions) is replaced, each audit reason that does is
// blanked (in erasure mode, as when her records go: the trail is append-only otherwise), and
// the row is audited by id under op, saying what went and why (because: ids only); the
// answers kept for an Idempotency-Key that name the row or show a text replaced are forgotten
// (forgetAnswersShowing). It says whether anything changed.
func Scrub(ctx context.Context, tx pgx.Tx, row Scrubbed, people []screening.Candidate, op, because string) (bool, error) {
	quotes := func(text string, replacement *string) bool {
		return text != "" && (replacement == nil || text != *replacement) && MentionsAny(text, people)
	}
	args := []any{row.ID}
	var sets, done, replaced []string
	for _, t := range row.Texts {
		if quotes(t.Text, t.Replacement) {
			replaced = append(replaced, t.Text)
			args = append(args, t.Replacement)
			sets = append(sets, fmt.Sprintf("%s = $%d", t.Column, len(args)))
			done = append(done, t.Done)
		}
	}
	var audits []int64
	for i, reason := range row.AuditReasons {
		if quotes(reason, nil) {
			audits = append(audits, row.AuditIDs[i])
		}
	}
	if len(sets) == 0 && len(audits) == 0 {
		return false, nil
	}
	if len(sets) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE `+row.Table+` SET `+strings.Join(sets, ", ")+` WHERE id = $1`, args...); err != nil {
			return false, fmt.Errorf("store.Scrub(%s %s): %w", row.Table, row.ID, err)
		}
		if err := forgetAnswersShowing(ctx, tx, row.ID, replaced); err != nil {
			return false, fmt.Errorf("store.Scrub(%s %s): %w", row.Table, row.ID, err)
		}
	}
	if len(audits) > 0 {
		if err := InErasureMode(ctx, tx, func() error {
			_, err := tx.Exec(ctx, `UPDATE audit_log SET reason = NULL WHERE id = ANY($1)`, audits)
			return err
		}); err != nil {
			return false, fmt.Errorf("store.Scrub(%s %s): blank the audit reasons: %w", row.Table, row.ID, err)
		}
		done = append(done, "audit reasons blanked")
	}
	return true, Audit(ctx, tx, AuditRecord{Operation: op, TargetID: row.ID, Outcome: strings.Join(done, ", ") + ": " + because})
}

// forgetAnswersShowing forgets the answers kept for an Idempotency-Key (Idempotency.Keep) that
// name the row id or show one of texts, as the answer wrote it (gqlgen's string encoding, byte
// for byte), as a deleted contact's do (migration 00043): an answer that showed a blacklist
// entry's reason is not sent again once the reason is scrubbed, also one without the entry's
// id (blacklistContact { reason }). Sent again, the request hears it was carried out. Only a
// scrub that changed a text reads the kept answers.
func forgetAnswersShowing(ctx context.Context, tx pgx.Tx, id string, texts []string) error {
	shown := make([][]byte, len(texts))
	for i, t := range texts {
		var b bytes.Buffer
		graphql.MarshalString(t).MarshalGQL(&b)
		shown[i] = bytes.Trim(b.Bytes(), `"`)
	}
	_, err := tx.Exec(ctx, `UPDATE idempotent_requests SET response = NULL, digest = NULL, contact_ids = '{}'
		WHERE contact_ids && ARRAY[$1::uuid] OR response IS NOT NULL AND EXISTS (
			SELECT FROM unnest($2::bytea[]) t WHERE position(t IN response) > 0)`, id, shown)
	if err != nil {
		return fmt.Errorf("forget the kept answers showing it: %w", err)
	}
	return nil
}

// MentionsAny says whether text quotes one of people (screening.Mentions).
func MentionsAny(text string, people []screening.Candidate) bool {
	for _, c := range people {
		if _, ok := screening.Mentions(text, c); ok {
			return true
		}
	}
	return false
}

// ScrubbedReason replaces the reason of a blacklist entry that quoted a record which became
// the person's after it was written.
const ScrubbedReason = "(removed: it quoted a record that became the person's later)"

// herEntries selects the blacklist entries of the records $1 with their reasons: restricting
// one of them, or holding the hash of one of their e-mails or phones (a probe of
// blacklist_hashes' primary key per identifier).
const herEntries = `SELECT e.id::text, e.reason FROM blacklist_entries e WHERE e.id IN (
		SELECT h.entry_id FROM contact_emails x JOIN blacklist_hashes h ON h.hash = x.hash WHERE x.contact_id = ANY($1::uuid[])
		UNION SELECT h.entry_id FROM contact_phones x JOIN blacklist_hashes h ON h.hash = x.hash WHERE x.contact_id = ANY($1::uuid[])
		UNION SELECT r.entry_id FROM contact_restrictions r WHERE r.contact_id = ANY($1::uuid[]))
	AND e.reason <> $2 ORDER BY e.id`

// ScrubEntryReasons scrubs (Scrub) the reasons of the person's blacklist entries that quote one
// of her records (person, as PersonOrRecord gives it), after a record joined her or her record
// took an identifier (consent.JoinPerson: a merge, a shared e-mail or phone, an import): a
// reason was checked against her records when it was written (RefuseQuoting), not against one
// that became hers later, and it outlives her on the blacklist and in the audit trail. The
// entry's reason is replaced (ScrubbedReason), the reasons of the audit rows of its adding and
// ending that quote her are blanked, and the change is audited by ids (operation joinPerson:
// the write that joined the record is audited on its own) and announced (BLACKLIST_CHANGED).
// Without an entry it costs one statement.
func ScrubEntryReasons(ctx context.Context, tx pgx.Tx, person []string) error {
	rows, err := tx.Query(ctx, herEntries, person, ScrubbedReason)
	if err != nil {
		return fmt.Errorf("store.ScrubEntryReasons: %w", err)
	}
	var entries []Scrubbed
	at := map[string]int{}
	var id, reason string
	if _, err := pgx.ForEachRow(rows, []any{&id, &reason}, func() error {
		replacement := ScrubbedReason
		at[id] = len(entries)
		entries = append(entries, Scrubbed{Table: "blacklist_entries", ID: id,
			Texts: []ScrubbedText{{Column: "reason", Text: reason, Replacement: &replacement, Done: "reason replaced"}}})
		return nil
	}); err != nil || len(entries) == 0 {
		return err
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	// the audit rows of adding and ending the entries (audit_log_entry_reasons)
	rows, err = tx.Query(ctx, `SELECT target_id, id, reason FROM audit_log WHERE target_id = ANY($1::text[]) AND reason IS NOT NULL
		AND operation IN ('blacklistAdd', 'blacklistContact', 'blacklistRemove') ORDER BY id`, ids)
	if err != nil {
		return fmt.Errorf("store.ScrubEntryReasons: audit rows: %w", err)
	}
	var auditID int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &auditID, &reason}, func() error {
		e := &entries[at[id]]
		e.AuditIDs, e.AuditReasons = append(e.AuditIDs, auditID), append(e.AuditReasons, reason)
		return nil
	}); err != nil {
		return fmt.Errorf("store.ScrubEntryReasons: audit rows: %w", err)
	}
	people, err := records(ctx, tx, person)
	if err != nil {
		return fmt.Errorf("store.ScrubEntryReasons: %w", err)
	}
	because := joinedBecause(person)
	for _, e := range entries {
		did, err := Scrub(ctx, tx, e, people, "joinPerson", because)
		if err != nil {
			return err
		}
		if did {
			if _, err := Emit(ctx, tx, Event{Kind: EventBlacklistChanged, Ref: e.ID, Channel: viewer.Channel(ctx)}); err != nil {
				return fmt.Errorf("store.ScrubEntryReasons: %w", err)
			}
		}
	}
	return nil
}

// records are the person's records (ids) as screening reads them.
func records(ctx context.Context, tx pgx.Tx, person []string) ([]screening.Candidate, error) {
	rows, err := tx.Query(ctx, `SELECT `+ContactColumns+` FROM contacts c WHERE c.id = ANY($1::uuid[])`, person)
	if err != nil {
		return nil, err
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Contact, error) { return ScanContact(r) })
	if err != nil {
		return nil, err
	}
	return screening.ContactCandidates(cs), nil
}

// joinedBecause is the audit's account of a scrub after records joined the person (ids only).
func joinedBecause(person []string) string {
	return fmt.Sprintf("it quoted a record of the person that became hers after it was written (records %s)", strings.Join(person, ", "))
}

// herRecordReasons selects the reasons audited for the records $1 that were checked against
// the person's records when written (RefuseQuoting): an override's (createContact,
// updateContact and decideImportRow of a record the blacklist matched) and a merge's; read by
// the partial index audit_log_record_reasons, whose predicate this repeats.
const herRecordReasons = `SELECT contact_id::text, id, reason FROM audit_log
	WHERE contact_id = ANY($1::uuid[]) AND reason IS NOT NULL
		AND operation IN ('createContact', 'updateContact', 'decideImportRow', 'mergeContacts')
	ORDER BY contact_id, id`

// ScrubRecordReasons scrubs (Scrub) the override and merge reasons audited for the person's
// records (person, as PersonOrRecord gives it) that quote one of them, after a record joined
// her or her record took an identifier (consent.JoinPerson), as ScrubEntryReasons does her
// entries' reasons: such a reason was checked against her records when it was written
// (RefuseQuoting), not against one that became hers later. The reasons are blanked and each
// record whose audit rows lost one is audited by ids (operation joinPerson). Without such a
// reason it costs one statement.
func ScrubRecordReasons(ctx context.Context, tx pgx.Tx, person []string) error {
	rows, err := tx.Query(ctx, herRecordReasons, person)
	if err != nil {
		return fmt.Errorf("store.ScrubRecordReasons: %w", err)
	}
	var audited []Scrubbed
	var (
		id      string
		auditID int64
		reason  string
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &auditID, &reason}, func() error {
		if n := len(audited); n == 0 || audited[n-1].ID != id {
			audited = append(audited, Scrubbed{Table: "contacts", ID: id})
		}
		o := &audited[len(audited)-1]
		o.AuditIDs, o.AuditReasons = append(o.AuditIDs, auditID), append(o.AuditReasons, reason)
		return nil
	}); err != nil || len(audited) == 0 {
		if err != nil {
			return fmt.Errorf("store.ScrubRecordReasons: %w", err)
		}
		return nil
	}
	people, err := records(ctx, tx, person)
	if err != nil {
		return fmt.Errorf("store.ScrubRecordReasons: %w", err)
	}
	because := joinedBecause(person)
	for _, o := range audited {
		if _, err := Scrub(ctx, tx, o, people, "joinPerson", because); err != nil {
			return err
		}
	}
	return nil
}
