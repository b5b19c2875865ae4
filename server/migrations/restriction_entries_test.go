package migrations_test

import (
	"context"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Restrictions said before migration 00036 were not marked, so her own sign-up ended them as
// if they were objections. Migration 00038 marks the entry a completed RESTRICTION request
// made, and no other: not her objection with the same words from before the request was
// filed, not another person's objection, not a block staff made for someone else with the
// same words while her request was open, not her later objection, not a block with other words
// of someone whose request found no one to block any more.
func TestMigrationMarksRestrictionsSaidBeforeTheMark(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	conn := s.Conn(t)
	contact := func(given, family, email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($g: String!, $f: String!, $e: String!) { createContact(input: {givenName: $g, familyName: $f, emails: [$e]}) { contact { id } } }`,
			map[string]any{"g": given, "f": family, "e": email})
		return out.CreateContact.Contact.ID
	}
	newest := func() string {
		var id string
		if err := conn.QueryRow(ctx, `SELECT id::text FROM blacklist_entries ORDER BY created_at DESC, id LIMIT 1`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	file := func(kind, contactID string) string {
		var out struct{ FileRequest struct{ ID string } }
		s.MustAdmin(t, &out, `mutation($in: RequestInput!) { fileRequest(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"kind": kind, "contactId": contactID, "channel": "letter"}})
		return out.FileRequest.ID
	}
	complete := func(id, outcome string) string {
		s.MustAdmin(t, &struct{}{}, `mutation($id: ID!, $o: String!) { completeRequest(id: $id, outcome: $o) { id } }`,
			map[string]any{"id": id, "o": outcome})
		return newest()
	}
	const words = "letter of 2026-11-02, as asked"
	erika := contact("Erika", "Testfrau", "erika.testfrau@example.org")
	max := contact("Max", "Testmann", "max.testmann@example.org")
	petra := contact("Petra", "Probefrau", "petra.probefrau@example.org")
	anna := contact("Anna", "Beispiel", "anna.beispiel@example.org")

	erikaObjected := complete(file("OBJECTION", erika), words)
	restriction := file("RESTRICTION", erika)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!, $r: String!) { blacklistContact(contactId: $id, reason: $r) { id } }`,
		map[string]any{"id": petra, "r": words})
	petraBlocked := newest()
	erikaRestricted := complete(restriction, words)
	maxObjected := complete(file("OBJECTION", max), words)
	erikaObjectedAgain := complete(file("OBJECTION", erika), words)
	// Anna's request finds no one to block when it is completed: staff had blocked her with
	// other words meanwhile, then erased her
	annaRequest := file("RESTRICTION", anna)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!, $r: String!) { blacklistContact(contactId: $id, reason: $r) { id } }`,
		map[string]any{"id": anna, "r": "complaint by telephone"})
	annaBlocked := newest()
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "as asked") { contactId } }`, map[string]any{"id": anna})
	complete(annaRequest, words)

	var marked int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM blacklist_entries WHERE restriction`).Scan(&marked); err != nil || marked != 1 {
		t.Fatalf("entries marked as restrictions by this server: %d (%v), want 1", marked, err)
	}
	// as a server before 00036 left them
	if _, err := conn.Exec(ctx, `UPDATE blacklist_entries SET restriction = false`); err != nil {
		t.Fatal(err)
	}
	if err := runUp(ctx, conn, "00038_mark_restriction_entries.sql", "0"); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]struct {
		id   string
		want bool
	}{
		"Erika's restriction":           {erikaRestricted, true},
		"Erika's earlier objection":     {erikaObjected, false},
		"Petra's block, the same words": {petraBlocked, false},
		"Max's objection":               {maxObjected, false},
		"Erika's later objection":       {erikaObjectedAgain, false},
		"Anna's block, other words":     {annaBlocked, false},
	} {
		var restricted bool
		if err := conn.QueryRow(ctx, `SELECT restriction FROM blacklist_entries WHERE id = $1`, e.id).Scan(&restricted); err != nil || restricted != e.want {
			t.Errorf("%s: marked %v (%v), want %v", name, restricted, err, e.want)
		}
	}
}
