package consent

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// subjectAccess is the Art. 15 export: everything stored about one person — the record asked
// about, and the person's other records (DESIGN rule 8: the live records sharing a normalised
// e-mail or phone with it, transitively; store.SamePerson), which departments entered apart.
type subjectAccess struct {
	ExportedAt time.Time `json:"exportedAt"`
	// AskedFor is the id the request named when that record was merged into the one exported.
	AskedFor string `json:"askedFor,omitempty"`
	subjectRecord
	OtherRecords []subjectRecord `json:"otherRecords"`
	// OtherRecordsNote says why other records are missing (identifiers shared far beyond one
	// person, such as an office's switchboard number).
	OtherRecordsNote string           `json:"otherRecordsNote,omitempty"`
	Purposes         []*model.Purpose `json:"purposes"`
}

// subjectRecord is what is stored about one record of the person.
type subjectRecord struct {
	Contact *model.Contact `json:"contact"`
	Lists   []exportList   `json:"lists"`
	// LeftLists are the lists she left through their unsubscribe link, and when (kept so that
	// staff put her back only with a reason, and a record that joins her leaves them too).
	LeftLists     []exportLeftList `json:"leftLists"`
	Consents      []exportConsent  `json:"consents"`
	ConsentLedger []exportEvent    `json:"consentLedger"`
	AuditLog      []exportAudit    `json:"auditLog"`
	// SignUps are the sign-ups of the record's e-mails not confirmed yet: what the web form
	// sent, kept until she confirms or the link expires (a confirmed one lives on in the ledger).
	SignUps []exportSignUp `json:"signUps"`
	// Requests are the data-subject requests filed for the record, with the notes staff wrote.
	Requests []exportRequest `json:"requests"`
	// BlockedBy are the active blacklist entries that block the record (her objection or
	// restriction, or an identifier of an erased person): it gets nothing while one holds.
	BlockedBy []store.BlockingEntry `json:"blockedBy"`
	// HeldImportRows are rows of import files that wait for staff's decision because they
	// matched the blacklist, and are hers (store.HeldOf: they hold one of the record's e-mails
	// or phones, matched her objection or restriction by an e-mail of hers no longer on the
	// record, or hold her name with the record's postal address and no e-mail or phone of
	// someone else's record): what the file said of her, kept until staff accept or drop the row.
	HeldImportRows []exportHeldRow `json:"heldImportRows"`
}

type exportHeldRow struct {
	ImportJobID  string    `json:"importJobId"`
	FileName     string    `json:"fileName"`
	ImportedAt   time.Time `json:"importedAt"`
	Line         int       `json:"line"`
	MatchedBy    string    `json:"matchedBy"`
	Email        string    `json:"email"`
	Phone        string    `json:"phone"`
	GivenName    string    `json:"givenName"`
	FamilyName   string    `json:"familyName"`
	Organization *string   `json:"organization"`
	Street       *string   `json:"street"`
	PostalCode   *string   `json:"postalCode"`
	City         *string   `json:"city"`
	Country      *string   `json:"country"`
}

