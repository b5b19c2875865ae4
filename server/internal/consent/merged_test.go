package consent_test

import (
	"slices"
	"testing"
)

// The newsletter software read the recipients (two records of Erika Testfrau, entered by two
// departments with different e-mails) and mailed both. Meanwhile staff merged the two. Erika
// answers the mail sent to the merged record's address, "please stop"; the software revokes
// with the id it holds — as her one-click link for that id does (it acts on the survivor).
// Before the fix the API answered NOT_FOUND and changed nothing: her "no" was lost and the
// survivor stayed a recipient. It must stop the survivor, on the newsletter only.
func TestRevocationByAMergedRecordsIDStopsTheSurvivor(t *testing.T) {
	f := newFixture(t)
	survivor := f.contact(t, "Erika", "Testfrau")
	merged := f.contact(t, "Erika", "Testfrau-Muster")
	for _, id := range []string{survivor, merged} {
		f.addToList(t, id, "news-de")
		f.addToList(t, id, "calls-q3")
		f.grant(t, id, "newsletter", "web form", nil)
		f.grant(t, id, "sales-calls", "fair", nil)
	}
	var tok struct {
		CreateAPIToken struct{ Secret string } `json:"createApiToken"`
	}
	f.MustAdmin(t, &tok, `mutation { createApiToken(name: "newsletter software", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	f.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one person, two departments") { id } }`,
		map[string]any{"into": survivor, "from": []string{merged}})

	res := f.Do(t, tok.CreateAPIToken.Secret, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "e-mail"}) { status } }`,
		map[string]any{"c": merged})
	if codes := res.ErrorCodes(); len(codes) > 0 {
		t.Errorf("revokeConsent with the merged record's id: errors %v, want none: the id the software holds names her", codes)
	} else {
		var out struct{ RevokeConsent struct{ Status string } }
		if res.Decode(t, &out); out.RevokeConsent.Status != "REVOKED" {
			t.Errorf("revokeConsent with the merged record's id answers %s, want REVOKED (the survivor's consent)", out.RevokeConsent.Status)
		}
	}
	if got := f.recipients(t, "news-de"); len(got) != 0 {
		t.Errorf("newsletter recipients after her revocation by the merged id = %v, want none", got)
	}
	if got := f.recipients(t, "calls-q3"); !slices.Equal(got, []string{"Testfrau"}) {
		t.Errorf("sales-calls recipients = %v, want the survivor still: she revoked only the newsletter", got)
	}
}
