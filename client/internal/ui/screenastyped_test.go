package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/app"
)

// TestE2EFormScreensPhonesAsTheSaveReadsThem: against the real server, the form warns while
// the user types for every phone its save reads — written with no-break spaces or dashes, a
// national number beside a country named in German, a company's number beside a Dutch
// address — and a half-typed phone stays quiet.
func TestE2EFormScreensPhonesAsTheSaveReadsThem(t *testing.T) {
	e := startE2E(t)
	for _, p := range []string{"+49 30 5550123", "+43 1 5550123", "+31 20 555 0123"} {
		if errs := e.gql(t, `mutation($c: ContactInput!, $r: String!) { blacklistAdd(candidate: $c, reason: $r) { id } }`,
			map[string]any{"c": map[string]any{"phones": []string{p}}, "r": "Widerspruch per Brief"}, nil); len(errs) > 0 {
			t.Fatalf("blacklistAdd: %v", errs)
		}
	}
	type typed struct{ family, organization, phones, street, postalCode, city, country string }
	form := func(t *testing.T, in typed) *FormScreen {
		t.Helper()
		f := NewFormScreen(e.c, e.loc, e.win, app.ContactForm{})
		t.Cleanup(f.Close)
		e.win.SetContent(f.Object())
		for _, field := range []struct {
			entry fyne.Focusable
			text  string
		}{
			{f.FamilyName, in.family}, {f.Organization, in.organization}, {f.Street, in.street},
			{f.PostalCode, in.postalCode}, {f.City, in.city}, {f.Country, in.country}, {f.Phones, in.phones},
		} {
			if field.text != "" {
				test.Type(field.entry, field.text)
			}
		}
		return f
	}
	for name, in := range map[string]typed{
		"no-break spaces":    {family: "Beispielfrau", phones: "030\u00a0555\u00a00123"},
		"en dashes":          {family: "Beispielfrau", phones: "030\u2013555\u20130123"},
		"Österreich":         {family: "Beispielfrau", phones: "01 5550123", street: "Probegasse 1", postalCode: "1010", city: "Wien", country: "Österreich"},
		"a Dutch company":    {organization: "Musterfirma B.V.", phones: "020 555 0123", street: "Voorbeeldstraat 1", postalCode: "1011 AB", city: "Amsterdam", country: "Netherlands"},
		"a company in Wien":  {organization: "Musterfirma GmbH", phones: "01 5550123", street: "Probegasse 1", postalCode: "1010", city: "Wien", country: "AT"},
		"national, with +43": {family: "Beispielfrau", phones: "+43 1 5550123"},
	} {
		t.Run(name, func(t *testing.T) {
			f := form(t, in)
			eventuallyE2E(t, "the warning for "+in.phones, func() bool { return f.Banner.Visible() })
			if f.Message.Text != "" || f.ScreenNote.Text != "" {
				t.Errorf("message %q, note %q", f.Message.Text, f.ScreenNote.Text)
			}
		})
	}

	t.Run("half typed", func(t *testing.T) {
		f := form(t, typed{family: "Beispielfrau", phones: "030\u00a05"})
		eventuallyE2E(t, "the note that the phone is not screened yet", func() bool {
			return f.Unscreened.Visible() && f.Unscreened.Text == "Noch nicht geprüft, bis vollständig: Telefon 1"
		})
		if f.Banner.Visible() || f.Message.Text != "" || f.ScreenNote.Text != "" {
			t.Fatalf("half-typed phone: banner %v, message %q, note %q", f.Banner.Visible(), f.Message.Text, f.ScreenNote.Text)
		}
		test.Type(f.Phones, "55\u00a00123")
		eventuallyE2E(t, "the warning once the phone is complete", func() bool { return f.Banner.Visible() && !f.Unscreened.Visible() })
	})

	t.Run("country not finished", func(t *testing.T) {
		f := form(t, typed{family: "Beispielfrau", phones: "01 5550123", street: "Probegasse 1", postalCode: "1010", city: "Wien", country: "Österr"})
		eventuallyE2E(t, "the note that the phone waits for the country", func() bool {
			return f.Unscreened.Text == "Noch nicht geprüft, bis vollständig: Land, Telefon 1"
		})
		if f.Banner.Visible() {
			t.Fatal("a warning before the country is known")
		}
		test.Type(f.Country, "eich")
		eventuallyE2E(t, "the warning once the country is known", func() bool { return f.Banner.Visible() && !f.Unscreened.Visible() })
	})
}
