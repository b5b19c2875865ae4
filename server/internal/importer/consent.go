package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/csvfile"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// The consent stage. A row whose consent columns name a purpose records a GRANTED consent with
// source "import" and evidence naming the file, the line and the stated source: for a new
// contact at once; for an existing contact (a duplicate) too, unless the person revoked that
// purpose at or after the stated date or a blacklist entry blocks it; for a held row only once
// it is accepted.

// consentSource is the ledger source of a consent read from an import file.
const consentSource = "import"

// consentClaim is what a row's consent columns state.
type consentClaim struct {
	purposeKey string
	givenAt    *time.Time // nil: the file gives no date
	source     string     // as stated, may be empty
}

// A consent column may say yes or no instead of naming a purpose: yes means the purpose of
// the list the file is imported into.
var (
	yesValues = []string{"ja", "yes", "x", "1", "true", "wahr", "j", "y"}
	noValues  = []string{"nein", "no", "0", "false", "falsch", "n", "-"}
)

// listPurpose stands for the purpose of the import's list until the consent stage knows it.
const listPurpose = "*list"

// consentDateLayouts are the dates a consent column may hold; without a zone they are UTC.
var consentDateLayouts = []string{
	time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	"02.01.2006 15:04:05", "02.01.2006 15:04", "02.01.2006", "2.1.2006",
}

// readConsent reads a row's consent columns; nil when they name no purpose.
func readConsent(row csvfile.Row, now time.Time) (*consentClaim, []problem) {
	key := strings.ToLower(strings.TrimSpace(row.Consent))
	date, source := strings.TrimSpace(row.ConsentDate), strings.TrimSpace(row.ConsentSource)
	if key == "" || slices.Contains(noValues, key) {
		// No purpose, no consent: a "Quelle" (lead source) column of a CRM export alone is no claim.
		return nil, nil
	}
	if slices.Contains(yesValues, key) {
		key = listPurpose
	}
	var problems []problem
	bad := func(code apperr.Reason, field, format string, args ...any) {
		problems = append(problems, problem{line: row.Line, code: code, field: field, msg: fmt.Sprintf(format, args...)})
	}
	c := &consentClaim{purposeKey: key, source: source}
	if utf8.RuneCountInString(source) > screening.MaxText {
		bad(apperr.ReasonTooLong, "consentSource", "the consent source is longer than %d characters", screening.MaxText)
	}
	if date != "" {
		t, ok := parseConsentDate(date)
		// A date without a time that is today where the file was written, in a zone ahead of
		// UTC (at most UTC+14), is today: the consent was given by now.
		if ok && len(date) <= len("02.01.2006") && t.After(now) && t.Sub(now) <= 14*time.Hour {
			t = now
		}
		switch {
		case !ok:
			bad(apperr.ReasonConsentDateInvalid, "consentDate", "consent date %q is no date; write it as 2025-03-31 or 31.03.2025", clip(date))
		default:
			if err := consent.CheckGivenAt("", t, now); err != nil {
				e, _ := apperr.As(err)
				if e != nil && e.Reason == apperr.ReasonGivenAtInFuture {
					bad(apperr.ReasonGivenAtInFuture, "consentDate", "consent date %q lies in the future", clip(date))
				} else {
					bad(apperr.ReasonGivenAtTooOld, "consentDate", "consent date %q lies more than three years back; ask the person for their consent again", clip(date))
				}
			}
			c.givenAt = &t
		}
	}
	return c, problems
}

