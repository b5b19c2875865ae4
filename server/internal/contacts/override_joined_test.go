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
