package importer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A file stating a consent given at the very instant of the person's revocation does not undo
// it (consent.GrantUndoes: only a strictly later grant does): the duplicate row records no
// grant and the job says why, CONSENT_REVOKED_LATER on its line, in words that cover the same
// instant; a row dated a second after her "no" is recorded.
func TestImportConsentAtTheInstantOfHerRevocationIsNotRecorded(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	mk := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Test", familyName: "Person", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		return out.CreateContact.Contact.ID
	}
	status := func(id string) string {
		var c struct {
			Contact struct{ Consents []struct{ Status string } }
		}
		s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { consents { status } } }`, map[string]any{"id": id})
		if len(c.Contact.Consents) != 1 {
			t.Fatalf("record %s has consents %+v, want one", id, c.Contact.Consents)
		}
		return c.Contact.Consents[0].Status
	}
	revoke := func(id string) time.Time {
		var out struct{ RevokeConsent struct{ RevokedAt time.Time } }
		s.MustAdmin(t, &out, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { revokedAt } }`,
			map[string]any{"c": id})
		return out.RevokeConsent.RevokedAt
	}
	same, after := mk("same.instant@example.org"), mk("one.second.later@example.org")
	sameAt, afterAt := revoke(same), revoke(after)

	file := "Nachname;E-Mail;Einwilligung;Einwilligungsdatum\r\n" +
		"Person;same.instant@example.org;newsletter;" + sameAt.UTC().Format(time.RFC3339Nano) + "\r\n" +
		"Person;one.second.later@example.org;newsletter;" + afterAt.Add(time.Second).UTC().Format(time.RFC3339Nano) + "\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "same-instant.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	var on2 string
	for _, p := range j.Problems {
		if p.Line == 2 && p.Code == "CONSENT_REVOKED_LATER" {
			on2 = p.Message
		}
	}
	if j.Duplicates != 2 || on2 == "" || len(j.Problems) != 1 {
		t.Fatalf("duplicates %d, problems %+v; want 2 and CONSENT_REVOKED_LATER on line 2 only", j.Duplicates, j.Problems)
	}
	if !strings.Contains(on2, "at the same time as or after the consent date in the file") {
		t.Errorf("line 2's problem %q does not say the revocation came at the same time as or after the stated date", on2)
	}
	if got := status(same); got != "REVOKED" {
		t.Errorf("the record revoked at the file's consent date: %s, want REVOKED", got)
	}
	if got := status(after); got != "GRANTED" {
		t.Errorf("the record revoked a second before the file's consent date: %s, want GRANTED", got)
	}
}
