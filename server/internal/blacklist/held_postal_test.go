package blacklist_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// postalFile holds five rows that name Erika Mustermann at Lindenstraße 12, 10115 Berlin,
// spelled as the name-and-address key folds them: line 2 by name and address only, line 3
// with an e-mail no record has, line 4 with the e-mail her namesake (another person, entered
// after the import) has, line 5 with the e-mail of Max, who was erased; line 6, at another
// house, is imported.
const postalFile = "Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort\r\n" +
	"Erika;Mustermann;;;Lindenstr. 12;10115;Berlin\r\n" +
	"ERIKA;MUSTERMANN;erika.post@example.test;;LINDENSTRASSE 12;10115;Berlin\r\n" +
	"Erika;Mustermann;erika.tochter@example.test;;Lindenstraße 12;10115;Berlin\r\n" +
	"Erika;Mustermann;max.beispiel@example.test;;Lindenstrasse 12;10115;Berlin\r\n" +
	"Erika;Mustermann;;;Lindenstraße 14;10115;Berlin\r\n"

// postalPerson is a server with Max erased and Erika's name and address on the blacklist
// (a staff member's entry, not one of hers), and postalFile imported.
type postalPerson struct{ *apptest.Server }

func newPostalPerson(t *testing.T) postalPerson {
	t.Helper()
	p := postalPerson{apptest.Start(t)}
	max := p.create(t, map[string]any{"givenName": "Max", "familyName": "Beispiel", "emails": []string{"max.beispiel@example.test"}})
	p.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "as asked") { contactId } }`, map[string]any{"id": max})
	return p
}

// create writes a contact (with an override: a name-and-address match only warns) and
// returns its id.
func (p postalPerson) create(t *testing.T, in map[string]any) string {
	t.Helper()
	var out struct {
		CreateContact struct{ Contact *struct{ ID string } }
	}
	p.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in, override: {reason: "checked by phone"}) { contact { id } } }`,
		map[string]any{"in": in})
	if out.CreateContact.Contact == nil {
		t.Fatalf("createContact %v wrote nothing", in)
	}
	return out.CreateContact.Contact.ID
}

// blockAddressAndImport puts her name and address on the blacklist and imports postalFile.
func (p postalPerson) blockAddressAndImport(t *testing.T) {
	t.Helper()
	p.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {givenName: "Erika", familyName: "Mustermann",
		address: {street: "Lindenstraße 12", postalCode: "10115", city: "Berlin"}}, reason: "letter from the house") { id } }`, nil)
	if status := p.Import(t, "adressen.csv", []byte(postalFile)); status != "NEEDS_DECISION" {
		t.Fatalf("import: %s, want NEEDS_DECISION", status)
	}
	if fields := p.heldFields(t); !slices.Equal(fields, []string{"2 NAME_AND_ADDRESS", "3 NAME_AND_ADDRESS", "4 NAME_AND_ADDRESS", "5 EMAIL"}) {
		t.Fatalf("held rows after the import: %v, want lines 2-4 by NAME_AND_ADDRESS and 5 by EMAIL", fields)
	}
}

func (p postalPerson) heldFields(t *testing.T) []string {
	t.Helper()
	rows, err := p.Conn(t).Query(t.Context(), `SELECT line || ' ' || field FROM import_held ORDER BY line`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func (p postalPerson) heldLines(t *testing.T) []int {
	t.Helper()
	var lines []int
	if err := p.Conn(t).QueryRow(t.Context(), `SELECT coalesce(array_agg(line ORDER BY line), '{}') FROM import_held`).Scan(&lines); err != nil {
		t.Fatal(err)
	}
	return lines
}

// exportedLines returns the lines of the held rows her access export lists, in the record
// asked about and in her other records.
func (p postalPerson) exportedLines(t *testing.T, id string) []int {
	t.Helper()
	var out struct{ SubjectAccessExport string }
	p.MustAdmin(t, &out, `query($id: ID!) { subjectAccessExport(contactId: $id) }`, map[string]any{"id": id})
	type record struct {
		HeldImportRows []struct {
			Line      int
			MatchedBy string
			Street    *string
		}
	}
	var doc struct {
		record
		OtherRecords []record
	}
	if err := json.Unmarshal([]byte(out.SubjectAccessExport), &doc); err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, r := range append([]record{doc.record}, doc.OtherRecords...) {
		for _, h := range r.HeldImportRows {
			lines = append(lines, h.Line)
		}
	}
	slices.Sort(lines)
	return lines
}

func (p postalPerson) erase(t *testing.T, id string) {
	t.Helper()
	p.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request by letter") { contactId } }`,
		map[string]any{"id": id})
}

