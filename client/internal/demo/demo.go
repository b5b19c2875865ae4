// Package demo is an in-memory Vermerk server for the client: seeded German demo data,
// screening against a small blacklist, consents, a simulated import and a revocations
// feed. The screenshot tool and the UI tests run against it; it never touches a network.
package demo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// Backend implements app.Backend in memory. It is safe for concurrent use.
type Backend struct {
	// Viewer is who the token belongs to; ADMIN shows the admin view.
	Viewer api.Viewer
	// Latency is added to every call, to look like a server on the network.
	Latency time.Duration
	// EventEvery is the pause between simulated revocations; 0 sends only the backlog.
	EventEvery time.Duration
	// ImportStep is the pause between simulated import progress updates.
	ImportStep time.Duration

	mu        sync.Mutex
	contacts  []api.ContactDetail
	purposes  []api.PurposeFields
	lists     []api.ListFields
	blacklist []blocked
	events    []api.RevocationFields
	jobs      map[string]*job
	overrides []api.OverrideInput
	removals  []api.OverrideInput
	merges    []Merge
	watchers  map[int]func(api.BlacklistEntryFields)
	nextID    int
}

type blocked struct {
	entry    api.BlacklistEntryFields
	email    string
	phone    string
	nameAddr string
}

// Overrides are the override reasons the backend received, in order.
func (b *Backend) Overrides() []api.OverrideInput {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.overrides)
}

