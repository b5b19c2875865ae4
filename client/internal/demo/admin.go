package demo

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// EraseContact removes the contact and leaves a blacklist entry for its identifiers, as
// the server does; the blacklist watchers hear of it.
func (b *Backend) EraseContact(ctx context.Context, id, reason string) (api.ErasureReceipt, error) {
	if err := b.wait(ctx); err != nil {
		return api.ErasureReceipt{}, err
	}
	b.mu.Lock()
	i := slices.IndexFunc(b.contacts, func(c api.ContactDetail) bool { return c.Id == id })
	if i < 0 {
		b.mu.Unlock()
		return api.ErasureReceipt{}, &api.Error{Op: "eraseContact", Code: "NOT_FOUND", Message: "contact " + id + " does not exist"}
	}
	c := b.contacts[i]
	b.contacts = slices.Delete(b.contacts, i, i+1)
	now := time.Now()
	bl := b.entryOf(c, api.BlacklistSourceErasure, reason, now)
	e := bl.entry
	b.blacklist = append(b.blacklist, bl)
	b.events = append(b.events, api.RevocationFields{Cursor: strconv.Itoa(len(b.events) + 1), Kind: api.RevocationKindContactErased,
		At: now, ContactId: id, Channel: "admin"})
	watchers := b.watcherList()
	b.mu.Unlock()
	for _, w := range watchers {
		w(e)
	}
	return api.ErasureReceipt{ContactId: id, ErasedAt: now, BlacklistEntry: e}, nil
}

// BlacklistRemove marks an entry removed; it matches nothing afterwards.
func (b *Backend) BlacklistRemove(ctx context.Context, id, reason string) (api.BlacklistEntryFields, error) {
	if err := b.wait(ctx); err != nil {
		return api.BlacklistEntryFields{}, err
	}
	b.mu.Lock()
	i := slices.IndexFunc(b.blacklist, func(bl blocked) bool { return bl.entry.Id == id })
	if i < 0 {
		b.mu.Unlock()
		return api.BlacklistEntryFields{}, &api.Error{Op: "blacklistRemove", Code: "NOT_FOUND", Message: "blacklist entry " + id + " does not exist"}
	}
	now := time.Now()
	b.blacklist[i].entry.RemovedAt = &now
	b.removals = append(b.removals, api.OverrideInput{Reason: reason})
	e := b.blacklist[i].entry
	watchers := b.watcherList()
	b.mu.Unlock()
	for _, w := range watchers {
		w(e)
	}
	return e, nil
}

// Removals are the reasons given for lifting blacklist entries, in order.
func (b *Backend) Removals() []api.OverrideInput {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.removals)
}

// ConsentProof is the contact's ledger over all purposes, oldest first.
func (b *Backend) ConsentProof(ctx context.Context, contactID string) ([]api.ProofEvent, error) {
	if err := b.wait(ctx); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.contacts, func(c api.ContactDetail) bool { return c.Id == contactID })
	if i < 0 {
		return nil, &api.Error{Op: "consentProof", Code: "NOT_FOUND", Message: "contact " + contactID + " does not exist"}
	}
	var out []api.ProofEvent
	for _, cf := range b.contacts[i].Consents {
		for _, e := range cf.History {
			out = append(out, api.ProofEvent{At: e.At, Status: e.Status, Source: e.Source, Evidence: e.Evidence, RecordedBy: e.RecordedBy, Purpose: cf.Purpose})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// watcherList copies the blacklist watchers; call with b.mu held.
func (b *Backend) watcherList() []func(api.BlacklistEntryFields) {
	out := make([]func(api.BlacklistEntryFields), 0, len(b.watchers))
	for _, w := range b.watchers {
		out = append(out, w)
	}
	return out
}

// entryOf is the next blacklist entry for contact c, with the identifiers it holds (the first
// e-mail and phone, and name and address when c has an address), as the server writes for
// eraseContact and blacklistContact. The caller holds b.mu.
func (b *Backend) entryOf(c api.ContactDetail, source api.BlacklistSource, reason string, now time.Time) blocked {
	bl := blocked{entry: api.BlacklistEntryFields{Id: "b" + strconv.Itoa(len(b.blacklist)+1), Source: source, Reason: reason, CreatedAt: now}}
	if len(c.Emails) > 0 {
		bl.email = normEmail(c.Emails[0])
		bl.entry.IdentifierKinds = append(bl.entry.IdentifierKinds, api.MatchFieldEmail)
	}
	if len(c.Phones) > 0 {
		bl.phone = normPhone(c.Phones[0])
		bl.entry.IdentifierKinds = append(bl.entry.IdentifierKinds, api.MatchFieldPhone)
	}
	if a := c.Address; a != nil {
		bl.nameAddr = nameAddr(c.GivenName, c.FamilyName, a.PostalCode, a.Street)
		bl.entry.IdentifierKinds = append(bl.entry.IdentifierKinds, api.MatchFieldNameAndAddress)
	}
	return bl
}
