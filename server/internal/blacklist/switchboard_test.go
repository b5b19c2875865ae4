package blacklist_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Erika's record holds her office's switchboard number, which 250 colleagues' records hold
// too: no one person. Her erasure and its preview are refused with PERSON_TOO_LARGE, and the
// message says the way out that works (its old text pointed at erasurePreview, which refuses
// the same): take the number off her record, then the preview shows her alone and the
// erasure erases her record only.
func TestASwitchboardNumberIsTakenOffBeforeTheErasure(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	erika := map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.org"},
		"phones": []string{"+49 30 5550000", "+49 30 5557001"}}
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": erika})
	id := out.CreateContact.Contact.ID
	conn := s.Conn(t)
	if _, err := conn.Exec(ctx, `WITH c AS (INSERT INTO contacts (given_name, family_name, sort_key, search_text)
			SELECT 'Kollege', 'Nummer ' || n, 'nummer ' || n, 'kollege nummer ' || n FROM generate_series(1, $1::int) n RETURNING id)
		INSERT INTO contact_phones (contact_id, position, number, hash, key_id) SELECT c.id, 0, p.number, p.hash, p.key_id FROM c, contact_phones p
		WHERE p.contact_id = $2 AND p.number = '+49305550000'`, store.MaxPersonRecords+50, id); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ name, query string }{
		{"eraseContact", `mutation($id: ID!) { eraseContact(id: $id, reason: "as asked") { contactId } }`},
		{"erasurePreview", `query($id: ID!) { erasurePreview(id: $id) { contact { id } } }`},
	} {
		res := s.Admin(t, q.query, map[string]any{"id": id})
		if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "PERSON_TOO_LARGE" || !strings.Contains(res.Errors[0].Message, "updateContact") {
			t.Errorf("%s: %+v, want PERSON_TOO_LARGE telling to take the number off with updateContact", q.name, res.Errors)
		}
	}
	erika["phones"] = []string{"+49 30 5557001"}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!, $in: ContactInput!) { updateContact(id: $id, input: $in) { contact { id } } }`,
		map[string]any{"id": id, "in": erika})
	var preview struct {
		ErasurePreview struct{ SameIdentifiers []struct{ ID string } }
	}
	s.MustAdmin(t, &preview, `query($id: ID!) { erasurePreview(id: $id) { sameIdentifiers { id } } }`, map[string]any{"id": id})
	if n := len(preview.ErasurePreview.SameIdentifiers); n != 0 {
		t.Errorf("the preview after the number went: %d other records, want none", n)
	}
	var erased struct {
		EraseContact struct{ ErasedContactIds []string }
	}
	s.MustAdmin(t, &erased, `mutation($id: ID!) { eraseContact(id: $id, reason: "as asked") { erasedContactIds } }`, map[string]any{"id": id})
	if got := fmt.Sprint(erased.EraseContact.ErasedContactIds); got != fmt.Sprint([]string{id}) {
		t.Errorf("erased %s, want her record only", got)
	}
	var colleagues int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM contact_phones WHERE number = '+49305550000'`).Scan(&colleagues); err != nil || colleagues != store.MaxPersonRecords+50 {
		t.Errorf("colleagues with the switchboard number after her erasure: %d (%v), want all %d", colleagues, err, store.MaxPersonRecords+50)
	}
}