func parseConsentDate(s string) (time.Time, bool) {
	for _, layout := range consentDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// importEvidence is the evidence of a consent from an import file: the job (importJob(id) has
// its file name, uploader and date) and the line. Not the file name itself: a name such as
// "Kontakte von Erika Testfrau.csv" names a person, her erasure takes it off the job, and the
// ledger, append-only, would keep it in the consents of everyone else in the file.
type importEvidence struct {
	Method       string `json:"method"` // "import"
	Job          string `json:"job"`
	Line         int    `json:"line"`
	StatedSource string `json:"statedSource,omitempty"`
}

// consentJob is what the stage needs of the job.
type consentJob struct {
	id, byID, byName string
	purposes         map[string]string // key → id of the keys the batch names (listPurpose: the list's)
	listPurposeKey   string            // the key of the list's purpose, which a yes names
}

// purposeKey is the key of the purpose a row's consent names, as the uploader knows it.
func (j *consentJob) purposeKey(r *staged) string {
	if r.consent.purposeKey == listPurpose {
		return j.listPurposeKey
	}
	return r.consent.purposeKey
}

func loadConsentJob(ctx context.Context, tx pgx.Tx, jobID string, keys []string) (*consentJob, error) {
	j := &consentJob{id: jobID, purposes: map[string]string{}}
	var listPurposeID, listPurposeKey *string
	if err := tx.QueryRow(ctx, `SELECT j.created_by_id, j.created_by_name, l.purpose_id, p.key
		FROM import_jobs j LEFT JOIN distribution_lists l ON l.id = j.list_id LEFT JOIN purposes p ON p.id = l.purpose_id
		WHERE j.id = $1`, jobID).
		Scan(&j.byID, &j.byName, &listPurposeID, &listPurposeKey); err != nil {
		return nil, fmt.Errorf("consent stage: job: %w", err)
	}
	if listPurposeID != nil {
		j.purposes[listPurpose], j.listPurposeKey = *listPurposeID, *listPurposeKey
	}
	rows, err := tx.Query(ctx, `SELECT key, id FROM purposes WHERE key = ANY($1)`, keys)
	if err != nil {
		return nil, fmt.Errorf("consent stage: purposes: %w", err)
	}
	var k, id string
	if _, err := pgx.ForEachRow(rows, []any{&k, &id}, func() error { j.purposes[k] = id; return nil }); err != nil {
		return nil, fmt.Errorf("consent stage: purposes: %w", err)
	}
	return j, nil
}

func (j *consentJob) evidence(r *staged) string {
	b, _ := json.Marshal(importEvidence{Method: consentSource, Job: j.id, Line: r.line, StatedSource: r.consent.source})
	return string(b)
}

// grant is one consent the stage appends.
type grant struct {
	contactID, purposeID string
	givenAt              *time.Time
	evidence             string
}

// recordConsents runs in the batch's transaction once it holds the blacklist lock (the order
// every writer of consents and erasures takes locks in), before the problems are counted; what
// it cannot record is reported on the row's line.
func recordConsents(ctx context.Context, tx pgx.Tx, jobID string, b *batch) error {
	var keys []string
	add := func(r *staged) {
		if r.consent != nil && !slices.Contains(keys, r.consent.purposeKey) {
			keys = append(keys, r.consent.purposeKey)
		}
	}
	for _, r := range b.ins {
		add(r)
	}
	for _, h := range b.holds {
		add(h.row)
	}
	for _, r := range b.dupConsents {
		add(r)
	}
	if len(keys) == 0 {
		return nil
	}
	j, err := loadConsentJob(ctx, tx, jobID, keys)
	if err != nil {
		return err
	}
	purpose := func(r *staged, what string) (string, bool) {
		id, ok := j.purposes[r.consent.purposeKey]
		switch {
		case !ok && r.consent.purposeKey == listPurpose:
			b.warned = append(b.warned, problem{line: r.line, code: apperr.ReasonImportConsentNoList, field: "consent", msg: what + " without consent: the consent column says yes, but the file is " +
				"imported into no list whose purpose it could mean; name the purpose's key in the column, or import into a list"})
		case !ok:
			b.warned = append(b.warned, problem{line: r.line, code: apperr.ReasonPurposeUnknown, field: "consent", msg: fmt.Sprintf("%s without consent: there is no purpose with key %q; "+
				"create it, or correct the consent column", what, clip(r.consent.purposeKey))})
		}
		return id, ok
	}
	var grants []grant
	for _, r := range b.ins {
		if r.consent == nil {
			continue
		}
		if pid, ok := purpose(r, "imported"); ok {
			grants = append(grants, grant{r.id.String(), pid, r.consent.givenAt, j.evidence(r)})
		}
	}
	for _, h := range b.holds {
		r := h.row
		if r.consent == nil {
			continue
		}
		if pid, ok := purpose(r, "held"); ok {
			if _, err := tx.Exec(ctx, `INSERT INTO import_held_consents (job_id, line, purpose_id, given_at, evidence)
				VALUES ($1, $2, $3, $4, $5)`, jobID, r.line, pid, r.consent.givenAt, j.evidence(r)); err != nil {
				return fmt.Errorf("consent stage: held row: %w", err)
			}
		}
	}
	for _, r := range b.dupConsents {
		pid, ok := purpose(r, "not imported (duplicate), and")
		if !ok {
			continue
		}
		more, err := grantsForExisting(ctx, tx, b, r, pid, j.purposeKey(r), j.evidence(r))
		if err != nil {
			return err
		}
		grants = append(grants, more...)
	}
	if len(grants) == 0 {
		return nil
	}
	contactIDs, purposeIDs, evidence := make([]string, len(grants)), make([]string, len(grants)), make([]string, len(grants))
	givenAt := make([]*time.Time, len(grants))
	for i, g := range grants {
		contactIDs[i], purposeIDs[i], givenAt[i], evidence[i] = g.contactID, g.purposeID, g.givenAt, g.evidence
	}
	if _, err := tx.Exec(ctx, `INSERT INTO consent_events (contact_id, purpose_id, status, source, evidence, given_at, recorded_by, recorded_by_token)
		SELECT c, p, 'GRANTED', $5, e, g, $6, $7 FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[]) AS t(c, p, g, e)`,
		contactIDs, purposeIDs, givenAt, evidence, consentSource, j.byName, j.byID); err != nil {
		return fmt.Errorf("consent stage: %w", err)
	}
	return nil
}

// grantsForExisting are the grants a duplicate row's consent makes for the live contacts that
// hold its e-mails or phones: none when the person revoked the purpose at or after the stated
// date (consent.GrantUndoes; or at all, when the file states no date) — a file never undoes a
// "no" it cannot show came before it — and none for a contact a blacklist entry blocks
// (consent.Blocked). The person is every record the row matches and, through shared
// identifiers, theirs (consent.PersonRevocation): a record entered after the revocation on
// another one is that person too.
func grantsForExisting(ctx context.Context, tx pgx.Tx, b *batch, r *staged, purposeID, purposeKey, evidence string) ([]grant, error) {
	_, emails, phones := r.person() // her later rows of the file (their duplicates) may name her records
	rows, err := tx.Query(ctx, `SELECT c.id::text FROM contacts c WHERE c.id IN (SELECT contact_id FROM contact_emails WHERE normalized = ANY($1::text[])
			UNION SELECT contact_id FROM contact_phones WHERE number = ANY($2::text[]))
		ORDER BY c.id FOR NO KEY UPDATE OF c`, emails, phones)
	if err != nil {
		return nil, fmt.Errorf("consent stage: existing contacts: %w", err)
	}
	matched, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("consent stage: existing contacts: %w", err)
	}
	blocked, err := consent.Blocked(ctx, tx, matched)
	if err != nil {
		return nil, fmt.Errorf("consent stage: %w", err)
	}
	var revokedAt *time.Time
	last, err := consent.PersonRevocation(ctx, tx, matched, purposeID)
	if err != nil {
		return nil, fmt.Errorf("consent stage: %w", err)
	}
	if last != nil {
		revokedAt = &last.At
	}
	now := time.Now() // the grant's recording, as the moment it counts from at the latest
	var out []grant
	for _, id := range matched {
		switch {
		case slices.Contains(blocked, id):
			b.warned = append(b.warned, problem{line: r.line, code: apperr.ReasonContactBlocked, field: "consent", msg: fmt.Sprintf("duplicate of contact %s, whose consent for purpose %q is not recorded: "+
				"a blacklist entry (objection, restriction or erasure) blocks the contact; only the person's own confirmed sign-up brings her back", id, purposeKey)})
		case revokedAt != nil && r.consent.givenAt == nil:
			b.warned = append(b.warned, problem{line: r.line, code: apperr.ReasonImportConsentRevoked, field: "consent", msg: fmt.Sprintf("duplicate of contact %s, whose consent for purpose %q is not recorded: "+
				"the person revoked it on %s and the file gives no consent date", id, purposeKey, revokedAt.UTC().Format(time.DateOnly))})
		case revokedAt != nil && !consent.GrantUndoes(consent.GrantMoment(r.consent.givenAt, now), *revokedAt):
			b.warned = append(b.warned, problem{line: r.line, code: apperr.ReasonImportConsentRevoked, field: "consent", msg: fmt.Sprintf("duplicate of contact %s, whose consent for purpose %q is not recorded: "+
				"the person revoked it on %s, at the same time as or after the consent date in the file", id, purposeKey, revokedAt.UTC().Format(time.DateOnly))})
		default:
			out = append(out, grant{id, purposeID, r.consent.givenAt, evidence})
		}
	}
	return out, nil
}

