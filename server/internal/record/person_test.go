package record_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Marketing and sales entered Erika Testfrau twice (her e-mail once with a sub-address); her
// erasure takes both records, and it is one erasure of one person, as is Otto Fremd's. The
// record counts erasures, not the records an erasure took: it said 3 for two people.
func TestRecordCountsAnErasureOfAPersonWithTwoRecordsOnce(t *testing.T) {
	s := apptest.Start(t)
	contact := func(in map[string]any) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": in})
		return out.CreateContact.Contact.ID
	}
	marketing := contact(map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"}})
	contact(map[string]any{"givenName": "E.", "familyName": "Testfrau", "emails": []string{"Erika.Testfrau+angebot@example.test"}})
	otto := contact(map[string]any{"givenName": "Otto", "familyName": "Fremd", "phones": []string{"+49 30 5559001"}})
	for _, id := range []string{marketing, otto} {
		var out struct {
			EraseContact struct{ ErasedContactIds []string }
		}
		s.MustAdmin(t, &out, `mutation($id: ID!) { eraseContact(id: $id, reason: "asked to be forgotten") { erasedContactIds } }`, map[string]any{"id": id})
	}
	var rec struct{ ProcessingRecord string }
	s.MustAdmin(t, &rec, `query { processingRecord }`, nil)
	if want := "Erasures in the last 12 months (all purposes):** 2"; !strings.Contains(rec.ProcessingRecord, want) {
		t.Errorf("two people erased, one of them with two records: the record lacks %q:\n%s", want, rec.ProcessingRecord)
	}
}
