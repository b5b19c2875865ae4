package retention_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika Testfrau objects by phone while a retention run is under way, and an admin on another
// instance blocks her e-mail (blacklistAdd, a MANUAL entry: a legal hold) before the run
// reaches her record. The run began when no MANUAL entry existed; its deletion step holds the
// blacklist lock so that a hold added meanwhile "waits for this transaction or is seen by it",
// and must then keep her record as a run begun after the entry would.
func TestAHoldAddedWhileRetentionRunsKeepsTheRecord(t *testing.T) {
	w := world{t, apptest.Start(t)}
	other := apptest.StartOn(t, w.s.DBURL)
	var out any
	w.do(`mutation { createPurpose(input: {key: "events", name: "Event invitations", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil, &out)
	erika := w.contact("Testfrau", "erika.testfrau@example.test")
	w.grant(erika, "events")
	w.revoke(erika, "events")
	if due := w.due(); len(due) != 1 || due[0] != erika {
		t.Fatalf("due before her objection: %v, want her record %s", due, erika)
	}
	step, err := w.s.App.Retention.StepLater(t.Context()) // the run begins: no MANUAL entry yet
	if err != nil {
		t.Fatal(err)
	}
	other.MustAdmin(t, &out, `mutation { blacklistAdd(candidate: {emails: ["Erika.Testfrau+x@example.test"]}, reason: "objection by phone") { id } }`, nil)
	if due := w.due(); len(due) != 0 {
		t.Fatalf("due after the hold: %v, want none", due)
	}
	deleted, err := step([]string{erika})
	if err != nil {
		t.Fatal(err)
	}
	if deleted != 0 || w.count(`SELECT count(*) FROM contacts WHERE id = $1`, erika) != 1 {
		t.Errorf("the run begun before the hold deleted %d records (her record there: %d); want her record kept (legal hold)",
			deleted, w.count(`SELECT count(*) FROM contacts WHERE id = $1`, erika))
	}
}
