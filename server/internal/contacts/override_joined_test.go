package contacts_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// An override's reason is checked against the person's records when it is written
// (store.RefuseQuoting), not against a record that becomes hers later: staff entered Frieda
// Testfrau although the blacklist matched, writing down the number she called from, which no
// record of hers held then; a record holding that number then joins her — merged into hers, or
// given her e-mail — and the reason, kept in the audit trail, would quote her. It is blanked,
// as an entry's reason quoting her is, and the change is audited by ids only.
func TestAnOverrideReasonQuotingARecordThatJoinsHerIsScrubbed(t *testing.T) {
	const email, phone = "frieda.sperre@example.test", "+49 30 5557461"
	const why = "new written consent on file; she called from 030 5557461"
	for _, join := range []string{"mergeContacts", "updateContact"} {
		t.Run(join, func(t *testing.T) {
			s := apptest.Start(t)
			var e struct{ BlacklistAdd struct{ ID string } }
			s.MustAdmin(t, &e, `mutation($e: String!) { blacklistAdd(candidate: {emails: [$e]}, reason: "asked to be erased, ticket 4721") { id } }`,
				map[string]any{"e": email})
			create := func(in map[string]any, o map[string]any) string {
				t.Helper()
				var c overridden
				s.MustAdmin(t, &c, createOverriding, map[string]any{"in": in, "o": o})
				if c.CreateContact.Contact == nil {
					t.Fatalf("createContact %v: %+v, want written", in, c)
				}
				return c.CreateContact.Contact.ID
			}
			other := create(map[string]any{"givenName": "F.", "familyName": "Testkundin", "phones": []string{phone}}, nil)
			frieda := create(map[string]any{"givenName": "Frieda", "familyName": "Testfrau", "emails": []string{email}},
				map[string]any{"reason": why})

			var out any
			switch join {
			case "mergeContacts":
				s.MustAdmin(t, &out, `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one customer") { id } }`,
					map[string]any{"into": frieda, "from": []string{other}})
			case "updateContact":
				s.MustAdmin(t, &out, `mutation($id: ID!, $in: ContactInput!, $o: OverrideInput) { updateContact(id: $id, input: $in, override: $o) { contact { id } } }`,
					map[string]any{"id": other, "in": map[string]any{"emails": []string{email}}, "o": map[string]any{"reason": "the same customer"}})
			}

			ctx, db := t.Context(), s.App.DB.Pool
			var quoting int
			if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE reason LIKE '%5557461%'`).Scan(&quoting); err != nil {
				t.Fatal(err)
			}
			if quoting != 0 {
				t.Errorf("audit rows whose override reason quotes the number after her record with it joined her (%s): %d, want 0", join, quoting)
			}
			var scrubbed string
			if err := db.QueryRow(ctx, `SELECT coalesce(max(outcome), '') FROM audit_log WHERE operation = 'joinPerson' AND target_id = $1
				AND outcome LIKE '%audit reasons blanked%'`, frieda).Scan(&scrubbed); err != nil {
				t.Fatal(err)
			}
			if scrubbed == "" || strings.Contains(scrubbed, "5557461") || strings.Contains(scrubbed, "Testfrau") || strings.Contains(scrubbed, "sperre") {
				t.Errorf("the audit of the blanked override reason (%s): %q; want one naming ids only", join, scrubbed)
			}
		})
	}
}

// The same holds for the reason an imported row held for a blacklist match was accepted with
// (decideImportRow): audited for the record the row became, blanked when a record holding the
// number it quotes joins her.
func TestAnAcceptedRowsReasonQuotingARecordThatJoinsHerIsScrubbed(t *testing.T) {
	const email = "frida.import@example.test"
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation($e: String!) { blacklistAdd(candidate: {emails: [$e]}, reason: "asked to be erased, ticket 4723") { id } }`,
		map[string]any{"e": email})
	var c overridden
	s.MustAdmin(t, &c, createOverriding, map[string]any{"in": map[string]any{"givenName": "F.", "familyName": "Importkundin", "phones": []string{"+49 30 5557463"}}})
	other := c.CreateContact.Contact.ID
	if status := s.Import(t, "messe.csv", []byte("Vorname;Nachname;E-Mail\nFrida;Importfrau;"+email+"\n")); status != "NEEDS_DECISION" {
		t.Fatalf("the import of her row: %s, want NEEDS_DECISION", status)
	}
	var jobs struct{ ImportJobs []struct{ ID string } }
	s.MustAdmin(t, &jobs, `query { importJobs(first: 1) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation($j: ID!) { decideImportRow(jobId: $j, line: 2, accept: true, reason: "consent form on file; she called from 030 5557463") { id } }`,
		map[string]any{"j": jobs.ImportJobs[0].ID})
	ctx, db := t.Context(), s.App.DB.Pool
	var frida string
	if err := db.QueryRow(ctx, `SELECT contact_id::text FROM contact_emails WHERE normalized = $1`, email).Scan(&frida); err != nil {
		t.Fatalf("the accepted row's record: %v", err)
	}

	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!, $in: ContactInput!, $o: OverrideInput) { updateContact(id: $id, input: $in, override: $o) { contact { id } } }`,
		map[string]any{"id": other, "in": map[string]any{"emails": []string{email}}, "o": map[string]any{"reason": "the same customer"}})
	var quoting int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE reason LIKE '%5557463%'`).Scan(&quoting); err != nil {
		t.Fatal(err)
	}
	if quoting != 0 {
		t.Errorf("audit rows whose acceptance reason quotes the number after her record with it joined her: %d, want 0", quoting)
	}
	var scrubbed int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE operation = 'joinPerson' AND target_id = $1
		AND outcome LIKE '%audit reasons blanked%'`, frida).Scan(&scrubbed); err != nil {
		t.Fatal(err)
	}
	if scrubbed != 1 {
		t.Errorf("audits of the blanked acceptance reason of record %s: %d, want 1", frida, scrubbed)
	}
}

// A merge's reason is checked against the records merged when it is written, as an override's
// against hers: one quoting a record that joins her later is blanked the same way.
func TestAMergeReasonQuotingARecordThatJoinsHerIsScrubbed(t *testing.T) {
	s := apptest.Start(t)
	create := func(in map[string]any) string {
		t.Helper()
		var c overridden
		s.MustAdmin(t, &c, createOverriding, map[string]any{"in": in})
		return c.CreateContact.Contact.ID
	}
	const merge = `mutation($into: ID!, $from: [ID!]!, $r: String!) { mergeContacts(intoId: $into, fromIds: $from, reason: $r) { id } }`
	greta := create(map[string]any{"givenName": "Greta", "familyName": "Mergefrau", "emails": []string{"greta.merge@example.test"}})
	twin := create(map[string]any{"givenName": "Greta", "familyName": "Mergefrau", "emails": []string{"g.merge@example.test"}})
	caller := create(map[string]any{"givenName": "G.", "familyName": "Mergekundin", "phones": []string{"+49 30 5557464"}})
	s.MustAdmin(t, &struct{}{}, merge, map[string]any{"into": greta, "from": []string{twin}, "r": "one customer; she called from 030 5557464"})
	s.MustAdmin(t, &struct{}{}, merge, map[string]any{"into": greta, "from": []string{caller}, "r": "the caller is her"})

	ctx, db := t.Context(), s.App.DB.Pool
	var quoting int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE reason LIKE '%5557464%'`).Scan(&quoting); err != nil {
		t.Fatal(err)
	}
	if quoting != 0 {
		t.Errorf("audit rows whose merge reason quotes the number after her record with it joined her: %d, want 0", quoting)
	}
}
