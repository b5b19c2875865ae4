package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// A reason that quotes the person is refused by the server (REASON_HAS_PERSONAL_DATA): the
// decision to save a blacklisted person anyway says so in German, in its dialog, with the
// reason kept to be reworded. (The blacklisting dialog's is checked in
// TestE2EPersonActionsOnceTheServerHasThem.)
func TestE2EOverrideReasonQuotingThePersonIsRefusedInGerman(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	erik := e.person(t, "Erik", "Beispielmann", []string{"erik.beispielmann@example.test"}, nil)
	if _, err := e.c.BlacklistContact(ctx, erik, "Werbewiderspruch per Brief vom 3. Mai"); err != nil {
		t.Fatal(err)
	}

	f := NewFormScreen(e.c, e.loc, e.win, app.ContactForm{})
	t.Cleanup(f.Close)
	e.win.SetContent(f.Object())
	test.Type(f.FamilyName, "Beispielmann")
	test.Type(f.Emails, "erik.beispielmann@example.test")
	test.Tap(f.Save)
	eventuallyE2E(t, "the reason dialog", func() bool { return f.Override != nil })
	dlg := f.Override
	quoting := "Auf Wunsch von erik.beispielmann@example.test wieder aufgenommen"
	test.Type(dlg.Reason, quoting)
	test.Tap(dlg.Confirm)
	eventuallyE2E(t, "the answer", func() bool { return dlg.Message.Text != "" || f.Override == nil })
	if f.Override == nil {
		t.Fatal("a reason quoting the person was accepted")
	}
	if got, want := dlg.Message.Text, "Begründung: Die Begründung nennt personenbezogene Daten"; !strings.HasPrefix(got, want) {
		t.Errorf("the dialog says %q, want it to start %q", got, want)
	}
	englishLeak(t, "override reason with personal data", dlg.Message.Text)
	if dlg.Reason.Text != quoting || dlg.Confirm.Disabled() {
		t.Errorf("after the refusal: reason %q, confirm disabled %v; want the reason kept to reword", dlg.Reason.Text, dlg.Confirm.Disabled())
	}
}

// personalReason refuses every decision of a held row as the server refuses a reason that
// quotes the person.
type personalReason struct{ *demo.Backend }

func (personalReason) DecideImportRow(context.Context, string, int, bool, string) (api.ImportJobFields, error) {
	return api.ImportJobFields{}, &api.Error{Op: "decideImportRow", Code: "BAD_USER_INPUT", Reason: "REASON_HAS_PERSONAL_DATA", Field: "reason",
		Message: "the text quotes an e-mail address of the person; it is kept in the audit trail, which holds no personal data"}
}

// The decision to accept a held import row (an override, too) says so in German as well.
func TestHeldRowReasonQuotingThePersonIsRefusedInGerman(t *testing.T) {
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1100, 720))
	s := NewImportScreen(personalReason{demo.New()}, loc, w)
	w.SetContent(s.Object())
	erased := api.BlacklistEntryFields{Id: "b1", Source: api.BlacklistSourceErasure, Reason: "auf eigenen Wunsch",
		CreatedAt: time.Date(2026, 5, 3, 10, 0, 0, 0, time.Local), IdentifierKinds: []api.MatchField{api.MatchFieldEmail}}
	s.ShowJob(api.ImportJobFields{Id: "j1", Status: api.ImportStatusNeedsDecision, Total: 1, Processed: 1, Held: 1,
		HeldRows: []api.HeldRow{{Line: 2, Field: api.MatchFieldEmail, Entry: erased,
			Row: api.ImportRow{GivenName: "Erika", FamilyName: "Testfrau", Email: "erika.testfrau@example.test"}}}})
	test.Tap(s.HeldAccept[0])
	dlg := s.Accept
	test.Type(dlg.Reason, "erika.testfrau@example.test hat neu eingewilligt")
	test.Tap(dlg.Confirm)
	eventually(t, "the answer", func() bool { return dlg.Message.Text != "" })
	if got, want := dlg.Message.Text, "Begründung: Die Begründung nennt personenbezogene Daten"; !strings.HasPrefix(got, want) {
		t.Errorf("the dialog says %q, want it to start %q", got, want)
	}
	englishLeak(t, "held row reason with personal data", dlg.Message.Text)
}
