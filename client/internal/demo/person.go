package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// The person's operations (app.PersonActions) as the server does them, in memory.

func (b *Backend) find(op, id string) (int, error) {
	i := slices.IndexFunc(b.contacts, func(c api.ContactDetail) bool { return c.Id == id })
	if i < 0 {
		return -1, &api.Error{Op: op, Code: "NOT_FOUND", Message: "contact " + id + " does not exist"}
	}
	return i, nil
}

func (b *Backend) PutOnList(ctx context.Context, contactID, listKey, _ string) (api.ContactDetail, error) {
	return b.changeLists(ctx, "addToList", contactID, listKey, true)
}

func (b *Backend) RemoveFromList(ctx context.Context, contactID, listKey string) (api.ContactDetail, error) {
	return b.changeLists(ctx, "removeFromList", contactID, listKey, false)
}

func (b *Backend) changeLists(ctx context.Context, op, contactID, listKey string, on bool) (api.ContactDetail, error) {
	if err := b.wait(ctx); err != nil {
		return api.ContactDetail{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i, err := b.find(op, contactID)
	if err != nil {
		return api.ContactDetail{}, err
	}
	li := slices.IndexFunc(b.lists, func(l api.ListFields) bool { return l.Key == listKey })
	if li < 0 {
		return api.ContactDetail{}, &api.Error{Op: op, Code: "BAD_USER_INPUT", Reason: "LIST_UNKNOWN", Field: "listKey",
			Message: fmt.Sprintf("no distribution list with key %q", listKey)}
	}
	c := &b.contacts[i]
	c.Lists = slices.DeleteFunc(c.Lists, func(l api.ListFields) bool { return l.Key == listKey })
	if on {
		c.Lists = append(c.Lists, b.lists[li])
	}
	return *c, nil
}

// duplicatesOf: live records sharing a normalised e-mail or phone, or the name-and-address key.
func (b *Backend) duplicatesOf(c api.ContactDetail) []api.ContactDetail {
	var out []api.ContactDetail
	for _, o := range b.contacts {
		if o.Id == c.Id {
			continue
		}
		same := overlap(o.Emails, c.Emails, normEmail) || overlap(o.Phones, c.Phones, normPhone)
		if !same && o.Address != nil && c.Address != nil {
			same = nameAddr(o.GivenName, o.FamilyName, o.Address.PostalCode, o.Address.Street) ==
				nameAddr(c.GivenName, c.FamilyName, c.Address.PostalCode, c.Address.Street)
		}
		if same {
			out = append(out, o)
		}
	}
	return out
}

func (b *Backend) ContactPerson(ctx context.Context, id string) (api.ContactPersonInfo, error) {
	if err := b.wait(ctx); err != nil {
		return api.ContactPersonInfo{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i, err := b.find("contact", id)
	if err != nil {
		return api.ContactPersonInfo{}, err
	}
	c := b.contacts[i]
	s := b.screen(api.ContactInput{Emails: c.Emails, Phones: c.Phones})
	var dups []api.PossibleDuplicate
	for _, d := range b.duplicatesOf(c) {
		dups = append(dups, api.PossibleDuplicate{ContactDetail: d, Blocked: b.screen(api.ContactInput{Emails: d.Emails, Phones: d.Phones}).Blocked})
	}
	return api.ContactPersonInfo{Id: id, Blocked: s.Blocked, PossibleDuplicates: dups}, nil
}

func (b *Backend) MergeContacts(ctx context.Context, intoID string, fromIDs []string, reason string) (api.ContactDetail, error) {
	if err := b.wait(ctx); err != nil {
		return api.ContactDetail{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.merges = append(b.merges, Merge{Into: intoID, From: slices.Clone(fromIDs), Reason: reason})
	into, err := b.find("mergeContacts", intoID)
	if err != nil {
		return api.ContactDetail{}, err
	}
	for _, id := range fromIDs {
		i, err := b.find("mergeContacts", id)
		if err != nil {
			return api.ContactDetail{}, err
		}
		from := b.contacts[i]
		c := &b.contacts[into]
		c.Emails = union(c.Emails, from.Emails, normEmail)
		c.Phones = union(c.Phones, from.Phones, normPhone)
		for _, l := range from.Lists {
			if !slices.ContainsFunc(c.Lists, func(x api.ListFields) bool { return x.Key == l.Key }) {
				c.Lists = append(c.Lists, l)
			}
		}
		for _, cf := range from.Consents {
			for _, e := range cf.History {
				addEvent(c, cf.Purpose, e)
			}
		}
		b.contacts = slices.Delete(b.contacts, i, i+1)
		if i < into {
			into--
		}
		b.events = append(b.events, api.RevocationFields{Cursor: strconv.Itoa(len(b.events) + 1), Kind: api.RevocationKindContactMerged,
			At: time.Now(), ContactId: intoID, Channel: "staff", MergedId: &id})
	}
	return b.contacts[into], nil
}

// MergedInto follows the merges received (a survivor merged later too) to the record id
// lives on in; NOT_FOUND when id was never merged or that record is gone.
func (b *Backend) MergedInto(ctx context.Context, id string) (api.ContactDetail, error) {
	if err := b.wait(ctx); err != nil {
		return api.ContactDetail{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	into := id
	for _, m := range b.merges {
		if slices.Contains(m.From, into) {
			into = m.Into
		}
	}
	i, err := b.find("mergedInto", into)
	if into == id || err != nil {
		return api.ContactDetail{}, &api.Error{Op: "mergedInto", Code: "NOT_FOUND", Message: "contact " + id + " was not merged into another record"}
	}
	return b.contacts[i], nil
}

// Merge is one mergeContacts call the demo received.
type Merge struct {
	Into   string
	From   []string
	Reason string
}

// Merges are the merges received so far.
func (b *Backend) Merges() []Merge {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.merges)
}

func union(a, b []string, norm func(string) string) []string {
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.ContainsFunc(out, func(x string) bool { return norm(x) == norm(v) }) {
			out = append(out, v)
		}
	}
	return out
}

func (b *Backend) BlacklistContact(ctx context.Context, contactID, reason string) (api.BlacklistEntryFields, error) {
	if err := b.wait(ctx); err != nil {
		return api.BlacklistEntryFields{}, err
	}
	b.mu.Lock()
	i, err := b.find("blacklistContact", contactID)
	if err != nil {
		b.mu.Unlock()
		return api.BlacklistEntryFields{}, err
	}
	c := b.contacts[i] // a record without e-mail or phone is blocked as the record itself, as on the server
	now := time.Now()
	bl := b.entryOf(c, api.BlacklistSourceManual, reason, now)
	e := bl.entry
	b.blacklist = append(b.blacklist, bl)
	b.events = append(b.events, api.RevocationFields{Cursor: strconv.Itoa(len(b.events) + 1), Kind: api.RevocationKindContactBlocked,
		At: now, ContactId: contactID, Channel: "admin"})
	watchers := b.watcherList()
	b.mu.Unlock()
	for _, w := range watchers {
		w(e)
	}
	return e, nil
}

func (b *Backend) ErasurePreview(ctx context.Context, id string) (api.ErasurePlanFields, error) {
	if err := b.wait(ctx); err != nil {
		return api.ErasurePlanFields{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i, err := b.find("erasurePreview", id)
	if err != nil {
		return api.ErasurePlanFields{}, err
	}
	c := b.contacts[i]
	p := api.ErasurePlanFields{Contact: c.ContactSummary}
	for _, o := range b.duplicatesOf(c) {
		if overlap(o.Emails, c.Emails, normEmail) || overlap(o.Phones, c.Phones, normPhone) {
			p.SameIdentifiers = append(p.SameIdentifiers, o.ContactSummary)
		} else {
			p.LookAlikes = append(p.LookAlikes, o.ContactSummary)
		}
	}
	return p, nil
}

func (b *Backend) ErasePerson(ctx context.Context, id, reason string, keep []string) (api.PersonErasure, error) {
	plan, err := b.ErasurePreview(ctx, id)
	if err != nil {
		return api.PersonErasure{}, err
	}
	r, err := b.EraseContact(ctx, id, reason)
	if err != nil {
		return api.PersonErasure{}, err
	}
	out := api.PersonErasure{ContactId: id, ErasedAt: r.ErasedAt, BlacklistEntry: r.BlacklistEntry, ErasedContactIds: []string{id}}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, o := range plan.SameIdentifiers {
		if slices.Contains(keep, o.Id) {
			continue
		}
		if i, err := b.find("eraseContact", o.Id); err == nil {
			b.contacts = slices.Delete(b.contacts, i, i+1)
			out.ErasedContactIds = append(out.ErasedContactIds, o.Id)
		}
	}
	return out, nil
}

func (b *Backend) SubjectAccessExport(ctx context.Context, contactID string) (string, error) {
	if err := b.wait(ctx); err != nil {
		return "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i, err := b.find("subjectAccessExport", contactID)
	if err != nil {
		return "", err
	}
	c := b.contacts[i]
	data, err := json.MarshalIndent(map[string]any{"exportedAt": time.Now().UTC(), "contact": map[string]any{
		"id": c.Id, "givenName": c.GivenName, "familyName": c.FamilyName, "organization": c.Organization,
		"emails": c.Emails, "phones": c.Phones, "address": c.Address, "lists": c.Lists, "consents": c.Consents}}, "", "  ")
	return string(data), err
}

func (b *Backend) PurposesWithTexts(ctx context.Context) ([]api.PurposeWithTexts, error) {
	if err := b.wait(ctx); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []api.PurposeWithTexts
	for _, p := range b.purposes {
		pt := api.PurposeWithTexts{Key: p.Key, Name: p.Name}
		if p.Key == "newsletter" {
			pt.ConsentTexts = []api.ConsentText{
				{Version: 1, Text: "Ja, ich möchte den monatlichen Newsletter per E-Mail erhalten.", CreatedAt: time.Date(2025, 1, 10, 9, 0, 0, 0, time.Local)},
				{Version: 2, Text: "Ja, ich möchte den monatlichen Newsletter per E-Mail erhalten. Abmelden geht jederzeit über den Link in jeder Ausgabe.", CreatedAt: time.Date(2026, 2, 1, 9, 0, 0, 0, time.Local)},
			}
		}
		out = append(out, pt)
	}
	return out, nil
}

// AddDuplicate enters Anna Schmidt a second time, as sales would, with her mobile number:
// a possible duplicate for the "Doppelte Kontakte" view and the erasure preview.
func AddDuplicate(b *Backend) {
	given, family := "Anna", "Schmidt"
	b.CreateContact(context.Background(), api.ContactInput{GivenName: &given, FamilyName: &family,
		Emails: []string{"Anna.Schmidt@example.de"}, Phones: []string{"+49 170 5550191"},
		Address: &api.PostalAddressInput{Street: "Torstraße 12", PostalCode: "10119", City: "Berlin"}}, nil)
}

func (b *Backend) ConsentProofDetails(ctx context.Context, contactID string) ([]api.ProofDetail, error) {
	events, err := b.ConsentProof(ctx, contactID)
	if err != nil {
		return nil, err
	}
	out := make([]api.ProofDetail, len(events))
	for i, e := range events {
		out[i] = api.ProofDetail{At: e.At}
	}
	return out, nil
}

// ConsentProofRecords: the demo's proof is of the one record asked about.
func (b *Backend) ConsentProofRecords(ctx context.Context, contactID string) ([]api.ProofRecord, error) {
	events, err := b.ConsentProof(ctx, contactID)
	if err != nil {
		return nil, err
	}
	out := make([]api.ProofRecord, len(events))
	for i, e := range events {
		out[i] = api.ProofRecord{At: e.At, ContactId: contactID}
	}
	return out, nil
}
