package ui

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// The server goes away in the middle of the day while someone fills in the form, and comes
// back. While it is away, the e-mail typed is not shown as clean: the form says the blacklist
// is unchecked, with the network's words folded away; a save keeps every field and says it
// was not saved. Once the server is back the form screens again by itself (no retyping), and
// a save is screened by the server: the erased person's address is refused, nothing written.
func TestAFormFilledWhileTheServerIsAwayIsScreenedOnceItIsBack(t *testing.T) {
	old := app.ScreenRetry
	app.ScreenRetry = 300 * time.Millisecond
	t.Cleanup(func() { app.ScreenRetry = old })
	srv, c := ownServer(t)
	const erased = "erika.mustermann@example.test"
	if _, err := c.BlacklistAdd(context.Background(), api.ContactInput{Emails: []string{erased}}, "Löschung auf Wunsch (Art. 17)"); err != nil {
		t.Fatal(err)
	}
	f := newFormOn(t, c)

	srv.Stop(t)
	test.Type(f.GivenName, "Erika")
	test.Type(f.FamilyName, "Mustermann")
	test.Type(f.Emails, erased)
	eventuallyE2E(t, "the note that the blacklist could not be checked", func() bool { return f.ScreenNote.Text != "" })
	note := f.ScreenNote.Text
	if !strings.HasPrefix(note, "Sperrliste nicht geprüft: Der Server antwortet gerade nicht. Was Sie eingeben, ist ungeprüft, nicht unbedenklich.") {
		t.Errorf("while the server is away the form says %q", note)
	}
	plainWithDetails(t, "the screening note", note, f.Object())
	if f.Banner.Visible() {
		t.Errorf("banner %q while nothing could be checked", f.Banner.Title.Text)
	}

	test.Tap(f.Save)
	eventuallyE2E(t, "the failed save", func() bool { return f.Message.Text != "" && !f.Save.Disabled() })
	if msg := f.Message.Text; !strings.HasPrefix(msg, "Nicht gespeichert. Der Server unter "+srv.URL+" ist nicht erreichbar.") ||
		!strings.Contains(msg, "bleibt hier stehen") {
		t.Errorf("a save while the server is away says %q", msg)
	}
	plainWithDetails(t, "the save message", f.Message.Text, f.Object())
	if m := f.Model(); m.GivenName != "Erika" || m.FamilyName != "Mustermann" || m.Emails != erased {
		t.Fatalf("the form after the failed save: %+v", m)
	}

	srv.Start(t)
	eventuallyE2E(t, "the warning once the server is back, without retyping", f.Banner.Visible)
	if !strings.Contains(f.Banner.Text.Text, "Diese E-Mail-Adresse") || f.ScreenNote.Text != "" {
		t.Errorf("back: banner %q, note %q", f.Banner.Text.Text, f.ScreenNote.Text)
	}
	if f.Message.Text != "Der Server antwortet wieder. Noch nicht gespeichert: „Speichern“ sendet Ihre Eingaben." {
		t.Errorf("back: the failed save's message still says %q", f.Message.Text)
	}
	test.Tap(f.Save)
	eventuallyE2E(t, "the server's own refusal", func() bool { return f.Override != nil })
	page, err := c.SearchContacts(context.Background(), "Mustermann", 10, "")
	if err != nil || page.TotalCount != 0 {
		t.Fatalf("contacts named Mustermann: %d, %v; want none (the server refused the save)", page.TotalCount, err)
	}
	f.Override.Close()
}

