package record_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The "done when": the record names every purpose with its counts, its lists, the
// tokens bound to it, the webhooks, and its retention.
func TestRecordNamesEveryPurposeWithItsCounts(t *testing.T) {
	s := apptest.Start(t)
	do := func(query string, vars map[string]any) map[string]any {
		t.Helper()
		var out map[string]any
		s.MustAdmin(t, &out, query, vars)
		return out
	}
	do(`mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT, description: "Monthly product news", retentionMonths: 6}) { id } }`, nil)
	do(`mutation { createPurpose(input: {key: "sales", name: "Sales calls", legalBasis: LEGITIMATE_INTEREST}) { id } }`, nil)
	do(`mutation { addConsentText(purposeKey: "newsletter", text: "Yes, send me the monthly product news.") { version } }`, nil)
	do(`mutation { createList(input: {key: "news-de", name: "News DE", purposeKey: "newsletter"}) { id } }`, nil)
	do(`mutation { createApiToken(name: "shop", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	do(`mutation { createWebhook(input: {url: "https://mailer.example/hook?key=s3cret", kinds: [CONSENT_REVOKED], secret: "0123456789abcdef0123"}) { id } }`, nil)
	contact := func(family, email string) string {
		out := do(`mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
			map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": family, "emails": []string{email}}})
		return out["createContact"].(map[string]any)["contact"].(map[string]any)["id"].(string)
	}
	consent := func(id, purpose string, revoke bool) {
		do(`mutation($in: ConsentInput!) { recordConsent(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"contactId": id, "purposeKey": purpose, "source": "fair"}})
		if revoke {
			do(`mutation($in: RevocationInput!) { revokeConsent(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"contactId": id, "purposeKey": purpose, "channel": "phone"}})
		}
	}
	a, b, c := contact("Mustermann", "max.muster@example.com"), contact("Beispiel", "beispiel@example.com"), contact("Dritte", "dritte@example.com")
	consent(a, "newsletter", false)
	consent(b, "newsletter", false)
	consent(c, "newsletter", true)
	consent(a, "sales", true)
	// d keeps every category, two e-mails, and is on the purpose's list as well as consenting:
	// counted once
	out := do(`mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": map[string]any{
		"givenName": "Erika", "familyName": "Vierte", "organization": "Beispiel GmbH", "emails": []string{"vierte@example.com", "erika.vierte@example.org"},
		"phones": []string{"+49 30 5550100"}, "address": map[string]any{"street": "Musterweg 1", "postalCode": "10115", "city": "Berlin", "country": "DE"}}})
	d := out["createContact"].(map[string]any)["contact"].(map[string]any)["id"].(string)
	consent(d, "newsletter", false)
	do(`mutation($id: ID!) { addToList(contactId: $id, listKey: "news-de") { id } }`, map[string]any{"id": d})
	do(`mutation($id: ID!) { eraseContact(id: $id, reason: "asked to be forgotten") { contactId } }`, map[string]any{"id": c})

	var rec struct{ ProcessingRecord string }
	s.MustAdmin(t, &rec, `query { processingRecord }`, nil)
	md := rec.ProcessingRecord
	newsletter, sales, ok := strings.Cut(md[strings.Index(md, "### Newsletter"):], "### Sales calls")
	if !ok {
		t.Fatalf("the record does not name both purposes in key order:\n%s", md)
	}
	for _, want := range []string{
		"`newsletter`", "consent, Art. 6(1)(a) GDPR", "version 1 of ", "Yes, send me the monthly product news.", "Monthly product news", "News DE (news-de)",
		"integrator token shop", "webhook https://mailer.example (receives CONSENT_REVOKED",
		"6 months after the last consent", "3 contacts with a granted consent; 0 revocations in the last 12 months; 1 erasures",
		"(of 3 contacts with a consent or list membership for it): names (3), e-mail addresses (3), phone numbers (1), postal addresses (1), organisation (1);",
	} {
		if !strings.Contains(newsletter, want) {
			t.Errorf("the newsletter section lacks %q:\n%s", want, newsletter)
		}
	}
	// c's revocation went with c's erasure; a's sales revocation counts
	for _, want := range []string{"`sales`", "legitimate interests, Art. 6(1)(f)", "**Consent text versions:** none recorded", "0 contacts with a granted consent; 1 revocations", "no limit set",
		"(of 1 contacts with a consent or list membership for it): names (1), e-mail addresses (1), phone numbers (0), postal addresses (0), organisation (0);"} {
		if !strings.Contains(sales, want) {
			t.Errorf("the sales section lacks %q:\n%s", want, sales)
		}
	}
	for _, secret := range []string{"s3cret", "max.muster", "Mustermann"} {
		if strings.Contains(md, secret) {
			t.Errorf("the record contains %q", secret)
		}
	}
	if !strings.Contains(md, "## Purposes (2)") || !strings.Contains(md, "Erasures in the last 12 months (all purposes):** 1") {
		t.Errorf("record header:\n%s", md)
	}
}

// A person who objected keeps her old grant in the ledger (proof), but nothing is processed for
// it: the record's count of granted consents says how many of them are blocked, so the
// controller does not read her as a newsletter recipient.
func TestRecordCountsBlockedGrantsApart(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	var ids []string
	for _, email := range []string{"erika.testfrau@example.org", "otto.fremd@example.org"} {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
			map[string]any{"in": map[string]any{"familyName": "Testfrau", "emails": []string{email}}})
		ids = append(ids, out.CreateContact.Contact.ID)
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "fair"}) { id } }`,
			map[string]any{"c": out.CreateContact.Contact.ID})
	}
	var req struct{ FileRequest struct{ ID string } }
	s.MustAdmin(t, &req, `mutation($c: ID!) { fileRequest(input: {kind: OBJECTION, contactId: $c, channel: "letter"}) { id } }`, map[string]any{"c": ids[0]})
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { completeRequest(id: $id, outcome: "No more advertising, confirmed by letter") { id } }`,
		map[string]any{"id": req.FileRequest.ID})
	var rec struct{ ProcessingRecord string }
	s.MustAdmin(t, &rec, `query { processingRecord }`, nil)
	if want := "2 contacts with a granted consent (1 of them blocked"; !strings.Contains(rec.ProcessingRecord, want) {
		t.Errorf("the record after one of two objected lacks %q:\n%s", want, rec.ProcessingRecord)
	}
}
