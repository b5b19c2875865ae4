package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// lossyProxy stands between the app and srv and loses answers on request: after
// LoseAnswersTo(field), every POST /graphql whose body names field reaches the server and is
// carried out, but the connection breaks before its answer reaches the app; LoseAnswersTo("")
// ends that. (Every one, not only the first: Go's HTTP transport sends a request with an
// Idempotency-Key again by itself when a connection it reused broke.)
type lossyProxy struct {
	mu   sync.Mutex
	lose string
}

// LoseAnswersTo makes the requests naming field lose their answers ("": none).
func (p *lossyProxy) LoseAnswersTo(field string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lose = field
}

// losing reports whether body is a request whose answer is to be lost.
func (p *lossyProxy) losing(body []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lose != "" && bytes.Contains(body, []byte(p.lose))
}

// clientBehindLossyProxy returns an ADMIN client of srv that talks to it through a lossyProxy.
func clientBehindLossyProxy(t *testing.T, srv *testserver.Server) (*api.Client, *lossyProxy) {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	p := &lossyProxy{}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/graphql" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if p.losing(body) {
				// The server gets the request and answers; the answer never reaches the app.
				forward.ServeHTTP(httptest.NewRecorder(), r)
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return
			}
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	c, err := api.New(proxy.URL, srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	return c, p
}

// sendLosingTheAnswer taps send while the answers to field are lost, waits until the screen
// says so in msg (send enabled again) and checks that it says sending again is safe; then
// the answers come through again.
func (p *lossyProxy) sendLosingTheAnswer(t *testing.T, what, field string, send *widget.Button, msg *Notice) {
	t.Helper()
	p.LoseAnswersTo(field)
	test.Tap(send)
	eventuallyE2E(t, what+" whose answer was lost", func() bool { return msg.Text != "" && !send.Disabled() })
	if !strings.Contains(msg.Text, "einfach erneut") {
		t.Errorf("%s whose answer was lost says %q, want that sending it again is safe", what, msg.Text)
	}
	// The server got the request: it was reached, only its answer did not come back.
	if strings.Contains(msg.Text, "nicht erreichbar") || !strings.Contains(msg.Text, "Antwort kam nicht an") {
		t.Errorf("%s whose answer was lost says %q, want that no answer came, not that the server cannot be reached", what, msg.Text)
	}
	p.LoseAnswersTo("")
}

// sendTwice is sendLosingTheAnswer, then send tapped again and waited for until answered.
func (p *lossyProxy) sendTwice(t *testing.T, what, field string, send *widget.Button, msg *Notice, answered func() bool) {
	t.Helper()
	p.sendLosingTheAnswer(t, what, field, send, msg)
	test.Tap(send)
	eventuallyE2E(t, what+" sent again", answered)
}

