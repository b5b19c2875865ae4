package blacklist_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Marketing and sales each kept a record of Erika Testfrau, one phone shared, and she had them
// erased. Months later she signs up for the newsletter herself with her private address and
// confirms from that mailbox: she is back for that address. Her confirmation proves that
// mailbox is hers and nothing else: the sales record's e-mail and the phone she had erased stay
// on the blacklist, so sales importing their old fair list (or typing her number) are stopped,
// as they were before her sign-up. Before, her sign-up ended the whole erasure entry, and her
// erased sales data could be entered again unnoticed.
func TestRedTeamReentryBringsBackOnlyTheConfirmedAddress(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, erikaTestfrau)
	p.contact(t, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"e.testfrau@firma.example"}, "phones": []string{"+49 30 5557001"}})
	var r erasure
	p.MustAdmin(t, &r, erasePerson, map[string]any{"id": marketing, "reason": "Art. 17 request, ticket 4711"})
	if len(r.EraseContact.ErasedContactIds) != 2 {
		t.Fatalf("erasedContactIds = %v, want both records", r.EraseContact.ErasedContactIds)
	}

	p.confirmedSignUp(t, "erika.testfrau@example.org")
	if ids, _ := p.recipients(t); len(ids) != 1 {
		t.Fatalf("newsletter recipients after her own sign-up = %v, want her new record", ids)
	}

	for _, tc := range []struct {
		name string
		c    map[string]any
		want bool
	}{
		{"the address she confirmed", map[string]any{"emails": []string{"Erika.Testfrau+news@example.org"}}, false},
		{"the sales record's e-mail", map[string]any{"emails": []string{"E.Testfrau@firma.example"}}, true},
		{"the phone she had erased", map[string]any{"phones": []string{"030 555 7001"}}, true},
	} {
		if got := screenOf(t, p.Server, tc.c); got.Blocked != tc.want {
			t.Errorf("screen of %s after her sign-up: blocked %v, want %v", tc.name, got.Blocked, tc.want)
		}
	}
	var sales contactPayload
	p.MustAdmin(t, &sales, createContact, map[string]any{"in": map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"phones": []string{"0049 30 5557001"}}})
	if sales.CreateContact.Contact != nil {
		t.Errorf("sales entered the phone she had erased again, without an override: %+v", sales.CreateContact.Contact)
	}

	file := "Vorname;Nachname;E-Mail;Telefon\r\nE.;Testfrau;e.testfrau@firma.example;030 5557001\r\n"
	var started struct{ StartImport struct{ ID string } }
	apptest.Upload(t, p.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`,
		map[string]any{"file": nil}, "messe-2025.csv", []byte(file)).Decode(t, &started)
	var j struct {
		ImportJob struct {
			Status         string
			Inserted, Held int
		}
	}
	for range 200 {
		p.MustAdmin(t, &j, `query($id: ID!) { importJob(id: $id) { status inserted held } }`, map[string]any{"id": started.StartImport.ID})
		if j.ImportJob.Status != "RUNNING" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if j.ImportJob.Held != 1 || j.ImportJob.Inserted != 0 {
		t.Errorf("sales's old fair list after her sign-up: %+v, want her row held", j.ImportJob)
	}
	if ids, _ := p.recipients(t); len(ids) != 1 {
		t.Errorf("newsletter recipients at the end = %v, want her new record only", ids)
	}
}

// Sales entered her again after the erasure, with an override, on a record holding her
// address and the phone she had erased; then she confirms a sign-up with that address. The
// record stays blocked (its phone is still erased data she did not confirm), and the audit
// trail says why her confirmation did not make it a recipient.
func TestRedTeamReentryOntoARecordWithAnErasedPhoneLeavesItBlocked(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, erikaTestfrau)
	p.MustAdmin(t, &struct{}{}, erasePerson, map[string]any{"id": marketing, "reason": "Art. 17 request, ticket 4711"})
	again := p.member(t, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"030 5557001"}})

	p.confirmedSignUp(t, "erika.testfrau@example.org")
	if ids, _ := p.recipients(t); len(ids) != 0 {
		t.Errorf("recipients = %v; the record holds the phone she had erased, want none", ids)
	}
	var audit struct {
		AuditTrail struct {
			Edges []struct {
				Node struct{ Operation, Outcome string }
			}
		}
	}
	p.MustAdmin(t, &audit, `query($c: ID) { auditTrail(contactId: $c, first: 20) { edges { node { operation outcome } } } }`,
		map[string]any{"c": again})
	said := false
	for _, e := range audit.AuditTrail.Edges {
		said = said || e.Node.Operation == "confirmSignUp" && strings.Contains(e.Node.Outcome, "stays blocked")
	}
	if !said {
		t.Errorf("the audit trail does not say why her confirmation left the record blocked: %+v", audit.AuditTrail.Edges)
	}
}
