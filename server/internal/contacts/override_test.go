package contacts_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const createOverriding = `mutation($in: ContactInput!, $o: OverrideInput) { createContact(input: $in, override: $o) {
	contact { id } screening { blocked matches { field entry { id } } } } }`

type overridden struct {
	CreateContact struct {
		Contact   *struct{ ID string }
		Screening struct {
			Blocked bool
			Matches []struct {
				Field string
				Entry struct{ ID string }
			}
		}
	}
}

func (o overridden) entries() []string {
	var ids []string
	for _, m := range o.CreateContact.Screening.Matches {
		ids = append(ids, m.Entry.ID+" "+m.Field)
	}
	return ids
}

// The form's save is refused for a blacklist match and shows it; the user writes a reason for
// that match. Meanwhile the person objected by phone: an override naming the entries shown
// (entryIds) does not cover the new one, and the write is refused as one without override —
// the screening, now with both, nothing written — until the override names it too. An override
// without entryIds (an integrator's, written before them) covers what matches when it writes.
func TestAnOverrideCoversTheEntriesItWasShown(t *testing.T) {
	s := apptest.Start(t)
	var e struct{ BlacklistAdd struct{ ID string } }
	s.MustAdmin(t, &e, `mutation { blacklistAdd(candidate: {emails: ["frieda.testfrau@example.test"]}, reason: "asked to be erased, ticket 4720") { id } }`, nil)
	erased := e.BlacklistAdd.ID
	in := map[string]any{"givenName": "Frieda", "familyName": "Testfrau", "emails": []string{"frieda.testfrau@example.test"},
		"phones": []string{"030 5550181"}}

	var first overridden
	s.MustAdmin(t, &first, createOverriding, map[string]any{"in": in})
	if first.CreateContact.Contact != nil || !slices.Equal(first.entries(), []string{erased + " EMAIL"}) {
		t.Fatalf("the first save: %+v, want refused for entry %s", first, erased)
	}
	s.MustAdmin(t, &e, `mutation { blacklistAdd(candidate: {phones: ["030 5550181"]}, reason: "objection by phone of 9 March") { id } }`, nil)
	objection := e.BlacklistAdd.ID

	const why = "new written consent of 10 March, on file"
	var second overridden
	s.MustAdmin(t, &second, createOverriding, map[string]any{"in": in, "o": map[string]any{"reason": why, "entryIds": []string{erased}}})
	if second.CreateContact.Contact != nil || !second.CreateContact.Screening.Blocked ||
		!slices.Contains(second.entries(), objection+" PHONE") || !slices.Contains(second.entries(), erased+" EMAIL") {
		t.Fatalf("the override of entry %s after entry %s matched too: contact %+v, screening %+v; want refused, showing both",
			erased, objection, second.CreateContact.Contact, second.CreateContact.Screening)
	}
	if n := s.Conn(t); n != nil {
		var written int
		if err := n.QueryRow(t.Context(), `SELECT count(*) FROM contact_phones WHERE number = '+49305550181'`).Scan(&written); err != nil || written != 0 {
			t.Fatalf("refused, yet %d contacts with her phone (%v)", written, err)
		}
		var outcome string
		if err := n.QueryRow(t.Context(), `SELECT outcome FROM audit_log WHERE operation = 'createContact' ORDER BY id DESC LIMIT 1`).Scan(&outcome); err != nil ||
			!strings.HasPrefix(outcome, "refused") || !strings.Contains(outcome, objection) {
			t.Errorf("audit of the refused override = %q (%v), want a refusal naming entry %s", outcome, err, objection)
		}
	}

	var third overridden
	s.MustAdmin(t, &third, createOverriding, map[string]any{"in": in, "o": map[string]any{"reason": why, "entryIds": []string{objection, erased}}})
	if third.CreateContact.Contact == nil {
		t.Fatalf("the override naming both entries: %+v, want written", third)
	}

	// without entryIds: what matches when it writes
	in["emails"], in["givenName"] = []string{"frieda.t2@example.test"}, "Fritzi"
	var integrator overridden
	s.MustAdmin(t, &integrator, createOverriding, map[string]any{"in": in, "o": map[string]any{"reason": why}})
	if integrator.CreateContact.Contact == nil {
		t.Errorf("an override without entryIds: %+v, want written", integrator)
	}
}
