package audit_test

import (
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Sales entered Erika Testfrau a second time; staff merged that record into marketing's. The
// DPO then asks the audit trail about the record her old ticket names: it answers for the
// record it went into, as her export, her erasure and her unsubscribe link do — with what was
// done to the merged record (its rows name the survivor since the merge) and the merge
// itself — not with nothing, as if no one had ever touched it.
func TestAuditTrailOfAMergedRecordAnswersForTheSurvivor(t *testing.T) {
	s := apptest.Start(t)
	mk := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		return out.CreateContact.Contact.ID
	}
	marketing := mk("erika.testfrau@example.org")
	sales := mk("Erika.Testfrau+shop@example.org")
	s.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: ID!) { mergeContacts(intoId: $into, fromIds: [$from], reason: "entered twice, ticket 815") { id } }`,
		map[string]any{"into": marketing, "from": sales})

	survivor := all(t, s, map[string]any{"c": marketing})
	asked := all(t, s, map[string]any{"c": sales})
	ops := func(es []entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Operation+" "+deref(e.TargetID))
		}
		return out
	}
	if !slices.Contains(ops(asked), "createContact "+sales) || !slices.Contains(ops(asked), "mergeContacts "+marketing) {
		t.Errorf("auditTrail(contactId: the merged record) = %v; want the survivor's trail with the merged record's creation and the merge", ops(asked))
	}
	if !slices.Equal(ops(asked), ops(survivor)) {
		t.Errorf("auditTrail of the merged record %v, of the survivor %v; want the same", ops(asked), ops(survivor))
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
