package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

// ConsentRow is one purpose of a contact in the consents view: its consent, if any.
type ConsentRow struct {
	Purpose api.PurposeFields
	Consent *api.ConsentFields
}

// ConsentRows lists every purpose with the contact's consent for it (nil when none was ever
// recorded), sorted by purpose name.
func ConsentRows(purposes []api.PurposeFields, consents []api.ConsentFields) []ConsentRow {
	byKey := map[string]*api.ConsentFields{}
	for i := range consents {
		byKey[consents[i].Purpose.Key] = &consents[i]
	}
	rows := make([]ConsentRow, 0, len(purposes))
	seen := map[string]bool{}
	for _, p := range purposes {
		rows = append(rows, ConsentRow{Purpose: p, Consent: byKey[p.Key]})
		seen[p.Key] = true
	}
	for i := range consents {
		if !seen[consents[i].Purpose.Key] {
			rows = append(rows, ConsentRow{Purpose: consents[i].Purpose, Consent: &consents[i]})
		}
	}
	slices.SortStableFunc(rows, func(a, b ConsentRow) int { return i18n.Compare(a.Purpose.Name, b.Purpose.Name) })
	return rows
}

// Consent sources offered in the grant dialog; the field also takes free text.
var ConsentSources = []string{"web form", "phone", "fair", "letter", "e-mail", "in person"}

// Revocation channels offered in the revoke dialog. The server takes a short token
// ([a-z0-9-]{1,40}); Revoke turns what staff type ("In Person") into one.
var RevocationChannels = []string{"phone", "letter", "e-mail", "in-person"}

// knownChannels are the sources and channels the app and the server write as tokens; each has
// a text "channel.<token>" in every language.
var knownChannels = map[string]bool{"phone": true, "letter": true, "e-mail": true, "in-person": true, "web-form": true,
	"fair": true, "unsubscribe-link": true, "double-opt-in": true, "api": true, "due-soon": true, "overdue": true}

// ChannelText is how a consent's source or a revocation's channel reads: a known token
// ("letter", "web form", "unsubscribe-link") in the user's language, anything else as typed.
func ChannelText(s string, loc Localizer) string {
	if tok := ChannelToken(s); knownChannels[tok] {
		return loc.T("channel."+tok, nil)
	}
	return s
}

// ChannelFromText undoes ChannelText for what staff pick or type in a dialog: one of the
// offered texts ("Brief") gives its value ("letter"), anything else stays as typed.
func ChannelFromText(text string, offered []string, loc Localizer) string {
	for _, v := range offered {
		if strings.EqualFold(strings.TrimSpace(text), ChannelText(v, loc)) {
			return v
		}
	}
	return text
}

// ErrMissing names a required field left empty.
type ErrMissing struct{ Field string }

func (e ErrMissing) Error() string { return e.Field + " is required" }

// Grant records a consent after checking the required fields.
func Grant(ctx context.Context, b Backend, contactID, purposeKey, source, evidence string) (api.ConsentFields, error) {
	source, evidence = strings.TrimSpace(source), strings.TrimSpace(evidence)
	switch {
	case purposeKey == "":
		return api.ConsentFields{}, ErrMissing{"purpose"}
	case source == "":
		return api.ConsentFields{}, ErrMissing{"source"}
	}
	in := api.ConsentInput{ContactId: contactID, PurposeKey: purposeKey, Source: source}
	if evidence != "" {
		in.Evidence = &evidence
	}
	return b.RecordConsent(ctx, in)
}

// Revoke records a revocation through the channel the person used.
func Revoke(ctx context.Context, b Backend, contactID, purposeKey, channel string) (api.ConsentFields, error) {
	channel = ChannelToken(channel)
	if channel == "" {
		return api.ConsentFields{}, ErrMissing{"channel"}
	}
	if purposeKey == "" {
		return api.ConsentFields{}, errors.New("no purpose chosen")
	}
	return b.RevokeConsent(ctx, api.RevocationInput{ContactId: contactID, PurposeKey: purposeKey, Channel: channel})
}

// ChannelToken writes a typed channel as the server's token: trimmed, lower-case, each run of
// spaces or underscores one hyphen ("In Person" → "in-person"). Other characters stay, and the
// server refuses them with CHANNEL_FORMAT.
func ChannelToken(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '_' || r == '\t' }), "-")
}
