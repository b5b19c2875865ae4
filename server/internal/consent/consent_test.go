package consent_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is a server with two purposes and a list for each: the newsletter and sales calls.
type fixture struct {
	*apptest.Server
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	f := fixture{apptest.Start(t)}
	f.purpose(t, "newsletter", "Newsletter")
	f.purpose(t, "sales-calls", "Sales calls")
	f.list(t, "news-de", "Newsletter Deutschland", "newsletter")
	f.list(t, "calls-q3", "Anrufaktion Q3", "sales-calls")
	return f
}

func (f fixture) purpose(t *testing.T, key, name string) string {
	t.Helper()
	var out struct{ CreatePurpose struct{ ID string } }
	f.MustAdmin(t, &out, `mutation($in: PurposeInput!) { createPurpose(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"key": key, "name": name, "legalBasis": "CONSENT"}})
	return out.CreatePurpose.ID
}

func (f fixture) list(t *testing.T, key, name, purposeKey string) string {
	t.Helper()
	var out struct{ CreateList struct{ ID string } }
	f.MustAdmin(t, &out, `mutation($in: ListInput!) { createList(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"key": key, "name": name, "purposeKey": purposeKey}})
	return out.CreateList.ID
}

func (f fixture) contact(t *testing.T, given, family string) string {
	t.Helper()
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	f.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
		map[string]any{"in": map[string]any{"givenName": given, "familyName": family,
			"emails":  []string{strings.ToLower(given+"."+family) + "@example.org"},
			"phones":  []string{"+49 30 5550" + fmt.Sprint(100+len(family))},
			"address": map[string]any{"street": "Musterstraße 1", "postalCode": "10115", "city": "Berlin"}}})
	return out.CreateContact.Contact.ID
}

func (f fixture) addToList(t *testing.T, contactID, listKey string) {
	t.Helper()
	var out struct{ AddToList struct{ ID string } }
	f.MustAdmin(t, &out, `mutation($c: ID!, $l: String!) { addToList(contactId: $c, listKey: $l) { id } }`,
		map[string]any{"c": contactID, "l": listKey})
}

type consentOut struct {
	ID         string
	Status     string
	GrantedAt  *string
	RevokedAt  *string
	Notice     *string
	NoticeCode *string
	Purpose    struct{ Key string }
	History    []struct {
		Status, Source, RecordedBy, At string
		Evidence                       *string
		Purpose                        struct{ Key string }
	}
}

const consentFields = `id status grantedAt revokedAt notice noticeCode purpose { key }
	history { at status source evidence recordedBy purpose { key } }`

