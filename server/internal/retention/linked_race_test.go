package retention_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika Testfrau's access request is open on her newsletter record when a retention run
// begins. Her old event-invitation record (revoked long ago: due) shares nothing with it yet;
// while the run is under way, staff on another instance find it is hers and add her e-mail
// to it. From then on it is a record of the person with the open request, and the run must
// keep it as a run begun a moment later would: the request holds every record of hers.
func TestARecordThatBecomesHersDuringARunIsHeldByHerRequest(t *testing.T) {
	w := world{t, apptest.Start(t)}
	other := apptest.StartOn(t, w.s.DBURL)
	var out any
	w.do(`mutation { createPurpose(input: {key: "events", name: "Event invitations", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil, &out)
	w.do(`mutation { createPurpose(input: {key: "news", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil, &out)
	newsletter := w.contact("Testfrau", "erika.testfrau@example.test")
	w.grant(newsletter, "news")
	events := w.contact("Testfrau", "e.testfrau@firma.example.test")
	w.grant(events, "events")
	w.revoke(events, "events")
	w.do(`mutation($id: ID!) { fileRequest(input: {kind: ACCESS, contactId: $id, channel: "letter"}) { id } }`, map[string]any{"id": newsletter}, &out)
	step, err := w.s.App.Retention.StepLater(t.Context()) // the run begins
	if err != nil {
		t.Fatal(err)
	}
	other.MustAdmin(t, &out, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.testfrau@firma.example.test", "Erika.Testfrau+events@example.test"]}) { contact { id } } }`,
		map[string]any{"id": events})
	if due := w.due(); len(due) != 0 {
		t.Fatalf("due once the record is hers: %v, want none (her access request is open)", due)
	}
	if n, err := step([]string{events}); err != nil || n != 0 {
		t.Errorf("a step of the run begun before the record became hers deleted %d records (%v); want it held by her open request", n, err)
	}
}
