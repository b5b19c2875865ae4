package contacts_test

import (
	"context"
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// mergeFixture is a newsletter purpose with a list, for the merge's revocation tests.
func mergeFixture(t *testing.T) *apptest.Server {
	t.Helper()
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "calls", name: "Calls", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	return s
}

// subscribed creates a contact on the news list with a granted newsletter consent.
func subscribed(t *testing.T, s *apptest.Server, in map[string]any) string {
	t.Helper()
	id := create(t, s, in)
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
	for _, p := range []string{"newsletter", "calls"} {
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!, $p: String!) { recordConsent(input: {contactId: $c, purposeKey: $p, source: "web form"}) { id } }`,
			map[string]any{"c": id, "p": p})
	}
	return id
}

func newsRecipients(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	var out struct {
		Recipients struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &out, `{ recipients(listKey: "news") { edges { node { id } } } }`, nil)
	var ids []string
	for _, e := range out.Recipients.Edges {
		ids = append(ids, e.Node.ID)
	}
	slices.Sort(ids)
	return ids
}

// revokedEvents are the contacts with a CONSENT_REVOKED event for purposeKey after cursor.
func revokedEvents(t *testing.T, s *apptest.Server, cursor, purposeKey string) []string {
	t.Helper()
	rows, err := s.Conn(t).Query(context.Background(), `SELECT e.contact_id::text FROM events e JOIN purposes p ON p.id = e.purpose_id
		WHERE e.kind = 'CONSENT_REVOKED' AND e.id > $1::bigint AND p.key = $2 ORDER BY e.contact_id`, cursor, purposeKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// Marketing has Erika Testfrau on the newsletter; sales entered her a second time (a look-alike
// by name and address, no shared e-mail or phone), and there she said no to the newsletter.
// Staff merge the two records: the later "no" wins and the survivor stops receiving — and the
// newsletter software, which holds the survivor's id and learns only from the outbox (webhook,
// revocations feed), must be told so. It got CONSENT_REVOKED for sales' record (which it may
// never have held) and CONTACT_MERGED (drop that id); before the fix nothing told it to drop
// the survivor, so it kept mailing her. Only the newsletter stops: her grant for calls stays.
func TestMergeThatStopsTheSurvivorAnnouncesTheRevocation(t *testing.T) {
	s := mergeFixture(t)
	addr := map[string]any{"street": "Musterstraße 1", "postalCode": "10115", "city": "Berlin"}
	marketing := subscribed(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "address": addr})
	sales := subscribed(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"phones": []string{"+49 30 12345671"}, "address": addr})
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { id } }`,
		map[string]any{"c": sales})
	if got := newsRecipients(t, s); !slices.Equal(got, []string{marketing}) {
		t.Fatalf("recipients before the merge = %v, want marketing's record %s", got, marketing)
	}
	cursor := s.Cursor(t)

	var m merged
	s.MustAdmin(t, &m, mergeContacts, map[string]any{"into": marketing, "from": []string{sales}, "reason": "one person, two departments"})
	status := map[string]string{}
	for _, c := range m.MergeContacts.Consents {
		status[c.Purpose.Key] = c.Status
	}
	if status["newsletter"] != "REVOKED" || status["calls"] != "GRANTED" {
		t.Fatalf("survivor's consents after the merge = %v, want newsletter REVOKED (her later no) and calls GRANTED", status)
	}
	if got := newsRecipients(t, s); len(got) != 0 {
		t.Errorf("recipients after the merge = %v, want none", got)
	}
	if got := revokedEvents(t, s, cursor, "newsletter"); !slices.Equal(got, []string{marketing}) {
		t.Errorf("CONSENT_REVOKED (newsletter) events after the merge for %v, want one for the survivor %s: "+
			"newsletter software holding it is never told to stop", got, marketing)
	}
	if got := revokedEvents(t, s, cursor, "calls"); len(got) != 0 {
		t.Errorf("CONSENT_REVOKED (calls) events after the merge for %v, want none: she revoked only the newsletter", got)
	}
}

// Erika Testfrau said no to the newsletter on marketing's record (her e-mail). Sales had her
// twice under her phone number, in two spellings, both subscribed and not known as her. Staff
// merge one of sales' records into marketing's: the survivor now holds her phone, so sales'
// other record is her record too (DESIGN rule 8) — as when updateContact adds the phone
// (consent.JoinPerson) it must take on her "no" and stop. Before the fix the merge left it
// subscribed, a recipient of the newsletter she had revoked.
func TestMergeJoiningAPersonTakesOnHerRevocation(t *testing.T) {
	s := mergeFixture(t)
	second := apptest.StartOn(t, s.DBURL)
	marketing := subscribed(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}})
	salesA := subscribed(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "phones": []string{"+49 30 12345672"}})
	salesB := subscribed(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau", "phones": []string{"030 1234567-2"},
		"emails": []string{"e.testfrau@example.net"}})
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "letter"}) { id } }`,
		map[string]any{"c": marketing})
	if got, want := newsRecipients(t, s), sorted(salesA, salesB); !slices.Equal(got, want) {
		t.Fatalf("recipients before the merge = %v, want sales' records %v", got, want)
	}
	cursor := s.Cursor(t)

	s.MustAdmin(t, &struct{}{}, mergeContacts, map[string]any{"into": marketing, "from": []string{salesA}, "reason": "one person, two departments"})
	for name, srv := range map[string]*apptest.Server{"this instance": s, "second instance": second} {
		if got := newsRecipients(t, srv); len(got) != 0 {
			t.Errorf("%s: recipients after the merge = %v, want none: %s shares her phone with the survivor", name, got, salesB)
		}
	}
	var c struct {
		Contact struct {
			Consents []struct {
				Status  string
				Purpose struct{ Key string }
			}
		}
	}
	s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { consents { status purpose { key } } } }`, map[string]any{"id": salesB})
	for _, cs := range c.Contact.Consents {
		if want := map[string]string{"newsletter": "REVOKED", "calls": "GRANTED"}[cs.Purpose.Key]; cs.Status != want {
			t.Errorf("%s: %s consent %s after the merge, want %s", salesB, cs.Purpose.Key, cs.Status, want)
		}
	}
	if got := revokedEvents(t, s, cursor, "newsletter"); !slices.Contains(got, salesB) {
		t.Errorf("CONSENT_REVOKED events after the merge for %v, want one for %s", got, salesB)
	}
}
