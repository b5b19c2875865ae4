package contacts_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

func create(t *testing.T, s *apptest.Server, in map[string]any) string {
	t.Helper()
	var p payload
	s.MustAdmin(t, &p, createContact, map[string]any{"in": in})
	if p.CreateContact.Contact == nil {
		t.Fatalf("createContact(%v) wrote nothing", in)
	}
	return p.CreateContact.Contact.ID
}

const mergeContacts = `mutation($into: ID!, $from: [ID!]!, $reason: String!) {
	mergeContacts(intoId: $into, fromIds: $from, reason: $reason) {
		id organization emails phones address { street postalCode city country } lists { key }
		consents { status grantedAt revokedAt purpose { key } history { at status source evidence recordedBy } }
		possibleDuplicates { id } } }`

type merged struct {
	MergeContacts struct {
		ID                 string
		Organization       *string
		Emails, Phones     []string
		Address            *struct{ Street, PostalCode, City, Country string }
		Lists              []struct{ Key string }
		Consents           []mergedConsent
		PossibleDuplicates []struct{ ID string }
	}
}

type mergedConsent struct {
	Status               string
	GrantedAt, RevokedAt *time.Time
	Purpose              struct{ Key string }
	History              []struct {
		At                         time.Time
		Status, Source, RecordedBy string
		Evidence                   *string
	}
}

