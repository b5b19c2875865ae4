package app

import (
	"context"
	"strings"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// ConsentForm is the grant dialog as the user filled it: every field of ConsentInput.
type ConsentForm struct {
	PurposeKey string
	Source     string
	Evidence   string
	// GivenAt is when the person gave the consent, as typed ("3.5.2026", "3.5.2026 14:30",
	// "2026-05-03"); empty means now, when it is recorded.
	GivenAt string
	// TextVersion is the consent text version the person saw; 0 for none named.
	TextVersion int
}

// GrantConsent records a consent with everything the dialog holds, after checking it.
func GrantConsent(ctx context.Context, b Backend, contactID string, f ConsentForm, now time.Time) (api.ConsentFields, error) {
	source, evidence := strings.TrimSpace(f.Source), strings.TrimSpace(f.Evidence)
	switch {
	case f.PurposeKey == "":
		return api.ConsentFields{}, ErrMissing{"purpose"}
	case source == "":
		return api.ConsentFields{}, ErrMissing{"source"}
	}
	givenAt, err := ParseGivenAt(f.GivenAt, now)
	if err != nil {
		return api.ConsentFields{}, err
	}
	in := api.ConsentInput{ContactId: contactID, PurposeKey: f.PurposeKey, Source: source, GivenAt: givenAt}
	if evidence != "" {
		in.Evidence = &evidence
	}
	if f.TextVersion > 0 {
		v := f.TextVersion
		in.ConsentTextVersion = &v
	}
	return b.RecordConsent(ctx, in)
}

// TextChoice is one consent text version as the dialog offers it.
type TextChoice struct {
	Version int
	Label   string // "Fassung 2 vom 3. Mai 2026: Ich möchte den Newsletter …"
}

// TextChoices lists a purpose's consent text versions, newest first (the one usually shown
// to people today), each labelled with its date and the start of its text.
func TextChoices(p api.PurposeWithTexts, loc Localizer) []TextChoice {
	var out []TextChoice
	for i := len(p.ConsentTexts) - 1; i >= 0; i-- {
		ct := p.ConsentTexts[i]
		text := []rune(strings.Join(strings.Fields(ct.Text), " "))
		if len(text) > 60 {
			text = append(text[:59], '…')
		}
		out = append(out, TextChoice{Version: ct.Version, Label: loc.T("consents.text.version",
			map[string]any{"Version": ct.Version, "Date": loc.Date(ct.CreatedAt), "Text": string(text)})})
	}
	return out
}
