package importer_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// PostgreSQL cannot store a NUL character in text. A row with one in a name, organisation or
// address line is invalid on its line, as any other unusable value, and the rest of the file is
// imported; before, the batch's COPY failed and the whole import stopped FAILED with "an
// internal error stopped the import after line 0". createContact answered INTERNAL.
func TestANulCharacterIsABadValueNotAnInternalError(t *testing.T) {
	s := apptest.Start(t)
	file := "Vorname;Nachname;Firma;E-Mail;Straße;PLZ;Ort\r\n" +
		"Anna;Beispiel;;anna.beispiel@example.net;;;\r\n" +
		"Erika;Test\x00frau;;erika.testfrau@example.org;;;\r\n" +
		"Hans;Muster;Muster\x00 GmbH;hans.muster@example.net;;;\r\n" +
		"Clara;Weg;;clara.weg@example.net;Linden\x00straße 1;10115;Berlin\r\n" +
		"Dora;Beispiel;;dora.beispiel@example.net;;;\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "messe.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Status != "DONE" || j.Inserted != 2 || j.Invalid != 3 {
		msg := ""
		if j.Message != nil {
			msg = *j.Message
		}
		t.Fatalf("job = %s (%q), inserted %d, invalid %d, problems %+v; want DONE with Anna and Dora inserted, three rows invalid",
			j.Status, msg, j.Inserted, j.Invalid, j.Problems)
	}
	for _, p := range j.Problems {
		if p.Code != "TEXT_NOT_UTF8" {
			t.Errorf("problem %+v, want TEXT_NOT_UTF8", p)
		}
	}

	for field, in := range map[string]map[string]any{
		"input.familyName":     {"familyName": "Test\x00frau"},
		"input.organization":   {"familyName": "Testfrau", "organization": "Test\x00 GmbH"},
		"input.address.street": {"familyName": "Testfrau", "address": map[string]any{"street": "Linden\x00straße 1", "postalCode": "10115", "city": "Berlin"}},
	} {
		res := s.Admin(t, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": in})
		if len(res.Errors) != 1 || res.Errors[0].Field() != field || res.Errors[0].Extensions["reason"] != "TEXT_NOT_UTF8" {
			t.Errorf("createContact with a NUL in %s: %+v, want BAD_USER_INPUT TEXT_NOT_UTF8 there", field, res.Errors)
		}
	}
}