// Two departments entered one person twice: sales with the phone and the company address,
// marketing with a second e-mail and the newsletter. possibleDuplicates finds them (the same
// e-mail spelled differently, and a look-alike by name and address); merging unites what
// both hold, and the merged record's id is gone while its unsubscribe link still works.
func TestMergeContactsUnitesRecords(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "kunden", name: "Kunden", purposeKey: "newsletter"}) { id } }`, nil)
	sales := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Mustermann",
		"emails": []string{"erika.mustermann@example.org"}, "phones": []string{"+49 30 1234567"}})
	marketing := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "organization": "Musterfirma GmbH",
		"emails": []string{"Erika.Mustermann+news@example.org", "erika@example.com"}, "phones": []string{"030 1234567", "+49 30 7654321"},
		"address": map[string]any{"street": "Heidestraße 17", "postalCode": "51147", "city": "Köln"}})
	lookAlike := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"e.m@example.net"},
		"address": map[string]any{"street": "Heidestr. 17", "postalCode": "51147", "city": "Köln"}})
	other := create(t, s, map[string]any{"givenName": "Max", "familyName": "Mustermann", "emails": []string{"max.muster@example.org"}})
	for _, m := range []struct{ id, list string }{{sales, "kunden"}, {marketing, "news"}, {marketing, "kunden"}} {
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!, $l: String!) { addToList(contactId: $c, listKey: $l) { id } }`,
			map[string]any{"c": m.id, "l": m.list})
	}
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form",
		evidence: "double opt-in"}) { id } }`, map[string]any{"c": marketing})
	// A table of another feature that references contacts (as a data-subject request does):
	// its rows follow the person to the survivor.
	ctx := context.Background()
	conn := s.Conn(t)
	if _, err := conn.Exec(ctx, `CREATE TABLE test_requests (id int PRIMARY KEY, subject uuid REFERENCES contacts (id) ON DELETE CASCADE);
		INSERT INTO test_requests VALUES (1, '`+marketing+`'), (2, '`+other+`')`); err != nil {
		t.Fatal(err)
	}
	var linkOut struct{ UnsubscribeLink string }
	s.MustAdmin(t, &linkOut, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news") }`, map[string]any{"c": marketing})

	dups := func(id string) []string {
		var q struct {
			Contact struct{ PossibleDuplicates []struct{ ID string } }
		}
		s.MustAdmin(t, &q, `query($id: ID!) { contact(id: $id) { possibleDuplicates { id } } }`, map[string]any{"id": id})
		var ids []string
		for _, d := range q.Contact.PossibleDuplicates {
			ids = append(ids, d.ID)
		}
		slices.Sort(ids)
		return ids
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	// the look-alike looks like the person (her marketing record), not only like the record asked about
	if got, want := dups(sales), sorted(marketing, lookAlike); !slices.Equal(got, want) {
		t.Errorf("possibleDuplicates(sales) = %v, want the marketing record and its look-alike %v (same e-mail and phone; name and address)", got, want)
	}
	if got, want := dups(marketing), sorted(sales, lookAlike); !slices.Equal(got, want) {
		t.Errorf("possibleDuplicates(marketing) = %v, want %v (identifiers; name and address)", got, want)
	}
	if got := dups(other); len(got) != 0 {
		t.Errorf("possibleDuplicates(other) = %v, want none", got)
	}

	// Newsletter software reads its recipients, not the records that may be the same person,
	// and merges nothing.
	var tok struct {
		CreateAPIToken struct{ Secret string } `json:"createApiToken"`
	}
	s.MustAdmin(t, &tok, `mutation { createApiToken(name: "newsletter", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	res := s.Do(t, tok.CreateAPIToken.Secret, `{ recipients(listKey: "news") { edges { node { id possibleDuplicates { id emails } } } } }`, nil)
	if codes := res.ErrorCodes(); len(codes) == 0 || codes[0] != "FORBIDDEN" {
		t.Errorf("integrator reading possibleDuplicates: codes %v, want FORBIDDEN", codes)
	}
	res = s.Do(t, tok.CreateAPIToken.Secret, mergeContacts, map[string]any{"into": sales, "from": []string{marketing}, "reason": "same person"})
	if codes := res.ErrorCodes(); len(codes) != 1 || codes[0] != "FORBIDDEN" {
		t.Errorf("integrator merging: codes %v, want FORBIDDEN", codes)
	}

	// A reason that quotes the person is refused: it outlives an erasure in the audit trail.
	res = s.Admin(t, mergeContacts, map[string]any{"into": sales, "from": []string{marketing}, "reason": "Erika twice"})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "REASON_HAS_PERSONAL_DATA" || res.Errors[0].Field() != "reason" {
		t.Fatalf("merge with a name in the reason: %+v, want BAD_USER_INPUT REASON_HAS_PERSONAL_DATA at reason", res.Errors)
	}
	res = s.Admin(t, mergeContacts, map[string]any{"into": sales, "from": []string{sales}, "reason": "same person"})
	if len(res.Errors) == 0 || res.Errors[0].Field() != "fromIds[0]" {
		t.Fatalf("merge into itself: %+v, want an error at fromIds[0]", res.Errors)
	}

	var m merged
	s.MustAdmin(t, &m, mergeContacts, map[string]any{"into": sales, "from": []string{marketing}, "reason": "same person, entered by sales and marketing"})
	c := m.MergeContacts
	if c.ID != sales || !slices.Equal(c.Emails, []string{"erika.mustermann@example.org", "erika@example.com"}) ||
		!slices.Equal(c.Phones, []string{"+49301234567", "+49307654321"}) {
		t.Errorf("merged identifiers = %v %v, want the survivor's first and the other's new ones once", c.Emails, c.Phones)
	}
	if c.Organization == nil || *c.Organization != "Musterfirma GmbH" || c.Address == nil || c.Address.Street != "Heidestraße 17" {
		t.Errorf("merged organisation %v, address %+v: want those the survivor lacked taken over", c.Organization, c.Address)
	}
	var lists []string
	for _, l := range c.Lists {
		lists = append(lists, l.Key)
	}
	slices.Sort(lists)
	if !slices.Equal(lists, []string{"kunden", "news"}) {
		t.Errorf("lists = %v, want kunden and news", lists)
	}
	if len(c.Consents) != 1 || c.Consents[0].Status != "GRANTED" || len(c.Consents[0].History) != 1 ||
		c.Consents[0].History[0].Source != "web form" || c.Consents[0].History[0].RecordedBy == "" {
		t.Errorf("consents = %+v, want the marketing record's grant with its source", c.Consents)
	}
	if len(c.PossibleDuplicates) != 1 || c.PossibleDuplicates[0].ID != lookAlike {
		t.Errorf("possibleDuplicates after the merge = %+v, want only the look-alike", c.PossibleDuplicates)
	}

	var subject string
	if err := conn.QueryRow(ctx, `SELECT subject::text FROM test_requests WHERE id = 1`).Scan(&subject); err != nil || subject != sales {
		t.Errorf("the merged record's request now names %q (%v), want the survivor %s", subject, err, sales)
	}

	var gone struct{ Contact *struct{ ID string } }
	s.MustAdmin(t, &gone, `query($id: ID!) { contact(id: $id) { id } }`, map[string]any{"id": marketing})
	if gone.Contact != nil {
		t.Errorf("contact(merged id) = %+v, want null", gone.Contact)
	}

	// The link issued for the merged record unsubscribes the survivor.
	code := apptest.OneClick(t, linkOut.UnsubscribeLink)
	var after struct {
		Contact struct {
			Lists    []struct{ Key string }
			Consents []struct{ Status string }
		}
	}
	s.MustAdmin(t, &after, `query($id: ID!) { contact(id: $id) { lists { key } consents { status } } }`, map[string]any{"id": sales})
	if code != http.StatusOK || len(after.Contact.Lists) != 1 || after.Contact.Lists[0].Key != "kunden" ||
		len(after.Contact.Consents) != 1 || after.Contact.Consents[0].Status != "REVOKED" {
		t.Errorf("old link: status %d, survivor now %+v; want it off the news list and revoked", code, after.Contact)
	}

	// Audited with ids and the reason only.
	var outcome, reason string
	if err := conn.QueryRow(ctx, `SELECT outcome, reason FROM audit_log WHERE operation = 'mergeContacts' AND contact_id = $1`, sales).
		Scan(&outcome, &reason); err != nil {
		t.Fatalf("audit: %v", err)
	}
	if !strings.Contains(outcome, marketing) || strings.Contains(outcome+reason, "rika") {
		t.Errorf("audit %q %q, want the merged id and no personal data", outcome, reason)
	}
}

// The consent state of a merged person follows the merged ledger by time, whichever record
// an event was recorded on and in whatever order the events were recorded.
func TestMergeDerivesConsentByTime(t *testing.T) {
	s := apptest.Start(t)
	for _, key := range []string{"newsletter", "calls"} {
		s.MustAdmin(t, &struct{}{}, `mutation($k: String!) { createPurpose(input: {key: $k, name: $k, legalBasis: CONSENT}) { id } }`,
			map[string]any{"k": key})
	}
	ctx := context.Background()
	conn := s.Conn(t)
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

	type event struct {
		inB     bool // recorded on the merged record, else on the survivor
		purpose string
		status  string
		minute  int
	}
	type want struct {
		status           string
		granted, revoked int // minutes; -1: null
	}
	tests := []struct {
		name   string
		events []event // in the order they are recorded
		want   map[string]want
	}{
		{"later revocation in the other record beats a grant",
			[]event{{false, "newsletter", "GRANTED", 1}, {true, "newsletter", "REVOKED", 2}},
			map[string]want{"newsletter": {"REVOKED", 1, 2}}},
		{"later grant in the other record beats a revocation",
			[]event{{false, "newsletter", "REVOKED", 1}, {true, "newsletter", "GRANTED", 2}},
			map[string]want{"newsletter": {"GRANTED", 2, -1}}},
		{"a revocation recorded first but later in time wins",
			[]event{{false, "newsletter", "REVOKED", 5}, {true, "newsletter", "GRANTED", 3}},
			map[string]want{"newsletter": {"REVOKED", 3, 5}}},
		{"a grant recorded last but earlier in time loses",
			[]event{{true, "newsletter", "REVOKED", 4}, {false, "newsletter", "GRANTED", 1}},
			map[string]want{"newsletter": {"REVOKED", 1, 4}}},
		{"interleaved: grant, revoke, grant across both",
			[]event{{false, "newsletter", "GRANTED", 1}, {false, "newsletter", "REVOKED", 3}, {true, "newsletter", "GRANTED", 2},
				{true, "newsletter", "GRANTED", 6}},
			map[string]want{"newsletter": {"GRANTED", 6, -1}}},
		{"interleaved: the survivor's last revocation after the other's regrant",
			[]event{{true, "newsletter", "GRANTED", 1}, {false, "newsletter", "GRANTED", 2}, {true, "newsletter", "REVOKED", 3},
				{true, "newsletter", "GRANTED", 4}, {false, "newsletter", "REVOKED", 5}},
			map[string]want{"newsletter": {"REVOKED", 4, 5}}},
		{"only the merged record had a consent",
			[]event{{true, "newsletter", "GRANTED", 1}},
			map[string]want{"newsletter": {"GRANTED", 1, -1}}},
		{"purposes are derived each on their own",
			[]event{{false, "newsletter", "GRANTED", 1}, {true, "calls", "REVOKED", 2}, {true, "newsletter", "REVOKED", 0}},
			map[string]want{"newsletter": {"GRANTED", 1, -1}, "calls": {"REVOKED", -1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := create(t, s, map[string]any{"familyName": "Mustermann"})
			b := create(t, s, map[string]any{"familyName": "Musterfrau"})
			for i, e := range tt.events {
				contact := a
				if e.inB {
					contact = b
				}
				if _, err := conn.Exec(ctx, `INSERT INTO consent_events (contact_id, purpose_id, status, at, source, evidence, recorded_by, recorded_by_token)
					SELECT $1, id, $3, $4, $5, $6, 'Test Staff', 'token-1' FROM purposes WHERE key = $2`,
					contact, e.purpose, e.status, t0.Add(time.Duration(e.minute)*time.Minute), "source "+string(rune('a'+i)), "evidence "+string(rune('a'+i))); err != nil {
					t.Fatal(err)
				}
			}
			var m merged
			s.MustAdmin(t, &m, mergeContacts, map[string]any{"into": a, "from": []string{b}, "reason": "one person"})
			got := map[string]mergedConsent{}
			history := 0
			for _, c := range m.MergeContacts.Consents {
				got[c.Purpose.Key] = c
				history += len(c.History)
				for _, h := range c.History {
					if h.RecordedBy != "Test Staff" || h.Evidence == nil || !strings.HasPrefix(h.Source, "source ") ||
						strings.TrimPrefix(h.Source, "source ") != strings.TrimPrefix(*h.Evidence, "evidence ") {
						t.Errorf("history entry %+v lost its source, evidence or recorder", h)
					}
				}
			}
			if history != len(tt.events) {
				t.Errorf("history has %d events, want all %d", history, len(tt.events))
			}
			at := func(minute int) *time.Time {
				if minute < 0 {
					return nil
				}
				v := t0.Add(time.Duration(minute) * time.Minute)
				return &v
			}
			same := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
			for purpose, w := range tt.want {
				c, ok := got[purpose]
				if !ok {
					t.Errorf("%s: no consent after the merge", purpose)
					continue
				}
				if c.Status != w.status || !same(c.GrantedAt, at(w.granted)) || !same(c.RevokedAt, at(w.revoked)) {
					t.Errorf("%s: %s granted %v revoked %v, want %s granted %v revoked %v", purpose, c.Status, c.GrantedAt, c.RevokedAt,
						w.status, at(w.granted), at(w.revoked))
				}
			}
			var left int
			if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM consent_events WHERE contact_id = $1)
				+ (SELECT count(*) FROM consent_state WHERE contact_id = $1)`, b).Scan(&left); err != nil || left != 0 {
				t.Errorf("the merged record keeps %d ledger or state rows (%v)", left, err)
			}
		})
	}
}