type exportSignUp struct {
	Email       string    `json:"email"`
	GivenName   *string   `json:"givenName"`
	FamilyName  *string   `json:"familyName"`
	Status      string    `json:"status"`
	PurposeKey  string    `json:"purposeKey"`
	ListKey     *string   `json:"listKey"`
	TextVersion *int      `json:"consentTextVersion,omitempty"`
	Source      string    `json:"source"`
	SignedUpAt  time.Time `json:"signedUpAt"`
	IP          *string   `json:"ip"`
	UserAgent   *string   `json:"userAgent"`
	RecordedBy  string    `json:"recordedBy"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

type exportRequest struct {
	ID              string     `json:"id"`
	Kind            string     `json:"kind"`
	Status          string     `json:"status"`
	ReceivedAt      time.Time  `json:"receivedAt"`
	DueAt           time.Time  `json:"dueAt"`
	ExtendedTo      *time.Time `json:"extendedTo"`
	ExtensionReason *string    `json:"extensionReason"`
	Channel         string     `json:"channel"`
	Note            *string    `json:"note"`
	ClosedAt        *time.Time `json:"closedAt"`
	Outcome         *string    `json:"outcome"`
	HandedOverAt    *time.Time `json:"handedOverAt"`
}

type exportList struct {
	ID         string    `json:"id"`
	Key        string    `json:"key"`
	Name       string    `json:"name"`
	PurposeKey string    `json:"purposeKey"`
	AddedAt    time.Time `json:"addedAt"`
}

type exportLeftList struct {
	ID         string    `json:"id"`
	Key        string    `json:"key"`
	Name       string    `json:"name"`
	PurposeKey string    `json:"purposeKey"`
	LeftAt     time.Time `json:"leftAt"`
}

type exportConsent struct {
	PurposeKey string     `json:"purposeKey"`
	Status     string     `json:"status"`
	GrantedAt  *time.Time `json:"grantedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
}

type exportEvent struct {
	At                 time.Time  `json:"at"`
	GivenAt            *time.Time `json:"givenAt,omitempty"`
	PurposeKey         string     `json:"purposeKey"`
	Status             string     `json:"status"`
	Source             string     `json:"source"`
	Evidence           *string    `json:"evidence"`
	RecordedBy         string     `json:"recordedBy"`
	ConsentTextVersion *int       `json:"consentTextVersion,omitempty"`
	ConsentText        *string    `json:"consentText,omitempty"`
}

type exportAudit struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Operation string    `json:"operation"`
	TargetID  *string   `json:"targetId"`
	Outcome   string    `json:"outcome"`
	Reason    *string   `json:"reason"`
}

// SubjectAccessExport returns everything stored about the person as pretty-printed JSON
// (Art. 15 GDPR): the contact with identifiers and address, list memberships, consents and
// the whole ledger, the audit entries about them, the sign-ups of its addresses not confirmed
// yet, the data-subject requests filed for it, the blacklist entries that block it, the rows
// of import files held for a decision that are hers (with the file's name: where the data
// came from, Art. 15(1)(g)), the same for each of the person's other records (otherRecords),
// and the purposes referred to. The id of a merged record answers for the record it went into
// (askedFor names it). The export itself is audited.
func (s *Service) SubjectAccessExport(ctx context.Context, contactID string, keep []string) (string, error) {
	if err := store.CheckID("contactId", contactID); err != nil {
		return "", err
	}
	if err := staffOnly(ctx, "a person's data export"); err != nil {
		return "", err
	}
	var out []byte
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		// a merged record's id (the one her request quotes) answers for the record it went into
		id, err := store.Survivor(ctx, tx, contactID)
		if err != nil {
			return err
		}
		doc, err := collectSubject(ctx, tx, id, keep)
		if err != nil {
			return err
		}
		if id != contactID {
			doc.AskedFor = contactID
		}
		if out, err = json.MarshalIndent(doc, "", "  "); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "subjectAccessExport", TargetID: contactID, ContactID: id, Outcome: "ok"})
	})
	if err != nil {
		return "", fmt.Errorf("consent.SubjectAccessExport(%s): %w", contactID, err)
	}
	return string(out), nil
}

