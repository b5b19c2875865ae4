package blacklist_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// erikaTestfrau is the person of the red team's scenarios: entered by marketing and again by
// sales, one e-mail in two spellings.
var (
	erikaTestfrau = map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails":  []string{"erika.testfrau@example.org"},
		"phones":  []string{"030 5557001"},
		"address": map[string]any{"street": "Lindenstraße 12", "postalCode": "10115", "city": "Berlin"}}
	erikaTestfrauSales = map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"Erika.Testfrau+shop@Example.org"}, "phones": []string{"+49 30 5557002"}}
	// what must not remain of her (lower-case)
	erikaTestfrauTraces = []string{"erika", "testfrau", "5557001", "5557002", "lindenstr"}
)

const (
	fileRequestQ     = `mutation($in: RequestInput!) { fileRequest(input: $in) { id contact { id } } }`
	completeRequestQ = `mutation($id: ID!, $o: String!) { completeRequest(id: $id, outcome: $o) { id status } }`
	mergeContactsQ   = `mutation($into: ID!, $from: [ID!]!, $r: String!) { mergeContacts(intoId: $into, fromIds: $from, reason: $r) { id } }`
)

func testfrauTraces(t *testing.T, dbURL string) []string {
	t.Helper()
	out := bytes.ToLower(dump(t, dbURL))
	var found []string
	for _, s := range erikaTestfrauTraces {
		if bytes.Contains(out, []byte(s)) {
			found = append(found, s)
		}
	}
	return found
}

// An ERASURE request filed on the sales record, which staff then merge into the marketing
// record (the duplicate they were asked to tidy up): completing the request erases the person,
// not nothing because the record it named was merged away.
func TestRedTeamErasureRequestOfAMergedRecordErasesThePerson(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, erikaTestfrau)
	sales := p.contact(t, erikaTestfrauSales)

	var filed struct{ FileRequest struct{ ID string } }
	p.MustAdmin(t, &filed, fileRequestQ, map[string]any{"in": map[string]any{"kind": "ERASURE", "contactId": sales,
		"channel": "letter", "note": "Brief von Erika Testfrau, Lindenstraße 12"}})
	p.MustAdmin(t, &struct{}{}, mergeContactsQ, map[string]any{"into": marketing, "from": []string{sales}, "r": "one person, ticket 4711"})
	p.MustAdmin(t, &struct{}{}, completeRequestQ, map[string]any{"id": filed.FileRequest.ID, "o": "erased, ticket 4711"})

	if c := p.live(t, marketing); c != nil {
		t.Errorf("after the completed ERASURE request the person's record %s is still there: %+v", marketing, c)
	}
	if ids, _ := p.recipients(t); len(ids) != 0 {
		t.Errorf("recipients after the erasure = %v, want none", ids)
	}
	if found := testfrauTraces(t, p.DBURL); len(found) > 0 {
		t.Errorf("after the completed ERASURE request the dump still holds %v", found)
	}
}

// eraseContact of the survivor of a merge: what was noted about the merged record (a request's
// note, an audited free-text reason) goes with the person.
func TestRedTeamErasureAfterMergeForgetsTheMergedRecordsNotes(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, erikaTestfrau)
	sales := p.contact(t, erikaTestfrauSales)

	p.MustAdmin(t, &struct{}{}, fileRequestQ, map[string]any{"in": map[string]any{"kind": "RECTIFICATION", "contactId": sales,
		"channel": "phone", "note": "Erika Testfrau: new address Lindenstraße 12"}})
	// a staff note about the sales record, as an override reason might be
	execSQL(t, p.DBURL, `INSERT INTO audit_log (actor_id, actor_name, operation, target_id, contact_id, outcome, reason)
		VALUES ('t', 'test', 'note', $1::text, $1::uuid, 'ok', 'met her at the fair, lives Lindenstraße 12')`, sales)
	p.MustAdmin(t, &struct{}{}, mergeContactsQ, map[string]any{"into": marketing, "from": []string{sales}, "r": "one person, ticket 4711"})

	var r erasure
	p.MustAdmin(t, &r, erasePerson, map[string]any{"id": marketing, "reason": "Art. 17 request, ticket 4712"})
	if found := testfrauTraces(t, p.DBURL); len(found) > 0 {
		t.Errorf("after the erasure the dump still holds %v", found)
	}
}

