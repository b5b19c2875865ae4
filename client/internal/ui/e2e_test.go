package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/i18n"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// e2e is a real server with one purpose, one list and the German window of the app on it.
type e2e struct {
	url, token string
	c          *api.Client
	loc        localizer
	win        fyne.Window
}

func startE2E(t *testing.T) *e2e {
	t.Helper()
	url, token := testserver.Start(t)
	c, err := api.New(url, token)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreatePurpose(ctx, api.PurposeInput{Key: "newsletter", Name: "Newsletter", LegalBasis: api.LegalBasisConsent}); err != nil {
		t.Fatalf("purpose: %v", err)
	}
	if _, err := c.CreateList(ctx, api.ListInput{Key: "news-de", Name: "Newsletter Deutschland", PurposeKey: "newsletter"}); err != nil {
		t.Fatalf("list: %v", err)
	}
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1100, 720))
	return &e2e{url: url, token: token, c: c, loc: loc, win: w}
}

// person creates an obviously fake person and returns its id.
func (e *e2e) person(t *testing.T, given, family string, emails, phones []string) string {
	t.Helper()
	p, err := e.c.CreateContact(context.Background(), api.ContactInput{GivenName: &given, FamilyName: &family, Emails: emails, Phones: phones,
		Address: &api.PostalAddressInput{Street: "Musterstraße 1", PostalCode: "10115", City: "Berlin"}}, nil)
	if err != nil || p.Contact == nil {
		t.Fatalf("create %s: %+v, %v", family, p, err)
	}
	return p.Contact.Id
}

// open shows the contact in the German contacts screen.
func (e *e2e) open(t *testing.T, id string, admin bool) *ContactsScreen {
	t.Helper()
	s := NewContactsScreen(e.c, e.loc, e.win)
	s.Admin = admin
	e.win.SetContent(s.Object())
	s.OpenContact(id)
	eventuallyE2E(t, "the detail", func() bool { return s.Detail != nil && s.Detail.contact.Id == id })
	return s
}