// A row an import holds because it names her by name and postal address is hers, though it
// holds no e-mail or phone of hers and matched an entry a staff member wrote, not one of
// hers: her access export lists it and her erasure drops it, with the row that brings her with
// an e-mail no record has and the one held by the e-mail of Max, who was erased. The row with
// the e-mail of her namesake, another person, is not hers.
// The erasure and the export looked only for her e-mails and phones and her own entries, and
// left her name and address in the import for staff to accept.
func TestErasureAndExportFindTheRowsHeldByHerNameAndAddress(t *testing.T) {
	p := newPostalPerson(t)
	erika := p.create(t, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"erika.mustermann@example.test"},
		"address": map[string]any{"street": "Lindenstraße 12", "postalCode": "10115", "city": "Berlin"}})
	p.blockAddressAndImport(t)
	p.create(t, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"erika.tochter@example.test"}})

	if got := p.exportedLines(t, erika); !slices.Equal(got, []int{2, 3, 5}) {
		t.Errorf("held rows in her access export: lines %v, want [2 3 5]", got)
	}
	p.erase(t, erika)
	if got := p.heldLines(t); !slices.Equal(got, []int{4}) {
		t.Errorf("held rows after her erasure: lines %v, want [4] (her namesake's)", got)
	}
}

// The person is all her records: the address is on her second record only (it shares her
// phone), and erasing or exporting the first finds the rows held by her name and address; after
// the erasure the database holds nothing of her address.
func TestTheRowsHeldByHerNameAndAddressAreFoundFromHerOtherRecord(t *testing.T) {
	p := newPostalPerson(t)
	first := p.create(t, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"erika.mustermann@example.test"},
		"phones": []string{"+49 30 5557001"}})
	p.create(t, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "phones": []string{"030 5557001"},
		"address": map[string]any{"street": "Lindenstr. 12", "postalCode": "10115", "city": "Berlin"}})
	p.blockAddressAndImport(t)

	if got := p.exportedLines(t, first); !slices.Equal(got, []int{2, 3, 4, 5}) {
		t.Errorf("held rows in her access export: lines %v, want [2 3 4 5]", got)
	}
	p.erase(t, first)
	if got := p.heldLines(t); len(got) != 0 {
		t.Errorf("held rows after her erasure: lines %v, want none", got)
	}
	// nothing of her address is left: not the rows, not their keys, not in an event or the audit
	lower := bytes.ToLower(dump(t, p.DBURL))
	for _, trace := range []string{"lindenstr. 12", "lindenstrasse 12", "lindenstraße 12", "lindenstr12", "erika.post@example.test"} {
		if bytes.Contains(lower, []byte(trace)) {
			t.Errorf("the database holds %q after her erasure", trace)
		}
	}
}

// Her record was merged into another of hers, which took its address over; her erasure,
// asked with the merged record's id, drops the rows held by her name and address.
func TestErasingAMergedRecordDropsTheRowsHeldByHerNameAndAddress(t *testing.T) {
	p := newPostalPerson(t)
	merged := p.create(t, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"erika.mustermann@example.test"},
		"address": map[string]any{"street": "Lindenstraße 12", "postalCode": "10115", "city": "Berlin"}})
	into := p.create(t, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"e.mustermann@example.test"}})
	p.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one person") { id } }`,
		map[string]any{"into": into, "from": []string{merged}})
	p.blockAddressAndImport(t)

	p.erase(t, merged)
	if got := p.heldLines(t); len(got) != 0 {
		t.Errorf("held rows after her erasure: lines %v, want none", got)
	}
}
