package signup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/contacts"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Channel is the outbox channel and audit actor of what a confirmation writes.
const Channel = "double-opt-in"

// Confirmer is who the audit trail names for a confirmation: the person, through the link.
const Confirmer = "confirmed by the person"

// State is what a confirm link leads to.
type State int

const (
	StateUnknown       State = iota // no such sign-up: never made, expired and deleted, or its contact erased
	StatePending                    // waiting for the person
	StateConfirmed                  // confirmed before
	StateExpired                    // too late: the sign-up is deleted now
	StateJustConfirmed              // confirmed by this request
)

// View is what the confirm page shows: never more of the person than the masked address.
type View struct {
	State       State
	MaskedEmail string
	Purpose     string // the purpose's name
	List        string // the list's name, if one was named
	ConsentText string // the text the person agrees to, if one was named
}

// Step is one step of the double opt-in as the evidence records it.
type Step struct {
	At        time.Time `json:"at"`
	IP        *string   `json:"ip,omitempty"`
	UserAgent *string   `json:"userAgent,omitempty"`
	Source    string    `json:"source,omitempty"`
	By        string    `json:"by,omitempty"`
}

// Evidence is the consent's evidence: both steps of the double opt-in (JSON in the ledger).
type Evidence struct {
	Method       string `json:"method"` // "double-opt-in"
	SignUpID     string `json:"signUpId"`
	SignUp       Step   `json:"signUp"`
	Confirmation Step   `json:"confirmation"`
}

// pending is a sign-up row as confirmation reads it.
type pending struct {
	id, purposeID, source, recordedBy, tokenID string
	listID, email, normalized                  *string
	givenName, familyName                      *string
	textVersion                                *int
	signedUpAt, expiresAt                      time.Time
	confirmedAt                                *time.Time
	ip, userAgent                              *string
}

const pendingColumns = `id, purpose_id, source, recorded_by, recorded_by_token, list_id, email, email_normalized,
	given_name, family_name, consent_text_version, signed_up_at, expires_at, confirmed_at, signed_up_ip, signed_up_user_agent`

func scanPending(row pgx.Row) (*pending, error) {
	var p pending
	err := row.Scan(&p.id, &p.purposeID, &p.source, &p.recordedBy, &p.tokenID, &p.listID, &p.email, &p.normalized,
		&p.givenName, &p.familyName, &p.textVersion, &p.signedUpAt, &p.expiresAt, &p.confirmedAt, &p.ip, &p.userAgent)
	return &p, err
}

// View reads what the page for token shows; it changes nothing.
func (s *Service) View(ctx context.Context, token string) (*View, error) {
	id, err := s.parseToken(token)
	if err != nil {
		return &View{State: StateUnknown}, nil
	}
	v := &View{}
	var (
		email      *string
		confirmed  *time.Time
		expires    time.Time
		list, text *string
	)
	err = s.db.Pool.QueryRow(ctx, `SELECT s.email, s.confirmed_at, s.expires_at, p.name, l.name, t.text
		FROM sign_ups s JOIN purposes p ON p.id = s.purpose_id
		LEFT JOIN distribution_lists l ON l.id = s.list_id
		LEFT JOIN consent_texts t ON t.purpose_id = s.purpose_id AND t.version = s.consent_text_version
		WHERE s.id = $1`, id).Scan(&email, &confirmed, &expires, &v.Purpose, &list, &text)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return &View{State: StateUnknown}, nil
	case err != nil:
		return nil, fmt.Errorf("signup.View: %w", err)
	case confirmed != nil:
		v.State = StateConfirmed
	case time.Now().After(expires):
		return &View{State: StateExpired}, nil
	default:
		v.State = StatePending
		v.MaskedEmail = MaskEmail(*email)
	}
	v.List, v.ConsentText = deref(list), deref(text)
	return v, nil
}

// Confirm is the second step: in one transaction the contact is found by normalised e-mail
// or created, put on the list, and granted the consent with the evidence of both steps. A
// repeated confirmation changes nothing; an expired sign-up is deleted. A person on the
// blacklist comes back only this way — by their own confirmation — as an audited re-entry
// that ends the entries their address matched and appears in the admin feed; a restriction
// (Art. 18) stays until an admin lifts it, and her consent is recorded under it.
func (s *Service) Confirm(ctx context.Context, token string, step Step) (State, error) {
	id, err := s.parseToken(token)
	if err != nil {
		return StateUnknown, nil
	}
	ctx = viewer.With(ctx, &viewer.Viewer{TokenID: Channel, Name: Confirmer})
	state := StateUnknown
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		// before any lock: a contact created here joins the person its address is hers of
		if err := consent.JoinTurn(ctx, tx); err != nil {
			return err
		}
		p, err := scanPending(tx.QueryRow(ctx, `SELECT `+pendingColumns+` FROM sign_ups WHERE id = $1 FOR UPDATE`, id))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			state = StateUnknown
			return nil
		case err != nil:
			return err
		case p.confirmedAt != nil:
			state = StateConfirmed
			return nil
		case time.Now().After(p.expiresAt):
			state = StateExpired
			_, err := tx.Exec(ctx, `DELETE FROM sign_ups WHERE id = $1`, id)
			return err
		}
		state = StateJustConfirmed
		return s.confirm(ctx, tx, p, step)
	})
	if err != nil {
		return StateUnknown, fmt.Errorf("signup.Confirm(%s): %w", id, err)
	}
	return state, nil
}

