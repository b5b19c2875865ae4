package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// strictScreen refuses, like the server, an e-mail without @ in a screen.
type strictScreen struct{ *demo.Backend }

func (s strictScreen) Screen(ctx context.Context, c api.ContactInput) (api.ScreeningFields, error) {
	for i, e := range c.Emails {
		if !strings.Contains(e, "@") {
			f := fmt.Sprintf("candidate.emails[%d]", i)
			return api.ScreeningFields{}, &api.Error{Op: "screen", Code: "BAD_USER_INPUT", Reason: "EMAIL_NO_AT", Field: f,
				Message: fmt.Sprintf("%s: e-mail %q has no @", f, e), Problems: []api.Problem{{Reason: "EMAIL_NO_AT", Field: f}}}
		}
	}
	return s.Backend.Screen(ctx, c)
}

// TestTheFormStaysCalmWhileTyping: half-typed values show no error; the phone is screened
// while the e-mail is still half typed; the warning goes when the e-mail is corrected, and
// a save error goes once the input is fixed.
func TestTheFormStaysCalmWhileTyping(t *testing.T) {
	b := demo.New()
	b.AddToBlacklist("sperre@example.org", "objection by letter")
	f, _ := newTestForm(t, b)
	f.b = strictScreen{b} // the save goes to the demo backend as before
	f.live.Stop()
	f.live = app.NewLiveScreen(strictScreen{b}, time.Millisecond, func(a app.ScreenAnswer) { do(func() { f.showScreening(a) }) })

	test.Type(f.FamilyName, "Mustermann")
	for _, r := range "erika.muster" {
		test.Type(f.Emails, string(r))
		time.Sleep(2 * time.Millisecond)
		pump()
		if f.Message.Text != "" || f.ScreenNote.Text != "" || f.Banner.Visible() {
			t.Fatalf("typing %q shows %q / %q / banner %v", f.Emails.Text, f.Message.Text, f.ScreenNote.Text, f.Banner.Visible())
		}
	}
	// The e-mail is still half typed; the complete e-mail of the second entry warns at once.
	test.Type(f.Emails, ", sperre@example.org")
	eventually(t, "the warning for the complete e-mail", f.Banner.Visible)
	if f.Message.Text != "" || f.ScreenNote.Text != "" {
		t.Fatalf("message %q, note %q", f.Message.Text, f.ScreenNote.Text)
	}
	f.Emails.SetText("erika.muster, sperre@example.or")
	eventually(t, "the warning to go", func() bool { return !f.Banner.Visible() })

	// A save with the half-typed e-mail is refused before the server; fixing it clears that.
	test.Tap(f.Save)
	if !strings.Contains(f.Message.Text, "erika.muster") {
		t.Fatalf("save message = %q", f.Message.Text)
	}
	f.Emails.SetText("erika.muster@example.org")
	if f.Message.Text != "" {
		t.Fatalf("message after the fix = %q", f.Message.Text)
	}
}
