package importer_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// heldMatches are the matches each held row of the job shows (heldRows.matches), by line.
func heldMatches(t *testing.T, s *apptest.Server, jobID string) map[int][]string {
	t.Helper()
	var q struct {
		ImportJob struct {
			HeldRows []struct {
				Line    int
				Matches []struct {
					Field string
					Entry struct{ ID string }
				}
			}
		}
	}
	s.MustAdmin(t, &q, `query($id: ID!) { importJob(id: $id) { heldRows { line matches { field entry { id } } } } }`,
		map[string]any{"id": jobID})
	out := map[int][]string{}
	for _, h := range q.ImportJob.HeldRows {
		out[h.Line] = []string{}
		for _, m := range h.Matches {
			out[h.Line] = append(out[h.Line], m.Field+" "+m.Entry.ID)
		}
	}
	return out
}

// A row matches two entries when it is imported: her e-mail is in one (an erasure), her phone
// in another (an objection by phone). The row shows both, the blocking matches first, and
// the acceptance made knowing them passes on the first try, its audit naming both entries.
func TestHeldRowShowsEveryMatchOfItsImport(t *testing.T) {
	s := apptest.Start(t)
	erased := blacklistAdd(t, s, map[string]any{"familyName": "Testfrau", "emails": []string{"frieda.testfrau@example.test"}},
		"asked to be erased, ticket 4721")
	objection := blacklistAdd(t, s, map[string]any{"phones": []string{"030 5550181"}}, "objection by phone of 9 March")
	j := importHeld(t, s, "Vorname;Nachname;E-Mail;Telefon\r\nFrieda;Testfrau;frieda.testfrau@example.test;030 5550181\r\n", 1)
	if h := j.HeldRows[0]; h.Field != "EMAIL" || h.Entry.ID != erased {
		t.Errorf("held row = %+v, want held for entry %s by EMAIL", h, erased)
	}
	if got, want := heldMatches(t, s, j.ID)[2], []string{"EMAIL " + erased, "PHONE " + objection}; !slices.Equal(got, want) {
		t.Errorf("line 2 shows matches %q, want %q", got, want)
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

// A row held for one entry is refused for an entry added since; the row then shows both, the
// new one first (it is the one that holds the row now), and still both once a second row's
// refusal has changed nothing of it.
func TestHeldRowRefusedForANewEntryShowsIt(t *testing.T) {
	s := apptest.Start(t)
	erased := blacklistAdd(t, s, map[string]any{"givenName": "Frieda", "familyName": "Testfrau",
		"address": map[string]any{"street": "Lindenweg 5", "postalCode": "10117", "city": "Berlin"}}, "asked to be erased, ticket 4722")
	j := importHeld(t, s, "Vorname;Nachname;E-Mail;Straße;PLZ;Ort\r\n"+
		"Frieda;Testfrau;frieda.neu@example.test;Lindenweg 5;10117;Berlin\r\n"+ // 2 held: name and address
		"Frieda;Testfrau;frieda.alt@example.test;Lindenweg 5;10117;Berlin\r\n", 2) // 3 held: name and address
	if got := heldMatches(t, s, j.ID); !slices.Equal(got[2], []string{"NAME_AND_ADDRESS " + erased}) ||
		!slices.Equal(got[3], []string{"NAME_AND_ADDRESS " + erased}) {
		t.Errorf("held rows show %v, want each the name-and-address match of entry %s", got, erased)
	}
	objection := blacklistAdd(t, s, map[string]any{"emails": []string{"frieda.neu@example.test"}}, "objection by e-mail of 10 March")
	refusedAsUnseen(t, s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": "a namesake"}),
		"line 2", []string{"frieda", "testfrau", "lindenweg"}, objection, "EMAIL")
	got := heldMatches(t, s, j.ID)
	if want := []string{"EMAIL " + objection, "NAME_AND_ADDRESS " + erased}; !slices.Equal(got[2], want) {
		t.Errorf("after the refusal line 2 shows %q, want %q", got[2], want)
	}
	if want := []string{"NAME_AND_ADDRESS " + erased}; !slices.Equal(got[3], want) {
		t.Errorf("after line 2's refusal line 3 shows %q, want %q (its e-mail is not the objection's)", got[3], want)
	}
}

// A row held before the import kept its matches (shown_fields NULL) lists the one it is held
// for, as it showed then.
func TestHeldRowHeldBeforeItsMatchesWereKept(t *testing.T) {
	s := apptest.Start(t)
	erased := blacklistAdd(t, s, map[string]any{"familyName": "Testfrau", "emails": []string{"frieda.testfrau@example.test"}},
		"asked to be erased, ticket 4723")
	blacklistAdd(t, s, map[string]any{"phones": []string{"030 5550182"}}, "objection by phone of 11 March")
	j := importHeld(t, s, "Vorname;Nachname;E-Mail;Telefon\r\nFrieda;Testfrau;frieda.testfrau@example.test;030 5550182\r\n", 1)
	if _, err := s.Conn(t).Exec(t.Context(), `UPDATE import_held SET shown_entries = NULL, shown_fields = NULL WHERE job_id = $1`, j.ID); err != nil {
		t.Fatal(err)
	}
	if got, want := heldMatches(t, s, j.ID)[2], []string{"EMAIL " + erased}; !slices.Equal(got, want) {
		t.Errorf("line 2 shows matches %q, want %q", got, want)
	}
}
