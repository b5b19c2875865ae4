package app

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

// PersonActions are the server's operations on one person beyond entering and consents:
// distribution lists, duplicates and merging, blocking, erasure with its preview, the Art. 15
// export, and the consent texts the grant dialog offers.
type PersonActions interface {
	// PutOnList: reason is why a person who left the list is put back ("" for none).
	PutOnList(ctx context.Context, contactID, listKey, reason string) (api.ContactDetail, error)
	RemoveFromList(ctx context.Context, contactID, listKey string) (api.ContactDetail, error)
	ContactPerson(ctx context.Context, id string) (api.ContactPersonInfo, error)
	MergeContacts(ctx context.Context, intoID string, fromIDs []string, reason string) (api.ContactDetail, error)
	// MergedInto is the survivor of a merged record; NOT_FOUND when it was never merged.
	MergedInto(ctx context.Context, id string) (api.ContactDetail, error)
	BlacklistContact(ctx context.Context, contactID, reason string) (api.BlacklistEntryFields, error)
	ErasurePreview(ctx context.Context, id string) (api.ErasurePlanFields, error)
	ErasePerson(ctx context.Context, id, reason string, keep []string) (api.PersonErasure, error)
	SubjectAccessExport(ctx context.Context, contactID string) (string, error)
	PurposesWithTexts(ctx context.Context) ([]api.PurposeWithTexts, error)
	ConsentProofDetails(ctx context.Context, contactID string) ([]api.ProofDetail, error)
	// ConsentProofRecords names the record of each event of the proof (an older server: error).
	ConsentProofRecords(ctx context.Context, contactID string) ([]api.ProofRecord, error)
}

var _ PersonActions = (*api.Client)(nil)

// ListOptions splits the distribution lists into those the contact is on and the others,
// each sorted by name.
func ListOptions(all, on []api.ListFields) (member, other []api.ListFields) {
	isOn := map[string]bool{}
	for _, l := range on {
		isOn[l.Key] = true
		member = append(member, l)
	}
	for _, l := range all {
		if !isOn[l.Key] {
			other = append(other, l)
		}
	}
	byName := func(a, b api.ListFields) int { return i18n.Compare(a.Name, b.Name) }
	slices.SortFunc(member, byName)
	slices.SortFunc(other, byName)
	return member, other
}

// PutOnList puts a contact on a list; a list must be chosen. reason ("" for none) is needed
// when the person left the list through its unsubscribe link: without it the server answers
// LIST_LEFT (LeftTheList), and the user is asked why she is put back.
func PutOnList(ctx context.Context, b Backend, contactID, listKey, reason string) (api.ContactDetail, error) {
	if listKey == "" {
		return api.ContactDetail{}, ErrMissing{"list"}
	}
	return b.PutOnList(ctx, contactID, listKey, strings.TrimSpace(reason))
}

// LeftTheList says whether err is the server's LIST_LEFT: the person left this list through
// its unsubscribe link, and is put back only with a reason.
func LeftTheList(err error) bool {
	return api.HasReason(err, "LIST_LEFT")
}

// TakeOffList takes a contact off a list.
func TakeOffList(ctx context.Context, b Backend, contactID, listKey string) (api.ContactDetail, error) {
	if listKey == "" {
		return api.ContactDetail{}, ErrMissing{"list"}
	}
	return b.RemoveFromList(ctx, contactID, listKey)
}

// Merge merges the chosen duplicates into one record, with a written reason (audited).
func Merge(ctx context.Context, b Backend, intoID string, fromIDs []string, reason string) (api.ContactDetail, error) {
	reason = strings.TrimSpace(reason)
	from := slices.DeleteFunc(slices.Clone(fromIDs), func(id string) bool { return id == intoID || id == "" })
	switch {
	case len(from) == 0:
		return api.ContactDetail{}, ErrMissing{"duplicates"}
	case reason == "":
		return api.ContactDetail{}, ErrMissing{"reason"}
	}
	return b.MergeContacts(ctx, intoID, from, reason)
}

// Block blocks the person and keeps the records (objection, restriction): the server restricts
// every record of the person and puts their identifiers on the blacklist; ADMIN, with a
// written reason.
func Block(ctx context.Context, b Backend, contactID, reason string) (api.BlacklistEntryFields, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return api.BlacklistEntryFields{}, ErrMissing{"reason"}
	}
	return b.BlacklistContact(ctx, contactID, reason)
}

// CompareRow is one line of the side-by-side view of duplicates: a label and each record's
// value; Differs marks the lines where the records disagree.
type CompareRow struct {
	Label   string
	Values  []string
	Differs bool
}

