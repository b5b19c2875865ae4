package contacts_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Every way a contact's names are written — entry, update, merge, import — stores the sort key
// and search text store.SortKey and store.SearchText derive from them (their one definition),
// so a contact sorts and is found the same however it came in.
func TestEveryWriterStoresStoresKeys(t *testing.T) {
	s := apptest.Start(t)
	address := map[string]any{"street": "Domplatz 1", "postalCode": "50667", "city": "Köln"}
	create(t, s, map[string]any{"givenName": "Jürgen", "familyName": "Müller-Lüdenscheidt", "organization": "Öko GmbH", "address": address})
	renamed := create(t, s, map[string]any{"givenName": "Test", "familyName": "Placeholder"})
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {givenName: "Ayşe", familyName: "ÖZDEMİR", organization: "Straße & Söhne"}) { contact { id } } }`,
		map[string]any{"id": renamed})
	into := create(t, s, map[string]any{"givenName": "Åsa", "familyName": "Øberg", "emails": []string{"asa@example.org"}})
	from := create(t, s, map[string]any{"givenName": "Åsa", "familyName": "Øberg", "organization": "Ærø AS", "emails": []string{"asa@example.org"}, "address": address})
	s.MustAdmin(t, &struct{}{}, mergeContacts, map[string]any{"into": into, "from": []string{from}, "reason": "one person"})
	if status := s.Import(t, "kontakte.csv", []byte("Vorname;Nachname;Firma;Straße;PLZ;Ort\nNguyễn;Thị Ánh;;Hauptstraße 2;10115;Berlin\nΑνδρέας;Σίσυφος;;;;\nＥｒｉｋａ;ﬁscher;;;;\n")); status != "DONE" {
		t.Fatalf("import: %s, want DONE", status)
	}
	rows, err := s.Conn(t).Query(t.Context(), `SELECT given_name, family_name, coalesce(organization, ''), city, sort_key, search_text FROM contacts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var c screening.Contact
		var city *string
		var key, text string
		if err := rows.Scan(&c.GivenName, &c.FamilyName, &c.Organization, &city, &key, &text); err != nil {
			t.Fatal(err)
		}
		if city != nil {
			c.Address = &screening.Address{City: *city}
		}
		if want := store.SortKey(c.FamilyName, c.GivenName, c.Organization); key != want {
			t.Errorf("%s %s: sort key %q, want %q", c.GivenName, c.FamilyName, key, want)
		}
		if want := store.SearchText(c); text != want {
			t.Errorf("%s %s: search text %q, want %q", c.GivenName, c.FamilyName, text, want)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != 6 {
		t.Errorf("%d contacts (%v), want 6", n, err)
	}
}