// The network drops for a while (the server keeps running), then the server is restarted for
// an upgrade. The admin's live feed says it is reconnecting, with the cause folded away, comes
// back by itself, and shows every revocation of the outages, each once.
func TestTheLiveFeedComesBackAfterAnOutageAndMissesNothing(t *testing.T) {
	oldMin := api.BackoffMin
	api.BackoffMin = 200 * time.Millisecond
	t.Cleanup(func() { api.BackoffMin = oldMin })
	srv, direct, erika := erikaOnServer(t, "erika@example.test")
	ctx := context.Background()
	if _, err := direct.CreatePurpose(ctx, api.PurposeInput{Key: "newsletter", Name: "Newsletter", LegalBasis: api.LegalBasisConsent}); err != nil {
		t.Fatal(err)
	}
	id := erika.Id
	revoke := func(channel string) {
		t.Helper()
		evidence := "Anruf, Ticket " + channel // she gave it again before each revocation
		if _, err := direct.RecordConsent(ctx, api.ConsentInput{ContactId: id, PurposeKey: "newsletter", Source: "phone", Evidence: &evidence}); err != nil {
			t.Fatal(err)
		}
		if _, err := direct.RevokeConsent(ctx, api.RevocationInput{ContactId: id, PurposeKey: "newsletter", Channel: channel}); err != nil {
			t.Fatal(err)
		}
	}

	link := cuttable(t, strings.TrimPrefix(srv.URL, "http://"))
	viaNet, err := api.New("http://"+link.addr, srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 760))
	s := NewAdminScreen(viaNet, loc, w, fyne.CurrentApp().Preferences(), "http://"+link.addr)
	w.SetContent(s.Object())
	runCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go s.Run(runCtx)
	eventuallyE2E(t, "the feed connected", func() bool { return s.FeedState.Text == "Verbunden" })
	revoke("phone")
	eventuallyE2E(t, "the first revocation", func() bool { return len(s.feed.Events) == 1 })

	link.cut()
	eventuallyE2E(t, "the feed saying it reconnects", func() bool { return strings.HasPrefix(s.FeedState.Text, "Getrennt:") })
	if !strings.Contains(s.FeedState.Text, "neuer Versuch in") {
		t.Errorf("feed state while the network is down: %q", s.FeedState.Text)
	}
	plainWithDetails(t, "the feed state", s.FeedState.Text, s.Object())
	revoke("letter") // while the app cannot hear the server
	link.restore()
	eventuallyE2E(t, "the revocation made while the network was down", func() bool { return len(s.feed.Events) == 2 })
	eventuallyE2E(t, "the feed connected again", func() bool { return s.FeedState.Text == "Verbunden" })

	srv.Stop(t)
	eventuallyE2E(t, "the feed saying it reconnects after the server stopped", func() bool { return strings.HasPrefix(s.FeedState.Text, "Getrennt:") })
	srv.Start(t)
	revoke("email") // before the feed is back: its backoff is still waiting
	deadline := time.Now().Add(60 * time.Second)
	for pump(); len(s.feed.Events) < 3; pump() {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart the feed shows %d events, state %q", len(s.feed.Events), s.FeedState.Text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	pump()
	var channels []string
	for _, e := range s.feed.Events {
		channels = append(channels, e.Channel)
	}
	if got := strings.Join(channels, ","); got != "email,letter,phone" {
		t.Errorf("feed (newest first) = %s, want email,letter,phone: every revocation once", got)
	}
	if got := fyne.CurrentApp().Preferences().String("revocations_cursor"); got != s.feed.Events[0].Cursor {
		t.Errorf("stored cursor %q, want the newest event's %q", got, s.feed.Events[0].Cursor)
	}
}

// plainWithDetails checks that text, shown to the user, carries no network words, and that
// the network's own message is reachable under folded technical details within o.
func plainWithDetails(t *testing.T, what, text string, o fyne.CanvasObject) {
	t.Helper()
	for _, technical := range []string{"dial", "refused", "tcp", "/graphql", "Post", "UNREACHABLE"} {
		if strings.Contains(text, technical) {
			t.Errorf("%s quotes %q: %q", what, technical, text)
		}
	}
	for _, d := range foldedDetails(o) {
		if strings.Contains(d, "connection refused") || strings.Contains(d, "UNREACHABLE") {
			return
		}
	}
	t.Errorf("%s: no technical details to unfold under it (found %q)", what, foldedDetails(o))
}

// foldedDetails are the texts of the visible, closed accordions within o.
func foldedDetails(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(v.Content)
		case *container.Split:
			walk(v.Leading)
			walk(v.Trailing)
		case *widget.PopUp:
			walk(v.Content)
		case *widget.Accordion:
			for _, it := range v.Items {
				if l, ok := it.Detail.(*widget.Label); ok && !it.Open {
					out = append(out, l.Text)
				}
			}
		}
	}
	walk(o)
	return out
}

// netLink forwards TCP to the server, and can be cut (every connection closed, new ones
// refused) and restored on the same address: the network dropping while the server runs.
type netLink struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	l      net.Listener
	conns  []net.Conn
}

func cuttable(t *testing.T, target string) *netLink {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &netLink{t: t, addr: l.Addr().String(), target: target}
	n.serve(l)
	t.Cleanup(n.cut)
	return n
}

func (n *netLink) serve(l net.Listener) {
	n.mu.Lock()
	n.l = l
	n.mu.Unlock()
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", n.target)
			if err != nil {
				in.Close()
				continue
			}
			n.mu.Lock()
			n.conns = append(n.conns, in, out)
			n.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
}

func (n *netLink) cut() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.l != nil {
		n.l.Close()
		n.l = nil
	}
	for _, c := range n.conns {
		c.Close()
	}
	n.conns = nil
}

func (n *netLink) restore() {
	l, err := net.Listen("tcp", n.addr)
	if err != nil {
		n.t.Fatal(err)
	}
	n.serve(l)
}

