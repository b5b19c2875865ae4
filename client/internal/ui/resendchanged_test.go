package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// sendChanged is sendLosingTheAnswer, then change (the user edits the form while the answer
// is unclear) and send tapped again: the server carried out the first send and refuses the
// changed one (IDEMPOTENCY_KEY_REUSED), and msg says in screen's words what was saved and
// what to do now.
func (p *lossyProxy) sendChanged(t *testing.T, loc localizer, screen app.Screen, field string, send *widget.Button, msg *Notice, change func()) {
	t.Helper()
	p.sendChangedNaming(t, loc, screen, field, "", send, msg, change)
}

// sendChangedNaming is sendChanged for a screen whose text names what the first send sent.
func (p *lossyProxy) sendChangedNaming(t *testing.T, loc localizer, screen app.Screen, field, first string, send *widget.Button, msg *Notice, change func()) {
	t.Helper()
	p.sendLosingTheAnswer(t, string(screen), field, send, msg)
	change()
	lost := msg.Text
	test.Tap(send)
	eventuallyE2E(t, string(screen)+" sent again changed", func() bool { return msg.Text != "" && msg.Text != lost })
	want := loc.T(screen.ChangedKey(), map[string]any{"First": first})
	if msg.Text != want {
		t.Errorf("%s sent again changed says %q, want %q (%s)", screen, msg.Text, want, screen.ChangedKey())
	}
	if nothingLeftToSend[screen] && canSend(send) {
		t.Errorf("%s says there is nothing more to do, and its %q button sends again", screen, send.Text)
	}
	if nothingLeftToSend[screen] {
		change() // the user edits the dialog once more
		if canSend(send) {
			t.Errorf("%s says there is nothing more to do, and editing it again offers its %q button to send", screen, send.Text)
		}
		if msg.Text != want {
			t.Errorf("%s edited once more says %q, want still %q", screen, msg.Text, want)
		}
	}
}

// canSend says the user can tap send: it is shown and enabled.
func canSend(send *widget.Button) bool { return send.Visible() && !send.Disabled() }

// offersOnlyClose checks that a dialog whose first send did all there was to do calls its
// Cancel what it is now: it sends nothing, it closes the dialog.
func offersOnlyClose(t *testing.T, screen app.Screen, cancel *widget.Button) {
	t.Helper()
	if cancel.Text != "Schließen" {
		t.Errorf("%s says there is nothing more to do, and its Cancel reads %q, want Schließen", screen, cancel.Text)
	}
}

// nothingLeftToSend are the dialogs whose first send did all there was to do: their text says
// so, and their button does not offer to send again.
var nothingLeftToSend = map[app.Screen]bool{
	app.ScreenConsentRevoke: true, app.ScreenListPutBack: true, app.ScreenMerge: true, app.ScreenErasure: true,
	app.ScreenBlock: true, app.ScreenUnblock: true, app.ScreenRequestExtend: true, app.ScreenRequestReject: true,
	app.ScreenRequestComplete: true, app.ScreenImportRow: true,
}

