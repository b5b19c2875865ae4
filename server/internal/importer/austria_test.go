package importer_test

import (
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A national number is read in the region of the contact's address on every way in: typed
// as 0664 … on a contact with an Austrian address it is +43 whether it is created, updated,
// screened or imported.
func TestAustrianNumberIsOneNumberOnEveryPath(t *testing.T) {
	s := apptest.Start(t)
	const national, e164 = "0664 1234567", "+436641234567"
	vienna := map[string]any{"street": "Stephansplatz 1", "postalCode": "1010", "city": "Wien", "country": "AT"}

	var created struct {
		CreateContact struct {
			Contact struct {
				ID     string
				Phones []string
			}
		}
	}
	s.MustAdmin(t, &created, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id phones } } }`,
		map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": "Mustermann", "phones": []string{national}, "address": vienna}})
	c := created.CreateContact.Contact
	if !slices.Equal(c.Phones, []string{e164}) {
		t.Fatalf("createContact stored %v, want [%s]", c.Phones, e164)
	}

	// An update that sets only the phones reads them in the region of the stored address.
	var updated struct {
		UpdateContact struct{ Contact struct{ Phones []string } }
	}
	s.MustAdmin(t, &updated, `mutation($id: ID!, $in: ContactInput!) { updateContact(id: $id, input: $in) { contact { phones } } }`,
		map[string]any{"id": c.ID, "in": map[string]any{"phones": []string{national, "0664 7654321"}}})
	if got := updated.UpdateContact.Contact.Phones; !slices.Equal(got, []string{e164, "+436647654321"}) {
		t.Errorf("updateContact stored %v, want [%s +436647654321]", got, e164)
	}

	// The import reads the same number as a duplicate of the stored one, and a new one as +43.
	csv := "Vorname;Nachname;Telefon;Straße;PLZ;Ort;Land\n" +
		"Max;Muster;" + national + ";Ring 2;1010;Wien;Österreich\n" +
		"Anna;Muster;0664 5550123;Ring 2;1010;Wien;AT\n"
	res := upload(t, s.URL, apptest.AdminToken, startImport, nil, "wien.csv", []byte(csv))
	var started struct{ StartImport job }
	res.Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Status != "DONE" || j.Duplicates != 1 || j.Inserted != 1 {
		t.Fatalf("import %s: %d inserted, %d duplicates, problems %+v; want the known number a duplicate and one new",
			j.Status, j.Inserted, j.Duplicates, j.Problems)
	}
	var found struct {
		Contacts struct {
			Edges []struct{ Node struct{ Phones []string } }
		}
	}
	s.MustAdmin(t, &found, `{ contacts(search: "Anna") { edges { node { phones } } } }`, nil)
	if len(found.Contacts.Edges) != 1 || !slices.Equal(found.Contacts.Edges[0].Node.Phones, []string{"+436645550123"}) {
		t.Errorf("imported contact = %+v, want phone +436645550123", found.Contacts.Edges)
	}

	// Blacklisted in its international form, the national form on an Austrian address matches.
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {phones: ["+43 664 1234567"]}, reason: "Widerspruch") { id } }`, nil)
	var screened struct {
		Screen struct {
			Blocked bool
			Matches []struct{ Field string }
		}
	}
	s.MustAdmin(t, &screened, `query($c: ContactInput!) { screen(candidate: $c) { blocked matches { field } } }`,
		map[string]any{"c": map[string]any{"phones": []string{national}, "address": vienna}})
	if !screened.Screen.Blocked || len(screened.Screen.Matches) == 0 || screened.Screen.Matches[0].Field != "PHONE" {
		t.Errorf("screen = %+v, want blocked by PHONE", screened.Screen)
	}
	var again struct {
		CreateContact struct {
			Contact   *struct{ ID string }
			Screening struct{ Blocked bool }
		}
	}
	s.MustAdmin(t, &again, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } screening { blocked } } }`,
		map[string]any{"in": map[string]any{"familyName": "Muster", "phones": []string{national}, "address": vienna}})
	if again.CreateContact.Contact != nil || !again.CreateContact.Screening.Blocked {
		t.Errorf("createContact of the blacklisted number = %+v, want refused", again.CreateContact)
	}
}
