package blacklist_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/embeddedpg"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	createContact = `mutation($in: ContactInput!, $override: OverrideInput) { createContact(input: $in, override: $override) {
		contact { id familyName emails phones }
		screening { blocked matches { field entry { id source } } } } }`
	eraseContact = `mutation($id: ID!, $reason: String!) { eraseContact(id: $id, reason: $reason) {
		contactId erasedAt blacklistEntry { id source reason createdAt identifierKinds keyId removedAt } } }`
	screen = `query($c: ContactInput!) { screen(candidate: $c) {
		blocked matches { field entry { id source reason identifierKinds } } } }`
)

type entry struct {
	ID, Source, Reason, CreatedAt, KeyID string
	IdentifierKinds                      []string
	RemovedAt                            *string
}

type screenResult struct {
	Blocked bool
	Matches []struct {
		Field string
		Entry entry
	}
}

type contactPayload struct {
	CreateContact struct {
		Contact *struct {
			ID, FamilyName string
			Emails, Phones []string
		}
		Screening screenResult
	}
}

// erika is the person of the "done when" scenario.
var erika = map[string]any{
	"givenName": "Erika", "familyName": "Mustermann",
	"emails":  []string{"erika.mustermann+news@example.org"},
	"phones":  []string{"030 5551234"},
	"address": map[string]any{"street": "Lindenstraße 12", "postalCode": "10115", "city": "Berlin"},
}

// erikaTraces are what must not remain in the database after her erasure (lower-case).
var erikaTraces = []string{"erika", "mustermann", "5551234", "lindenstr"}

// The "done when": erase → receipt → contact gone → the same person in other
// spellings is matched → createContact refused without override → the dump holds none of
// her personal data → createContact written with an override, which is audited.
func TestEraseScreenAndOverride(t *testing.T) {
	s := apptest.Start(t)

	var created contactPayload
	s.MustAdmin(t, &created, createContact, map[string]any{"in": erika})
	c := created.CreateContact.Contact
	if c == nil {
		t.Fatalf("Erika was not created: %+v", created)
	}
	// Her list membership and consent ledger go with her (ON DELETE CASCADE, append-only ledger).
	var consent struct{ RecordConsent struct{ ID string } }
	for _, q := range []struct {
		query string
		vars  map[string]any
	}{
		{`mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil},
		{`mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil},
		{`mutation($id: ID!) { addToList(contactId: $id, listKey: "news") { id } }`, map[string]any{"id": c.ID}},
		{`mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "web form",
			evidence: "double opt-in of erika.mustermann+news@example.org"}) { id } }`, map[string]any{"id": c.ID}},
	} {
		s.MustAdmin(t, &consent, q.query, q.vars)
	}
	// A staff note about her, as an override reason might be: erasure must blank it.
	execSQL(t, s.DBURL, `INSERT INTO audit_log (actor_id, actor_name, operation, target_id, contact_id, outcome, reason)
		VALUES ('t', 'test', 'note', $1::text, $1::uuid, 'ok', 'Erika Mustermann phoned from 030 5551234')`, c.ID)
	if found := traces(dump(t, s.DBURL)); len(found) != len(erikaTraces) {
		t.Fatalf("before the erasure the dump holds %v of %v: the search would not notice her", found, erikaTraces)
	}

	const reason = "Art. 17 request, ticket 4711"
	var erased struct {
		EraseContact struct {
			ContactID, ErasedAt string
			BlacklistEntry      entry
		}
	}
	s.MustAdmin(t, &erased, eraseContact, map[string]any{"id": c.ID, "reason": reason})
	r := erased.EraseContact
	e := r.BlacklistEntry
	if r.ContactID != c.ID || r.ErasedAt == "" || e.ID == "" || e.Source != "ERASURE" || e.Reason != reason ||
		e.RemovedAt != nil || e.KeyID != s.App.Keyring.Current().ID {
		t.Errorf("receipt = %+v", r)
	}
	if got := strings.Join(e.IdentifierKinds, ","); got != "EMAIL,PHONE,NAME_AND_ADDRESS" {
		t.Errorf("identifierKinds = %s, want EMAIL,PHONE,NAME_AND_ADDRESS", got)
	}

	var gone struct{ Contact *struct{ ID string } }
	s.MustAdmin(t, &gone, `query($id: ID!) { contact(id: $id) { id } }`, map[string]any{"id": c.ID})
	if gone.Contact != nil {
		t.Fatalf("contact(id) after erasure = %+v, want null", gone.Contact)
	}
	again := s.Admin(t, eraseContact, map[string]any{"id": c.ID, "reason": reason})
	if codes := again.ErrorCodes(); len(codes) != 1 || codes[0] != "NOT_FOUND" {
		t.Errorf("erasing her twice: %+v, want NOT_FOUND", again.Errors)
	}

	// The proof and the events name her id only.
	var proofBy, proofEntry string
	queryRow(t, s.DBURL, `SELECT erased_by_name, blacklist_entry_id::text FROM erasures WHERE contact_id = $1`, []any{c.ID}, &proofBy, &proofEntry)
	if proofBy == "" || proofEntry != e.ID {
		t.Errorf("erasure proof: by %q entry %q, want the admin and %s", proofBy, proofEntry, e.ID)
	}
	var events int
	queryRow(t, s.DBURL, `SELECT count(*) FROM events WHERE (kind = 'CONTACT_ERASED' AND contact_id = $1) OR (kind = 'BLACKLIST_CHANGED' AND ref = $2)`,
		[]any{c.ID, e.ID}, &events)
	if events != 2 {
		t.Errorf("%d CONTACT_ERASED/BLACKLIST_CHANGED events, want 2", events)
	}

	addr := func(street string) map[string]any {
		return map[string]any{"street": street, "postalCode": "10115", "city": "Berlin"}
	}
	for _, tc := range []struct {
		name      string
		candidate map[string]any
		field     string // "" for no match
		blocked   bool
	}{
		{"e-mail in upper case with spaces", map[string]any{"emails": []string{"  ERIKA.MUSTERMANN@EXAMPLE.ORG "}}, "EMAIL", true},
		{"e-mail with another +tag", map[string]any{"emails": []string{"erika.mustermann+shop@example.org"}}, "EMAIL", true},
		{"phone national with slash", map[string]any{"phones": []string{"030/555 12-34"}}, "PHONE", true},
		{"phone international", map[string]any{"phones": []string{"+49 30 5551234"}}, "PHONE", true},
		{"phone with 0049", map[string]any{"phones": []string{"0049 30 5551234"}}, "PHONE", true},
		{"name with Lindenstr. 12", map[string]any{"givenName": "ERIKA", "familyName": "mustermann", "address": addr("Lindenstr. 12")}, "NAME_AND_ADDRESS", false},
		{"name with Lindenstrasse 12", map[string]any{"givenName": "Erika", "familyName": "Mustermann", "address": addr("Lindenstrasse 12")}, "NAME_AND_ADDRESS", false},
		{"someone else at her address", map[string]any{"givenName": "Max", "familyName": "Mustermann", "address": addr("Lindenstraße 12")}, "", false},
		{"another e-mail", map[string]any{"emails": []string{"erika.musterfrau@example.org"}}, "", false},
		{"another phone", map[string]any{"phones": []string{"030 5551235"}}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got struct{ Screen screenResult }
			s.MustAdmin(t, &got, screen, map[string]any{"c": tc.candidate})
			if got.Screen.Blocked != tc.blocked {
				t.Errorf("blocked = %v, want %v", got.Screen.Blocked, tc.blocked)
			}
			if tc.field == "" {
				if len(got.Screen.Matches) != 0 {
					t.Errorf("matches = %+v, want none", got.Screen.Matches)
				}
				return
			}
			if len(got.Screen.Matches) != 1 || got.Screen.Matches[0].Field != tc.field || got.Screen.Matches[0].Entry.ID != e.ID {
				t.Errorf("matches = %+v, want one %s match of entry %s", got.Screen.Matches, tc.field, e.ID)
			}
		})
	}

	again2 := map[string]any{
		"givenName": "ERIKA", "familyName": "MUSTERMANN",
		"emails":  []string{"Erika.Mustermann+shop@Example.org"},
		"phones":  []string{"+49 30 555 1234"},
		"address": addr("Lindenstr. 12"),
	}
	var refused contactPayload
	s.MustAdmin(t, &refused, createContact, map[string]any{"in": again2})
	if refused.CreateContact.Contact != nil || !refused.CreateContact.Screening.Blocked {
		t.Fatalf("createContact without override = %+v, want contact null and a blocking screening", refused.CreateContact)
	}
	fields := map[string]bool{}
	for _, m := range refused.CreateContact.Screening.Matches {
		fields[m.Field] = m.Entry.ID == e.ID
	}
	if !fields["EMAIL"] || !fields["PHONE"] || !fields["NAME_AND_ADDRESS"] || len(fields) != 3 {
		t.Errorf("refusal matched %v, want EMAIL, PHONE and NAME_AND_ADDRESS of entry %s", fields, e.ID)
	}
	var n int
	queryRow(t, s.DBURL, `SELECT count(*) FROM contacts`, nil, &n)
	if n != 0 {
		t.Errorf("refused createContact wrote %d contacts", n)
	}

	out := dump(t, s.DBURL)
	if found := traces(out); len(found) > 0 {
		t.Errorf("after the erasure the database dump still holds %v", found)
	}
	if !bytes.Contains(out, []byte(reason)) {
		t.Errorf("the dump does not hold the erasure reason: is it a dump of this database?")
	}

	const overrideReason = "Customer re-registered in person, ticket 4712"
	var written contactPayload
	s.MustAdmin(t, &written, createContact, map[string]any{"in": again2, "override": map[string]any{"reason": overrideReason}})
	if written.CreateContact.Contact == nil || !written.CreateContact.Screening.Blocked {
		t.Fatalf("createContact with override = %+v, want the contact and the screening", written.CreateContact)
	}
	var outcome, auditReason string
	queryRow(t, s.DBURL, `SELECT outcome, reason FROM audit_log WHERE operation = 'createContact' AND target_id = $1`,
		[]any{written.CreateContact.Contact.ID}, &outcome, &auditReason)
	if auditReason != overrideReason || !strings.Contains(outcome, e.ID) {
		t.Errorf("audit of the override: outcome %q reason %q, want the entry %s and the reason", outcome, auditReason, e.ID)
	}
}

func TestEraseRefusesBadInput(t *testing.T) {
	s := apptest.Start(t)
	var created contactPayload
	s.MustAdmin(t, &created, createContact, map[string]any{"in": map[string]any{"familyName": "Beispiel", "emails": []string{"b@example.org"}}})
	for _, tc := range []struct {
		name, id, reason, code, field string
	}{
		{"no reason", created.CreateContact.Contact.ID, "  ", "BAD_USER_INPUT", "reason"},
		{"not an id", "42", "Art. 17", "BAD_USER_INPUT", "id"},
		{"unknown contact", "00000000-0000-4000-8000-000000000000", "Art. 17", "NOT_FOUND", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Admin(t, eraseContact, map[string]any{"id": tc.id, "reason": tc.reason})
			if len(res.Errors) != 1 || res.Errors[0].Code() != tc.code || res.Errors[0].Field() != tc.field {
				t.Errorf("errors = %+v, want %s on %q", res.Errors, tc.code, tc.field)
			}
		})
	}
	var still struct{ Contact *struct{ ID string } }
	s.MustAdmin(t, &still, `query($id: ID!) { contact(id: $id) { id } }`, map[string]any{"id": created.CreateContact.Contact.ID})
	if still.Contact == nil {
		t.Error("a refused erasure deleted the contact")
	}
}

// dump runs pg_dump of the whole database, data and schema.
func dump(t *testing.T, dbURL string) []byte {
	t.Helper()
	dir, err := embeddedpg.FindBinaries()
	if err != nil {
		t.Fatalf("no PostgreSQL binaries: %v", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(dir, "pg_dump"), "--no-owner", "--dbname="+dbURL)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v: %s", err, stderr.String())
	}
	return out
}

// traces returns which of Erika's traces the dump holds, ignoring case.
func traces(dump []byte) []string {
	lower := bytes.ToLower(dump)
	var found []string
	for _, s := range erikaTraces {
		if bytes.Contains(lower, []byte(s)) {
			found = append(found, s)
		}
	}
	return found
}

func execSQL(t *testing.T, dbURL, sql string, args ...any) {
	t.Helper()
	if _, err := pgtest.Connect(t, dbURL).Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryRow(t *testing.T, dbURL, sql string, args []any, dest ...any) {
	t.Helper()
	if err := pgtest.Connect(t, dbURL).QueryRow(t.Context(), sql, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

const (
	erasePerson = `mutation($id: ID!, $reason: String!, $keep: [ID!]) { eraseContact(id: $id, reason: $reason, keep: $keep) {
		contactId erasedContactIds blacklistEntry { id identifierKinds } } }`
	erasurePreview = `query($id: ID!) { erasurePreview(id: $id) { contact { id } sameIdentifiers { id } lookAlikes { id } } }`
)

type preview struct {
	ErasurePreview struct {
		Contact                     struct{ ID string }
		SameIdentifiers, LookAlikes []struct{ ID string }
	}
}

func (p preview) ids() (same, alike []string) {
	for _, c := range p.ErasurePreview.SameIdentifiers {
		same = append(same, c.ID)
	}
	for _, c := range p.ErasurePreview.LookAlikes {
		alike = append(alike, c.ID)
	}
	slices.Sort(same)
	slices.Sort(alike)
	return same, alike
}

type erasure struct {
	EraseContact struct {
		ContactID        string
		ErasedContactIds []string
		BlacklistEntry   struct {
			ID              string
			IdentifierKinds []string
		}
	}
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// The scenario: marketing and sales each keep a record of Erika (one e-mail in two
// spellings), and her private record shares the sales record's phone. Erasing the marketing
// record erases the person: all three records go, and a pg_dump holds no trace of her.
func TestEraseErasesEveryRecordOfThePerson(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, erika)
	sales := p.subscriber(t, erikaSales)
	private := p.contact(t, map[string]any{"givenName": "E.", "familyName": "Mustermann", "phones": []string{"+49 30 5550100"}})
	hans := p.subscriber(t, map[string]any{"givenName": "Hans", "familyName": "Beispiel", "emails": []string{"hans.beispiel@example.net"}})
	if found := traces(dump(t, p.DBURL)); len(found) != len(erikaTraces) {
		t.Fatalf("before the erasure the dump holds %v of %v", found, erikaTraces)
	}

	var pv preview
	p.MustAdmin(t, &pv, erasurePreview, map[string]any{"id": marketing})
	if same, alike := pv.ids(); !slices.Equal(same, sorted(sales, private)) || len(alike) != 0 || pv.ErasurePreview.Contact.ID != marketing {
		t.Fatalf("erasurePreview = same %v, look-alikes %v; want the sales and private records and no look-alike", same, alike)
	}

	var r erasure
	p.MustAdmin(t, &r, erasePerson, map[string]any{"id": marketing, "reason": "Art. 17 request, ticket 4711"})
	got := r.EraseContact.ErasedContactIds
	if len(got) != 3 || got[0] != marketing || !slices.Equal(sorted(got...), sorted(marketing, sales, private)) {
		t.Fatalf("erasedContactIds = %v, want %s first, then %s and %s", got, marketing, sales, private)
	}
	for _, id := range got {
		if p.live(t, id) != nil {
			t.Errorf("contact %s is still there", id)
		}
	}
	if ids, _ := p.recipients(t); !slices.Equal(ids, []string{hans}) {
		t.Errorf("recipients = %v, want only %s", ids, hans)
	}
	if got := p.eventsOf(t, "CONTACT_ERASED"); !slices.Equal(sorted(got...), sorted(marketing, sales, private)) {
		t.Errorf("CONTACT_ERASED events for %v", got)
	}
	if got := p.eventsOf(t, "CONTACT_BLOCKED"); len(got) != 0 {
		t.Errorf("CONTACT_BLOCKED events for %v, want none: no live record shares her identifiers", got)
	}
	var proofs int
	queryRow(t, p.DBURL, `SELECT count(*) FROM erasures WHERE blacklist_entry_id = $1`, []any{r.EraseContact.BlacklistEntry.ID}, &proofs)
	if proofs != 3 {
		t.Errorf("%d erasure proofs, want 3", proofs)
	}
	// The sales record's phone is hers too: it is on the entry.
	var scr struct{ Screen screenResult }
	p.MustAdmin(t, &scr, screen, map[string]any{"c": map[string]any{"phones": []string{"030 5550100"}}})
	if !scr.Screen.Blocked {
		t.Errorf("the sales record's phone is not on the blacklist: %+v", scr.Screen)
	}
	out := bytes.ToLower(dump(t, p.DBURL))
	if found := traces(out); len(found) > 0 {
		t.Errorf("after the erasure the dump still holds %v", found)
	}
	for _, s := range []string{"5550100", "erika.mustermann"} {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("after the erasure the dump still holds %q", s)
		}
	}
}

// With keep: the family member sharing her e-mail stays, without that e-mail; the look-alike
// (same name and address, nothing shared) is shown and stays.
func TestEraseKeepsRecordsThatAreSomeoneElse(t *testing.T) {
	p := newPerson(t)
	erikaID := p.subscriber(t, erika)
	family := p.subscriber(t, map[string]any{"givenName": "Max", "familyName": "Beispiel",
		"emails": []string{"Erika.Mustermann@example.org", "max.beispiel@example.net"}, "phones": []string{"030 5550199"}})
	alike := p.contact(t, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"e.m@example.net"},
		"address": map[string]any{"street": "Lindenstr. 12", "postalCode": "10115", "city": "Berlin"}})

	var pv preview
	p.MustAdmin(t, &pv, erasurePreview, map[string]any{"id": erikaID})
	if same, alikes := pv.ids(); !slices.Equal(same, []string{family}) || !slices.Equal(alikes, []string{alike}) {
		t.Fatalf("erasurePreview = same %v, look-alikes %v; want [%s] and [%s]", same, alikes, family, alike)
	}

	for _, tc := range []struct {
		name   string
		keep   []string
		reason string
	}{
		{"keep names the erased contact", []string{erikaID}, "KEEP_IS_ERASED"},
		{"keep names a look-alike", []string{alike}, "KEEP_SHARES_NOTHING"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := p.Admin(t, erasePerson, map[string]any{"id": erikaID, "reason": "Art. 17", "keep": tc.keep})
			if len(res.Errors) != 1 || res.Errors[0].Field() != "keep[0]" || res.Errors[0].Extensions["reason"] != tc.reason {
				t.Errorf("errors = %+v, want %s on keep[0]", res.Errors, tc.reason)
			}
		})
	}

	var r erasure
	p.MustAdmin(t, &r, erasePerson, map[string]any{"id": erikaID, "reason": "Art. 17 request, ticket 4712", "keep": []string{family}})
	if got := r.EraseContact.ErasedContactIds; !slices.Equal(got, []string{erikaID}) {
		t.Fatalf("erasedContactIds = %v, want only %s", got, erikaID)
	}
	kept := p.live(t, family)
	if kept == nil || !slices.Equal(kept.Emails, []string{"max.beispiel@example.net"}) || !slices.Equal(kept.Phones, []string{"+49305550199"}) {
		t.Fatalf("the kept record = %+v, want it without the shared e-mail", kept)
	}
	if p.live(t, alike) == nil {
		t.Fatal("the look-alike was erased")
	}
	if b := p.blocked(t, family, alike); b[0] || b[1] {
		t.Errorf("blocked = %v: the kept record and the look-alike share nothing with the entry now", b)
	}
	if ids, _ := p.recipients(t); !slices.Equal(ids, []string{family}) {
		t.Errorf("recipients = %v, want the kept record %s", ids, family)
	}
	out := bytes.ToLower(dump(t, p.DBURL))
	for _, s := range []string{"erika.mustermann", "5551234", "lindenstraße"} {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("after the erasure the dump still holds %q", s)
		}
	}
}