// subscribed is a record of Erika Testfrau (given name given, one e-mail) on news-de with a
// newsletter grant: one of her records, when email is hers in another spelling.
func (f fixture) subscribed(t *testing.T, given, email string) string {
	t.Helper()
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	f.MustAdmin(t, &out, `mutation($g: String!, $e: String!) { createContact(input: {givenName: $g, familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
		map[string]any{"g": given, "e": email})
	id := out.CreateContact.Contact.ID
	f.addToList(t, id, "news-de")
	f.grant(t, id, "newsletter", "web form", nil)
	return id
}

func (f fixture) grant(t *testing.T, contactID, purposeKey, source string, evidence any) consentOut {
	t.Helper()
	var out struct{ RecordConsent consentOut }
	f.MustAdmin(t, &out, `mutation($in: ConsentInput!) { recordConsent(input: $in) { `+consentFields+` } }`,
		map[string]any{"in": map[string]any{"contactId": contactID, "purposeKey": purposeKey, "source": source, "evidence": evidence}})
	return out.RecordConsent
}

func (f fixture) revoke(t *testing.T, contactID, purposeKey, channel string) consentOut {
	t.Helper()
	var out struct{ RevokeConsent consentOut }
	f.MustAdmin(t, &out, `mutation($in: RevocationInput!) { revokeConsent(input: $in) { `+consentFields+` } }`,
		map[string]any{"in": map[string]any{"contactId": contactID, "purposeKey": purposeKey, "channel": channel}})
	return out.RevokeConsent
}

// recipients returns the family names of all recipients of the list, page by page.
func (f fixture) recipients(t *testing.T, listKey string) []string {
	t.Helper()
	var names []string
	var after any
	for {
		var out struct {
			Recipients struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   *string
				}
				Edges []struct{ Node struct{ FamilyName string } }
			}
		}
		f.MustAdmin(t, &out, `query($l: String!, $after: String) { recipients(listKey: $l, first: 2, after: $after) {
			totalCount pageInfo { hasNextPage endCursor } edges { node { familyName } } } }`,
			map[string]any{"l": listKey, "after": after})
		for _, e := range out.Recipients.Edges {
			names = append(names, e.Node.FamilyName)
		}
		if !out.Recipients.PageInfo.HasNextPage {
			if out.Recipients.TotalCount != len(names) {
				t.Errorf("recipients(%s): totalCount %d, but %d on the pages", listKey, out.Recipients.TotalCount, len(names))
			}
			slices.Sort(names)
			return names
		}
		after = *out.Recipients.PageInfo.EndCursor
	}
}

func TestRecipientsNeedListMembershipAndConsentForTheListsPurpose(t *testing.T) {
	f := newFixture(t)
	onlyMember := f.contact(t, "Erika", "Mustermann")
	newsletterFan := f.contact(t, "Max", "Mustermann-Beispiel")
	consentNoList := f.contact(t, "Anna", "Beispiel")
	subscriber := f.contact(t, "Otto", "Normalverbraucher")
	reader := f.contact(t, "Lieschen", "Müller")
	for _, id := range []string{onlyMember, newsletterFan, subscriber, reader} {
		f.addToList(t, id, "news-de")
	}
	f.addToList(t, newsletterFan, "calls-q3")
	for _, id := range []string{newsletterFan, consentNoList, subscriber, reader} {
		f.grant(t, id, "newsletter", "web form", "double opt-in confirmed 2025-03-01T10:00:00Z from 192.0.2.1")
	}

	if got, want := f.recipients(t, "news-de"), []string{"Mustermann-Beispiel", "Müller", "Normalverbraucher"}; !slices.Equal(got, want) {
		t.Errorf("newsletter recipients = %q, want %q (a member without consent and a consent without membership are no recipients)", got, want)
	}
	if got := f.recipients(t, "calls-q3"); len(got) != 0 {
		t.Errorf("sales-call recipients = %q, want none: a newsletter consent does not allow sales calls", got)
	}

	f.revoke(t, subscriber, "newsletter", "e-mail-to-dpo")
	if got, want := f.recipients(t, "news-de"), []string{"Mustermann-Beispiel", "Müller"}; !slices.Equal(got, want) {
		t.Errorf("after the revocation recipients = %q, want %q", got, want)
	}

	f.grant(t, newsletterFan, "sales-calls", "phone", nil)
	if got, want := f.recipients(t, "calls-q3"), []string{"Mustermann-Beispiel"}; !slices.Equal(got, want) {
		t.Errorf("after a sales-call consent recipients = %q, want %q", got, want)
	}

	var out struct{ RemoveFromList struct{ ID string } }
	f.MustAdmin(t, &out, `mutation($c: ID!) { removeFromList(contactId: $c, listKey: "news-de") { id } }`, map[string]any{"c": reader})
	if got, want := f.recipients(t, "news-de"), []string{"Mustermann-Beispiel"}; !slices.Equal(got, want) {
		t.Errorf("after removeFromList recipients = %q, want %q", got, want)
	}
}

func TestHistoryKeepsGrantAndRevocationInOrderWithEvidenceAndRecorder(t *testing.T) {
	f := newFixture(t)
	id := f.contact(t, "Erika", "Mustermann")
	const evidence = "double opt-in confirmed 2025-03-01T10:00:00Z from 192.0.2.1, form v3"
	granted := f.grant(t, id, "newsletter", "web form", evidence)
	if granted.Status != "GRANTED" || granted.GrantedAt == nil || granted.RevokedAt != nil {
		t.Errorf("after the grant: %+v, want GRANTED with grantedAt", granted)
	}
	revoked := f.revoke(t, id, "newsletter", "phone")
	if revoked.Status != "REVOKED" || revoked.RevokedAt == nil || revoked.Notice != nil {
		t.Errorf("after the revocation: %+v, want REVOKED with revokedAt and no notice", revoked)
	}
	if revoked.ID != granted.ID {
		t.Errorf("the consent changed its id from %s to %s", granted.ID, revoked.ID)
	}

	var q struct {
		Contact struct {
			Consents []consentOut
			Lists    []struct{ Key string }
		}
		ConsentProof []struct {
			Status, Source, RecordedBy string
			Purpose                    struct{ Key string }
		}
	}
	f.MustAdmin(t, &q, `query($id: ID!) { contact(id: $id) { consents { `+consentFields+` } lists { key } }
		consentProof(contactId: $id) { status source recordedBy purpose { key } } }`, map[string]any{"id": id})
	if len(q.Contact.Consents) != 1 {
		t.Fatalf("consents = %+v, want one for the newsletter", q.Contact.Consents)
	}
	c := q.Contact.Consents[0]
	if c.Status != "REVOKED" || c.Purpose.Key != "newsletter" || c.GrantedAt == nil || c.RevokedAt == nil {
		t.Errorf("consent = %+v, want REVOKED newsletter with both times", c)
	}
	if len(c.History) != 2 {
		t.Fatalf("history = %+v, want grant then revocation", c.History)
	}
	g, r := c.History[0], c.History[1]
	if g.Status != "GRANTED" || g.Source != "web form" || g.Evidence == nil || *g.Evidence != evidence || g.RecordedBy != "admin (bootstrap)" {
		t.Errorf("first entry = %+v, want the grant from the web form with its evidence, recorded by the admin token", g)
	}
	if r.Status != "REVOKED" || r.Source != "phone" || r.Evidence != nil || r.RecordedBy != "admin (bootstrap)" {
		t.Errorf("second entry = %+v, want the revocation by phone", r)
	}
	if r.At < g.At {
		t.Errorf("revocation at %s is before the grant at %s", r.At, g.At)
	}
	if len(q.ConsentProof) != 2 || q.ConsentProof[0].Status != "GRANTED" || q.ConsentProof[1].Status != "REVOKED" ||
		q.ConsentProof[1].Purpose.Key != "newsletter" {
		t.Errorf("consentProof = %+v, want grant then revocation of the newsletter", q.ConsentProof)
	}
}

func TestRevocationAndRepeatedGrant(t *testing.T) {
	tests := []struct {
		name       string
		steps      []string // "grant" or "revoke"
		wantStatus string
		wantNotice string // part of the last answer's notice; "" for none
		wantCode   string // the notice's code
	}{
		{"revoking a consent never granted is recorded and says so", []string{"revoke"}, "REVOKED", "had been granted", "NEVER_GRANTED"},
		{"revoking twice keeps both", []string{"grant", "revoke", "revoke"}, "REVOKED", "already revoked", "ALREADY_REVOKED"},
		{"a repeated grant appends and stays granted", []string{"grant", "grant"}, "GRANTED", "", ""},
		{"a grant after a revocation grants again", []string{"grant", "revoke", "grant"}, "GRANTED", "", ""},
	}
	f := newFixture(t)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := f.contact(t, "Erika", fmt.Sprintf("Mustermann%d", i))
			var last consentOut
			for n, step := range tc.steps {
				if step == "grant" {
					// with evidence: a grant after a revocation needs it (needEvidenceAfterNo)
					last = f.grant(t, id, "newsletter", fmt.Sprintf("web form %d", n), fmt.Sprintf("form version %d", n))
				} else {
					last = f.revoke(t, id, "newsletter", fmt.Sprintf("phone-%d", n))
				}
			}
			if last.Status != tc.wantStatus {
				t.Errorf("status = %s, want %s", last.Status, tc.wantStatus)
			}
			if len(last.History) != len(tc.steps) {
				t.Errorf("history has %d entries, want %d (every step appended)", len(last.History), len(tc.steps))
			}
			for n, h := range last.History {
				if want := map[string]string{"grant": "GRANTED", "revoke": "REVOKED"}[tc.steps[n]]; h.Status != want {
					t.Errorf("history[%d] = %s, want %s", n, h.Status, want)
				}
			}
			switch {
			case tc.wantNotice == "" && last.Notice != nil:
				t.Errorf("notice = %q, want none", *last.Notice)
			case tc.wantNotice != "" && (last.Notice == nil || !strings.Contains(*last.Notice, tc.wantNotice)):
				t.Errorf("notice = %v, want one mentioning %q", last.Notice, tc.wantNotice)
			}
			if code := deref(last.NoticeCode); code != tc.wantCode {
				t.Errorf("noticeCode = %q, want %q", code, tc.wantCode)
			}
			if tc.wantStatus == "GRANTED" && last.RevokedAt != nil {
				t.Errorf("granted consent still has revokedAt %s", *last.RevokedAt)
			}
		})
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	f := newFixture(t)
	id := f.contact(t, "Erika", "Mustermann")
	tests := []struct {
		name, query                  string
		vars                         map[string]any
		code, field, reason, message string
	}{
		{"consent for an unknown purpose", `mutation($in: ConsentInput!) { recordConsent(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "postal", "source": "fair"}},
			"BAD_USER_INPUT", "input.purposeKey", "PURPOSE_UNKNOWN", `"postal"`},
		{"revocation for an unknown purpose", `mutation($in: RevocationInput!) { revokeConsent(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "postal", "channel": "letter"}},
			"BAD_USER_INPUT", "input.purposeKey", "PURPOSE_UNKNOWN", `"postal"`},
		{"consent without a source", `mutation($in: ConsentInput!) { recordConsent(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "newsletter", "source": "  "}},
			"BAD_USER_INPUT", "input.source", "REQUIRED", "required"},
		{"consent of an unknown contact", `mutation($in: ConsentInput!) { recordConsent(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"contactId": "00000000-0000-4000-8000-000000000000", "purposeKey": "newsletter", "source": "fair"}},
			"NOT_FOUND", "", "", "no contact"},
		{"a list bound to an unknown purpose", `mutation($in: ListInput!) { createList(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"key": "post", "name": "Post", "purposeKey": "postal"}},
			"BAD_USER_INPUT", "input.purposeKey", "PURPOSE_UNKNOWN", `"postal"`},
		{"a duplicate purpose key", `mutation($in: PurposeInput!) { createPurpose(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"key": "newsletter", "name": "Again", "legalBasis": "CONSENT"}},
			"BAD_USER_INPUT", "input.key", "KEY_TAKEN", `a purpose with key "newsletter" exists`},
		{"a malformed purpose key", `mutation($in: PurposeInput!) { createPurpose(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"key": "News Letter", "name": "N", "legalBasis": "CONSENT"}},
			"BAD_USER_INPUT", "input.key", "KEY_FORMAT", "lower-case"},
		{"a duplicate list key", `mutation($in: ListInput!) { createList(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"key": "news-de", "name": "Again", "purposeKey": "newsletter"}},
			"BAD_USER_INPUT", "input.key", "KEY_TAKEN", `"news-de" exists`},
		{"recipients of an unknown list", `query { recipients(listKey: "nope") { totalCount } }`, nil,
			"BAD_USER_INPUT", "listKey", "LIST_UNKNOWN", `"nope"`},
		{"recipients after a foreign cursor", `query { recipients(listKey: "news-de", after: "bm9wZQ") { totalCount } }`, nil,
			"BAD_USER_INPUT", "after", "BAD_CURSOR", "endCursor"},
		{"adding to an unknown list", `mutation($c: ID!) { addToList(contactId: $c, listKey: "nope") { id } }`,
			map[string]any{"c": id}, "BAD_USER_INPUT", "listKey", "LIST_UNKNOWN", `"nope"`},
		{"adding an unknown contact", `mutation { addToList(contactId: "00000000-0000-4000-8000-000000000000", listKey: "news-de") { id } }`, nil,
			"NOT_FOUND", "", "", "no contact"},
		{"the proof of a malformed id", `query { consentProof(contactId: "42") { status } }`, nil,
			"BAD_USER_INPUT", "contactId", "BAD_ID", `"42"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.Admin(t, tc.query, tc.vars)
			if len(res.Errors) != 1 {
				t.Fatalf("errors = %+v, want one", res.Errors)
			}
			e := res.Errors[0]
			reason, _ := e.Extensions["reason"].(string)
			if e.Code() != tc.code || e.Field() != tc.field || reason != tc.reason || !strings.Contains(e.Message, tc.message) {
				t.Errorf("error = %s %s at %q: %q; want %s %s at %q mentioning %q", e.Code(), reason, e.Field(), e.Message, tc.code, tc.reason, tc.field, tc.message)
			}
		})
	}
	var ledger int
	var lists struct{ Lists []struct{ Key string } }
	f.MustAdmin(t, &lists, `{ lists { key } }`, nil)
	if len(lists.Lists) != 2 {
		t.Errorf("lists = %+v, want only the two of the fixture", lists.Lists)
	}
	if err := queryRow(t, f.DBURL, `SELECT count(*) FROM consent_events`, &ledger); err != nil || ledger != 0 {
		t.Errorf("ledger holds %d entries (err %v) after refused input, want 0", ledger, err)
	}
}

