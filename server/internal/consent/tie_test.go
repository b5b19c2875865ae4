package consent_test

import (
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/consent"
)

// The ledger's rule between a grant and a revocation (consent.GrantUndoes): only a strictly
// later grant undoes a "no"; a grant counts from when it was given, but never from after it
// was recorded.
func TestGrantUndoesOnlyAStrictlyLaterRevocation(t *testing.T) {
	no := time.Date(2026, 11, 2, 9, 30, 0, 123456000, time.UTC)
	ahead := no.Add(50 * time.Second)
	before := no.Add(-time.Second)
	for _, c := range []struct {
		name       string
		givenAt    *time.Time
		recordedAt time.Time
		want       bool
	}{
		{"recorded after her no", nil, no.Add(time.Microsecond), true},
		{"recorded at her no's instant", nil, no, false},
		{"given at her no's instant, recorded later", &no, no.Add(time.Hour), false},
		{"given before, recorded later", &before, no.Add(time.Hour), false},
		{"dated ahead, recorded before her no", &ahead, no.Add(-time.Second), false},
		{"dated ahead, recorded after her no", &ahead, no.Add(time.Second), true},
	} {
		if got := consent.GrantUndoes(consent.GrantMoment(c.givenAt, c.recordedAt), no); got != c.want {
			t.Errorf("%s: GrantUndoes = %v, want %v", c.name, got, c.want)
		}
	}
}

// A grant dated 50 s ahead of the server's clock (her phone's clock runs fast, within the
// minute recordConsent allows) and her revocation a moment later: the revocation stops her.
func TestARevocationAfterAGrantDatedAheadStopsHer(t *testing.T) {
	f := newFixture(t)
	id := f.contact(t, "Erika", "Testfrau")
	f.addToList(t, id, "news-de")
	var out struct{ RecordConsent consentOut }
	f.MustAdmin(t, &out, `mutation($in: ConsentInput!) { recordConsent(input: $in) { `+consentFields+` } }`,
		map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "newsletter", "source": "web form", "evidence": "form v3",
			"givenAt": time.Now().Add(50 * time.Second).UTC().Format(time.RFC3339Nano)}})
	if out.RecordConsent.Status != "GRANTED" {
		t.Fatalf("the grant dated ahead: %s, want GRANTED", out.RecordConsent.Status)
	}
	if c := f.revoke(t, id, "newsletter", "phone"); c.Status != "REVOKED" {
		t.Errorf("revokeConsent after a grant dated 50 s ahead answered %s, want REVOKED", c.Status)
	}
	if got := f.recipients(t, "news-de"); len(got) != 0 {
		t.Errorf("recipients after her revocation: %v, want none", got)
	}
}

// A grant dated at exactly the instant of her revocation does not undo it — on the record she
// said no on, on another record of hers (recordConsent inherits her "no"), and on a record
// that joins her person later (updateContact gives it her e-mail: JoinPerson).
func TestAGrantAtTheInstantOfHerRevocationLeavesHerRevoked(t *testing.T) {
	f := newFixture(t)
	mk := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		f.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		f.addToList(t, out.CreateContact.Contact.ID, "news-de")
		return out.CreateContact.Contact.ID
	}
	grantAt := func(id, givenAt string) consentOut {
		t.Helper()
		var out struct{ RecordConsent consentOut }
		f.MustAdmin(t, &out, `mutation($in: ConsentInput!) { recordConsent(input: $in) { `+consentFields+` } }`,
			map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "newsletter", "source": "paper form",
				"evidence": "signed card", "givenAt": givenAt}})
		return out.RecordConsent
	}
	marketing := mk("erika.testfrau@example.org")
	f.grant(t, marketing, "newsletter", "web form", "double opt-in")
	no := f.revoke(t, marketing, "newsletter", "letter")
	if no.RevokedAt == nil {
		t.Fatalf("her revocation has no revokedAt: %+v", no)
	}
	instant := *no.RevokedAt

	if c := grantAt(marketing, instant); c.Status != "REVOKED" || c.NoticeCode == nil || *c.NoticeCode != "OLDER_THAN_REVOCATION" {
		t.Errorf("a grant dated at exactly her revocation's instant gave status %s (notice %v), want REVOKED, OLDER_THAN_REVOCATION", c.Status, c.NoticeCode)
	}
	sales := mk("Erika.Testfrau+shop@example.org") // her record already: the same normalised e-mail
	if c := grantAt(sales, instant); c.Status != "REVOKED" {
		t.Errorf("on her other record, a grant dated at her revocation's instant gave status %s, want REVOKED", c.Status)
	}
	front := mk("e.testfrau@example.net") // not hers yet
	if c := grantAt(front, instant); c.Status != "GRANTED" {
		t.Fatalf("the front desk's record, not known as hers: %s, want GRANTED", c.Status)
	}
	var upd struct {
		UpdateContact struct{ Contact *struct{ ID string } }
	}
	f.MustAdmin(t, &upd, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.testfrau@example.net", "erika.testfrau@example.org"]}) { contact { id } } }`,
		map[string]any{"id": front})
	if upd.UpdateContact.Contact == nil {
		t.Fatalf("updateContact(%s) wrote nothing", front)
	}
	var after struct {
		Contact struct{ Consents []consentOut }
	}
	f.MustAdmin(t, &after, `query($id: ID!) { contact(id: $id) { consents { `+consentFields+` } } }`, map[string]any{"id": front})
	if len(after.Contact.Consents) != 1 || after.Contact.Consents[0].Status != "REVOKED" {
		t.Errorf("the record joining her, granted at her revocation's instant: %+v, want REVOKED", after.Contact.Consents)
	}
	if got := f.recipients(t, "news-de"); len(got) != 0 {
		t.Errorf("recipients: %v, want none of her records", got)
	}
}