// recordHeldConsent records the consent a held row stated, once the row is accepted as
// contact contactID — unless the contact is blocked (consent.Blocked), as it is while the entry
// the row matched holds: accepting the row overrides the screening of the record, not the
// person's objection; the job gets a CONTACT_BLOCKED problem for the line instead, and
// recorded says false.
func recordHeldConsent(ctx context.Context, tx pgx.Tx, jobID string, line int, contactID string) (recorded bool, err error) {
	var stated bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM import_held_consents WHERE job_id = $1 AND line = $2)`, jobID, line).Scan(&stated); err != nil {
		return false, fmt.Errorf("held row's consent: %w", err)
	}
	if !stated {
		return true, nil
	}
	blocked, err := consent.Blocked(ctx, tx, []string{contactID})
	if err != nil {
		return false, err
	}
	if len(blocked) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO import_problems (job_id, seq, line, code, field, message)
			SELECT $1, coalesce(max(seq) + 1, 0), $2, $3, 'consent', $4 FROM import_problems WHERE job_id = $1`,
			jobID, line, string(apperr.ReasonContactBlocked), fmt.Sprintf("accepted as contact %s, whose consent is not recorded: "+
				"a blacklist entry (objection, restriction or erasure) blocks the contact; only the person's own confirmed sign-up brings her back", contactID)); err != nil {
			return false, fmt.Errorf("held row's consent: %w", err)
		}
		return false, nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO consent_events (contact_id, purpose_id, status, source, evidence, given_at, recorded_by, recorded_by_token)
		SELECT $3, c.purpose_id, 'GRANTED', $4, c.evidence, c.given_at, j.created_by_name, j.created_by_id
		FROM import_held_consents c JOIN import_jobs j ON j.id = c.job_id WHERE c.job_id = $1 AND c.line = $2`,
		jobID, line, contactID, consentSource)
	if err != nil {
		return false, fmt.Errorf("held row's consent: %w", err)
	}
	return true, nil
}
