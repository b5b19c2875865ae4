package contacts_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const createContact = `mutation($in: ContactInput!) { createContact(input: $in) {
	contact { id givenName familyName organization emails phones address { street postalCode city country } }
	screening { blocked matches { field } }
	duplicates { id } } }`

type payload struct {
	CreateContact struct {
		Contact *struct {
			ID, GivenName, FamilyName string
			Organization              *string
			Emails, Phones            []string
			Address                   *struct{ Street, PostalCode, City, Country string }
		}
		Screening  struct{ Blocked bool }
		Duplicates []struct{ ID string }
	}
}

func TestCreateAndReadContact(t *testing.T) {
	s := apptest.Start(t)
	var p payload
	s.MustAdmin(t, &p, createContact, map[string]any{"in": map[string]any{
		"givenName": "Erika", "familyName": "Mustermann",
		"emails":  []string{" Erika.Mustermann@Example.ORG "},
		"phones":  []string{"030/555 12-34"},
		"address": map[string]any{"street": "Lindenstraße 12", "postalCode": "10115", "city": "Berlin"},
	}})
	c := p.CreateContact.Contact
	if c == nil || c.ID == "" {
		t.Fatalf("no contact returned: %+v", p)
	}
	if got := c.Emails; len(got) != 1 || got[0] != "Erika.Mustermann@example.org" {
		t.Errorf("emails = %q, want the address as entered with the domain lower-cased", got)
	}
	if got := c.Phones; len(got) != 1 || got[0] != "+49305551234" {
		t.Errorf("phones = %q, want E.164 +49305551234", got)
	}
	if c.Address == nil || c.Address.Country != "DE" {
		t.Errorf("address = %+v, want country defaulting to DE", c.Address)
	}
	var q struct {
		Contact struct {
			ID, FamilyName string
			Emails         []string
		}
	}
	s.MustAdmin(t, &q, `query($id: ID!) { contact(id: $id) { id familyName emails } }`, map[string]any{"id": c.ID})
	if q.Contact.ID != c.ID || q.Contact.FamilyName != "Mustermann" {
		t.Errorf("contact(id) = %+v", q.Contact)
	}
	var missing struct{ Contact *struct{ ID string } }
	s.MustAdmin(t, &missing, `{ contact(id: "00000000-0000-4000-8000-000000000000") { id } }`, nil)
	if missing.Contact != nil {
		t.Errorf("unknown id gave %+v, want null", missing.Contact)
	}
}

func TestValidationErrorsNameFieldAndProblem(t *testing.T) {
	s := apptest.Start(t)
	res := s.Admin(t, createContact, map[string]any{"in": map[string]any{
		"givenName": "Erika",
		"emails":    []string{"erika@example.org", "anna@"},
		"phones":    []string{"12ab"},
		"address":   map[string]any{"street": "Hauptstraße 1", "postalCode": "123", "city": "Berlin"},
	}})
	want := map[string]struct{ reason, text string }{
		"input.emails[1]":          {"EMAIL_NO_DOMAIN", `e-mail has no domain`},
		"input.phones[0]":          {"PHONE_INVALID", `phone is not a valid phone number`},
		"input.familyName":         {"NAME_OR_ORGANIZATION_REQUIRED", "family name or an organisation"},
		"input.address.postalCode": {"POSTAL_CODE_INVALID", "postal code must have 5 digits"},
	}
	got := map[string]apptest.GQLError{}
	for _, e := range res.Errors {
		if e.Code() != "BAD_USER_INPUT" {
			t.Errorf("error %q has code %q, want BAD_USER_INPUT", e.Message, e.Code())
		}
		got[e.Field()] = e
	}
	for field, w := range want {
		e, ok := got[field]
		if !ok {
			t.Errorf("no error for %s; got %v", field, got)
			continue
		}
		if !strings.Contains(e.Message, w.text) || e.Extensions["reason"] != w.reason {
			t.Errorf("%s: message %q reason %v, want one mentioning %q with reason %s", field, e.Message, e.Extensions["reason"], w.text, w.reason)
		}
	}
	var list struct{ Contacts struct{ TotalCount int } }
	s.MustAdmin(t, &list, `{ contacts { totalCount } }`, nil)
	if list.Contacts.TotalCount != 0 {
		t.Errorf("invalid input wrote %d contacts", list.Contacts.TotalCount)
	}
}

