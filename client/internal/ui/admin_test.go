package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// updates records what the edit form sends.
type updates struct {
	*demo.Backend
	mu   sync.Mutex
	sent []api.ContactInput
}

func (u *updates) UpdateContact(ctx context.Context, id string, in api.ContactInput, o *api.OverrideInput) (api.ContactPayloadFields, error) {
	u.mu.Lock()
	u.sent = append(u.sent, in)
	u.mu.Unlock()
	return u.Backend.UpdateContact(ctx, id, in, o)
}

func TestEditFormSendsClearedFields(t *testing.T) {
	b := &updates{Backend: demo.New()}
	loc, w := testWindow(t)
	s := NewContactsScreen(b, loc, w)
	w.SetContent(s.Object())
	s.OpenContact("c001") // Anna Schmidt, Bäckerei Schmidt
	eventually(t, "the detail", func() bool { return s.Detail != nil })
	test.Tap(s.Detail.Edit)
	f := s.Form
	if f.Organization.Text != "Bäckerei Schmidt" {
		t.Fatalf("organization = %q", f.Organization.Text)
	}
	f.Organization.SetText("")
	f.Phones.SetText("")
	test.Tap(f.Save)
	eventually(t, "the saved contact", func() bool { return s.Detail != nil && s.Form == nil })
	b.mu.Lock()
	in := b.sent[len(b.sent)-1]
	b.mu.Unlock()
	if in.Organization == nil || *in.Organization != "" || in.Phones == nil || len(in.Phones) != 0 {
		t.Fatalf("update sent organization %v, phones %#v; want \"\" and []", in.Organization, in.Phones)
	}
	if in.GivenName == nil || *in.GivenName != "Anna" || len(in.Emails) != 1 || in.Address == nil {
		t.Fatalf("update lost fields the form shows: %+v", in)
	}
	c, _ := b.Contact(context.Background(), "c001")
	if c.Organization != nil && *c.Organization != "" || len(c.Phones) != 0 {
		t.Fatalf("stored = %+v", c.ContactSummary)
	}
}

func TestAcceptingAHeldRowNeedsAReason(t *testing.T) {
	b, s := previewSample(t)
	test.Tap(s.Start)
	eventually(t, "the held row", func() bool { return len(s.HeldAccept) == 1 })

	test.Tap(s.HeldAccept[0])
	d := s.Accept
	if d == nil || !d.Confirm.Disabled() {
		t.Fatal("OK is enabled while the reason is empty")
	}
	test.Type(d.Reason, "  \n ")
	if !d.Confirm.Disabled() {
		t.Fatal("OK is enabled for a blank reason")
	}
	test.Type(d.Reason, "Neue schriftliche Einwilligung vom 4. Juni")
	if d.Confirm.Disabled() {
		t.Fatal("OK still disabled with a reason")
	}
	test.Tap(d.Confirm)
	eventually(t, "the accepted row", func() bool { return len(s.HeldAccept) == 0 && s.Accept == nil })
	got := b.Overrides()
	if len(got) != 1 || got[0].Reason != "Neue schriftliche Einwilligung vom 4. Juni" {
		t.Fatalf("reasons sent = %+v", got)
	}
	if !strings.Contains(s.Status.Text, "4 inserted") {
		t.Errorf("status = %q", s.Status.Text)
	}
}

func TestEraseFromTheDetailShowsTheReceipt(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	s := NewContactsScreen(b, loc, w)
	s.Admin = true
	w.SetContent(s.Object())
	s.OpenContact("c002") // Jonas Becker
	eventually(t, "the detail", func() bool { return s.Detail != nil })
	test.Tap(s.Detail.Erase)
	d := s.Detail.EraseDialog
	eventually(t, "the erasure preview", func() bool { return d.Going.Text != "" })
	if !d.Confirm.Disabled() {
		t.Fatal("erase is possible without a reason")
	}
	test.Type(d.Reason, "Antrag per Brief vom 2. Mai")
	test.Tap(d.Confirm)
	eventually(t, "the receipt", func() bool { return s.Receipt != nil })
	if !strings.Contains(s.Receipt.Text, "Jonas Becker was erased on") || !strings.Contains(s.Receipt.Text, "e-mail, phone, name and address") {
		t.Errorf("receipt = %q", s.Receipt.Text)
	}
	if _, err := b.Contact(context.Background(), "c002"); err == nil {
		t.Fatal("the contact still exists")
	}
	sc, _ := b.Screen(context.Background(), api.ContactInput{Emails: []string{"jonas.becker@example.org"}})
	if !sc.Blocked {
		t.Fatal("the erased e-mail is not on the blacklist")
	}
}