// Every screen whose write the user can change while its answer is unclear says, when the
// changed write is sent again, in its own words what the first send saved and what to do
// now: the server carried the first send out and refused the change (IDEMPOTENCY_KEY_REUSED).
// One server for all of them.
func TestEveryScreenSaysWhatItsFirstSendSavedWhenSentAgainChanged(t *testing.T) {
	srv := testserver.Run(t)
	c, proxy := clientBehindLossyProxy(t, srv)
	ctx := context.Background()
	if _, err := c.CreatePurpose(ctx, api.PurposeInput{Key: "newsletter", Name: "Newsletter", LegalBasis: api.LegalBasisConsent}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []api.ListInput{{Key: "news", Name: "Newsletter Kunden", PurposeKey: "newsletter"}, {Key: "messe", Name: "Messe 2026", PurposeKey: "newsletter"}} {
		if _, err := c.CreateList(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	test.NewTempApp(t)
	loc := SetLanguage("de")
	win := test.NewTempWindow(t, widget.NewLabel(""))
	win.Resize(fyne.NewSize(1100, 720))
	record := func(t *testing.T, given, email string) string {
		t.Helper()
		family := "Mustermann"
		p, err := c.CreateContact(ctx, api.ContactInput{GivenName: &given, FamilyName: &family, Emails: []string{email}}, nil)
		if err != nil || p.Contact == nil {
			t.Fatalf("the record of %s: %+v, %v", email, p, err)
		}
		return p.Contact.Id
	}
	open := func(t *testing.T, id string) *ContactsScreen {
		t.Helper()
		s := NewContactsScreen(c, loc, win)
		s.Admin = true
		win.SetContent(s.Object())
		s.OpenContact(id)
		eventuallyE2E(t, "the detail", func() bool { return s.Detail != nil && s.Detail.contact.Id == id && s.Detail.Lists != nil })
		return s
	}
	// retype types text over what e holds; called again, it types something else again.
	retype := func(e *widget.Entry, text string) func() {
		return func() {
			if e.Text == text {
				text += " (geändert)"
			}
			e.SetText(text)
		}
	}

	t.Run("a new contact", func(t *testing.T) {
		f := NewFormScreen(c, loc, win, app.ContactForm{})
		win.SetContent(f.Object())
		t.Cleanup(f.Close)
		test.Type(f.GivenName, "Erika")
		test.Type(f.FamilyName, "Mustermann")
		test.Type(f.Emails, "erika.new@example.test")
		proxy.sendChanged(t, loc, app.ScreenContactNew, "createContact", f.Save, f.Message, retype(f.City, "Berlin"))
	})

	t.Run("a saved contact", func(t *testing.T) {
		d, err := c.Contact(ctx, record(t, "Erika", "erika.edit@example.test"))
		if err != nil {
			t.Fatal(err)
		}
		f := NewFormScreen(c, loc, win, app.FormFromContact(d))
		win.SetContent(f.Object())
		t.Cleanup(f.Close)
		f.GivenName.SetText("Erika Maria")
		proxy.sendChanged(t, loc, app.ScreenContactEdit, "updateContact", f.Save, f.Message, retype(f.GivenName, "Erika Marie"))
	})

	t.Run("recording a consent", func(t *testing.T) {
		s := open(t, record(t, "Erika", "erika.grant@example.test"))
		test.Tap(s.Detail.Consents.Grant)
		g := s.Detail.Consents.GrantForm
		g.Purpose.SetSelected("Newsletter")
		test.Type(g.Source, "Telefon")
		proxy.sendChanged(t, loc, app.ScreenConsentGrant, "recordConsent", g.Save, g.Message, func() { g.Source.SetText("Messe") })
		// Each screen shows what the first send did, without a reload by the user.
		eventuallyE2E(t, "her consent in the detail", func() bool { return s.Detail.Consents.Revoke["newsletter"] != nil })
	})

	t.Run("revoking a consent", func(t *testing.T) {
		id := record(t, "Erika", "erika.revoke@example.test")
		if _, err := c.RecordConsent(ctx, api.ConsentInput{ContactId: id, PurposeKey: "newsletter", Source: "Telefon"}); err != nil {
			t.Fatal(err)
		}
		s := open(t, id)
		eventuallyE2E(t, "her consent", func() bool { return s.Detail.Consents.Revoke["newsletter"] != nil })
		test.Tap(s.Detail.Consents.Revoke["newsletter"])
		r := s.Detail.Consents.RevokeForm
		test.Type(r.Channel, "Telefon")
		proxy.sendChanged(t, loc, app.ScreenConsentRevoke, "revokeConsent", r.Confirm, r.Message, retype(&r.Channel.Entry, "Brief"))
		offersOnlyClose(t, app.ScreenConsentRevoke, r.Cancel)
		eventuallyE2E(t, "her consent revoked in the detail", func() bool {
			return s.Detail.Consents != nil && s.Detail.Consents.RevokeForm == nil && s.Detail.Consents.Revoke["newsletter"] == nil
		})
	})

	t.Run("putting a person on a list", func(t *testing.T) {
		v := open(t, record(t, "Erika", "erika.list@example.test")).Detail.Lists
		eventuallyE2E(t, "the lists to choose", func() bool { return len(v.Choice.Options) == 2 })
		first := v.Choice.Options[0]
		v.Choice.SetSelected(first)
		proxy.sendChangedNaming(t, loc, app.ScreenListAdd, "addToList", first, v.Add, v.Message, func() { v.Choice.SetSelected(v.Choice.Options[1]) })
		// The view shows what was saved: the person on the list chosen first, the other to choose.
		eventuallyE2E(t, "the list chosen first shown", func() bool { return len(v.Remove) == 1 && len(v.Choice.Options) == 1 })
		if v.Choice.Options[0] == first {
			t.Errorf("the list left to choose is the one she is on: %q", first)
		}
	})

	t.Run("putting back a person who left a list", func(t *testing.T) {
		id := record(t, "Erika", "erika.back@example.test")
		if _, err := c.PutOnList(ctx, id, "news", ""); err != nil {
			t.Fatal(err)
		}
		unsubscribe(t, srv.URL, srv.Token, id, "news")
		v := open(t, id).Detail.Lists
		eventuallyE2E(t, "the lists to choose", func() bool { return len(v.Choice.Options) == 2 })
		v.Choice.SetSelected(v.Choice.Options[slicesIndexPrefix(v.Choice.Options, "Newsletter Kunden")])
		test.Tap(v.Add)
		eventuallyE2E(t, "the question why she is put back", func() bool { return v.PutBack != nil })
		r := v.PutBack
		test.Type(r.Reason, "Sie hat am 1.12. angerufen")
		proxy.sendChanged(t, loc, app.ScreenListPutBack, "addToList", r.Confirm, r.Message, retype(r.Reason, "Sie hat am 2.12. geschrieben"))
		offersOnlyClose(t, app.ScreenListPutBack, r.Abort)
		eventuallyE2E(t, "her back on the list", func() bool { return v.Remove["news"] != nil })
	})

	t.Run("merging duplicates", func(t *testing.T) {
		id := record(t, "Anna", "anna.merge@example.test")
		record(t, "Anna", "Anna.Merge@example.test")
		s := open(t, id)
		d := s.Detail
		eventuallyE2E(t, "the duplicate count", func() bool { return d.Duplicates.Text == "Doppelte Kontakte (1)" })
		test.Tap(d.Duplicates)
		eventuallyE2E(t, "the side-by-side view", func() bool { return d.DupView != nil })
		v := d.DupView
		test.Type(v.Reason, "Dieselbe Person, zweimal angelegt")
		proxy.sendChanged(t, loc, app.ScreenMerge, "mergeContacts", v.Merge, v.Message, retype(v.Reason, "Zweimal erfasst"))
	})

	t.Run("erasing a person", func(t *testing.T) {
		s := open(t, record(t, "Erika", "erika.erase@example.test"))
		test.Tap(s.Detail.Erase)
		v := s.Detail.EraseDialog
		eventuallyE2E(t, "the preview", func() bool { return v.Going.Text != "" })
		test.Type(v.Reason, "Antrag auf Löschung per Brief vom 2. Mai")
		proxy.sendChanged(t, loc, app.ScreenErasure, "eraseContact", v.Confirm, v.Message, retype(v.Reason, "Antrag per E-Mail"))
		offersOnlyClose(t, app.ScreenErasure, v.Abort)
	})

	t.Run("putting a person on the blacklist", func(t *testing.T) {
		d := open(t, record(t, "Erika", "erika.block@example.test")).Detail
		d.AskBlock()
		r := d.BlockDialog
		test.Type(r.Reason, "Widerspruch per Brief vom 3. Mai")
		proxy.sendChanged(t, loc, app.ScreenBlock, "blacklistContact", r.Confirm, r.Message, retype(r.Reason, "Widerspruch am Telefon"))
		offersOnlyClose(t, app.ScreenBlock, r.Abort)
		eventuallyE2E(t, "the detail saying she is blocked", func() bool { return d.Blocked.Visible() && d.Block.Disabled() })
	})

	t.Run("lifting a blacklist entry", func(t *testing.T) {
		s := NewAdminScreen(c, loc, win, fyne.CurrentApp().Preferences(), srv.URL)
		win.SetContent(s.Object())
		s.loadBlacklist("")
		eventuallyE2E(t, "the blacklist", func() bool { return len(s.Entries()) > 0 })
		lifted := s.Entries()[0].Id
		s.AskRemove(0)
		r := s.Remove
		test.Type(r.Reason, "Eintrag irrtümlich angelegt")
		proxy.sendChanged(t, loc, app.ScreenUnblock, "blacklistRemove", r.Confirm, r.Message, retype(r.Reason, "Irrtum"))
		eventuallyE2E(t, "the entry lifted in the list", func() bool {
			return !slices.ContainsFunc(s.Entries(), func(e api.BlacklistEntryFields) bool { return e.Id == lifted && e.RemovedAt == nil })
		})
	})

	t.Run("requests", func(t *testing.T) {
		s := NewRequestsScreen(c, loc, win)
		win.SetContent(s.Object())
		f := s.RequestFiling
		f.Kind.SetSelectedIndex(4) // objection
		test.Type(f.Channel, "Telefon")
		proxy.sendChanged(t, loc, app.ScreenRequestFile, "fileRequest", f.File, f.Message, retype(f.Note, "Rückruf erbeten"))
		// Each text points to the list: it shows what the first send did, without a reload.
		eventuallyE2E(t, "the request filed in the list", func() bool { return len(s.Requests()) == 1 })
		for _, channel := range []string{"Brief", "E-Mail"} {
			if _, err := c.FileRequest(ctx, api.RequestKindObjection, "", channel, "", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		s.Reload()
		eventuallyE2E(t, "the requests", func() bool { return len(s.Requests()) == 3 })

		s.AskExtend(0)
		r := s.ExtendDialog
		test.Type(r.Reason, "Umfangreiche Prüfung")
		proxy.sendChanged(t, loc, app.ScreenRequestExtend, "extendRequest", r.Confirm, r.Message, retype(r.Reason, "Viele Datensätze"))
		extended := func(i int) bool { return s.Requests()[i].ExtendedTo != nil }
		eventuallyE2E(t, "the new deadline in the list", func() bool {
			return slices.IndexFunc(s.Requests(), func(r api.RequestFields) bool { return r.ExtendedTo != nil }) >= 0
		})
		r.Close()

		other := 0
		if extended(0) {
			other = 1
		}
		s.AskReject(other)
		r = s.RejectDialog
		test.Type(r.Reason, "Offensichtlich unbegründet")
		proxy.sendChanged(t, loc, app.ScreenRequestReject, "rejectRequest", r.Confirm, r.Message, retype(r.Reason, "Doppelt gestellt"))
		eventuallyE2E(t, "the rejected request gone from the list", func() bool { return len(s.Requests()) == 2 })
		r.Close()

		s.AskComplete(0)
		r = s.Complete
		test.Type(r.Reason, "Sperrvermerk gesetzt")
		proxy.sendChanged(t, loc, app.ScreenRequestComplete, "completeRequest", r.Confirm, r.Message, retype(r.Reason, "Widerspruch umgesetzt"))
		eventuallyE2E(t, "the completed request gone from the list", func() bool { return len(s.Requests()) == 1 })
	})

	t.Run("starting an import with another file", func(t *testing.T) {
		s := NewImportScreen(c, loc, win)
		win.SetContent(s.Object())
		t.Cleanup(s.Stop)
		load := func(name, csv string) {
			s.LoadFile(name, func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(csv)), nil })
			eventuallyE2E(t, "the preview of "+name, func() bool { return !s.Start.Disabled() })
		}
		load("messe.csv", "Vorname;Nachname;E-Mail\nMax;Mustermann;max.messe@example.test\n")
		proxy.sendChangedNaming(t, loc, app.ScreenImportStart, "startImport", "messe.csv", s.Start, s.Message, func() {
			load("kunden.csv", "Vorname;Nachname;E-Mail\nMax;Mustermann;max.kunden@example.test\n")
		})
	})

	t.Run("deciding a held import row", func(t *testing.T) {
		job := heldImport(t, c)
		s := NewImportScreen(c, loc, win)
		win.SetContent(s.Object())
		t.Cleanup(s.Stop)
		s.OpenJob(job.Id)
		eventuallyE2E(t, "the held row", func() bool { return len(s.HeldAccept) == 1 })
		test.Tap(s.HeldAccept[0])
		r := s.Accept
		test.Type(r.Reason, "Neue schriftliche Einwilligung vom 4. Juni")
		proxy.sendChanged(t, loc, app.ScreenImportRow, "decideImportRow", r.Confirm, r.Message, retype(r.Reason, "Einwilligung am Telefon"))
		eventuallyE2E(t, "the row decided", func() bool { return len(s.HeldAccept) == 0 })
	})

	t.Run("the office", func(t *testing.T) {
		s := NewOfficeScreen(c, loc, win)
		win.SetContent(s.Object())
		s.Reload()
		eventuallyE2E(t, "the office", func() bool { return s.TokenRole.Selected != "" && len(s.purposes) == 1 })

		test.Type(s.PurposeKey, "postal")
		test.Type(s.PurposeName, "Post")
		s.PurposeBasis.SetSelectedIndex(0)
		proxy.sendChanged(t, loc, app.ScreenPurpose, "createPurpose", s.AddPurpose, s.PurposeMsg, retype(s.PurposeName, "Postwurf"))
		// Each text points to the list: it shows what the first send made, without a reload.
		eventuallyE2E(t, "the purpose in the list", func() bool { return len(s.purposes) == 2 })

		test.Type(s.ListKey, "kunden-post")
		test.Type(s.ListName, "Kunden Post")
		s.ListPurpose.SetSelectedIndex(0)
		proxy.sendChanged(t, loc, app.ScreenList, "createList", s.AddList, s.ListMsg, retype(s.ListName, "Kunden (Post)"))
		eventuallyE2E(t, "the list in the list", func() bool { return len(s.lists) == 3 })

		test.Type(s.TokenName, "Kasse Filiale 3")
		proxy.sendChangedNaming(t, loc, app.ScreenToken, "createApiToken", "Kasse Filiale 3", s.AddToken, s.TokenMsg, retype(s.TokenName, "Kasse Filiale 4"))
		eventuallyE2E(t, "the token in the list", func() bool {
			return slices.ContainsFunc(s.TokenList(), func(tok api.ApiTokenFields) bool { return tok.Name == "Kasse Filiale 3" })
		})

		test.Type(s.HookURL, srv.URL+"/hook")
		test.Type(s.HookSecret, "ein-langes-geheimnis-1")
		proxy.sendChanged(t, loc, app.ScreenWebhook, "createWebhook", s.AddHook, s.HookMsg, retype(s.HookSecret, "ein-langes-geheimnis-2"))

		eventuallyE2E(t, "the webhook in the list", func() bool { return len(s.HookList()) == 1 })
		s.AskNewSecret(0)
		d := s.NewSecretDialog
		test.Type(d.Secret, "ein-neues-geheimnis-1")
		proxy.sendChanged(t, loc, app.ScreenWebhookSecret, "setWebhookSecret", d.Confirm, d.Message, retype(d.Secret, "ein-neues-geheimnis-2"))
	})
}

// unsubscribe takes the person off the list as her click on a newsletter's one-click link does.
func unsubscribe(t *testing.T, url, token, contactID, listKey string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": `query($c: ID!, $l: String!) { unsubscribeLink(contactId: $c, listKey: $l) }`,
		"variables": map[string]any{"c": contactID, "l": listKey}})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	var link struct {
		Data struct{ UnsubscribeLink string }
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&link)
	resp.Body.Close()
	if err != nil || link.Data.UnsubscribeLink == "" {
		t.Fatalf("unsubscribe link: %+v, %v", link, err)
	}
	resp, err = http.PostForm(link.Data.UnsubscribeLink, map[string][]string{"List-Unsubscribe": {"One-Click"}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click: %v, %v", resp, err)
	}
	resp.Body.Close()
}

// slicesIndexPrefix is the index of the first option starting with prefix (0 when none does).
func slicesIndexPrefix(options []string, prefix string) int {
	for i, o := range options {
		if strings.HasPrefix(o, prefix) {
			return i
		}
	}
	return 0
}
