package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// uiQueue is the UI thread of the tests: do appends, pump runs on the test goroutine.
var uiQueue struct {
	sync.Mutex
	fns []func()
}

func init() {
	do = func(f func()) {
		uiQueue.Lock()
		uiQueue.fns = append(uiQueue.fns, f)
		uiQueue.Unlock()
	}
}

// pump runs what goroutines handed to the UI, until nothing is left.
func pump() {
	for {
		uiQueue.Lock()
		fns := uiQueue.fns
		uiQueue.fns = nil
		uiQueue.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, f := range fns {
			f()
		}
	}
}

// eventually pumps the UI queue and polls cond for up to two seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for pump(); !cond(); pump() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newTestForm(t *testing.T, b *demo.Backend) (*FormScreen, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	loc := SetLanguage("en")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(900, 700))
	f := NewFormScreen(b, loc, w, app.ContactForm{})
	w.SetContent(f.Object())
	t.Cleanup(f.Close)
	return f, w
}

func TestTypingAnErasedEmailShowsTheWarning(t *testing.T) {
	f, _ := newTestForm(t, demo.New())
	test.Type(f.FamilyName, "Weber")
	if f.Banner.Visible() {
		t.Fatal("banner visible before any match")
	}
	start := time.Now()
	test.Type(f.Emails, demo.ErasedEmail)
	eventually(t, "the warning banner", f.Banner.Visible)
	t.Logf("warning after %v (debounce %v)", time.Since(start).Round(time.Millisecond), app.ScreenDelay)
	text := f.Banner.Text.Text
	if !strings.Contains(text, "This e-mail belongs to a person who was erased on 3 May 2026") || !strings.Contains(text, "Art. 17") {
		t.Errorf("banner text = %q", text)
	}
	if !strings.Contains(f.Banner.Title.Text, "written reason") {
		t.Errorf("banner title = %q", f.Banner.Title.Text)
	}

	// Correcting the address clears the warning.
	f.Emails.SetText("max.weber@example.com")
	eventually(t, "the banner to clear", func() bool { return !f.Banner.Visible() })
}

func TestBlacklistChangeRescreensTheOpenForm(t *testing.T) {
	b := demo.New()
	f, _ := newTestForm(t, b)
	test.Type(f.Emails, "new.person@example.org")
	time.Sleep(3 * app.ScreenDelay / 2)
	pump()
	if f.Banner.Visible() {
		t.Fatal("clean address warned")
	}
	b.AddToBlacklist("new.person@example.org", "erased just now")
	f.Rescreen()
	eventually(t, "the warning after blacklistChanged", f.Banner.Visible)
}

func TestSavingAMatchAsksForAWrittenReason(t *testing.T) {
	b := demo.New()
	f, _ := newTestForm(t, b)
	test.Type(f.GivenName, "Max")
	test.Type(f.FamilyName, "Weber")
	test.Type(f.Emails, demo.ErasedEmail)

	test.Tap(f.Save)
	eventually(t, "the override dialog", func() bool { return f.Override != nil })
	d := f.Override
	if !d.Confirm.Disabled() {
		t.Fatal("confirm enabled while the reason is empty")
	}
	test.Type(d.Reason, "   ")
	if !d.Confirm.Disabled() {
		t.Fatal("confirm enabled for a blank reason")
	}
	if len(b.Overrides()) != 0 {
		t.Fatal("an override was sent without a reason")
	}

	d.Reason.SetText("")
	test.Type(d.Reason, "New written consent, letter of 4 June 2026")
	if d.Confirm.Disabled() {
		t.Fatal("confirm still disabled with a reason")
	}
	saved := ""
	f.OnSaved = func(c api.ContactDetail) { saved = c.Id }
	test.Tap(d.Confirm)
	eventually(t, "the save after the override", func() bool { return saved != "" })
	got := b.Overrides()
	if len(got) != 1 || got[0].Reason != "New written consent, letter of 4 June 2026" {
		t.Fatalf("overrides sent = %+v", got)
	}
}

func TestCancelTheOverrideWritesNothing(t *testing.T) {
	b := demo.New()
	f, _ := newTestForm(t, b)
	test.Type(f.FamilyName, "Weber")
	test.Type(f.Emails, demo.ErasedEmail)
	test.Tap(f.Save)
	eventually(t, "the override dialog", func() bool { return f.Override != nil })
	test.Tap(f.Override.Abort)
	if f.Override != nil || len(b.Overrides()) != 0 {
		t.Fatal("cancel did not close the dialog, or sent an override")
	}
}

func TestDuplicateWarningOpensTheExistingContact(t *testing.T) {
	b := demo.New()
	f, _ := newTestForm(t, b)
	test.Type(f.FamilyName, "Schmidt")
	test.Type(f.Emails, "anna.schmidt@example.de")
	opened := ""
	f.OnOpen = func(id string) { opened = id }
	test.Tap(f.Save)
	eventually(t, "the duplicate warning", func() bool { return f.Duplicates != nil })
	test.Tap(f.Duplicates.Open[0])
	if opened != "c001" {
		t.Fatalf("opened %q, want c001", opened)
	}
}

func TestInvalidEmailIsRefusedBeforeTheServer(t *testing.T) {
	f, _ := newTestForm(t, demo.New())
	test.Type(f.FamilyName, "Muster")
	test.Type(f.Emails, "anna@")
	test.Tap(f.Save)
	if !strings.Contains(f.Message.Text, `"anna@" is not an e-mail address`) {
		t.Fatalf("message = %q", f.Message.Text)
	}
}