func TestStaffSeesNoEraseButton(t *testing.T) {
	loc, w := testWindow(t)
	s := NewContactsScreen(demo.New(), loc, w)
	w.SetContent(s.Object())
	s.OpenContact("c001")
	eventually(t, "the detail", func() bool { return s.Detail != nil })
	if s.Detail.Erase != nil {
		t.Fatal("a STAFF token sees the erase button")
	}
}

func TestRemovingABlacklistEntryNeedsAReason(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	s := NewAdminScreen(b, loc, w, fyne.CurrentApp().Preferences(), "http://demo")
	w.SetContent(s.Object())
	s.loadBlacklist("")
	eventually(t, "the blacklist", func() bool { return len(s.Entries()) == 3 })
	if got := s.entryText(s.Entries()[2]); !strings.Contains(got, "e-mail, phone, name and address") || !strings.Contains(got, "erasure") {
		t.Errorf("entry = %q", got)
	}
	s.AskRemove(0)
	d := s.Remove
	if !d.Confirm.Disabled() {
		t.Fatal("remove is possible without a reason")
	}
	test.Type(d.Reason, "Eintrag irrtümlich angelegt")
	test.Tap(d.Confirm)
	eventually(t, "the removed entry", func() bool { return s.Remove == nil && s.Entries()[0].RemovedAt != nil })
	if got := b.Removals(); len(got) != 1 || got[0].Reason != "Eintrag irrtümlich angelegt" {
		t.Fatalf("removals = %+v", got)
	}
	if !strings.Contains(s.entryText(s.Entries()[0]), "removed on") {
		t.Errorf("removed entry = %q", s.entryText(s.Entries()[0]))
	}
}

func TestRevocationFeedResumesAfterARestart(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	prefs := fyne.CurrentApp().Preferences()
	run := func() (*AdminScreen, context.CancelFunc) {
		s := NewAdminScreen(b, loc, w, prefs, "http://demo")
		ctx, cancel := context.WithCancel(context.Background())
		go s.Run(ctx)
		return s, cancel
	}
	first, stop := run()
	eventually(t, "the backlog", func() bool { return first.Feed.Length() == 5 })
	stop()
	if got := prefs.String("revocations_cursor"); got != "5" {
		t.Fatalf("stored cursor = %q, want 5", got)
	}

	// While the app is closed, someone revokes a consent.
	if _, err := b.RevokeConsent(context.Background(), api.RevocationInput{ContactId: "c001", PurposeKey: "newsletter", Channel: "letter"}); err != nil {
		t.Fatal(err)
	}
	second, stop := run()
	defer stop()
	// It shows the five events it showed, each once, and the missed one on top.
	if second.Feed.Length() != 5 {
		t.Fatalf("after a restart the feed shows %d events, want the 5 it showed", second.Feed.Length())
	}
	eventually(t, "the missed revocation", func() bool { return second.Feed.Length() == 6 })
	if e := second.feed.Events[0]; e.ContactId != "c001" || e.Channel != "letter" {
		t.Fatalf("resumed with %+v", e)
	}
	for i, e := range second.feed.Events[1:] {
		if e.Cursor != first.feed.Events[i].Cursor {
			t.Errorf("row %d after the restart: cursor %s, want %s", i+1, e.Cursor, first.feed.Events[i].Cursor)
		}
	}
}

func TestConsentProofShowsTheLedger(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	s := NewContactsScreen(b, loc, w)
	w.SetContent(s.Object())
	s.OpenContact("c001") // newsletter granted; sales calls granted, then revoked
	eventually(t, "the detail", func() bool { return s.Detail != nil })
	test.Tap(s.Detail.Proof)
	v := s.Detail.ProofView
	eventually(t, "the ledger", func() bool { return len(v.Events) == 3 })
	if rows, cols := v.Table.Length(); rows != 3 || cols != 7 || !v.Table.Visible() {
		t.Fatalf("table = %d×%d, shown %v", rows, cols, v.Table.Visible())
	}
	var statuses []string
	for i := range v.Events {
		statuses = append(statuses, v.Cell(i, 1)+" "+v.Cell(i, 2))
	}
	if got := strings.Join(statuses, ", "); got != "Newsletter granted, Vertriebsanrufe granted, Vertriebsanrufe revoked" {
		t.Errorf("ledger = %s", got)
	}
	if v.Cell(0, 4) != "Double-Opt-in bestätigt, Formular v3" || v.Cell(2, 4) != "—" {
		t.Errorf("evidence = %q / %q", v.Cell(0, 4), v.Cell(2, 4))
	}
	if v.Cell(2, 6) != "c001" { // the record of the event: the demo's ids are no UUIDs, so whole
		t.Errorf("record = %q, want c001", v.Cell(2, 6))
	}
	if !strings.Contains(v.Message.Text, "3 entries, oldest first") {
		t.Errorf("message = %q", v.Message.Text)
	}
}
