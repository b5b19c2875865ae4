package ui

import (
	"bytes"
	"context"
	"image/color"
	"io"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// openDetail shows one demo contact in the contacts screen.
func openDetail(t *testing.T, b *demo.Backend, id string, admin bool) *ContactsScreen {
	t.Helper()
	loc, w := testWindow(t)
	s := NewContactsScreen(b, loc, w)
	s.Admin = admin
	w.SetContent(s.Object())
	s.OpenContact(id)
	eventually(t, "the detail of "+id, func() bool { return s.Detail != nil && s.Detail.contact.Id == id })
	return s
}

func onList(b *demo.Backend, id, key string) bool {
	c, _ := b.Contact(context.Background(), id)
	for _, l := range c.Lists {
		if l.Key == key {
			return true
		}
	}
	return false
}

func TestPutAContactOnAListAndTakeItOff(t *testing.T) {
	b := demo.New()
	s := openDetail(t, b, "c003", false) // Lena Fischer: on no list
	d := s.Detail
	eventually(t, "the lists to choose from", func() bool { return len(d.Lists.Choice.Options) == 2 })
	if !d.Lists.Add.Disabled() {
		t.Fatal("add is enabled before a list is chosen")
	}
	d.Lists.Choice.SetSelected("Newsletter Kunden (Newsletter)")
	test.Tap(d.Lists.Add)
	eventually(t, "the contact on the list", func() bool { return onList(b, "c003", "newsletter-kunden") })
	eventually(t, "the reloaded detail with a remove button", func() bool {
		return s.Detail != d && s.Detail.Lists.Remove["newsletter-kunden"] != nil
	})

	// Taking her off asks first, naming her and the list, with Cancel focused: a space keeps her on.
	d = s.Detail
	test.Tap(d.Lists.Remove["newsletter-kunden"])
	ask := d.Lists.TakeOff
	if ask == nil {
		t.Fatal("Remove took her off the list without asking")
	}
	if want := "Take Lena Fischer (Fischer & Söhne GmbH) off the list “Newsletter Kunden”?"; !strings.HasPrefix(ask.Text.Text, want) {
		t.Errorf("the question says %q, want %q…", ask.Text.Text, want)
	}
	if focused := s.win.Canvas().Focused(); focused != ask.Abort {
		t.Fatalf("focused %v, want Cancel", focused)
	}
	s.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	if d.Lists.TakeOff != nil || !onList(b, "c003", "newsletter-kunden") {
		t.Fatalf("after a space on the question: dialog %v, on the list %v; want her kept on it", d.Lists.TakeOff, onList(b, "c003", "newsletter-kunden"))
	}
	test.Tap(d.Lists.Remove["newsletter-kunden"])
	test.Tap(d.Lists.TakeOff.Confirm)
	eventually(t, "the contact off the list", func() bool { return !onList(b, "c003", "newsletter-kunden") })
}

func TestMergeDuplicatesWithAReason(t *testing.T) {
	b := demo.New()
	given, family := "Anna", "Schmidt"
	p, _ := b.CreateContact(context.Background(), api.ContactInput{GivenName: &given, FamilyName: &family,
		Emails: []string{"Anna.Schmidt@example.de"}, Phones: []string{"+49 170 5550199"}}, nil)
	dup := p.Contact.Id
	s := openDetail(t, b, "c001", false)
	d := s.Detail
	eventually(t, "the duplicate count", func() bool { return d.Duplicates.Text == "Duplicate contacts (1)" })
	test.Tap(d.Duplicates)
	eventually(t, "the side-by-side view", func() bool { return d.DupView != nil })
	v := d.DupView
	if v.Pick[dup] == nil || !v.Pick[dup].Checked || !v.Merge.Disabled() {
		t.Fatal("the duplicate is not offered, or merge is possible without a reason")
	}
	test.Type(v.Reason, "Dieselbe Person, vom Vertrieb doppelt angelegt")
	if v.Merge.Disabled() {
		t.Fatal("merge still disabled with a reason")
	}
	test.Tap(v.Merge)
	eventually(t, "the merged contact", func() bool { return len(b.Merges()) == 1 && s.Detail != d && s.Detail != nil })
	m := b.Merges()[0]
	if m.Into != "c001" || len(m.From) != 1 || m.From[0] != dup || m.Reason != "Dieselbe Person, vom Vertrieb doppelt angelegt" {
		t.Fatalf("merge sent %+v", m)
	}
	c, _ := b.Contact(context.Background(), "c001")
	if len(c.Phones) != 2 {
		t.Errorf("merged phones = %v", c.Phones)
	}
	if _, err := b.Contact(context.Background(), dup); err == nil {
		t.Error("the duplicate is still there")
	}
}

func TestBlockAContactNeedsAReason(t *testing.T) {
	b := demo.New()
	s := openDetail(t, b, "c004", true)
	d := s.Detail
	test.Tap(d.Block)
	r := d.BlockDialog
	if r == nil || !r.Confirm.Disabled() {
		t.Fatal("block is possible without a reason")
	}
	test.Type(r.Reason, "Werbewiderspruch per Brief vom 3. Mai")
	test.Tap(r.Confirm)
	eventually(t, "the blocked note", func() bool { return d.Blocked.Visible() && d.BlockDialog == nil })
	if !strings.HasPrefix(d.Blocked.Text, "Blocked since") {
		t.Errorf("note = %q", d.Blocked.Text)
	}
	if sc, _ := b.Screen(context.Background(), api.ContactInput{Emails: []string{"mehmet.yilmaz@example.com"}}); !sc.Blocked {
		t.Error("the e-mail is not on the blacklist")
	}
	if _, err := b.Contact(context.Background(), "c004"); err != nil {
		t.Error("blocking removed the record")
	}
}

func TestErasureShowsEveryRecordAndKeepsSomeoneElse(t *testing.T) {
	b := demo.New()
	family := "Becker"
	p1, _ := b.CreateContact(context.Background(), api.ContactInput{FamilyName: &family, Emails: []string{"jonas.becker@example.org"}}, nil)
	other := "Becker-Hausverwaltung"
	p2, _ := b.CreateContact(context.Background(), api.ContactInput{Organization: &other, Phones: []string{"+49 40 5550102"}}, nil)
	s := openDetail(t, b, "c002", true)
	test.Tap(s.Detail.Erase)
	v := s.Detail.EraseDialog
	if f := s.win.Canvas().Focused(); f != v.Reason {
		t.Errorf("focused %T, not the reason: the admin clicks into it before typing, as no other reason dialog asks", f)
	}
	eventually(t, "the preview", func() bool { return v.Going.Text != "" })
	if v.Going.Text != "3 records will be erased:" || v.Keep[p1.Contact.Id] == nil || v.Keep[p2.Contact.Id] == nil {
		t.Fatalf("preview: %q, keep checks %v", v.Going.Text, v.Keep)
	}
	v.Keep[p2.Contact.Id].SetChecked(true)
	if v.Going.Text != "2 records will be erased:" {
		t.Fatalf("after keeping one: %q", v.Going.Text)
	}
	test.Type(v.Reason, "Antrag per Brief vom 2. Mai")
	test.Tap(v.Confirm)
	eventually(t, "the receipt", func() bool { return s.Receipt != nil })
	if !strings.Contains(s.Receipt.Text, "2 records erased.") {
		t.Errorf("receipt = %q", s.Receipt.Text)
	}
	if _, err := b.Contact(context.Background(), p1.Contact.Id); err == nil {
		t.Error("the record sharing the e-mail survived")
	}
	if _, err := b.Contact(context.Background(), p2.Contact.Id); err != nil {
		t.Error("the record named as someone else was erased")
	}
}

// savedFiles replaces the save dialog: each save lands in memory under its suggested name.
func savedFiles(t *testing.T) func() map[string][]byte {
	var mu sync.Mutex
	files := map[string][]byte{}
	old := saveFile
	saveFile = func(_ fyne.Window, name string, write func(io.Writer) error, done func(string, error)) {
		var buf bytes.Buffer
		err := write(&buf)
		mu.Lock()
		files[name] = buf.Bytes()
		mu.Unlock()
		done("/tmp/"+name, err)
	}
	t.Cleanup(func() { saveFile = old })
	return func() map[string][]byte {
		mu.Lock()
		defer mu.Unlock()
		return files
	}
}

func TestExportEverythingAndTheProofAsPDF(t *testing.T) {
	files := savedFiles(t)
	s := openDetail(t, demo.New(), "c001", false)
	d := s.Detail
	test.Tap(d.Export)
	eventually(t, "the export", func() bool { return strings.HasPrefix(d.Status.Text, "Saved:") })
	var export, pdf []byte
	for name, data := range files() {
		if strings.HasPrefix(name, "auskunft-anna-schmidt-") && strings.HasSuffix(name, ".json") {
			export = data
		}
	}
	if !bytes.Contains(export, []byte("anna.schmidt@example.de")) {
		t.Fatalf("export = %.200s (files %v)", export, files())
	}
	test.Tap(d.ProofPDF)
	eventually(t, "the PDF", func() bool { return len(files()) == 2 })
	for name, data := range files() {
		if strings.HasSuffix(name, ".pdf") {
			pdf = data
		}
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("Anna Schmidt")) || !bytes.Contains(pdf, []byte("Webformular")) {
		t.Fatalf("pdf = %.100q", pdf)
	}
}

// consents records what the grant dialog sends.
type consents struct {
	*demo.Backend
	mu    sync.Mutex
	sent  []api.ConsentInput
	texts chan struct{} // if set, the consent texts arrive when it is closed
}

func (c *consents) PurposesWithTexts(ctx context.Context) ([]api.PurposeWithTexts, error) {
	if c.texts != nil {
		<-c.texts
	}
	return c.Backend.PurposesWithTexts(ctx)
}

func (c *consents) RecordConsent(ctx context.Context, in api.ConsentInput) (api.ConsentFields, error) {
	c.mu.Lock()
	c.sent = append(c.sent, in)
	c.mu.Unlock()
	return c.Backend.RecordConsent(ctx, in)
}

func TestTheGrantDialogOffersEveryField(t *testing.T) {
	b := &consents{Backend: demo.New(), texts: make(chan struct{})}
	loc, w := testWindow(t)
	s := NewContactsScreen(b, loc, w)
	w.SetContent(s.Object())
	s.OpenContact("c003")
	eventually(t, "the detail", func() bool { return s.Detail != nil })
	first := s.Detail
	test.Tap(s.Detail.Consents.Grant)
	g := s.Detail.Consents.GrantForm
	g.Purpose.SetSelected("Newsletter")
	theme := fyne.CurrentApp().Settings().Theme()
	variant := fyne.CurrentApp().Settings().ThemeVariant()
	if c := formLabelColor(t, g.Fields, "Consent text"); c != theme.Color("disabled", variant) {
		t.Errorf("before the texts arrive, the label of the text choice has the colour %v, not the disabled one", c)
	}
	close(b.texts)
	eventually(t, "the consent texts", func() bool { return len(g.Text.Options) == 3 })
	if !strings.HasPrefix(g.Text.Selected, "Version 2 of 1 February 2026: Ja, ich möchte") {
		t.Fatalf("text = %q of %q", g.Text.Selected, g.Text.Options)
	}
	// The texts arrive after the dialog opened: their label no longer looks disabled.
	if c := formLabelColor(t, g.Fields, "Consent text"); c != theme.Color("foreground", variant) {
		t.Errorf("the label of the open text choice has the colour %v of a disabled one", c)
	}
	test.Type(g.Source, "fair")
	test.Type(g.GivenAt, "3.5.2026 14:30")
	s.Detail.Consents.SubmitGrant()
	eventually(t, "the consent", func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.sent) == 1 })
	in := b.sent[0]
	if in.GivenAt == nil || in.GivenAt.Day() != 3 || in.GivenAt.Hour() != 14 || in.ConsentTextVersion == nil || *in.ConsentTextVersion != 2 {
		t.Fatalf("sent %+v", in)
	}

	// A purpose without texts offers none; a date in the future is refused in words.
	eventually(t, "the reloaded detail", func() bool { return s.Detail != first })
	test.Tap(s.Detail.Consents.Grant)
	g = s.Detail.Consents.GrantForm
	g.Purpose.SetSelected("Postwerbung")
	if !g.Text.Disabled() {
		t.Error("a purpose without consent texts offers a version")
	}
	test.Type(g.Source, "letter")
	test.Type(g.GivenAt, "1.1.2999")
	s.Detail.Consents.SubmitGrant()
	eventually(t, "the refusal in the dialog", func() bool { return g.Message.Text == "The date of consent lies in the future." })
}