// Every screen that writes sends its write under one Idempotency-Key until the answer is
// known: a write whose answer was lost (the server carried it out, the connection broke
// before the answer came back) says that sending it again is safe, and sent again it is
// carried out once, answered with the first answer. One server for all of them.
func TestEveryScreenSendsAWriteOnceAlsoWhenItsAnswerWasLost(t *testing.T) {
	srv := testserver.Run(t)
	c, proxy := clientBehindLossyProxy(t, srv)
	ctx := context.Background()
	if _, err := c.CreatePurpose(ctx, api.PurposeInput{Key: "newsletter", Name: "Newsletter", LegalBasis: api.LegalBasisConsent}); err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	loc := SetLanguage("de")
	win := test.NewTempWindow(t, widget.NewLabel(""))
	win.Resize(fyne.NewSize(1100, 720))
	person := func(t *testing.T, email string) (*ContactsScreen, string) {
		t.Helper()
		given, family := "Erika", "Mustermann"
		p, err := c.CreateContact(ctx, api.ContactInput{GivenName: &given, FamilyName: &family, Emails: []string{email}}, nil)
		if err != nil || p.Contact == nil {
			t.Fatalf("Erika's record: %+v, %v", p, err)
		}
		s := NewContactsScreen(c, loc, win)
		s.Admin = true
		win.SetContent(s.Object())
		s.OpenContact(p.Contact.Id)
		eventuallyE2E(t, "her detail", func() bool { return s.Detail != nil && s.Detail.contact.Id == p.Contact.Id })
		return s, p.Contact.Id
	}

	t.Run("saving a contact", func(t *testing.T) {
		f := NewFormScreen(c, loc, win, app.ContactForm{})
		win.SetContent(f.Object())
		t.Cleanup(f.Close)
		var saved atomic.Int32
		f.OnSaved = func(api.ContactDetail) { saved.Add(1) }
		test.Type(f.GivenName, "Erika")
		test.Type(f.FamilyName, "Mustermann")
		test.Type(f.Emails, "erika.resend@example.test")
		proxy.sendTwice(t, "a save", "createContact", f.Save, f.Message, func() bool { return saved.Load() == 1 })
		page, err := c.SearchContacts(ctx, "erika.resend@example.test", 10, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(page.Edges); n != 1 {
			t.Fatalf("records of her after the save was sent again: %d, want 1", n)
		}
	})

	t.Run("recording a consent", func(t *testing.T) {
		s, id := person(t, "erika.consent@example.test")
		test.Tap(s.Detail.Consents.Grant)
		g := s.Detail.Consents.GrantForm
		g.Purpose.SetSelected("Newsletter")
		test.Type(g.Source, "Telefon")
		proxy.sendTwice(t, "a consent", "recordConsent", g.Save, g.Message, func() bool { return !g.Save.Disabled() })
		events, err := c.ConsentProof(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 {
			t.Fatalf("her consent ledger after the consent was sent again: %d events, want 1 (%+v)", len(events), events)
		}
	})

	t.Run("erasing a person", func(t *testing.T) {
		s, id := person(t, "erika.erase@example.test")
		test.Tap(s.Detail.Erase)
		v := s.Detail.EraseDialog
		eventuallyE2E(t, "the preview", func() bool { return v.Going.Text != "" })
		test.Type(v.Reason, "Antrag auf Löschung per Brief vom 2. Mai")
		proxy.sendTwice(t, "an erasure", "eraseContact", v.Confirm, v.Message, func() bool { return s.Receipt != nil || !v.Confirm.Disabled() })
		if s.Receipt == nil {
			t.Fatalf("the erasure sent again says %q, want that she is erased", v.Message.Text)
		}
		if got := s.Receipt.Text; !strings.Contains(got, "Erika Mustermann ist gelöscht") {
			t.Errorf("the receipt of the erasure sent again says %q, want that she is erased", got)
		}
		var notFound *api.Error
		if _, err := c.Contact(ctx, id); !errors.As(err, &notFound) || notFound.Code != "NOT_FOUND" {
			t.Errorf("her record after the erasure: %v, want NOT_FOUND", err)
		}
	})

	t.Run("starting an import", func(t *testing.T) {
		s := NewImportScreen(c, loc, win)
		win.SetContent(s.Object())
		t.Cleanup(s.Stop)
		const csv = "Vorname;Nachname;E-Mail\nErika;Mustermann;erika.import-resend@example.test\nMax;Mustermann;max.import-resend@example.test\n"
		s.LoadFile("messe.csv", func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(csv)), nil })
		eventuallyE2E(t, "the preview", func() bool { return !s.Start.Disabled() })
		proxy.sendLosingTheAnswer(t, "an import", "startImport", s.Start, s.Message)
		// Nothing was typed here: the question is whether the import began.
		if msg := s.Message.Text; !strings.Contains(msg, "Ob der Import gestartet wurde, ist unklar") || strings.Contains(msg, "eingegeben") {
			t.Errorf("an import whose answer was lost says %q, want that it is unclear whether the import was started, not what was typed", msg)
		}
		test.Tap(s.Start)
		eventuallyE2E(t, "an import sent again", func() bool { return s.flow.Job != nil })
		if msg := s.Message.Text; !strings.Contains(msg, "nicht doppelt gestartet") {
			t.Errorf("the import started again says %q, want that the first start arrived and nothing was started twice", msg)
		}
		jobs, err := c.ImportJobs(ctx, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) != 1 || jobs[0].Id != s.flow.Job.Id {
			t.Fatalf("import jobs after the import was started again: %+v, want the one the screen shows (%s)", jobs, s.flow.Job.Id)
		}
		eventuallyE2E(t, "the import done", func() bool { return s.flow.Finished() })
		page, err := c.SearchContacts(ctx, "erika.import-resend@example.test", 10, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(page.Edges); n != 1 {
			t.Fatalf("records of her after the import was started again: %d, want 1", n)
		}
	})

	t.Run("creating an API token, the list not loaded in between", func(t *testing.T) {
		s := NewOfficeScreen(c, loc, win)
		win.SetContent(s.Object())
		s.Reload()
		eventuallyE2E(t, "the office", func() bool { return s.TokenRole.Selected != "" })
		test.Type(s.TokenName, "Kasse Filiale 1")
		proxy.sendTwice(t, "a new token", "createApiToken", s.AddToken, s.TokenMsg, func() bool { return !s.AddToken.Disabled() })
		listed := func() bool {
			return slices.ContainsFunc(s.TokenList(), func(tok api.ApiTokenFields) bool { return tok.Name == "Kasse Filiale 1" })
		}
		deadline := time.Now().Add(3 * time.Second)
		for pump(); !listed(); pump() {
			if time.Now().After(deadline) {
				t.Fatalf("3 s after the token sent again says %q, the list shows %d tokens, not the one made", s.TokenMsg.Text, len(s.TokenList()))
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("creating an API token", func(t *testing.T) {
		s := NewOfficeScreen(c, loc, win)
		win.SetContent(s.Object())
		s.Reload()
		eventuallyE2E(t, "the office", func() bool { return s.TokenRole.Selected != "" })
		test.Type(s.TokenName, "Kasse Filiale 2")
		proxy.sendLosingTheAnswer(t, "a new token", "createApiToken", s.AddToken, s.TokenMsg)
		// The list, loaded again meanwhile, shows the token the lost send made: sent again,
		// the form is not refused for its name, makes no second token, and says that the first
		// was made and its secret, kept nowhere, cannot be shown again.
		s.Reload()
		eventuallyE2E(t, "the token in the list", func() bool {
			return slices.ContainsFunc(s.TokenList(), func(tok api.ApiTokenFields) bool { return tok.Name == "Kasse Filiale 2" })
		})
		test.Tap(s.AddToken)
		eventuallyE2E(t, "the token sent again", func() bool { return s.Secret != nil || !s.AddToken.Disabled() })
		if s.Secret != nil {
			t.Fatalf("the token sent again shows a secret: %q", s.Secret.Secret.Text)
		}
		if msg := s.TokenMsg.Text; !strings.Contains(msg, "wurde schon angelegt") || !strings.Contains(msg, "Widerrufen Sie es") {
			t.Fatalf("the token sent again says %q, want that it was made and to revoke it and make another", msg)
		}
		tokens, err := c.ApiTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, tok := range tokens {
			if tok.Name == "Kasse Filiale 2" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("tokens named Kasse Filiale 2 after the token was sent again: %d, want 1", n)
		}
	})
}
