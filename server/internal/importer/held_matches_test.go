package importer_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A row matches two entries when it is imported: her e-mail is in one (an erasure), her phone
// in another (an objection by phone). The row keeps both as shown, so the acceptance made
// knowing them passes on the first try, its audit naming both entries.
func TestHeldRowShowsEveryMatchOfItsImport(t *testing.T) {
	s := apptest.Start(t)
	erased := blacklistAdd(t, s, map[string]any{"familyName": "Testfrau", "emails": []string{"frieda.testfrau@example.test"}},
		"asked to be erased, ticket 4721")
	objection := blacklistAdd(t, s, map[string]any{"phones": []string{"030 5550181"}}, "objection by phone of 9 March")
	j := importHeld(t, s, "Vorname;Nachname;E-Mail;Telefon\r\nFrieda;Testfrau;frieda.testfrau@example.test;030 5550181\r\n", 1)
	if h := j.HeldRows[0]; h.Field != "EMAIL" || h.Entry.ID != erased {
		t.Errorf("held row = %+v, want held for entry %s by EMAIL", h, erased)
	}

	const why = "customer since 2019, asked for the catalogue in the shop"
	res := s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": why})
	if len(res.Errors) > 0 {
		t.Fatalf("accepting a row that showed both its matches: %+v, want accepted on the first try", res.Errors)
	}
	got := decisionAudit(t, s, j.ID, 2)
	if len(got) != 1 || !strings.Contains(got[0], "override") || !strings.Contains(got[0], erased) || !strings.Contains(got[0], objection) {
		t.Errorf("audit = %q, want one override naming entries %s and %s", got, erased, objection)
	}
}
