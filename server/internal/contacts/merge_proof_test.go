package contacts_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// The newsletter software holds the id of sales' record, merged since into marketing's; the
// data-protection officer asked to prove her consent looks it up by that id. consentProof
// answers for the record it went into, as auditTrail and subjectAccessExport do, with every
// event of both records.
func TestConsentProofOfAMergedRecordAnswersForTheSurvivor(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	marketing := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"}})
	sales := create(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau", "emails": []string{"e.testfrau@firma.example.test"}})
	for _, id := range []string{marketing, sales} {
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form", evidence: "form v3"}) { id } }`,
			map[string]any{"c": id})
	}
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { id } }`,
		map[string]any{"c": sales})
	s.MustAdmin(t, &struct{}{}, mergeContacts, map[string]any{"into": marketing, "from": []string{sales}, "reason": "dieselbe Person, Dienstadresse"})

	const proof = `query($id: ID!) { consentProof(contactId: $id) { status source } }`
	var into struct {
		ConsentProof []struct{ Status, Source string }
	}
	s.MustAdmin(t, &into, proof, map[string]any{"id": marketing})
	res := s.Admin(t, proof, map[string]any{"id": sales})
	var old struct {
		ConsentProof []struct{ Status, Source string }
	}
	if len(res.Errors) == 0 {
		res.Decode(t, &old)
	}
	if len(into.ConsentProof) != 3 || len(res.Errors) != 0 || len(old.ConsentProof) != 3 {
		t.Errorf("consentProof of the survivor: %d events; of the merged id: %+v, errors %v; want the survivor's 3 events both times",
			len(into.ConsentProof), old.ConsentProof, res.ErrorCodes())
	}
}
