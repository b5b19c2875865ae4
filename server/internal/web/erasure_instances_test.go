package web_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// herTraces is the marker person of this test: her e-mails, both phones (as typed and E.164),
// her name and street.
var herTraces = regexp.MustCompile(`(?i)zyxqa|quorvex|5550\s*1234|55501234|5550\s*4321|55504321|markerweg`)

func noTraces(t *testing.T, where, text string) {
	t.Helper()
	assertNone(t, herTraces, where, text)
}

// The marker person went every way in on two instances of one database: marketing's record
// with a consent on A, sales's record (sharing her phone) on B, an objection to an old phone of
// hers, a rectification request quoting her, an import on B named after her with a row held
// for that objection (the e-mail sales then enter), an invalid row of hers and a column naming
// her, a pending sign-up on B,
// a revocation, an ERASURE request filed on the sales record, which staff then merge into the
// marketing record. Completing the request on B erases the person: nothing of her is left in
// any table, either instance's log or metrics, or a webhook payload.
func TestErasureOnTwoInstancesLeavesNoTrace(t *testing.T) {
	hook := newHookRecorder(t)
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	a.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	b.MustAdmin(t, &struct{}{}, `mutation($u: String!) { createWebhook(input: {url: $u, kinds: [CONSENT_REVOKED, CONTACT_ERASED, CONTACT_BLOCKED, CONTACT_MERGED],
		secret: "0123456789abcdef0123"}) { id } }`, map[string]any{"u": hook.URL})
	a.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {phones: ["+49 30 5550 4321"]}, reason: "objection to calls, letter of 2 November") { id } }`, nil)

	var created struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	a.MustAdmin(t, &created, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
		map[string]any{"in": map[string]any{"givenName": markerGiven, "familyName": markerFamily, "emails": []string{markerEmail},
			"phones": []string{markerPhone}, "address": map[string]any{"street": markerStreet, "postalCode": "10117", "city": "Berlin"}}})
	marketing := created.CreateContact.Contact.ID
	a.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "fair",
		evidence: "signed by Zyxqa Quorvex at the fair"}) { id } }`, map[string]any{"id": marketing})
	a.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { addToList(contactId: $id, listKey: "news") { id } }`, map[string]any{"id": marketing})

	file := "Vorname;Nachname;E-Mail;Telefon;Kontakt Zyxqa Quorvex\r\n" +
		"Anna;Beispiel;anna.beispiel@example.net;;\r\n" +
		"Zyxqa;Quorvex;Zyxqa.Q@Firma.example;+49 30 5550 4321;ja\r\n" +
		"Zyxqa;Quorvex;zyxqa.marker@example;;\r\n"
	var job struct{ StartImport struct{ ID string } }
	apptest.Upload(t, b.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file, listKey: "news") { id } }`, nil,
		"Messe Zyxqa Quorvex.csv", []byte(file)).Decode(t, &job)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var got struct{ ImportJob struct{ Status string } }
		b.MustAdmin(t, &got, `query($id: ID!) { importJob(id: $id) { status } }`, map[string]any{"id": job.StartImport.ID})
		if got.ImportJob.Status == "NEEDS_DECISION" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import job %+v not waiting for a decision after 30 s", got.ImportJob)
		}
	}
	b.MustAdmin(t, &created, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
		map[string]any{"in": map[string]any{"givenName": "Z.", "familyName": markerFamily, "emails": []string{"zyxqa.q@firma.example"},
			"phones": []string{"030 5550 1234"}}})
	sales := created.CreateContact.Contact.ID
	b.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {organization: "Quorvex Consulting"}) { contact { id } } }`,
		map[string]any{"id": sales})
	b.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { fileRequest(input: {kind: RECTIFICATION, contactId: $id, channel: "letter",
		note: "Zyxqa Quorvex: new street Markerweg 77"}) { id } }`, map[string]any{"id": sales})
	var erasureRequest struct{ FileRequest struct{ ID string } }
	b.MustAdmin(t, &erasureRequest, `mutation($id: ID!) { fileRequest(input: {kind: ERASURE, contactId: $id, channel: "letter",
		note: "letter of Zyxqa Quorvex, Markerweg 77"}) { id } }`, map[string]any{"id": sales})
	b.MustAdmin(t, &struct{}{}, `mutation { signUp(input: {email: "Zyxqa.Marker+b@example.org", givenName: "Zyxqa", familyName: "Quorvex",
		purposeKey: "newsletter", listKey: "news", source: "web-form", userAgent: "Zyxqa-Browser", ip: "192.0.2.7"}) { id } }`, nil)

	a.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { revokeConsent(input: {contactId: $id, purposeKey: "newsletter", channel: "phone"}) { id } }`,
		map[string]any{"id": marketing})
	a.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one person, ticket 4711") { id } }`,
		map[string]any{"into": marketing, "from": []string{sales}})
	b.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { completeRequest(id: $id, outcome: "erased, ticket 4711") { id } }`,
		map[string]any{"id": erasureRequest.FileRequest.ID})

	conn := a.Conn(t)
	noTraces(t, "a webhook payload", hook.delivered(t, conn, 3))
	assertNoneInDatabase(t, conn, herTraces)
	for name, s := range map[string]*apptest.Server{"A": a, "B": b} {
		assertNoneInLogAndMetrics(t, herTraces, name, s)
	}
}