func TestPaginationAndSearch(t *testing.T) {
	s := apptest.Start(t)
	for i := range 25 {
		in := map[string]any{"givenName": fmt.Sprintf("Test%02d", i), "familyName": fmt.Sprintf("Beispiel%02d", i),
			"emails": []string{fmt.Sprintf("person%02d@example.org", i)}}
		if i%5 == 0 {
			in["address"] = map[string]any{"street": "Teststraße 1", "postalCode": "50667", "city": "Köln"}
		}
		if i == 7 {
			in["organization"] = "Musterfirma GmbH"
			in["phones"] = []string{"+49 89 5550007"}
		}
		var p payload
		s.MustAdmin(t, &p, createContact, map[string]any{"in": in})
	}
	const page = `query($after: String, $search: String) { contacts(first: 10, after: $after, search: $search) {
		totalCount pageInfo { hasNextPage endCursor } edges { cursor node { familyName } } } }`
	type conn struct {
		Contacts struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct{ Node struct{ FamilyName string } }
		}
	}
	var seen []string
	var after any
	for range 5 {
		var c conn
		s.MustAdmin(t, &c, page, map[string]any{"after": after})
		if c.Contacts.TotalCount != 25 {
			t.Fatalf("totalCount = %d, want 25", c.Contacts.TotalCount)
		}
		for _, e := range c.Contacts.Edges {
			seen = append(seen, e.Node.FamilyName)
		}
		if !c.Contacts.PageInfo.HasNextPage {
			break
		}
		after = *c.Contacts.PageInfo.EndCursor
	}
	if len(seen) != 25 || seen[0] != "Beispiel00" || seen[24] != "Beispiel24" {
		t.Fatalf("pages gave %d contacts %v, want all 25 in name order", len(seen), seen)
	}
	// Names, organisation and city match anywhere; e-mails and phones by their start, phones
	// also as dialled nationally or with separators.
	for term, want := range map[string]int{"köln": 5, "MUSTERFIRMA": 1, "firma": 1, "person07@": 1, "PERSON07@Example.ORG": 1,
		"person0": 10, "089 5550007": 1, "0895550007": 1, "+49895550007": 1, "0049 89 555": 1, "089/555-00": 1, "5550007": 0,
		"nobody": 0, "beispiel1": 10, "test2": 5, "_": 0, "%": 0} {
		var c conn
		s.MustAdmin(t, &c, page, map[string]any{"search": term})
		if c.Contacts.TotalCount != want || len(c.Contacts.Edges) != min(want, 10) {
			t.Errorf("search %q: totalCount %d, %d edges; want %d", term, c.Contacts.TotalCount, len(c.Contacts.Edges), want)
		}
	}
	res := s.Admin(t, `{ contacts(after: "garbage") { totalCount } }`, nil)
	if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Errorf("bad cursor: %+v", res.Errors)
	}
}

func TestUnauthenticated(t *testing.T) {
	s := apptest.Start(t)
	for _, token := range []string{"", "wrong-token-0123456789"} {
		res := s.Do(t, token, `{ contacts { totalCount } }`, nil)
		if res.Status != 401 || len(res.Errors) != 1 || res.Errors[0].Code() != "UNAUTHENTICATED" {
			t.Errorf("token %q: status %d errors %+v, want 401 UNAUTHENTICATED", token, res.Status, res.Errors)
		}
	}
}