// A merge orders the merged ledger by the ledger's one rule — when the person acted (givenAt,
// else when recorded) — as a single record does: a paper grant typed in after a revocation
// on the other record, but signed before it, does not undo that revocation.
func TestMergeOrdersConsentByGivenAt(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	a := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika@example.org"}})
	b := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "phones": []string{"+49 30 5550101"}})
	ctx := context.Background()
	conn := s.Conn(t)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	minute := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	// a revoked at minute 5; b's grant was signed at minute 1 and typed in at minute 10.
	if _, err := conn.Exec(ctx, `INSERT INTO consent_events (contact_id, purpose_id, status, at, source, recorded_by, recorded_by_token)
		SELECT $1, id, 'REVOKED', $2, 'phone', 'Test Staff', 'token-1' FROM purposes WHERE key = 'newsletter'`, a, minute(5)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO consent_events (contact_id, purpose_id, status, at, given_at, source, evidence, recorded_by, recorded_by_token)
		SELECT $1, id, 'GRANTED', $2, $3, 'fair', 'paper form', 'Test Staff', 'token-1' FROM purposes WHERE key = 'newsletter'`, b, minute(10), minute(1)); err != nil {
		t.Fatal(err)
	}
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": a})

	var m merged
	s.MustAdmin(t, &m, mergeContacts, map[string]any{"into": a, "from": []string{b}, "reason": "one person, two departments"})
	if cs := m.MergeContacts.Consents; len(cs) != 1 || cs[0].Status != "REVOKED" || cs[0].GrantedAt == nil || !cs[0].GrantedAt.Equal(minute(1)) ||
		cs[0].RevokedAt == nil || !cs[0].RevokedAt.Equal(minute(5)) || len(cs[0].History) != 2 {
		t.Errorf("merged consents = %+v, want REVOKED granted %v revoked %v with both events", cs, minute(1), minute(5))
	}
	var rec struct {
		Recipients struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &rec, `{ recipients(listKey: "news") { edges { node { id } } } }`, nil)
	if len(rec.Recipients.Edges) != 0 {
		t.Errorf("recipients after the merge = %+v, want none: the person revoked after signing the paper form", rec.Recipients.Edges)
	}
}

// Two records of a person who objected are both blocked; merging them failed with an internal
// error (the merged record's row in contact_blocks was moved onto the survivor's). The
// survivor is blocked after the merge as before it.
func TestMergeOfTwoBlockedRecords(t *testing.T) {
	s := apptest.Start(t)
	a := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "phones": []string{"+49 30 5557001"}})
	b := create(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau", "phones": []string{"030 5557001"},
		"emails": []string{"e.testfrau@example.org"}})
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistContact(contactId: $id, reason: "objection to advertising") { id } }`,
		map[string]any{"id": a})
	var out merged
	s.MustAdmin(t, &out, mergeContacts, map[string]any{"into": a, "from": []string{b}, "reason": "one person entered twice"})
	var blocked bool
	if err := s.Conn(t).QueryRow(context.Background(), `SELECT EXISTS (SELECT FROM contact_blocks WHERE contact_id = $1)`, a).Scan(&blocked); err != nil || !blocked {
		t.Errorf("the survivor of two blocked records: blocked %v (%v), want blocked", blocked, err)
	}
	s.AssertBlocksExact(t)
}

