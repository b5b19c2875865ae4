package migrations_test

import (
	"context"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Entries made before migration 00051 did not record the records set apart (keep). The
// migration takes for set apart a record created before the entry that shares with her
// restricted record a phone the entry lacks (the family's phone), not a record entered after
// it (a phone staff added to her record later, before blocks followed such records). Her next
// change then restricts the later record and leaves the family's alone.
func TestMigrationRecordsTheRecordsSetApartBefore(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	conn := s.Conn(t)
	contact := func(in map[string]any) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": in})
		return out.CreateContact.Contact.ID
	}
	erika := contact(map[string]any{"familyName": "Testfrau", "emails": []string{"erika.testfrau@example.org"}, "phones": []string{"030 5557002"}})
	family := contact(map[string]any{"familyName": "Testmann", "emails": []string{"hans.testmann@example.net"}, "phones": []string{"030 5557002"}})
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!, $keep: [ID!]) { blacklistContact(contactId: $c, reason: "objection by letter", keep: $keep) { id } }`,
		map[string]any{"c": erika, "keep": []string{family}})
	sales := contact(map[string]any{"familyName": "Testfrau (Vertrieb)", "phones": []string{"0151 55570099"}})
	// as a server before 00051 left it: the sales phone added to her record, the entry without it
	if _, err := conn.Exec(ctx, `INSERT INTO contact_phones (contact_id, position, number, hash, key_id)
		SELECT $1, 1, number, hash, key_id FROM contact_phones WHERE contact_id = $2`, erika, sales); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DROP TABLE restriction_kept`); err != nil {
		t.Fatal(err)
	}
	if err := runUp(ctx, conn, "00051_restriction_kept.sql", "0"); err != nil {
		t.Fatal(err)
	}
	var kept []string
	if err := conn.QueryRow(ctx, `SELECT ARRAY(SELECT contact_id::text FROM restriction_kept)`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0] != family {
		t.Errorf("records set apart after the migration: %v, want the family's %s only", kept, family)
	}

	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {givenName: "Erika"}) { contact { id } } }`, map[string]any{"id": erika})
	var out struct {
		S, F struct{ Blocked bool }
	}
	s.MustAdmin(t, &out, `query($s: ID!, $f: ID!) { s: contact(id: $s) { blocked } f: contact(id: $f) { blocked } }`, map[string]any{"s": sales, "f": family})
	if !out.S.Blocked || out.F.Blocked {
		t.Errorf("after her next change: sales record blocked %v, family's %v; want hers blocked, the family's not", out.S.Blocked, out.F.Blocked)
	}
	s.AssertBlocksExact(t)
}
