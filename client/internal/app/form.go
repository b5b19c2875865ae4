package app

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/vermerk/vermerk/client/internal/api"
)

// ContactForm is the text of the contact form, field by field, as the user typed it.
// E-mails and phones take several values separated by commas or new lines.
type ContactForm struct {
	ID           string // empty for a new contact
	GivenName    string
	FamilyName   string
	Organization string
	Emails       string
	Phones       string
	Street       string
	PostalCode   string
	City         string
	Country      string
	// HadAddress: the stored contact has an address (the contract cannot clear one).
	HadAddress bool
}

// FormFromContact fills the form with a stored contact, for editing.
func FormFromContact(c api.ContactDetail) ContactForm {
	f := ContactForm{
		ID:         c.Id,
		GivenName:  c.GivenName,
		FamilyName: c.FamilyName,
		Emails:     strings.Join(c.Emails, ", "),
		Phones:     strings.Join(c.Phones, ", "),
	}
	if c.Organization != nil {
		f.Organization = *c.Organization
	}
	if a := c.Address; a != nil {
		f.Street, f.PostalCode, f.City, f.Country = a.Street, a.PostalCode, a.City, a.Country
		f.HadAddress = true
	}
	return f
}

// Input is the form as a new contact or a screening candidate; empty fields are null.
func (f ContactForm) Input() api.ContactInput {
	in := api.ContactInput{
		GivenName:    opt(f.GivenName),
		FamilyName:   opt(f.FamilyName),
		Organization: opt(f.Organization),
		Emails:       SplitValues(f.Emails),
		Phones:       SplitValues(f.Phones),
	}
	if strings.TrimSpace(f.Street+f.PostalCode+f.City) != "" {
		in.Address = &api.PostalAddressInput{
			Street:     strings.TrimSpace(f.Street),
			PostalCode: strings.TrimSpace(f.PostalCode),
			City:       strings.TrimSpace(f.City),
			Country:    opt(strings.ToUpper(f.Country)),
		}
	}
	return in
}

// UpdateInput is the form as an update. The server keeps a field it gets as null and sets
// one it gets as a value, so every field the form shows is sent: a cleared organisation as
// "", cleared e-mails or phones as []. An address is sent when any of its fields is filled;
// the contract has no way to remove one (Validate refuses clearing it).
func (f ContactForm) UpdateInput() api.ContactInput {
	in := f.Input()
	in.GivenName = ptr(strings.TrimSpace(f.GivenName))
	in.FamilyName = ptr(strings.TrimSpace(f.FamilyName))
	in.Organization = ptr(strings.TrimSpace(f.Organization))
	if in.Emails == nil {
		in.Emails = []string{}
	}
	if in.Phones == nil {
		in.Phones = []string{}
	}
	if in.Address != nil && in.Address.Country == nil {
		// A country left out keeps the stored one on the server; the form shows the country,
		// so a cleared field is sent as "" (the server's default, DE), as the user sees it.
		in.Address.Country = ptr("")
	}
	return in
}

func ptr(s string) *string { return &s }

// Screenable says whether a candidate holds anything the blacklist can match: an e-mail, a
// phone, or a family name with postal code and street.
func Screenable(in api.ContactInput) bool {
	if len(in.Emails) > 0 || len(in.Phones) > 0 {
		return true
	}
	return in.FamilyName != nil && in.Address != nil && in.Address.Street != "" && in.Address.PostalCode != ""
}

// FieldError names the form field that is wrong and what to do about it.
type FieldError struct {
	Field string // the ContactForm field name
	Key   string // translation key
	Value string
}

func (e FieldError) Error() string { return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Key) }

// Validate catches what the user can fix before asking the server.
func (f ContactForm) Validate() []FieldError {
	var errs []FieldError
	if strings.TrimSpace(f.FamilyName) == "" && strings.TrimSpace(f.Organization) == "" {
		errs = append(errs, FieldError{Field: "FamilyName", Key: "form.error.name"})
	}
	if f.ID != "" && f.HadAddress && strings.TrimSpace(f.Street+f.PostalCode+f.City+f.Country) == "" {
		errs = append(errs, FieldError{Field: "Street", Key: "form.error.address.clear"})
	}
	for _, e := range SplitValues(f.Emails) {
		if _, err := mail.ParseAddress(e); err != nil || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
			errs = append(errs, FieldError{Field: "Emails", Key: "form.error.email", Value: e})
		}
	}
	return errs
}

// SplitValues splits "a@x.de, b@y.de" or one value per line into trimmed, non-empty values.
func SplitValues(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// PastedValues is text pasted into a field of several values (e-mails, phones): one value a
// line (or a tab-separated cell, copied from a spreadsheet) becomes one value of a
// comma-separated list, blank lines dropped, so that a single-line field, which would make
// each line break a space, keeps them apart. Text of one line is returned as it is.
func PastedValues(text string) string {
	if !strings.ContainsFunc(text, isValueBreak) {
		return text
	}
	var values []string
	for _, v := range strings.FieldsFunc(text, isValueBreak) {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	return strings.Join(values, ", ")
}

func isValueBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\t', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

func opt(s string) *string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return &s
}

// ErrReasonRequired: adding a blacklisted person anyway needs a written reason.
var ErrReasonRequired = errors.New("a written reason is required to add a blacklisted person anyway")

// SaveResult is what a save did: Saved is set when the contact was written; Refused when a
// blocking blacklist match stopped it (ask for a reason, then save again with it).
type SaveResult struct {
	Saved      *api.ContactDetail
	Refused    bool
	Screening  api.ScreeningFields
	Duplicates []api.ContactSummary
}

// Override is the user's decision to save although the blacklist matches: her written reason
// and the screening she was shown (the refused save's), whose entries the override covers. An
// entry that matches by e-mail or phone when it is sent, and was not shown, refuses the save
// again with the screening (SaveResult.Refused): a new match needs a new decision.
type Override struct {
	Reason string
	Shown  api.ScreeningFields
}

// Save creates or updates the contact. override is nil on the first try; after a refusal it
// carries the user's written reason and what the refusal showed her.
func Save(ctx context.Context, b Backend, f ContactForm, override *Override) (SaveResult, error) {
	var o *api.OverrideInput
	if override != nil {
		reason := strings.TrimSpace(override.Reason)
		if reason == "" {
			return SaveResult{}, ErrReasonRequired
		}
		o = &api.OverrideInput{Reason: reason, EntryIds: []string{}}
		for _, m := range override.Shown.Matches {
			o.EntryIds = append(o.EntryIds, m.Entry.Id)
		}
	}
	var p api.ContactPayloadFields
	var err error
	if f.ID == "" {
		p, err = b.CreateContact(ctx, f.Input(), o)
	} else {
		p, err = b.UpdateContact(ctx, f.ID, f.UpdateInput(), o)
	}
	if err != nil {
		return SaveResult{}, err
	}
	return SaveResult{Saved: p.Contact, Refused: p.Contact == nil, Screening: p.Screening, Duplicates: p.Duplicates}, nil
}

// DisplayName is how a contact is named in lists and titles.
func DisplayName(c api.ContactSummary) string {
	name := strings.TrimSpace(c.GivenName + " " + c.FamilyName)
	if c.Organization != nil && *c.Organization != "" {
		if name == "" {
			return *c.Organization
		}
		return name + " (" + *c.Organization + ")"
	}
	return name
}