// mergedInto finds the person behind an id a merge took away (an event, a link or a note still
// names it), through a later merge of the survivor too; null for an id never merged, and null
// once the person was erased.
func TestMergedIntoFollowsTheMergesOfARecord(t *testing.T) {
	s := apptest.Start(t)
	first := create(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau", "emails": []string{"e.testfrau@example.org"}})
	second := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.t@example.org"}})
	third := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.org"}})
	stranger := create(t, s, map[string]any{"givenName": "Max", "familyName": "Muster", "emails": []string{"max.muster@example.org"}})
	mergedInto := func(id string) *string {
		t.Helper()
		var out struct{ MergedInto *struct{ ID string } }
		s.MustAdmin(t, &out, `query($id: ID!) { mergedInto(id: $id) { id } }`, map[string]any{"id": id})
		if out.MergedInto == nil {
			return nil
		}
		return &out.MergedInto.ID
	}
	var m merged
	s.MustAdmin(t, &m, mergeContacts, map[string]any{"into": second, "from": []string{first}, "reason": "same person, old address"})
	if got := mergedInto(first); got == nil || *got != second {
		t.Fatalf("mergedInto(first) = %v, want %s", got, second)
	}
	s.MustAdmin(t, &m, mergeContacts, map[string]any{"into": third, "from": []string{second}, "reason": "same person again"})
	for _, id := range []string{first, second} {
		if got := mergedInto(id); got == nil || *got != third {
			t.Fatalf("mergedInto(%s) after the survivor was merged too = %v, want %s", id, got, third)
		}
	}
	for _, id := range []string{third, stranger, "5f0c6f5e-8d8e-4c36-9a43-2d7c1a3b9e10"} {
		if got := mergedInto(id); got != nil {
			t.Errorf("mergedInto(%s) of a record never merged = %s, want null", id, *got)
		}
	}
	var erased any
	s.MustAdmin(t, &erased, `mutation($id: ID!) { eraseContact(id: $id, reason: "Antrag per Brief") { erasedAt } }`, map[string]any{"id": third})
	if got := mergedInto(first); got != nil {
		t.Fatalf("mergedInto(first) after her erasure = %s, want null", *got)
	}
}