// The contact list is in dictionary order: a name with an umlaut or another diacritic sorts
// with its base letter (Ärger with the A's, Özdemir after Otto), however it came in — entered,
// renamed or imported — and page by page. Before, the embedded database compared the bytes of
// the lower-cased name, and Ärger, Özdemir and Żak came after Zuse.
func TestNamesSortWithTheirLetters(t *testing.T) {
	s := apptest.Start(t)
	var ids = map[string]string{}
	for _, name := range []string{"Zuse", "Ärger", "Otto", "Meyer", "Placeholder"} {
		var p payload
		s.MustAdmin(t, &p, createContact, map[string]any{"in": map[string]any{"givenName": "Test", "familyName": name}})
		ids[name] = p.CreateContact.Contact.ID
	}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {givenName: "Test", familyName: "Özdemir"}) { contact { id } } }`,
		map[string]any{"id": ids["Placeholder"]})
	if status := s.Import(t, "kontakte.csv", []byte("givenName;familyName\nTest;Żak\nTest;Müller\nTest;Łukasiewicz\n")); status != "DONE" {
		t.Fatalf("import: %s, want DONE", status)
	}
	var seen []string
	var after any
	for range 10 {
		var c struct {
			Contacts struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
				Edges []struct{ Node struct{ FamilyName string } }
			}
		}
		s.MustAdmin(t, &c, `query($after: String) { contacts(first: 3, after: $after) { pageInfo { hasNextPage endCursor } edges { node { familyName } } } }`,
			map[string]any{"after": after})
		for _, e := range c.Contacts.Edges {
			seen = append(seen, e.Node.FamilyName)
		}
		if !c.Contacts.PageInfo.HasNextPage {
			break
		}
		after = *c.Contacts.PageInfo.EndCursor
	}
	if want := []string{"Ärger", "Łukasiewicz", "Meyer", "Müller", "Otto", "Özdemir", "Żak", "Zuse"}; !slices.Equal(seen, want) {
		t.Errorf("contacts in pages of 3: %v, want %v", seen, want)
	}
}

// Frau Müller is found however her name is typed: with the umlaut, without it, or with an e
// (as in an address book without umlauts), and Herr Mueller, written so, by "Müller" too; her
// city the same way. Before, only the exact umlaut found her.
func TestSearchFindsUmlautsHoweverTyped(t *testing.T) {
	s := apptest.Start(t)
	for _, in := range []map[string]any{
		{"givenName": "Erika", "familyName": "Müller", "address": map[string]any{"street": "Teststraße 1", "postalCode": "50667", "city": "Köln"}},
		{"givenName": "Max", "familyName": "Mueller"},
		{"givenName": "Jörg", "familyName": "Straßer"},
		{"givenName": "Test", "familyName": "Miller"},
	} {
		s.MustAdmin(t, &struct{}{}, createContact, map[string]any{"in": in})
	}
	for term, want := range map[string][]string{
		"Müller": {"Mueller", "Müller"}, "müller": {"Mueller", "Müller"}, "Mueller": {"Mueller", "Müller"},
		"Muller": {"Müller"}, "erika muller": {"Müller"}, "Köln": {"Müller"}, "koeln": {"Müller"}, "koln": {"Müller"},
		"strasser": {"Straßer"}, "Straßer": {"Straßer"}, "jorg": {"Straßer"}, "joerg": {"Straßer"}, "ller": {"Miller", "Mueller", "Müller"},
		"Erika Mueller": {"Müller"}, "ERIKA MÜLLER": {"Müller"}, "😀": nil, "–": nil,
	} {
		var c struct {
			Contacts struct {
				TotalCount int
				Edges      []struct{ Node struct{ FamilyName string } }
			}
		}
		s.MustAdmin(t, &c, `query($s: String) { contacts(first: 10, search: $s) { totalCount edges { node { familyName } } } }`, map[string]any{"s": term})
		var got []string
		for _, e := range c.Contacts.Edges {
			got = append(got, e.Node.FamilyName)
		}
		if !slices.Equal(got, want) || c.Contacts.TotalCount != len(want) {
			t.Errorf("search %q: %v (totalCount %d), want %v", term, got, c.Contacts.TotalCount, want)
		}
	}
}
