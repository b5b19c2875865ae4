package blacklist_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// An entry's reason is checked against the person's records when it is written
// (store.RefuseQuoting), not against a record that becomes hers later: staff blocked Erika
// Testfrau's record (objection), writing down the number she called from, which no record of
// hers held then; a record holding that number then joins her — merged into hers, or given her
// e-mail — and the reason, kept on the blacklist and in the audit trail after she is erased,
// would quote her. It is replaced (the entry) and blanked (the audit rows repeating it), as a
// request's text quoting her is when she is erased, and the change is audited by ids only.
func TestAnEntryReasonQuotingARecordThatJoinsHerIsScrubbed(t *testing.T) {
	const phone, quoted = "+49 30 5557456", "she called from 030 5557456"
	for _, join := range []string{"mergeContacts", "updateContact"} {
		t.Run(join, func(t *testing.T) {
			s := apptest.Start(t)
			create := func(in map[string]any) string {
				t.Helper()
				var c struct {
					CreateContact struct{ Contact struct{ ID string } }
				}
				s.MustAdmin(t, &c, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": in})
				return c.CreateContact.Contact.ID
			}
			erika := create(map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"post.et1971@example.test"}})
			other := create(map[string]any{"givenName": "E.", "familyName": "Testkundin", "phones": []string{phone}})
			var b struct{ BlacklistContact struct{ ID string } }
			s.MustAdmin(t, &b, `mutation($id: ID!, $r: String!) { blacklistContact(contactId: $id, reason: $r) { id } }`,
				map[string]any{"id": erika, "r": "objection by phone; " + quoted})
			entry := b.BlacklistContact.ID

			var out any
			switch join {
			case "mergeContacts":
				s.MustAdmin(t, &out, `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one customer") { id } }`,
					map[string]any{"into": erika, "from": []string{other}})
			case "updateContact":
				s.MustAdmin(t, &out, `mutation($id: ID!, $in: ContactInput!, $o: OverrideInput) { updateContact(id: $id, input: $in, override: $o) { contact { id } } }`,
					map[string]any{"id": other, "in": map[string]any{"emails": []string{"post.et1971@example.test"}},
						"o": map[string]any{"reason": "the same customer"}})
			}

			ctx, db := t.Context(), s.App.DB.Pool
			var reason string
			if err := db.QueryRow(ctx, `SELECT reason FROM blacklist_entries WHERE id = $1`, entry).Scan(&reason); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(reason, "5557456") {
				t.Errorf("the entry's reason after her record with the number joined her (%s): %q; want it no longer quoting the number", join, reason)
			}
			var audited int
			if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE reason LIKE '%5557456%'`).Scan(&audited); err != nil {
				t.Fatal(err)
			}
			if audited != 0 {
				t.Errorf("audit rows quoting the number after her record with it joined her (%s): %d, want 0", join, audited)
			}
			var scrubbed string
			if err := db.QueryRow(ctx, `SELECT coalesce(max(outcome), '') FROM audit_log WHERE target_id = $1 AND outcome LIKE '%reason replaced%'`, entry).Scan(&scrubbed); err != nil {
				t.Fatal(err)
			}
			if scrubbed == "" || strings.Contains(scrubbed, "5557456") || strings.Contains(scrubbed, "Testfrau") {
				t.Errorf("the audit of the scrubbed reason (%s): %q; want one naming ids only", join, scrubbed)
			}
		})
	}
}
