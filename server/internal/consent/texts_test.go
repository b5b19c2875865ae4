package consent_test

import (
	"strings"
	"testing"
	"time"
)

func (f fixture) addText(t *testing.T, purposeKey, text string) int {
	t.Helper()
	var out struct{ AddConsentText struct{ Version int } }
	f.MustAdmin(t, &out, `mutation($p: String!, $t: String!) { addConsentText(purposeKey: $p, text: $t) { version } }`,
		map[string]any{"p": purposeKey, "t": text})
	return out.AddConsentText.Version
}

func TestConsentTextsAreVersionedAndShownWithEachEvent(t *testing.T) {
	f := newFixture(t)
	if v := f.addText(t, "newsletter", "Ich möchte den Newsletter erhalten."); v != 1 {
		t.Fatalf("first version = %d, want 1", v)
	}
	if v := f.addText(t, "newsletter", "Ich möchte den Newsletter erhalten. Abmeldung jederzeit."); v != 2 {
		t.Fatalf("second version = %d, want 2", v)
	}
	if v := f.addText(t, "sales-calls", "Anrufe sind mir recht."); v != 1 {
		t.Fatalf("versions are per purpose: got %d, want 1", v)
	}
	var ps struct {
		Purposes []struct {
			Key          string
			ConsentTexts []struct {
				Version int
				Text    string
			}
		}
	}
	f.MustAdmin(t, &ps, `{ purposes { key consentTexts { version text } } }`, nil)
	if len(ps.Purposes) != 2 || len(ps.Purposes[0].ConsentTexts) != 2 || ps.Purposes[0].ConsentTexts[1].Version != 2 ||
		len(ps.Purposes[1].ConsentTexts) != 1 {
		t.Fatalf("purposes with texts: %+v", ps.Purposes)
	}

	id := f.contact(t, "Erika", "Mustermann")
	var out struct {
		RecordConsent struct {
			History []struct {
				ConsentText *struct {
					Version int
					Text    string
				}
			}
		}
	}
	f.MustAdmin(t, &out, `mutation($in: ConsentInput!) { recordConsent(input: $in) { history { consentText { version text } } } }`,
		map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "newsletter", "source": "fair", "consentTextVersion": 1}})
	if h := out.RecordConsent.History; len(h) != 1 || h[0].ConsentText == nil || h[0].ConsentText.Text != "Ich möchte den Newsletter erhalten." {
		t.Fatalf("history names the text shown: %+v", h)
	}

	res := f.Admin(t, `mutation($in: ConsentInput!) { recordConsent(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "newsletter", "source": "fair", "consentTextVersion": 3}})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "CONSENT_TEXT_UNKNOWN" || res.Errors[0].Field() != "input.consentTextVersion" {
		t.Fatalf("unknown version: %+v", res.Errors)
	}
	var export struct{ SubjectAccessExport string }
	f.MustAdmin(t, &export, `query($id: ID!) { subjectAccessExport(contactId: $id) }`, map[string]any{"id": id})
	if !strings.Contains(export.SubjectAccessExport, `"consentText": "Ich möchte den Newsletter erhalten."`) {
		t.Fatalf("the export shows the text with the event:\n%s", export.SubjectAccessExport)
	}
}

func TestGivenAtOrdersTheLedger(t *testing.T) {
	f := newFixture(t)
	id := f.contact(t, "Erika", "Mustermann")
	now := time.Now().UTC()
	record := func(givenAt time.Time) *struct {
		Status    string
		GrantedAt *time.Time
		Notice    *string
	} {
		t.Helper()
		var out struct {
			RecordConsent struct {
				Status    string
				GrantedAt *time.Time
				Notice    *string
			}
		}
		f.MustAdmin(t, &out, `mutation($in: ConsentInput!) { recordConsent(input: $in) { status grantedAt notice } }`,
			map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "newsletter", "source": "paper form at a fair",
				"givenAt": givenAt.Format(time.RFC3339)}})
		return &out.RecordConsent
	}

	// A paper form signed a month ago, typed in after the person revoked by phone last week:
	// the revocation is newer, so it stays in force.
	f.revoke(t, id, "newsletter", "phone")
	got := record(now.AddDate(0, -1, 0))
	if got.Status != "REVOKED" || got.Notice == nil || !strings.Contains(*got.Notice, "stays in force") {
		t.Fatalf("a grant given before a later revocation must not win, and the answer says so: %+v", got)
	}
	if f.recipientsOf(t, id) {
		t.Fatal("still a recipient")
	}
	// givenAt decides, not the order of recording, in the state and so in recipients.
	got = record(now.Add(-time.Second))
	if got.Status != "REVOKED" {
		t.Fatalf("a grant given a second ago is older than the revocation recorded just now? status %s", got.Status)
	}

	for _, c := range []struct {
		name, reason string
		at           time.Time
	}{
		{"future", "GIVEN_AT_IN_FUTURE", now.Add(time.Hour)},
		{"older than three years", "GIVEN_AT_TOO_OLD", now.AddDate(-3, 0, -1)},
	} {
		res := f.Admin(t, `mutation($in: ConsentInput!) { recordConsent(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "newsletter", "source": "fair", "givenAt": c.at.Format(time.RFC3339)}})
		if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != c.reason || res.Errors[0].Field() != "input.givenAt" {
			t.Errorf("%s: %+v", c.name, res.Errors)
		}
	}

	var proof struct {
		ConsentProof []struct {
			Status  string
			GivenAt *time.Time
		}
	}
	f.MustAdmin(t, &proof, `query($id: ID!) { consentProof(contactId: $id) { status givenAt } }`, map[string]any{"id": id})
	if len(proof.ConsentProof) != 3 || proof.ConsentProof[0].GivenAt != nil || proof.ConsentProof[1].GivenAt == nil {
		t.Fatalf("the proof shows givenAt beside each event: %+v", proof.ConsentProof)
	}
}

// recipientsOf reports whether the contact is a recipient of news-de (joining it first).
func (f fixture) recipientsOf(t *testing.T, contactID string) bool {
	t.Helper()
	f.addToList(t, contactID, "news-de")
	return len(f.recipients(t, "news-de")) > 0
}