func collectSubject(ctx context.Context, tx pgx.Tx, id string, keep []string) (*subjectAccess, error) {
	if err := store.CheckIDs("keep", keep); err != nil {
		return nil, err
	}
	named, err := collectRecord(ctx, tx, id, keep)
	if err != nil {
		return nil, err
	}
	doc := &subjectAccess{ExportedAt: time.Now().UTC(), subjectRecord: *named, OtherRecords: []subjectRecord{}}
	person, whole, err := store.PersonOrRecord(ctx, tx, id, keep)
	if err != nil {
		return nil, fmt.Errorf("the person's records: %w", err)
	}
	if !whole {
		doc.OtherRecordsNote = fmt.Sprintf("more than %d records share e-mails or phones with this one, so they are not "+
			"taken for one person's; export the records that are this person's one by one", store.MaxPersonRecords)
	}
	for _, other := range person[1:] {
		r, err := collectRecord(ctx, tx, other, keep)
		if err != nil {
			return nil, err
		}
		doc.OtherRecords = append(doc.OtherRecords, *r)
	}
	rows, err := tx.Query(ctx, `SELECT `+purposeColumns+` FROM purposes p WHERE p.id IN (
			SELECT purpose_id FROM consent_events WHERE contact_id = ANY($1::uuid[])
			UNION SELECT l.purpose_id FROM list_members m JOIN distribution_lists l ON l.id = m.list_id WHERE m.contact_id = ANY($1::uuid[]))
		ORDER BY p.key`, person)
	if err != nil {
		return nil, fmt.Errorf("purposes: %w", err)
	}
	if doc.Purposes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Purpose, error) { return scanPurpose(r) }); err != nil {
		return nil, fmt.Errorf("purposes: %w", err)
	}
	if doc.Purposes == nil {
		doc.Purposes = []*model.Purpose{}
	}
	return doc, nil
}

