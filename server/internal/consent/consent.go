// Package consent keeps processing purposes, distribution lists and the append-only consent
// ledger, and answers the one question that releases mailing addresses: who on this list has
// a granted consent for the list's purpose (recipients). Integrator tokens are bound to
// purposes here: they see and touch nothing outside them.
package consent

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Service implements graph.Consents, plus what the unsubscribe link needs.
type Service struct {
	db *store.DB
}

// New returns the consent service.
func New(db *store.DB) *Service { return &Service{db: db} }

const (
	maxName     = 200  // characters of a purpose or list name, or a source
	maxEvidence = 2000 // characters of consent evidence
)

// keyPattern is the format of purpose and list keys (also a CHECK in the schema).
var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,62}$`)

func checkKey(field, key string) error {
	if !keyPattern.MatchString(key) {
		return apperr.BadInput(field, apperr.ReasonKeyFormat, "key %q must be 2 to 63 characters: a lower-case letter, then lower-case letters, digits, '-' or '_'", apperr.Clip(key))
	}
	return nil
}

// text trims v and checks it is present (unless optional) and not longer than max.
func text(errs *apperr.List, field, what, v string, max int, optional bool) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && !optional:
		*errs = append(*errs, apperr.BadInput(field, apperr.ReasonRequired, "%s is required", what))
	case utf8.RuneCountInString(v) > max:
		*errs = append(*errs, apperr.BadInput(field, apperr.ReasonTooLong, "%s is longer than %d characters", what, max))
	}
	return v
}

// mayUse refuses an integrator acting outside the purposes of its token.
func mayUse(ctx context.Context, purposeKey string) error {
	if v := viewer.From(ctx); v != nil && !v.MayUsePurpose(purposeKey) {
		return apperr.Forbiddenf("this token is not bound to purpose %q; ask an admin for a token that includes it", purposeKey)
	}
	return nil
}

// isIntegrator: the caller's token is bound to purposes (its PurposeKeys limit what it sees).
func isIntegrator(ctx context.Context) (*viewer.Viewer, bool) {
	v := viewer.From(ctx)
	return v, v != nil && v.Role == model.RoleIntegrator
}

// staffOnly refuses integrators the person-wide reads (proof, export); the schema's @hasRole
// does too, this guards callers that are not GraphQL.
func staffOnly(ctx context.Context, what string) error {
	if _, ok := isIntegrator(ctx); ok {
		return apperr.Forbiddenf("integrator tokens may not read %s; use a staff token", what)
	}
	return nil
}

// lockContact makes sure the contact exists and serialises the consent writes of one person
// (and an erasure) until the transaction ends.
func lockContact(ctx context.Context, tx pgx.Tx, id string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM contacts WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.NotFoundf("no contact with id %s", id)
	}
	if err != nil {
		return fmt.Errorf("lock contact: %w", err)
	}
	return nil
}

// refuseBlocked refuses a grant for a contact that recipients leaves out (Blocked): her
// objection, restriction or erasure covers it.
func refuseBlocked(ctx context.Context, tx pgx.Tx, field, contactID string) error {
	blocked, err := Blocked(ctx, tx, []string{contactID})
	if err != nil {
		return err
	}
	if len(blocked) > 0 {
		return apperr.BadInput(field, apperr.ReasonContactBlocked,
			"contact %s is blocked by a blacklist entry (objection, restriction or erasure); no consent is recorded for it: the person comes back only by confirming a sign-up herself, or when an admin ends the entry", contactID)
	}
	return nil
}

// Blocked returns those of the contacts ids that no grant may be recorded for: the ones
// recipients leaves out (contact_blocks, kept equal to vermerk_contact_blocked). Recorded while
// the entry holds, a grant would do nothing; once the person came back herself for another
// purpose (signup's re-entry ends the entry and revokes only the grants older than it), it
// would send her what she objected to. Only her own confirmed sign-up, or an admin ending the
// entry, brings her back. recordConsent and the import's consent stage ask this.
func Blocked(ctx context.Context, q store.Querier, ids []string) ([]string, error) {
	return store.BlockedAmong(ctx, q, ids)
}

// refuseMentions refuses a text that quotes the e-mail, phone or name of the person of
// contact id, on any of their records (store.PersonContacts, screening.RefuseMentions): a
// revocation's channel is written on each of them.
func refuseMentions(ctx context.Context, tx pgx.Tx, field, text, id string) error {
	people, err := store.PersonContacts(ctx, tx, id)
	if err != nil {
		return err
	}
	return screening.RefuseMentions(field, text, screening.ContactCandidates(people)...)
}

// contactExists reports NOT_FOUND for an unknown contact.
func contactExists(ctx context.Context, q store.Querier, id string) error {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $1)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("contact exists: %w", err)
	}
	if !ok {
		return apperr.NotFoundf("no contact with id %s", id)
	}
	return nil
}

func getContact(ctx context.Context, q store.Querier, id string) (*model.Contact, error) {
	c, err := store.ScanContact(q.QueryRow(ctx, `SELECT `+store.ContactColumns+` FROM contacts c WHERE c.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("no contact with id %s", id)
	}
	return c, err
}

// channelToken is the form of a revocation channel: a short token (phone, letter, e-mail,
// unsubscribe-link), never free text, as it goes out in every event and webhook.
var channelToken = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

// channelWords are the words of the channels the docs, the apps and the server itself use, in
// English and German. They name no one, even where a person bears one as her name (Erika Link
// unsubscribing through "unsubscribe-link", Max Brief by "brief").
var channelWords = map[string]bool{
	"phone": true, "letter": true, "e": true, "mail": true, "email": true, "in": true, "person": true,
	"unsubscribe": true, "link": true, "api": true, "staff": true, "web": true, "form": true, "fair": true,
	"double": true, "opt": true, "telefon": true, "anruf": true, "brief": true, "post": true, "fax": true,
	"persoenlich": true, "schriftlich": true, "formular": true, "abmeldung": true, "abmeldelink": true,
}

// channelMayName is what of a channel may name a person: its words other than channelWords.
// Only that is screened for her name (refuseMentions): screening the whole token refused her
// "no" when her name was one of those words, so a revocation was not recorded at all.
func channelMayName(channel string) string {
	var rest []string
	for _, w := range strings.Split(channel, "-") {
		if !channelWords[w] {
			rest = append(rest, w)
		}
	}
	return strings.Join(rest, "-")
}
