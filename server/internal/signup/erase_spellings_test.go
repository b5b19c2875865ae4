package signup_test

import (
	"net/http"
	"testing"
)

// Max Muster was entered twice: marketing typed his address with an umlaut domain, sales the
// Gmail address he gave at a fair; the two records share his phone. Before his erasure he
// signed up twice on web forms, each time spelling an address of his another way (the
// domain in punycode with a +tag; googlemail.com with other dots). Erasing marketing's
// record erases the person, and both pending sign-ups go with him: nothing of them stays
// in clear text, and the links mailed before confirm nothing.
func TestErasureDeletesPendingSignUpsOfEveryRecordInAnySpelling(t *testing.T) {
	f := newFixture(t)
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	f.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Max", familyName: "Muster", emails: ["Max.Muster@Bücher.example"], phones: ["+49 30 5557001"]}) { contact { id } } }`, nil)
	marketing := c.CreateContact.Contact.ID
	f.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "M.", familyName: "Muster", emails: ["m.m+fair@gmail.com"], phones: ["030 5557001"]}) { contact { id } } }`, nil)
	pending := []signUpOut{f.mustSignUp(t, "max.muster+news@xn--bcher-kva.example"), f.mustSignUp(t, "M.M@googlemail.com")}
	f.must(t, `mutation($c: ID!) { eraseContact(id: $c, reason: "Art. 17 request by letter") { erasedAt } }`, map[string]any{"c": marketing})

	var n int
	if err := f.App.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM sign_ups`).Scan(&n); err != nil || n != 0 {
		t.Errorf("sign-ups left after his erasure: %d (%v), want none", n, err)
	}
	for i, s := range pending {
		if code, _ := page(t, http.MethodPost, s.ConfirmURL, "de", confirmForm); code != http.StatusNotFound {
			t.Errorf("sign-up %d, made before his erasure: its link answers %d, want 404 (it confirms nothing)", i, code)
		}
	}
	if cs := f.contactsByEmail(t, "muster"); len(cs) != 0 {
		t.Errorf("contacts after his erasure: %+v", cs)
	}
}