// A save whose connection broke after the request went out may have been written (the
// server committed, its answer was lost): the form does not claim "not saved", it says it is
// unclear and to look before sending again; what was typed stays. The server here reads the
// whole request and drops the connection without an answer.
func TestASaveWhoseAnswerWasLostSaysItMayHaveBeenSaved(t *testing.T) {
	c, err := api.New(testserver.HangsUp(t, ""), "a-token-of-the-staff")
	if err != nil {
		t.Fatal(err)
	}
	f := newFormOn(t, c)
	test.Type(f.FamilyName, "Mustermann")
	test.Type(f.Emails, "erika@example.test")
	test.Tap(f.Save)
	eventuallyE2E(t, "the failed save", func() bool { return f.Message.Text != "" && !f.Save.Disabled() })
	if msg := f.Message.Text; !strings.HasPrefix(msg, "Ob gespeichert wurde, ist unklar: Die Verbindung brach ab, nachdem die Anfrage abgeschickt war") ||
		strings.Contains(msg, "nicht erreichbar") {
		t.Errorf("a save whose answer was lost says %q, want that it is unclear, not that the server cannot be reached", msg)
	}
	if m := f.Model(); m.FamilyName != "Mustermann" || m.Emails != "erika@example.test" {
		t.Errorf("the form after the failed save: %+v", m)
	}
}

// The status line's "Getrennt: Der Server unter … ist nicht erreichbar …" is longer than the
// window is wide; it used to widen the window past a 1280-pixel screen while the server was
// away (seen under Xvfb against the demo server), cutting off the form's Save button.
func TestAnOutageInTheStatusLineDoesNotWidenTheWindow(t *testing.T) {
	test.NewTempApp(t)
	s := NewDemoShell(fyne.CurrentApp(), demo.New())
	t.Cleanup(s.Win.Close)
	eventually(t, "the window", func() bool { return s.Tabs != nil })
	before := s.Win.Content().MinSize().Width
	st := api.LinkState{Err: &api.Error{Op: "blacklistChanged", Code: "UNREACHABLE", Server: "http://127.0.0.1:8391"}, RetryIn: 8 * time.Second}
	s.Link.SetText(linkText(st, s.loc))
	if got := s.Win.Content().MinSize().Width; got > max(before, 1024) {
		t.Errorf("with %q in the status line the window needs %.0f px (before: %.0f)", s.Link.Text, got, before)
	}
}

// A consent and a data-subject request typed while the server is away are not lost: the
// dialog and the form keep every field, say it was not saved and why in plain words, with the
// network's words under the details, and send the same again on the next tap.
func TestAConsentAndARequestTypedWhileTheServerIsAwayStay(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := api.New("http://"+addr, "a-token-of-the-staff")
	if err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 760))
	notSaved := "Nicht gespeichert. Der Server unter http://" + addr + " ist nicht erreichbar."

	v := NewConsentsView(c, loc, w, "c-erika", []api.PurposeFields{{Id: "p1", Key: "newsletter", Name: "Newsletter", LegalBasis: api.LegalBasisConsent}}, nil)
	w.SetContent(v.Object())
	v.showGrant()
	g := v.GrantForm
	g.Purpose.SetSelected("Newsletter")
	test.Type(g.Source, "Telefon")
	test.Type(g.Evidence, "Anruf am 2.12.2026, Ticket 4711")
	test.Tap(g.Save)
	eventuallyE2E(t, "the failed grant", func() bool { return g.Message.Text != "" && !g.Save.Disabled() })
	if !strings.HasPrefix(g.Message.Text, notSaved) {
		t.Errorf("a consent recorded while the server is away: %q", g.Message.Text)
	}
	plainWithDetails(t, "the grant dialog", g.Message.Text, w.Canvas().Overlays().Top())
	if g.Purpose.Selected != "Newsletter" || g.Source.Text != "Telefon" || g.Evidence.Text != "Anruf am 2.12.2026, Ticket 4711" {
		t.Errorf("the grant dialog after the failure: %q, %q, %q", g.Purpose.Selected, g.Source.Text, g.Evidence.Text)
	}
	g.Dialog.Hide()

	f := newRequestFiling(c, loc)
	w.SetContent(f.Object())
	f.Preset(api.ContactSummary{Id: "c-erika", GivenName: "Erika", FamilyName: "Mustermann"})
	test.Type(f.Channel, "Brief")
	test.Type(f.Note, "Auskunft nach Art. 15")
	test.Tap(f.File)
	eventuallyE2E(t, "the failed filing", func() bool { return f.Message.Text != "" && !f.File.Disabled() })
	if !strings.HasPrefix(f.Message.Text, notSaved) {
		t.Errorf("a request filed while the server is away: %q", f.Message.Text)
	}
	plainWithDetails(t, "the request form", f.Message.Text, f.Object())
	if f.Channel.Text != "Brief" || f.Note.Text != "Auskunft nach Art. 15" || f.Contact.SelectedIndex() != 0 {
		t.Errorf("the request form after the failure: %q, %q, contact %d", f.Channel.Text, f.Note.Text, f.Contact.SelectedIndex())
	}
}

// newFormOn opens an empty contact form against c in a German test window of 1000×760 (the
// window closes with the test).
func newFormOn(t *testing.T, c *api.Client) *FormScreen {
	t.Helper()
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 760))
	f := NewFormScreen(c, loc, w, app.ContactForm{})
	w.SetContent(f.Object())
	t.Cleanup(f.Close)
	return f
}