// gql sends a raw request (for what the client has no operation for).
func (e *e2e) gql(t *testing.T, query string, vars map[string]any, out any) []map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Data   json.RawMessage  `json:"data"`
		Errors []map[string]any `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if out != nil && len(res.Data) > 0 {
		json.Unmarshal(res.Data, out)
	}
	return res.Errors
}

// eventuallyE2E is eventually with the patience a real server needs.
func eventuallyE2E(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for pump(); !cond(); pump() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// englishLeak fails when a German text carries one of the server's English sentences.
func englishLeak(t *testing.T, what, text string) {
	t.Helper()
	for _, w := range []string{" is ", " the ", " not ", " has ", " no ", "with key"} {
		if strings.Contains(text, w) {
			t.Errorf("%s: English in the German window: %q", what, text)
		}
	}
}

// TestE2EContactActions: what the server supports today, through the German window: lists
// on and off, the Art. 15 export, a consent with givenAt and its proof as a PDF, the notice of
// a revocation never granted, and German errors of the key and consent families.
func TestE2EContactActions(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	files := savedFiles(t)
	id := e.person(t, "Erika", "Mustermann", []string{"erika.mustermann@example.com"}, []string{"+49 30 1234567"})
	s := e.open(t, id, true)
	d := s.Detail

	// Lists: on, then off.
	eventuallyE2E(t, "the list choice", func() bool { return len(d.Lists.Choice.Options) == 1 })
	d.Lists.Choice.SetSelected("Newsletter Deutschland (Newsletter)")
	test.Tap(d.Lists.Add)
	eventuallyE2E(t, "the reloaded detail on the list", func() bool {
		return s.Detail != d && s.Detail.Lists.Remove["news-de"] != nil
	})
	if c, _ := e.c.Contact(ctx, id); len(c.Lists) != 1 || c.Lists[0].Key != "news-de" {
		t.Fatalf("lists on the server = %+v", c.Lists)
	}
	d = s.Detail
	test.Tap(d.Lists.Remove["news-de"])
	test.Tap(d.Lists.TakeOff.Confirm)
	eventuallyE2E(t, "the detail off the list", func() bool { return s.Detail != d && len(s.Detail.Lists.Remove) == 0 })
	d = s.Detail

	// A list that no longer exists: the key family, in German.
	d.Lists.putOn("gibt-es-nicht")
	eventuallyE2E(t, "the list error", func() bool { return d.Lists.Message.Text != "" })
	if got := d.Lists.Message.Text; got != "Verteiler: Diesen Verteiler gibt es nicht (mehr); bitte die Ansicht neu laden." {
		t.Errorf("unknown list: %q", got)
	}

	// A consent with the time it was given, through the grant dialog.
	test.Tap(d.Consents.Grant)
	g := d.Consents.GrantForm
	g.Purpose.SetSelected("Newsletter")
	test.Type(g.Source, "Messe")
	test.Type(g.Evidence, "unterschriebene Karte, Stand 4")
	test.Type(g.GivenAt, "3.5.2026 14:30")
	d.Consents.SubmitGrant()
	eventuallyE2E(t, "the granted consent", func() bool {
		c, _ := e.c.Contact(ctx, id)
		return len(c.Consents) == 1 && c.Consents[0].Status == api.ConsentStatusGranted
	})

	// A purpose that is gone: the consent family, in German.
	eventuallyE2E(t, "the reloaded detail", func() bool { return s.Detail != d })
	d = s.Detail
	gone := NewConsentsView(e.c, e.loc, e.win, id, []api.PurposeFields{{Key: "weg", Name: "Weg"}}, nil)
	gone.showGrant()
	gone.GrantForm.Purpose.SetSelected("Weg")
	test.Type(gone.GrantForm.Source, "Telefon")
	gone.SubmitGrant()
	eventuallyE2E(t, "the purpose error", func() bool { return gone.GrantForm.Message.Text != "" })
	if got := gone.GrantForm.Message.Text; got != "Zweck: Diesen Zweck gibt es nicht (mehr); bitte die Ansicht neu laden." {
		t.Errorf("unknown purpose: %q", got)
	}
	gone.GrantForm.Dialog.Hide()

	// The Art. 15 export and the proof PDF, saved where the user chose.
	test.Tap(d.Export)
	eventuallyE2E(t, "the export", func() bool { return strings.HasPrefix(d.Status.Text, "Gespeichert:") })
	test.Tap(d.ProofPDF)
	eventuallyE2E(t, "the PDF", func() bool { return len(files()) == 2 })
	var export, pdf []byte
	for name, data := range files() {
		switch {
		case strings.HasPrefix(name, "auskunft-erika-mustermann-"):
			export = data
		case strings.HasPrefix(name, "einwilligungsnachweis-erika-mustermann-"):
			pdf = data
		}
	}
	if !bytes.Contains(export, []byte("erika.mustermann@example.com")) || !json.Valid(export) {
		t.Errorf("export = %.300s", export)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("Messe")) || !bytes.Contains(pdf, []byte("Erika Mustermann")) {
		t.Errorf("pdf = %.100q", pdf)
	}

	// A revocation of a consent never given: recorded, and the notice in German.
	other := e.person(t, "Max", "Muster", []string{"max.muster@example.com"}, nil)
	c, err := app.Revoke(ctx, e.c, other, "newsletter", "letter")
	if err != nil {
		t.Fatal(err)
	}
	if got := app.NoticeText(c, i18n.MustNew("de")); got != "Für diesen Zweck war keine Einwilligung erteilt; der Widerruf ist trotzdem vermerkt." {
		t.Errorf("notice = %q", got)
	}

	// Live screening while typing against the server: half-typed values stay quiet.
	f := NewFormScreen(e.c, e.loc, e.win, app.ContactForm{})
	t.Cleanup(f.Close)
	e.win.SetContent(f.Object())
	test.Type(f.FamilyName, "Muster")
	for _, part := range []string{"max.muster", "@", "example"} {
		test.Type(f.Emails, part)
		time.Sleep(2 * app.ScreenDelay)
		pump()
		if f.Message.Text != "" || f.ScreenNote.Text != "" {
			t.Fatalf("typing %q shows %q / %q", f.Emails.Text, f.Message.Text, f.ScreenNote.Text)
		}
	}
}

// TestE2EPersonActionsOnceTheServerHasThem drives what the server side is being built for
// right now (possibleDuplicates, mergeContacts, blacklistContact, erasurePreview with keep,
// consent texts, the reason codes of the contact values, of the person and of the consent
// texts); it passes once those land.
func TestE2EPersonActionsOnceTheServerHasThem(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()

	// Duplicates side by side, merged with a reason.
	anna := e.person(t, "Anna", "Beispiel", []string{"anna.beispiel@example.com"}, []string{"+49 30 5550101"})
	twin := e.person(t, "Anna", "Beispiel", []string{"Anna.Beispiel@example.com"}, []string{"+49 40 5550199"})
	s := e.open(t, anna, false)
	d := s.Detail
	eventuallyE2E(t, "the duplicate count", func() bool { return d.Duplicates.Text == "Doppelte Kontakte (1)" })
	test.Tap(d.Duplicates)
	eventuallyE2E(t, "the side-by-side view", func() bool { return d.DupView != nil })
	test.Type(d.DupView.Reason, "Dieselbe Person, zweimal angelegt")
	test.Tap(d.DupView.Merge)
	eventuallyE2E(t, "the merged contact", func() bool { return s.Detail != d && s.Detail != nil && s.Detail.contact.Id == anna })
	if c, _ := e.c.Contact(ctx, anna); len(c.Phones) != 2 {
		t.Errorf("merged phones = %v", c.Phones)
	}
	if _, err := e.c.Contact(ctx, twin); err == nil {
		t.Error("the merged duplicate still exists")
	}

	// Block with a reason; a reason naming the person is refused in German (person family).
	s = e.open(t, anna, true)
	d = s.Detail
	test.Tap(d.Block)
	test.Type(d.BlockDialog.Reason, "Widerspruch von anna.beispiel@example.com")
	dlg := d.BlockDialog
	test.Tap(dlg.Confirm)
	eventuallyE2E(t, "the answer", func() bool { return dlg.Message.Text != "" || d.BlockDialog == nil })
	if d.BlockDialog == nil {
		t.Error("a reason naming the person was accepted")
	} else {
		if got := dlg.Message.Text; !strings.HasPrefix(got, "Begründung: Die Begründung nennt personenbezogene Daten") {
			t.Errorf("reason with personal data: %q", got)
		}
		dlg.Reason.SetText("Werbewiderspruch per Brief vom 3. Mai")
		test.Tap(dlg.Confirm)
	}
	eventuallyE2E(t, "the blocked note", func() bool { return d.Blocked.Visible() })
	if sc, err := e.c.Screen(ctx, api.ContactInput{Emails: []string{"anna.beispiel@example.com"}}); err != nil || !sc.Blocked {
		t.Errorf("screen after blocking = %+v, %v", sc, err)
	}

	// Erasure after the preview: a record sharing the e-mail goes, one named as someone else stays.
	erika := e.person(t, "Erika", "Mustermann", []string{"erika.mustermann@example.com"}, []string{"+49 30 1234567"})
	same := e.person(t, "E.", "Mustermann", []string{"erika.mustermann@example.com"}, nil)
	keep := e.person(t, "Hans", "Mustermann", []string{"hans.mustermann@example.com"}, []string{"+49 30 1234567"})
	s = e.open(t, erika, true)
	test.Tap(s.Detail.Erase)
	v := s.Detail.EraseDialog
	eventuallyE2E(t, "the preview", func() bool { return v.Going.Text != "" })
	if v.Going.Text != "Gelöscht werden 3 Datensätze:" || v.Keep[keep] == nil || v.Keep[same] == nil {
		t.Fatalf("preview %q, %v", v.Going.Text, v.Keep)
	}
	v.Keep[keep].SetChecked(true)
	test.Type(v.Reason, "Antrag auf Löschung per Brief vom 2. Mai")
	test.Tap(v.Confirm)
	eventuallyE2E(t, "the receipt", func() bool { return s.Receipt != nil })
	if !strings.Contains(s.Receipt.Text, "2 Datensätze gelöscht.") {
		t.Errorf("receipt = %q", s.Receipt.Text)
	}
	if _, err := e.c.Contact(ctx, same); err == nil {
		t.Error("the record sharing the e-mail survived")
	}
	if _, err := e.c.Contact(ctx, keep); err != nil {
		t.Errorf("the record named as someone else: %v", err)
	}

	// The grant dialog offers the consent texts; an unknown version is refused in German.
	if errs := e.gql(t, `mutation { addConsentText(purposeKey: "newsletter", text: "Ja, ich möchte den Newsletter erhalten.") { version } }`, nil, nil); len(errs) > 0 {
		t.Fatalf("addConsentText: %v", errs)
	}
	max := e.person(t, "Max", "Muster", []string{"max.muster@example.com"}, nil)
	s = e.open(t, max, false)
	test.Tap(s.Detail.Consents.Grant)
	g := s.Detail.Consents.GrantForm
	g.Purpose.SetSelected("Newsletter")
	eventuallyE2E(t, "the consent text", func() bool { return strings.HasPrefix(g.Text.Selected, "Fassung 1 vom ") })
	test.Type(g.Source, "Webformular")
	s.Detail.Consents.SubmitGrant()
	var proof struct {
		ConsentProof []struct{ ConsentText *struct{ Version int } }
	}
	eventuallyE2E(t, "the consent with its text version", func() bool {
		e.gql(t, `query($id: ID!) { consentProof(contactId: $id) { consentText { version } } }`, map[string]any{"id": max}, &proof)
		return len(proof.ConsentProof) == 1 && proof.ConsentProof[0].ConsentText != nil && proof.ConsentProof[0].ConsentText.Version == 1
	})
	v99 := 99
	_, err := e.c.RecordConsent(ctx, api.ConsentInput{ContactId: max, PurposeKey: "newsletter", Source: "Telefon", ConsentTextVersion: &v99})
	if got := app.ErrorText(err, i18n.MustNew("de")); !strings.HasSuffix(got, "Diese Fassung des Einwilligungstextes gibt es nicht.") {
		t.Errorf("unknown consent text version: %q", got)
	}

	// A phone the server cannot read: the contact values family, in German, in the form.
	f := NewFormScreen(e.c, e.loc, e.win, app.ContactForm{})
	t.Cleanup(f.Close)
	e.win.SetContent(f.Object())
	test.Type(f.FamilyName, "Muster")
	test.Type(f.Phones, "+49 30 12")
	test.Tap(f.Save)
	eventuallyE2E(t, "the refusal", func() bool { return f.Message.Text != "" })
	if got := f.Message.Text; !strings.HasPrefix(got, "Telefon: ") {
		t.Errorf("unreadable phone: %q", got)
	}
	englishLeak(t, "unreadable phone", f.Message.Text)
}

// openShell opens the app's window as a user starts it: against the server at url with token,
// in lang (its settings from the environment, as VERMERK_* give them); closed when the test ends.
func openShell(t *testing.T, url, token, lang string) *Shell {
	t.Helper()
	t.Setenv("VERMERK_SERVER_URL", url)
	t.Setenv("VERMERK_TOKEN", token)
	t.Setenv("VERMERK_LANG", lang)
	s := NewShell(test.NewTempApp(t), ConnectAPI)
	t.Cleanup(s.Win.Close)
	return s
}