// CompareRecords lays possible duplicates side by side, so staff see what a merge joins.
func CompareRecords(records []api.ContactDetail, loc Localizer) []CompareRow {
	rows := []struct {
		key   string
		value func(c api.ContactDetail) string
	}{
		{"form.givenName", func(c api.ContactDetail) string { return c.GivenName }},
		{"form.familyName", func(c api.ContactDetail) string { return c.FamilyName }},
		{"form.organization", func(c api.ContactDetail) string { return orEmpty(c.Organization) }},
		{"detail.emails", func(c api.ContactDetail) string { return strings.Join(c.Emails, "\n") }},
		{"detail.phones", func(c api.ContactDetail) string { return strings.Join(c.Phones, "\n") }},
		{"detail.address", func(c api.ContactDetail) string {
			if a := c.Address; a != nil {
				return fmt.Sprintf("%s\n%s %s %s", a.Street, a.PostalCode, a.City, a.Country)
			}
			return ""
		}},
		{"detail.lists", func(c api.ContactDetail) string {
			var names []string
			for _, l := range c.Lists {
				names = append(names, l.Name)
			}
			slices.SortFunc(names, i18n.Compare)
			return strings.Join(names, "\n")
		}},
		{"detail.consents", func(c api.ContactDetail) string {
			var out []string
			for _, k := range c.Consents {
				out = append(out, k.Purpose.Name+": "+loc.T("status."+string(k.Status), nil))
			}
			slices.SortFunc(out, i18n.Compare)
			return strings.Join(out, "\n")
		}},
		{"dups.created", func(c api.ContactDetail) string { return loc.Date(c.CreatedAt) }},
	}
	var out []CompareRow
	for _, r := range rows {
		row := CompareRow{Label: loc.T(r.key, nil)}
		for i, c := range records {
			v := r.value(c)
			if v == "" {
				v = "—"
			}
			row.Values = append(row.Values, v)
			if i > 0 && v != row.Values[0] {
				row.Differs = true
			}
		}
		out = append(out, row)
	}
	return out
}

// ErasurePlan is an erasure preview with the records the admin names as someone else.
type ErasurePlan struct {
	Preview api.ErasurePlanFields
	Keep    map[string]bool
}

// Going lists every record the erasure takes: the contact and each record sharing an e-mail
// or phone with it, except those kept.
func (p ErasurePlan) Going() []api.ContactSummary {
	out := []api.ContactSummary{p.Preview.Contact}
	for _, c := range p.Preview.SameIdentifiers {
		if !p.Keep[c.Id] {
			out = append(out, c)
		}
	}
	return out
}

// KeepIDs are the records named as someone else, in the preview's order.
func (p ErasurePlan) KeepIDs() []string {
	var out []string
	for _, c := range p.Preview.SameIdentifiers {
		if p.Keep[c.Id] {
			out = append(out, c.Id)
		}
	}
	return out
}

// ErasePlanned erases the person as planned (ADMIN); the reason is required and audited.
// Sent again after its answer was lost, the erasure was carried out by the first send, whose
// answer the server forgot with the person (ALREADY_CARRIED_OUT): that is done, not a
// failure, and the receipt has no ErasedAt (ErasedEarlier).
func ErasePlanned(ctx context.Context, b Backend, p ErasurePlan, reason string) (api.PersonErasure, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return api.PersonErasure{}, ErrMissing{"reason"}
	}
	r, err := b.ErasePerson(ctx, p.Preview.Contact.Id, reason, p.KeepIDs())
	if AlreadyCarriedOut(err) {
		return api.PersonErasure{ContactId: p.Preview.Contact.Id}, nil
	}
	return r, err
}

// ErasedEarlier says the receipt r is of an erasure carried out by an earlier send whose
// answer was lost: the server keeps nothing of the person to tell when, or what is left.
func ErasedEarlier(r api.PersonErasure) bool { return r.ErasedAt.IsZero() }

var unsafeFileChars = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// ExportFileName is the suggested name of a saved file about one person, e.g.
// "auskunft-erika-mustermann-2026-11-30.json".
func ExportFileName(prefix string, c api.ContactSummary, ext string, now time.Time) string {
	name := strings.ToLower(unsafeFileChars.ReplaceAllString(DisplayName(c), "-"))
	name = strings.Trim(name, "-")
	if name == "" {
		name = "kontakt"
	}
	return fmt.Sprintf("%s-%s-%s.%s", prefix, name, now.Format("2006-01-02"), ext)
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