// The channel of a revocation (kept in the outbox, replayed to subscribers and in webhook
// payloads) and the channel of a data-subject request (kept as proof) outlive the person's
// erasure: one that names her is refused as the other such texts are, and after her erasure
// none of it remains.
func TestRedTeamChannelsThatOutliveThePersonMayNotNameHer(t *testing.T) {
	p := newPerson(t)
	erikaID := p.subscriber(t, erikaTestfrau)

	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"revocation channel with her name", `mutation($in: RevocationInput!) { revokeConsent(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"contactId": erikaID, "purposeKey": "newsletter", "channel": "anruf-erika-testfrau"}}},
		{"request channel with her e-mail", fileRequestQ,
			map[string]any{"in": map[string]any{"kind": "ERASURE", "contactId": erikaID, "channel": "E-Mail von Erika.Testfrau@example.org"}}},
		{"request channel with her phone", fileRequestQ,
			map[string]any{"in": map[string]any{"kind": "ACCESS", "contactId": erikaID, "channel": "Anruf von 030 555 7001"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := p.Admin(t, tc.query, tc.vars)
			if len(res.Errors) != 1 || res.Errors[0].Field() != "input.channel" || res.Errors[0].Extensions["reason"] != "REASON_HAS_PERSONAL_DATA" {
				t.Errorf("errors = %+v, want REASON_HAS_PERSONAL_DATA on input.channel", res.Errors)
			}
		})
	}

	p.MustAdmin(t, &struct{}{}, erasePerson, map[string]any{"id": erikaID, "reason": "Art. 17 request, ticket 4713"})
	if found := testfrauTraces(t, p.DBURL); len(found) > 0 {
		t.Errorf("after the erasure the dump still holds %v", found)
	}
}

// Erased on one instance, the person is refused on a second instance of the same database in
// every spelling, by createContact, updateContact of another record, screen and an import
// (held); sign-up answers as for anyone and writes nothing until confirmed.
func TestRedTeamErasedPersonStaysOutOnASecondInstance(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, erikaTestfrau)
	p.contact(t, erikaTestfrauSales)
	other := person{apptest.StartOn(t, p.DBURL)}
	hans := other.contact(t, map[string]any{"givenName": "Hans", "familyName": "Beispiel", "emails": []string{"hans.beispiel@example.net"}})

	var r erasure
	p.MustAdmin(t, &r, erasePerson, map[string]any{"id": marketing, "reason": "Art. 17 request, ticket 4711"})
	if len(r.EraseContact.ErasedContactIds) != 2 {
		t.Fatalf("erasedContactIds = %v, want both records", r.EraseContact.ErasedContactIds)
	}
	for _, tc := range []struct {
		name string
		in   map[string]any
	}{
		{"e-mail in capitals with a +tag", map[string]any{"familyName": "X", "emails": []string{"ERIKA.TESTFRAU+Neu@EXAMPLE.ORG"}}},
		{"the sales record's phone with 0049", map[string]any{"familyName": "X", "phones": []string{"0049 (0)30 555 70-02"}}},
		{"the marketing phone national", map[string]any{"familyName": "X", "phones": []string{"(030) 555 7001"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var scr struct{ Screen screenResult }
			other.MustAdmin(t, &scr, screen, map[string]any{"c": tc.in})
			var created contactPayload
			other.MustAdmin(t, &created, createContact, map[string]any{"in": tc.in})
			var updated struct {
				UpdateContact struct {
					Contact   *struct{ ID string }
					Screening screenResult
				}
			}
			upd := map[string]any{}
			for k, v := range tc.in {
				if k != "familyName" {
					upd[k] = v
				}
			}
			other.MustAdmin(t, &updated, `mutation($id: ID!, $in: ContactInput!) { updateContact(id: $id, input: $in) {
				contact { id } screening { blocked matches { field entry { id source } } } } }`, map[string]any{"id": hans, "in": upd})
			if !scr.Screen.Blocked || created.CreateContact.Contact != nil || updated.UpdateContact.Contact != nil {
				t.Errorf("on the second instance: screen blocked %v, createContact %+v, updateContact %+v; want blocked and nothing written",
					scr.Screen.Blocked, created.CreateContact.Contact, updated.UpdateContact.Contact)
			}
		})
	}
	if found := testfrauTraces(t, p.DBURL); len(found) > 0 {
		t.Errorf("after the refused writes the dump holds %v", found)
	}

	file := "Vorname;Nachname;E-Mail;Telefon\r\nErika;Testfrau;erika.testfrau+messe@example.org;\r\nE.;T.;;+49 30 5557002\r\n"
	var started struct{ StartImport struct{ ID string } }
	apptest.Upload(t, other.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`,
		map[string]any{"file": nil}, "messe.csv", []byte(file)).Decode(t, &started)
	var j struct {
		ImportJob struct {
			Status                  string
			Inserted, Held, Invalid int
		}
	}
	for range 200 {
		other.MustAdmin(t, &j, `query($id: ID!) { importJob(id: $id) { status inserted held invalid } }`, map[string]any{"id": started.StartImport.ID})
		if j.ImportJob.Status != "RUNNING" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if j.ImportJob.Status != "NEEDS_DECISION" || j.ImportJob.Held != 2 || j.ImportJob.Inserted != 0 {
		t.Errorf("import on the second instance: %+v, want both rows held", j.ImportJob)
	}
}
