package consent_test

import (
	"encoding/json"
	"testing"
)

// Erika Testfrau asks what is stored about her, quoting the customer number sales gave her:
// the id of a record that staff have since merged into marketing's record of her. The export
// answers for the record her data went into (as eraseContact, revokeConsent, fileRequest and
// her unsubscribe link do) and says which id was asked for; before, it answered NOT_FOUND, as
// if nothing were stored about her.
func TestSubjectAccessExportOfAMergedRecordAnswersForTheSurvivor(t *testing.T) {
	f := newFixture(t)
	survivor := f.contact(t, "Erika", "Testfrau")
	merged := f.contact(t, "Erika", "Testfrau-Muster")
	f.grant(t, merged, "newsletter", "web form", nil)
	f.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one person, two departments") { id } }`,
		map[string]any{"into": survivor, "from": []string{merged}})

	res := f.Admin(t, `query($id: ID!) { subjectAccessExport(contactId: $id) }`, map[string]any{"id": merged})
	if codes := res.ErrorCodes(); len(codes) > 0 {
		t.Fatalf("subjectAccessExport with the merged record's id: errors %v, want the survivor's export", codes)
	}
	var out struct{ SubjectAccessExport string }
	res.Decode(t, &out)
	var doc struct {
		AskedFor string
		Contact  struct{ ID string }
		Consents []struct{ PurposeKey string }
	}
	if err := json.Unmarshal([]byte(out.SubjectAccessExport), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Contact.ID != survivor {
		t.Errorf("the export is of %s, want the survivor %s", doc.Contact.ID, survivor)
	}
	if doc.AskedFor != merged {
		t.Errorf("askedFor = %q, want the merged id %s the request quoted", doc.AskedFor, merged)
	}
	if len(doc.Consents) != 1 || doc.Consents[0].PurposeKey != "newsletter" {
		t.Errorf("consents = %+v, want the newsletter consent the merged record brought", doc.Consents)
	}
}
