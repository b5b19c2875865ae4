package blacklist_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// person is a fixture of one server with a newsletter purpose and list.
type person struct{ *apptest.Server }

func newPerson(t *testing.T, opts ...apptest.Option) person {
	t.Helper()
	return personOn(t, apptest.Start(t, opts...))
}

func personOn(t *testing.T, s *apptest.Server) person {
	t.Helper()
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	return person{s}
}

// contact creates a contact as given (an override reason lets in one matching the blacklist).
func (p person) contact(t *testing.T, in map[string]any) string {
	t.Helper()
	var out contactPayload
	p.MustAdmin(t, &out, createContact, map[string]any{"in": in, "override": map[string]any{"reason": "second department's record"}})
	if out.CreateContact.Contact == nil {
		t.Fatalf("createContact(%v) wrote nothing: %+v", in, out)
	}
	return out.CreateContact.Contact.ID
}

// subscriber creates a contact on the news list with a granted newsletter consent.
func (p person) subscriber(t *testing.T, in map[string]any) string {
	t.Helper()
	id := p.member(t, in)
	p.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`,
		map[string]any{"c": id})
	return id
}

// member creates a contact on the news list without a consent: a record written blocked (an
// override against the blacklist) gets none, recordConsent refuses it (CONTACT_BLOCKED).
func (p person) member(t *testing.T, in map[string]any) string {
	t.Helper()
	id := p.contact(t, in)
	p.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
	return id
}

// recipients returns the ids recipients(news) returns, in order, and its totalCount, after
// checking that contact_blocks is exact.
// confirmedSignUp signs email up for the newsletter on news and confirms it from her mailbox.
func (p person) confirmedSignUp(t *testing.T, email string) {
	t.Helper()
	var su struct{ SignUp struct{ ConfirmURL string } }
	p.MustAdmin(t, &su, `mutation($e: String!) { signUp(input: {email: $e, purposeKey: "newsletter", listKey: "news", source: "web form"}) { confirmURL } }`,
		map[string]any{"e": email})
	resp, err := http.PostForm(su.SignUp.ConfirmURL, url.Values{"confirm": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirming her sign-up: %d", resp.StatusCode)
	}
}

func (p person) recipients(t *testing.T) ([]string, int) {
	t.Helper()
	p.AssertBlocksExact(t)
	var out struct {
		Recipients struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
		}
	}
	p.MustAdmin(t, &out, `{ recipients(listKey: "news", first: 100) { totalCount edges { node { id } } } }`, nil)
	ids := []string{}
	for _, e := range out.Recipients.Edges {
		ids = append(ids, e.Node.ID)
	}
	return ids, out.Recipients.TotalCount
}

// blocked returns Contact.blocked of each id (one operation: the loader batches them), after
// checking that contact_blocks is exact.
func (p person) blocked(t *testing.T, ids ...string) []bool {
	t.Helper()
	p.AssertBlocksExact(t)
	var out struct {
		Contacts struct {
			Edges []struct {
				Node struct {
					ID      string
					Blocked bool
				}
			}
		}
	}
	p.MustAdmin(t, &out, `{ contacts(first: 100) { edges { node { id blocked } } } }`, nil)
	byID := map[string]bool{}
	for _, e := range out.Contacts.Edges {
		byID[e.Node.ID] = e.Node.Blocked
	}
	got := make([]bool, len(ids))
	for i, id := range ids {
		b, ok := byID[id]
		if !ok {
			t.Fatalf("contact %s is not listed", id)
		}
		got[i] = b
	}
	return got
}

// live reports whether contact(id) answers.
func (p person) live(t *testing.T, id string) *struct{ Emails, Phones []string } {
	t.Helper()
	var out struct {
		Contact *struct{ Emails, Phones []string }
	}
	p.MustAdmin(t, &out, `query($id: ID!) { contact(id: $id) { emails phones } }`, map[string]any{"id": id})
	return out.Contact
}

// eventsOf returns the contact ids of the outbox events of kind, in order.
func (p person) eventsOf(t *testing.T, kind string) []string {
	t.Helper()
	rows, err := pgtest.Connect(t, p.DBURL).Query(t.Context(), `SELECT contact_id::text FROM events WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// hookBodies is a webhook endpoint; it passes on every body it receives.
func hookBodies(t *testing.T) (string, <-chan []byte) {
	t.Helper()
	got := make(chan []byte, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hooks/vermerk", got
}

type feedEvent struct{ Kind, ContactID, Channel string }

func nextFeedEvent(t *testing.T, ws *gqlws.Conn) feedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	m, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("revocations subscription: %v", err)
	}
	var p struct {
		Data struct{ Revocations feedEvent }
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || m.Type != "next" {
		t.Fatalf("subscription message %s %s", m.Type, m.Payload)
	}
	return p.Data.Revocations
}

var (
	erikaSales = map[string]any{"givenName": "Erika", "familyName": "Mustermann",
		"emails": []string{"Erika.Mustermann@example.org"}, "phones": []string{"030 5550100"}}
	maxMuster = map[string]any{"givenName": "Max", "familyName": "Muster",
		"emails": []string{"max.muster@example.com"}, "phones": []string{"+49 30 1234567"}}
)

const (
	blacklistAddQ     = `mutation($c: ContactInput!, $r: String!) { blacklistAdd(candidate: $c, reason: $r) { id source } }`
	blacklistContactQ = `mutation($id: ID!, $r: String!) { blacklistContact(contactId: $id, reason: $r) { id source reason } }`
)

// The "done when": a manual entry for a subscribed person's e-mail takes them out of
// recipients at once, and a subscriber over WebSocket and a webhook both get CONTACT_BLOCKED.
// blacklistContact blocks a record and keeps it; the unsubscribe link of a blocked contact
// still works.
func TestBlacklistEntriesGovernSending(t *testing.T) {
	p := newPerson(t)
	erikaID := p.subscriber(t, erika)
	maxID := p.subscriber(t, maxMuster)

	hookURL, hook := hookBodies(t)
	p.MustAdmin(t, &struct{}{}, `mutation($u: String!) { createWebhook(input: {url: $u, kinds: [CONTACT_BLOCKED], secret: "whsec-0123456789abcdef"}) { id } }`,
		map[string]any{"u": hookURL})
	ws, err := gqlws.Dial(t.Context(), p.WSURL(), apptest.AdminToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Subscribe(t.Context(), "1", `subscription($after: String) { revocations(after: $after) { kind contactId channel } }`,
		map[string]any{"after": p.Cursor(t)}); err != nil {
		t.Fatal(err)
	}

	want := []string{erikaID, maxID}
	slices.Sort(want)
	if got, n := p.recipients(t); !slices.Equal(got, want) || n != 2 {
		t.Fatalf("recipients before = %v (%d), want %v", got, n, want)
	}
	if got := p.blocked(t, erikaID, maxID); got[0] || got[1] {
		t.Fatalf("blocked before = %v", got)
	}

	// An objection to advertising, entered by another spelling of her address.
	var added struct{ BlacklistAdd struct{ ID, Source string } }
	p.MustAdmin(t, &added, blacklistAddQ, map[string]any{"c": map[string]any{"emails": []string{" ERIKA.Mustermann+promo@Example.ORG"}},
		"r": "objection to advertising (Art. 21), letter of 3 March"})
	if got, n := p.recipients(t); !slices.Equal(got, []string{maxID}) || n != 1 {
		t.Errorf("recipients after blacklistAdd = %v (%d), want only %s", got, n, maxID)
	}
	if got := p.blocked(t, erikaID, maxID); !got[0] || got[1] {
		t.Errorf("blocked after blacklistAdd = %v, want [true false]", got)
	}
	if ev := nextFeedEvent(t, ws); ev.Kind != "CONTACT_BLOCKED" || ev.ContactID != erikaID || ev.Channel != "staff" {
		t.Errorf("subscriber got %+v, want CONTACT_BLOCKED of %s", ev, erikaID)
	}
	select {
	case body := <-hook:
		var payload struct{ Kind, ContactID string }
		if err := json.Unmarshal(body, &payload); err != nil || payload.Kind != "CONTACT_BLOCKED" || payload.ContactID != erikaID {
			t.Errorf("webhook got %s, want CONTACT_BLOCKED of %s", body, erikaID)
		}
		if strings.Contains(strings.ToLower(string(body)), "erika") {
			t.Errorf("webhook payload names the person: %s", body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("webhook got no CONTACT_BLOCKED within 30 s")
	}

	// An entry covering her again is no news: no second CONTACT_BLOCKED.
	p.MustAdmin(t, &added, blacklistAddQ, map[string]any{"c": map[string]any{"phones": []string{"030/555 12-34"}}, "r": "second objection, by phone"})
	if got := p.eventsOf(t, "CONTACT_BLOCKED"); !slices.Equal(got, []string{erikaID}) {
		t.Errorf("CONTACT_BLOCKED events = %v, want one for %s", got, erikaID)
	}

	// Her unsubscribe link still works: the revocation is recorded and announced.
	var link struct{ UnsubscribeLink string }
	p.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news") }`, map[string]any{"c": erikaID})
	if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
		t.Errorf("one-click unsubscribe of a blocked contact: %d", code)
	}
	if ev := nextFeedEvent(t, ws); ev.Kind != "CONSENT_REVOKED" || ev.ContactID != erikaID {
		t.Errorf("after the unsubscribe the subscriber got %+v", ev)
	}

	// blacklistContact: the record stays, blocked, and leaves recipients.
	var entry struct {
		BlacklistContact struct{ ID, Source, Reason string }
	}
	p.MustAdmin(t, &entry, blacklistContactQ, map[string]any{"id": maxID, "r": "restriction of processing (Art. 18) during a dispute"})
	if e := entry.BlacklistContact; e.ID == "" || e.Source != "MANUAL" {
		t.Errorf("blacklistContact = %+v", e)
	}
	if p.live(t, maxID) == nil {
		t.Fatal("blacklistContact deleted the record")
	}
	if got, n := p.recipients(t); len(got) != 0 || n != 0 {
		t.Errorf("recipients after blacklistContact = %v (%d), want none", got, n)
	}
	if ev := nextFeedEvent(t, ws); ev.Kind != "CONTACT_BLOCKED" || ev.ContactID != maxID {
		t.Errorf("subscriber got %+v, want CONTACT_BLOCKED of %s", ev, maxID)
	}
	var scr struct{ Screen screenResult }
	p.MustAdmin(t, &scr, screen, map[string]any{"c": map[string]any{"phones": []string{"030 1234567"}}})
	if !scr.Screen.Blocked || scr.Screen.Matches[0].Entry.ID != entry.BlacklistContact.ID {
		t.Errorf("screening his phone after blacklistContact = %+v", scr.Screen)
	}
}

// A reason that quotes the person refused, naming the field and the reason code; nothing is
// written.
func TestReasonsWithPersonalDataAreRefused(t *testing.T) {
	p := newPerson(t)
	id := p.subscriber(t, erika)
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		field       string // "" for reason
	}{
		{"blacklistAdd quoting the e-mail", blacklistAddQ, map[string]any{"c": map[string]any{"emails": []string{"max.muster@example.com"}},
			"r": "Mail from MAX.MUSTER@example.com: no more ads"}, ""},
		{"blacklistAdd quoting the name", blacklistAddQ, map[string]any{"c": map[string]any{"familyName": "Muster", "givenName": "Max",
			"emails": []string{"max.muster@example.com"}}, "r": "Herr Muster objected"}, ""},
		{"blacklistContact quoting the phone", blacklistContactQ, map[string]any{"id": id, "r": "called from (030) 555-1234"}, ""},
		{"blacklistContact quoting the name with folded umlauts", blacklistContactQ, map[string]any{"id": id, "r": "per MUSTERMANN's letter"}, ""},
		{"eraseContact quoting the e-mail", eraseContact, map[string]any{"id": id, "reason": "erika.mustermann@example.org wants out"}, ""},
		{"createContact override quoting the name", createContact, map[string]any{"in": erika,
			"override": map[string]any{"reason": "Erika re-registered"}}, "override.reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := p.Admin(t, tc.query, tc.vars)
			field := "reason"
			if tc.field != "" {
				field = tc.field
			}
			if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != field ||
				res.Errors[0].Extensions["reason"] != "REASON_HAS_PERSONAL_DATA" {
				t.Fatalf("errors = %+v, want BAD_USER_INPUT REASON_HAS_PERSONAL_DATA on %s", res.Errors, field)
			}
			if strings.Contains(strings.ToLower(res.Errors[0].Message), "muster") {
				t.Errorf("the message repeats the personal data: %q", res.Errors[0].Message)
			}
		})
	}
	var n, contacts int
	queryRow(t, p.DBURL, `SELECT (SELECT count(*) FROM blacklist_entries), (SELECT count(*) FROM contacts)`, nil, &n, &contacts)
	if n != 0 || contacts != 1 || p.live(t, id) == nil {
		t.Errorf("refused requests left %d entries and %d contacts, want none and the one", n, contacts)
	}
}

// blacklistContact on one record blocks the person: marketing and sales entered Erika apart
// (the phone the same, the e-mails not). Her sales e-mail is on the entry too, so the sales
// record stays blocked when staff take the shared phone off it, and the address alone is
// recognised when she is entered again.
func TestBlacklistContactBlocksEveryRecordOfThePerson(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	sales := p.subscriber(t, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"030 5557001"}})
	p.MustAdmin(t, &struct{}{}, blacklistContactQ, map[string]any{"id": marketing, "r": "objection to advertising (Art. 21), letter"})
	p.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {phones: []}, override: {reason: "mobile was a typo"}) { contact { id } } }`,
		map[string]any{"id": sales})
	if got := p.blocked(t, marketing, sales); !got[0] || !got[1] {
		t.Errorf("blocked after blacklistContact(marketing) and the phone taken off the sales record = %v, want both", got)
	}
	var scr struct{ Screen screenResult }
	p.MustAdmin(t, &scr, screen, map[string]any{"c": map[string]any{"emails": []string{"E.T.Vertrieb+neu@firma.example"}}})
	if !scr.Screen.Blocked {
		t.Errorf("screening her sales e-mail after blacklistContact of her marketing record: %+v, want blocked", scr.Screen)
	}
}
