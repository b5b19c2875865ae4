package migrations_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Before list departures were kept, a record that joined the person after she unsubscribed
// from a list kept its membership there. Migration 00040 reads her departures from the audit
// trail and ends such memberships that began before she left; one begun after she left (her
// own later sign-up) and someone else's stay.
func TestMigrationEndsMembershipsOfListsThePersonLeft(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	var list struct{ CreateList struct{ ID string } }
	s.MustAdmin(t, &list, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	mk := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		id := out.CreateContact.Contact.ID
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`, map[string]any{"c": id})
		return id
	}
	marketing := mk("erika.testfrau@example.org")
	sales := mk("e.testfrau@example.com")
	other := mk("max.testmann@example.org")
	var link struct{ UnsubscribeLink string }
	s.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news") }`, map[string]any{"c": marketing})
	if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
		t.Fatalf("one-click POST: status %d", code)
	}
	later := mk("erika@example.net")
	ctx := context.Background()
	conn := s.Conn(t)
	// as an older server left them: sales' and the later record joined her by their e-mails and
	// kept their memberships (sales' from before she left, the later one's from after)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`DROP TABLE list_departures`)
	exec(`INSERT INTO contact_emails (contact_id, position, address, normalized, hash, key_id)
		SELECT c.id, 1, e.address, e.normalized, e.hash, e.key_id FROM contact_emails e, unnest($1::uuid[]) AS c(id) WHERE e.contact_id = $2`,
		[]string{sales, later}, marketing)
	exec(`UPDATE list_members SET added_at = now() - interval '1 hour' WHERE contact_id = $1`, sales)
	if err := runUp(ctx, conn, "00040_list_departures.sql", "0"); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{marketing: false, sales: false, later: true, other: true} {
		var member bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM list_members WHERE contact_id = $1 AND list_id = $2)`, id, list.CreateList.ID).Scan(&member); err != nil {
			t.Fatal(err)
		}
		if member != want {
			t.Errorf("record %s on the list: %v, want %v", id, member, want)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM list_departures WHERE contact_id = $1 AND list_id = $2`, marketing, list.CreateList.ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("her departure read from the audit trail: %d rows (%v), want 1", n, err)
	}
}