func (b *Backend) wait(ctx context.Context) error {
	if b.Latency <= 0 {
		return ctx.Err()
	}
	select {
	case <-time.After(b.Latency):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *Backend) Me(ctx context.Context) (api.Viewer, error) {
	return b.Viewer, b.wait(ctx)
}

func (b *Backend) SearchContacts(ctx context.Context, search string, first int, after string) (api.ContactPage, error) {
	if err := b.wait(ctx); err != nil {
		return api.ContactPage{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	q := strings.ToLower(strings.TrimSpace(search))
	var hits []api.ContactSummary
	for _, c := range b.contacts {
		text := strings.ToLower(strings.Join(append(append([]string{c.GivenName, c.FamilyName, deref(c.Organization)}, c.Emails...), c.Phones...), " "))
		if q == "" || strings.Contains(text, q) {
			hits = append(hits, c.ContactSummary)
		}
	}
	start, _ := strconv.Atoi(after)
	if first <= 0 {
		first = 50
	}
	end := min(start+first, len(hits))
	start = min(start, end)
	page := api.ContactPage{TotalCount: len(hits)}
	for i := start; i < end; i++ {
		page.Edges = append(page.Edges, api.ContactEdge{Cursor: strconv.Itoa(i + 1), Node: hits[i]})
	}
	page.PageInfo.HasNextPage = end < len(hits)
	if end > start {
		cur := strconv.Itoa(end)
		page.PageInfo.EndCursor = &cur
	}
	return page, nil
}

func (b *Backend) Contact(ctx context.Context, id string) (api.ContactDetail, error) {
	if err := b.wait(ctx); err != nil {
		return api.ContactDetail{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.contacts {
		if c.Id == id {
			return detached(c), nil
		}
	}
	return api.ContactDetail{}, &api.Error{Op: "contact", Code: "NOT_FOUND", Message: "contact " + id + " does not exist"}
}

// detached copies c with consents and their histories of its own: a consent recorded later
// changes them in place, while the caller (a screen, as with the server's answer) reads them
// without the lock.
func detached(c api.ContactDetail) api.ContactDetail {
	c.Consents = slices.Clone(c.Consents)
	for i := range c.Consents {
		c.Consents[i].History = slices.Clone(c.Consents[i].History)
	}
	c.Lists = slices.Clone(c.Lists)
	return c
}

func (b *Backend) Screen(ctx context.Context, c api.ContactInput) (api.ScreeningFields, error) {
	if err := b.wait(ctx); err != nil {
		return api.ScreeningFields{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.screen(c), nil
}

// nameAddressComplete says, as the server does, whether c has the name-and-address key: a
// family name, street, postal code and city (the form sends them half typed while screening).
func nameAddressComplete(c api.ContactInput) bool {
	a := c.Address
	return a != nil && strings.TrimSpace(deref(c.FamilyName)) != "" && strings.TrimSpace(a.Street) != "" &&
		strings.TrimSpace(a.PostalCode) != "" && strings.TrimSpace(a.City) != ""
}

func (b *Backend) screen(c api.ContactInput) api.ScreeningFields {
	var s api.ScreeningFields
	for _, bl := range b.blacklist {
		if bl.entry.RemovedAt != nil {
			continue
		}
		switch {
		case bl.email != "" && slices.ContainsFunc(c.Emails, func(e string) bool { return normEmail(e) == bl.email }):
			s.Matches = append(s.Matches, api.BlacklistMatch{Field: api.MatchFieldEmail, Entry: bl.entry})
			s.Blocked = true
		case bl.phone != "" && slices.ContainsFunc(c.Phones, func(p string) bool { return normPhone(p) == bl.phone }):
			s.Matches = append(s.Matches, api.BlacklistMatch{Field: api.MatchFieldPhone, Entry: bl.entry})
			s.Blocked = true
		case bl.nameAddr != "" && nameAddressComplete(c) && nameAddr(deref(c.GivenName), deref(c.FamilyName), c.Address.PostalCode, c.Address.Street) == bl.nameAddr:
			s.Matches = append(s.Matches, api.BlacklistMatch{Field: api.MatchFieldNameAndAddress, Entry: bl.entry})
		}
	}
	return s
}

func (b *Backend) CreateContact(ctx context.Context, in api.ContactInput, o *api.OverrideInput) (api.ContactPayloadFields, error) {
	return b.write(ctx, "", in, o)
}

func (b *Backend) UpdateContact(ctx context.Context, id string, in api.ContactInput, o *api.OverrideInput) (api.ContactPayloadFields, error) {
	return b.write(ctx, id, in, o)
}

func (b *Backend) write(ctx context.Context, id string, in api.ContactInput, o *api.OverrideInput) (api.ContactPayloadFields, error) {
	if err := b.wait(ctx); err != nil {
		return api.ContactPayloadFields{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if o != nil {
		b.overrides = append(b.overrides, *o)
	}
	p := api.ContactPayloadFields{Screening: b.screen(in)}
	if p.Screening.Blocked && o == nil {
		return p, nil
	}
	for _, c := range b.contacts {
		if c.Id != id && (overlap(c.Emails, in.Emails, normEmail) || overlap(c.Phones, in.Phones, normPhone)) {
			p.Duplicates = append(p.Duplicates, c.ContactSummary)
		}
	}
	if id == "" {
		p.Contact = b.insert(in)
		return p, nil
	}
	idx := slices.IndexFunc(b.contacts, func(c api.ContactDetail) bool { return c.Id == id })
	if idx < 0 {
		return api.ContactPayloadFields{}, &api.Error{Op: "updateContact", Code: "NOT_FOUND", Message: "contact " + id + " does not exist"}
	}
	c := b.contacts[idx]
	c.GivenName, c.FamilyName, c.Organization = deref(in.GivenName), deref(in.FamilyName), in.Organization
	c.Emails, c.Phones, c.UpdatedAt = in.Emails, in.Phones, time.Now()
	c.Address = nil
	if a := in.Address; a != nil {
		c.Address = &api.PostalAddress{Street: a.Street, PostalCode: a.PostalCode, City: a.City, Country: deref(a.Country)}
	}
	b.contacts[idx] = c
	p.Contact = &c
	return p, nil
}

// insert adds a new contact, as the import and createContact do; b.mu is held.
func (b *Backend) insert(in api.ContactInput) *api.ContactDetail {
	now := time.Now()
	b.nextID++
	c := api.ContactDetail{CreatedAt: now, UpdatedAt: now}
	c.Id = fmt.Sprintf("c%03d", b.nextID)
	c.GivenName, c.FamilyName, c.Organization = deref(in.GivenName), deref(in.FamilyName), in.Organization
	c.Emails, c.Phones = in.Emails, in.Phones
	if a := in.Address; a != nil {
		c.Address = &api.PostalAddress{Street: a.Street, PostalCode: a.PostalCode, City: a.City, Country: deref(a.Country)}
	}
	b.contacts = append([]api.ContactDetail{c}, b.contacts...)
	return &c
}

func (b *Backend) Purposes(ctx context.Context) ([]api.PurposeFields, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.purposes), b.wait(ctx)
}

func (b *Backend) Lists(ctx context.Context) ([]api.ListFields, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.lists), b.wait(ctx)
}

func (b *Backend) RecordConsent(ctx context.Context, in api.ConsentInput) (api.ConsentFields, error) {
	return b.consent(ctx, in.ContactId, in.PurposeKey, api.ConsentStatusGranted, in.Source, in.Evidence)
}

func (b *Backend) RevokeConsent(ctx context.Context, in api.RevocationInput) (api.ConsentFields, error) {
	return b.consent(ctx, in.ContactId, in.PurposeKey, api.ConsentStatusRevoked, in.Channel, nil)
}

func (b *Backend) consent(ctx context.Context, contactID, purposeKey string, st api.ConsentStatus, source string, evidence *string) (api.ConsentFields, error) {
	if err := b.wait(ctx); err != nil {
		return api.ConsentFields{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var purpose *api.PurposeFields
	for i := range b.purposes {
		if b.purposes[i].Key == purposeKey {
			purpose = &b.purposes[i]
		}
	}
	if purpose == nil {
		return api.ConsentFields{}, &api.Error{Code: "BAD_USER_INPUT", Message: "purpose " + purposeKey + " does not exist"}
	}
	for i := range b.contacts {
		c := &b.contacts[i]
		if c.Id != contactID {
			continue
		}
		now := time.Now()
		cf := addEvent(c, *purpose, api.ConsentEvent{At: now, Status: st, Source: source, Evidence: evidence, RecordedBy: b.Viewer.Name})
		if st == api.ConsentStatusRevoked {
			b.events = append(b.events, api.RevocationFields{Cursor: strconv.Itoa(len(b.events) + 1), Kind: api.RevocationKindConsentRevoked,
				At: now, ContactId: contactID, Purpose: purpose, Channel: source})
		}
		return cf, nil
	}
	return api.ConsentFields{}, &api.Error{Code: "NOT_FOUND", Message: "contact " + contactID + " does not exist"}
}

func addEvent(c *api.ContactDetail, p api.PurposeFields, e api.ConsentEvent) api.ConsentFields {
	for i := range c.Consents {
		cf := &c.Consents[i]
		if cf.Purpose.Key == p.Key {
			cf.History = append(cf.History, e)
			cf.Status = e.Status
			at := e.At
			if e.Status == api.ConsentStatusGranted {
				cf.GrantedAt, cf.RevokedAt = &at, nil
			} else {
				cf.RevokedAt = &at
			}
			return *cf
		}
	}
	at := e.At
	cf := api.ConsentFields{Id: fmt.Sprintf("%s-%s", c.Id, p.Key), Purpose: p, Status: e.Status, History: []api.ConsentEvent{e}}
	if e.Status == api.ConsentStatusGranted {
		cf.GrantedAt = &at
	} else {
		cf.RevokedAt = &at
	}
	c.Consents = append(c.Consents, cf)
	return cf
}

func (b *Backend) Blacklist(ctx context.Context, first int, after string) (api.BlacklistPage, error) {
	if err := b.wait(ctx); err != nil {
		return api.BlacklistPage{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	page := api.BlacklistPage{TotalCount: len(b.blacklist)}
	for i := len(b.blacklist) - 1; i >= 0; i-- {
		page.Edges = append(page.Edges, api.BlacklistEdge{Cursor: strconv.Itoa(i), Node: b.blacklist[i].entry})
	}
	return page, nil
}

// AddToBlacklist blocks an e-mail (as an erasure would) and tells the blacklist watchers.
func (b *Backend) AddToBlacklist(email, reason string) api.BlacklistEntryFields {
	b.mu.Lock()
	e := api.BlacklistEntryFields{Id: fmt.Sprintf("b%d", len(b.blacklist)+1), Source: api.BlacklistSourceErasure, Reason: reason,
		CreatedAt: time.Now(), IdentifierKinds: []api.MatchField{api.MatchFieldEmail}}
	b.blacklist = append(b.blacklist, blocked{entry: e, email: normEmail(email)})
	watchers := b.watcherList()
	b.mu.Unlock()
	for _, w := range watchers {
		w(e)
	}
	return e
}

func (b *Backend) WatchBlacklist(ctx context.Context, onEvent func(api.BlacklistEntryFields), onState func(api.LinkState)) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	if b.watchers == nil {
		b.watchers = map[int]func(api.BlacklistEntryFields){}
	}
	b.watchers[id] = onEvent
	b.mu.Unlock()
	if onState != nil {
		onState(api.LinkState{Connected: true})
	}
	<-ctx.Done()
	b.mu.Lock()
	delete(b.watchers, id)
	b.mu.Unlock()
}

func (b *Backend) WatchRevocations(ctx context.Context, after string, onEvent func(api.RevocationFields), onState func(api.LinkState)) {
	if onState != nil {
		onState(api.LinkState{Connected: true})
	}
	next, _ := strconv.Atoi(after)
	var tick <-chan time.Time
	if b.EventEvery > 0 {
		t := time.NewTicker(b.EventEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		b.mu.Lock()
		pending := slices.Clone(b.events[min(next, len(b.events)):])
		b.mu.Unlock()
		for _, e := range pending {
			onEvent(e)
			next++
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
			b.simulateRevocation()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (b *Backend) simulateRevocation() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.contacts) == 0 || len(b.purposes) == 0 {
		return
	}
	n := len(b.events)
	c := b.contacts[n%len(b.contacts)]
	p := b.purposes[n%len(b.purposes)]
	channels := []string{"unsubscribe link", "phone", "letter", "api"}
	b.events = append(b.events, api.RevocationFields{Cursor: strconv.Itoa(n + 1), Kind: api.RevocationKindConsentRevoked,
		At: time.Now(), ContactId: c.Id, Purpose: &p, Channel: channels[n%len(channels)]})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func normEmail(e string) string {
	e = strings.ToLower(strings.TrimSpace(e))
	local, domain, ok := strings.Cut(e, "@")
	if !ok {
		return e
	}
	local, _, _ = strings.Cut(local, "+")
	return local + "@" + domain
}

func normPhone(p string) string {
	var d strings.Builder
	for _, r := range p {
		if unicode.IsDigit(r) {
			d.WriteRune(r)
		}
	}
	s := d.String()
	switch {
	case strings.HasPrefix(s, "00"):
		return s[2:]
	case strings.HasPrefix(s, "0"):
		return "49" + s[1:]
	}
	return s
}

func nameAddr(given, family, postal, street string) string {
	f := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		s = strings.NewReplacer("ß", "ss", "straße", "str", "strasse", "str", "str.", "str", " ", "").Replace(s)
		return s
	}
	return f(family) + "|" + f(given) + "|" + f(postal) + "|" + f(street)
}

func overlap(have, want []string, norm func(string) string) bool {
	for _, w := range want {
		for _, h := range have {
			if norm(h) == norm(w) {
				return true
			}
		}
	}
	return false
}

var _ app.Backend = (*Backend)(nil)