// collectRecord is what is stored about the record id; keep names records that are someone else.
func collectRecord(ctx context.Context, tx pgx.Tx, id string, keep []string) (*subjectRecord, error) {
	c, err := getContact(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	doc := &subjectRecord{Contact: c}
	if doc.Lists, err = collect(ctx, tx, `SELECT l.id, l.key, l.name, p.key, m.added_at
		FROM list_members m JOIN distribution_lists l ON l.id = m.list_id JOIN purposes p ON p.id = l.purpose_id
		WHERE m.contact_id = $1 ORDER BY l.key`, id, func(r pgx.Row, l *exportList) error {
		return r.Scan(&l.ID, &l.Key, &l.Name, &l.PurposeKey, &l.AddedAt)
	}); err != nil {
		return nil, fmt.Errorf("lists: %w", err)
	}
	if doc.LeftLists, err = collect(ctx, tx, `SELECT l.id, l.key, l.name, p.key, d.left_at
		FROM list_departures d JOIN distribution_lists l ON l.id = d.list_id JOIN purposes p ON p.id = l.purpose_id
		WHERE d.contact_id = $1 ORDER BY l.key`, id, func(r pgx.Row, l *exportLeftList) error {
		return r.Scan(&l.ID, &l.Key, &l.Name, &l.PurposeKey, &l.LeftAt)
	}); err != nil {
		return nil, fmt.Errorf("lists left: %w", err)
	}
	if doc.Consents, err = collect(ctx, tx, `SELECT p.key, s.status, s.granted_at, s.revoked_at
		FROM consent_state s JOIN purposes p ON p.id = s.purpose_id WHERE s.contact_id = $1 ORDER BY p.key`, id,
		func(r pgx.Row, c *exportConsent) error {
			return r.Scan(&c.PurposeKey, &c.Status, &c.GrantedAt, &c.RevokedAt)
		}); err != nil {
		return nil, fmt.Errorf("consents: %w", err)
	}
	if doc.ConsentLedger, err = collect(ctx, tx, `SELECT e.at, e.given_at, p.key, e.status, e.source, e.evidence, e.recorded_by,
			e.consent_text_version, t.text`+eventFrom+` JOIN purposes p ON p.id = e.purpose_id WHERE e.contact_id = $1 ORDER BY e.id`, id,
		func(r pgx.Row, e *exportEvent) error {
			return r.Scan(&e.At, &e.GivenAt, &e.PurposeKey, &e.Status, &e.Source, &e.Evidence, &e.RecordedBy, &e.ConsentTextVersion, &e.ConsentText)
		}); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	if doc.AuditLog, err = collect(ctx, tx, `SELECT at, actor_name, operation, target_id, outcome, reason
		FROM audit_log WHERE contact_id = $1 ORDER BY id`, id, func(r pgx.Row, a *exportAudit) error {
		return r.Scan(&a.At, &a.Actor, &a.Operation, &a.TargetID, &a.Outcome, &a.Reason)
	}); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if doc.SignUps, err = collect(ctx, tx, `SELECT s.email, s.given_name, s.family_name, p.key, l.key, s.consent_text_version, s.source,
			s.signed_up_at, s.signed_up_ip, s.signed_up_user_agent, s.recorded_by, s.expires_at
		FROM sign_ups s JOIN purposes p ON p.id = s.purpose_id LEFT JOIN distribution_lists l ON l.id = s.list_id
		WHERE s.confirmed_at IS NULL AND s.email_normalized IN (SELECT normalized FROM contact_emails WHERE contact_id = $1)
		ORDER BY s.signed_up_at, s.id`, id, func(r pgx.Row, u *exportSignUp) error {
		u.Status = string(model.SignUpStatusPending)
		return r.Scan(&u.Email, &u.GivenName, &u.FamilyName, &u.PurposeKey, &u.ListKey, &u.TextVersion, &u.Source,
			&u.SignedUpAt, &u.IP, &u.UserAgent, &u.RecordedBy, &u.ExpiresAt)
	}); err != nil {
		return nil, fmt.Errorf("sign-ups: %w", err)
	}
	if doc.Requests, err = collect(ctx, tx, `SELECT id, kind, status, received_at, due_at, extended_to, extension_reason,
			channel, note, closed_at, outcome, handed_over_at
		FROM data_subject_requests WHERE contact_id = $1 ORDER BY received_at, id`, id, func(r pgx.Row, q *exportRequest) error {
		return r.Scan(&q.ID, &q.Kind, &q.Status, &q.ReceivedAt, &q.DueAt, &q.ExtendedTo, &q.ExtensionReason,
			&q.Channel, &q.Note, &q.ClosedAt, &q.Outcome, &q.HandedOverAt)
	}); err != nil {
		return nil, fmt.Errorf("requests: %w", err)
	}
	if doc.BlockedBy, err = store.EntriesBlocking(ctx, tx, id); err != nil {
		return nil, err
	}
	if doc.BlockedBy == nil {
		doc.BlockedBy = []store.BlockingEntry{}
	}
	held, err := store.HeldOf(ctx, tx, []string{id}, keep)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT h.job_id, j.file_name, j.created_at, h.line, h.field, h.raw_email, h.raw_phone,
			h.given_name, h.family_name, h.organization, h.street, h.postal_code, h.city, h.country
		FROM import_held h JOIN import_jobs j ON j.id = h.job_id
		WHERE `+store.HeldWhere+` ORDER BY j.created_at, h.job_id, h.line`, held.Args()...)
	if err != nil {
		return nil, fmt.Errorf("held import rows: %w", err)
	}
	doc.HeldImportRows = []exportHeldRow{}
	if err := scanEach(rows, func(r pgx.Row) error {
		var h exportHeldRow
		err := r.Scan(&h.ImportJobID, &h.FileName, &h.ImportedAt, &h.Line, &h.MatchedBy, &h.Email, &h.Phone,
			&h.GivenName, &h.FamilyName, &h.Organization, &h.Street, &h.PostalCode, &h.City, &h.Country)
		doc.HeldImportRows = append(doc.HeldImportRows, h)
		return err
	}); err != nil {
		return nil, fmt.Errorf("held import rows: %w", err)
	}
	return doc, nil
}

// collect runs a query with one argument and scans every row into a new T (never nil).
func collect[T any](ctx context.Context, q store.Querier, sql string, arg any, scan func(pgx.Row, *T) error) ([]T, error) {
	rows, err := q.Query(ctx, sql, arg)
	if err != nil {
		return nil, err
	}
	out := []T{}
	err = scanEach(rows, func(r pgx.Row) error {
		var v T
		if err := scan(r, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}