func (s *Service) confirm(ctx context.Context, tx pgx.Tx, p *pending, step Step) error {
	// Confirmations of one address take turns, so two of them never create two contacts.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('signup:' || $1, 0))`, *p.normalized); err != nil {
		return fmt.Errorf("lock address: %w", err)
	}
	scr, err := s.screener.ScreenTx(ctx, tx, screening.Candidate{Emails: []string{*p.email}})
	if err != nil {
		return err
	}
	var entries []string
	for _, m := range scr.Matches {
		if m.Field == model.MatchFieldEmail {
			entries = append(entries, m.Entry.ID)
		}
	}
	contactID, err := findContact(ctx, tx, *p.normalized)
	if err != nil {
		return err
	}
	created := contactID == ""
	if created {
		in := model.ContactInput{GivenName: p.givenName, FamilyName: p.familyName, Emails: []string{*p.email}}
		if deref(p.familyName) == "" {
			// A contact needs a name; a form that asks only for the address gets it as one.
			in.FamilyName = p.email
		}
		if contactID, err = contacts.Insert(ctx, tx, s.screener, in); err != nil {
			return err
		}
		// Staff may be giving her address to a record of hers at this moment (findContact
		// cannot see it yet): the new record waits for them and joins her person — her
		// objection's or restriction's entry, which holds the address then, blocks it too.
		if err := consent.JoinPerson(ctx, tx, contactID); err != nil {
			return err
		}
	}
	rec := store.AuditRecord{Operation: "confirmSignUp", TargetID: p.id, ContactID: contactID, Outcome: "ok: existing contact"}
	if created {
		rec.Outcome = "ok: contact created"
	}
	if len(entries) > 0 {
		ended, restricted, first, blockedAt, err := s.screener.EndForReentry(ctx, tx, entries, *p.normalized, contactID, "re-entry: "+Confirmer+" (double opt-in sign-up "+p.id+")")
		if err != nil {
			return err
		}
		if len(ended) > 0 {
			rec.Outcome = "re-entry: " + Confirmer + " (double opt-in); blacklist entries " + strings.Join(ended, ", ") + " no longer hold her address"
			// She came back for this purpose; what she objected to before stays objected.
			if err := consent.RevokeObjectedGrants(ctx, tx, contactID, restricted, p.purposeID, first, blockedAt, "blacklist-entry"); err != nil {
				return err
			}
			if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventContactReentered, ContactID: contactID,
				PurposeID: p.purposeID, Channel: Channel, Ref: p.id}); err != nil {
				return err
			}
		}
		kept := slices.DeleteFunc(slices.Clone(entries), func(e string) bool { return slices.Contains(ended, e) })
		if len(kept) > 0 {
			// a restriction stays (Art. 18(3)); her consent is recorded all the same (Art. 18(2))
			rec.Outcome += "; restriction entries " + strings.Join(kept, ", ") + " stay until an admin lifts them"
		}
		// A record that also holds an erased identifier she did not confirm (entered again
		// with an override) stays blocked: the confirmation proves her mailbox, not that.
		if still, err := store.BlockedAmong(ctx, tx, []string{contactID}); err != nil {
			return err
		} else if len(still) > 0 && len(kept) == 0 {
			rec.Outcome += "; the contact stays blocked: it holds other identifiers on the blacklist"
		}
	}
	if p.listID != nil {
		if _, err := consent.JoinList(ctx, tx, *p.listID, contactID); err != nil {
			return err
		}
	}
	ev, err := json.Marshal(Evidence{Method: Channel, SignUpID: p.id,
		SignUp:       Step{At: p.signedUpAt.UTC(), IP: p.ip, UserAgent: p.userAgent, Source: p.source, By: p.recordedBy},
		Confirmation: Step{At: step.At.UTC(), IP: step.IP, UserAgent: clipUserAgent(step.UserAgent)}})
	if err != nil {
		return err
	}
	evidence := string(ev)
	if err := consent.AppendGrant(ctx, tx, consent.Grant{ContactID: contactID, PurposeID: p.purposeID, Source: p.source,
		Evidence: &evidence, TextVersion: p.textVersion, RecordedBy: p.recordedBy, TokenID: p.tokenID}); err != nil {
		return err
	}
	// What the row held of the person now lives on in the contact and the ledger only.
	if _, err := tx.Exec(ctx, `UPDATE sign_ups SET confirmed_at = $2, contact_id = $3, email = NULL, email_normalized = NULL,
		given_name = NULL, family_name = NULL, signed_up_ip = NULL, signed_up_user_agent = NULL WHERE id = $1`,
		p.id, step.At, contactID); err != nil {
		return fmt.Errorf("mark confirmed: %w", err)
	}
	return store.Audit(ctx, tx, rec)
}

// findContact is the oldest live contact holding the normalised address, "" when none does.
func findContact(ctx context.Context, tx pgx.Tx, normalized string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT c.id FROM contact_emails e JOIN contacts c ON c.id = e.contact_id
		WHERE e.normalized = $1 ORDER BY c.created_at, c.id LIMIT 1`, normalized).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("find contact: %w", err)
	}
	return id, nil
}

// MaskEmail shows enough of an address for its owner to recognise it and little to anyone
// else: "erika.mustermann@example.com" → "e…n@e…e.com".
func MaskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok {
		return "…"
	}
	name, tld := domain, ""
	if i := strings.LastIndexByte(domain, '.'); i > 0 {
		name, tld = domain[:i], domain[i:]
	}
	return maskPart(local) + "@" + maskPart(name) + tld
}

func maskPart(s string) string {
	r := []rune(s)
	switch {
	case len(r) == 0:
		return ""
	case len(r) <= 3:
		return string(r[0]) + "…"
	}
	return string(r[0]) + "…" + string(r[len(r)-1])
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