func TestPurposesAndListsReadBack(t *testing.T) {
	f := newFixture(t)
	var out struct {
		Purposes []struct {
			Key, Name, LegalBasis string
			Description           *string
		}
		Lists []struct {
			Key, Name string
			Purpose   struct{ Key string }
		}
	}
	f.MustAdmin(t, &out, `{ purposes { key name legalBasis description } lists { key name purpose { key } } }`, nil)
	if len(out.Purposes) != 2 || out.Purposes[0].Key != "newsletter" || out.Purposes[1].Key != "sales-calls" ||
		out.Purposes[0].LegalBasis != "CONSENT" {
		t.Errorf("purposes = %+v", out.Purposes)
	}
	if len(out.Lists) != 2 || out.Lists[0].Key != "calls-q3" || out.Lists[0].Purpose.Key != "sales-calls" ||
		out.Lists[1].Key != "news-de" || out.Lists[1].Purpose.Key != "newsletter" {
		t.Errorf("lists = %+v", out.Lists)
	}
	id := f.contact(t, "Erika", "Mustermann")
	f.addToList(t, id, "news-de")
	f.addToList(t, id, "news-de") // twice is once
	var c struct {
		Contact struct{ Lists []struct{ Key string } }
	}
	f.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { lists { key } } }`, map[string]any{"id": id})
	if len(c.Contact.Lists) != 1 || c.Contact.Lists[0].Key != "news-de" {
		t.Errorf("contact lists = %+v, want news-de once", c.Contact.Lists)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