// formLabelColor is the colour of the form's label with the given text.
func formLabelColor(t *testing.T, f fyne.Widget, label string) color.Color {
	t.Helper()
	for _, o := range test.LaidOutObjects(f) {
		if text, ok := o.(*canvas.Text); ok && text.Text == label {
			return text.Color
		}
	}
	t.Fatalf("no label %q in the form", label)
	return nil
}

// She left the newsletter through its unsubscribe link. Putting her record back on it from
// the detail view says so and asks why; with a reason she is on the list again.
func TestPuttingBackOnAListSheLeftAsksWhy(t *testing.T) {
	c, url, token := realServer(t)
	ctx := context.Background()
	id := withNewsletter(t, c)("Erika", "Testfrau", "erika.testfrau@example.org")
	if _, err := c.CreateList(ctx, api.ListInput{Key: "news", Name: "News", PurposeKey: "newsletter"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutOnList(ctx, id, "news", ""); err != nil {
		t.Fatal(err)
	}
	// her click on the link of a newsletter (the link is asked for with the admin's token)
	unsubscribe(t, url, token, id, "news")

	loc, w := testWindow(t)
	s := NewContactsScreen(c, loc, w)
	w.SetContent(s.Object())
	s.OpenContact(id)
	awaitServer(t, "the detail with the list to choose", func() bool {
		return s.Detail != nil && s.Detail.Lists != nil && len(s.Detail.Lists.Choice.Options) == 1
	})
	d := s.Detail
	d.Lists.Choice.SetSelected(d.Lists.Choice.Options[0])
	test.Tap(d.Lists.Add)
	awaitServer(t, "the question why she is put back", func() bool { return d.Lists.PutBack != nil })
	r := d.Lists.PutBack
	if !r.Confirm.Disabled() {
		t.Fatal("put back is possible without a reason")
	}
	test.Type(r.Reason, "Sie hat am 1.12. angerufen und möchte den Newsletter wieder")
	test.Tap(r.Confirm)
	awaitServer(t, "her record back on the list", func() bool {
		got, err := c.Contact(ctx, id)
		return err == nil && len(got.Lists) == 1 && got.Lists[0].Key == "news"
	})
	// the dialog closes when the answer reaches the window, which may be after the commit
	awaitServer(t, "the dialog closed", func() bool { return d.Lists.PutBack == nil })
}

// The side-by-side view says which records are on the blacklist: merged into the record that
// stays, a blocked duplicate blocks it too (its e-mails and phones go over).
func TestMergeViewSaysADuplicateIsBlocked(t *testing.T) {
	b := demo.New()
	given, family := "Anna", "Schmidt"
	p, _ := b.CreateContact(context.Background(), api.ContactInput{GivenName: &given, FamilyName: &family,
		Emails:  []string{"anna.schmidt.privat@example.org"},
		Address: &api.PostalAddressInput{Street: "Torstraße 12", PostalCode: "10119", City: "Berlin"}}, nil)
	dup := p.Contact.Id
	if _, err := b.BlacklistContact(context.Background(), dup, "Werbewiderspruch per Brief"); err != nil {
		t.Fatal(err)
	}
	s := openDetail(t, b, "c001", false)
	d := s.Detail
	eventually(t, "the duplicate count", func() bool { return d.Duplicates.Text == "Duplicate contacts (1)" })
	test.Tap(d.Duplicates)
	eventually(t, "the side-by-side view", func() bool { return d.DupView != nil })
	want := "Duplicate 1 is on the blacklist: merged in, it blocks the contact that stays too (it receives nothing more)."
	if !dialogShows(s.win, want) {
		var shown []string
		for _, o := range test.LaidOutObjects(openDialog(s.win)) {
			if l, ok := o.(*widget.Label); ok && l.Visible() {
				shown = append(shown, l.Text)
			}
		}
		t.Errorf("the merge view does not say %q; it shows %q", want, shown)
	}
}
