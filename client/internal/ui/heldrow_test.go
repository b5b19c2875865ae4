package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// The server holds an import row whose name and address match an erased person (nobody is
// at the row to decide when the import writes it). Its held row says what matched and why,
// with Accept and Drop, as one held for its e-mail or phone does.
func TestHeldRowByNameAndAddressSaysWhatMatched(t *testing.T) {
	loc, w := testWindow(t)
	s := NewImportScreen(demo.New(), loc, w)
	w.SetContent(s.Object())
	erased := api.BlacklistEntryFields{Id: "b1", Source: api.BlacklistSourceErasure, Reason: "at their request",
		CreatedAt: time.Date(2026, 5, 3, 10, 0, 0, 0, time.Local), IdentifierKinds: []api.MatchField{api.MatchFieldNameAndAddress}}
	s.ShowJob(api.ImportJobFields{Id: "j1", Status: api.ImportStatusNeedsDecision, Total: 2, Processed: 2, Inserted: 1, Held: 1,
		HeldRows: []api.HeldRow{{Line: 2, Field: api.MatchFieldNameAndAddress, Entry: erased,
			Row: api.ImportRow{GivenName: "Joerg", FamilyName: "Weissbaecker", Street: "Lindenstr. 12", PostalCode: "10115", City: "Berlin"}}}})

	if len(s.Held.Objects) != 1 || len(s.HeldAccept) != 1 || len(s.HeldDrop) != 1 {
		t.Fatalf("held rows shown %d, accept %d, drop %d; want one of each", len(s.Held.Objects), len(s.HeldAccept), len(s.HeldDrop))
	}
	got := strings.Join(labelTexts(s.Held.Objects[0]), "\n")
	for _, want := range []string{"Line 2: Joerg Weissbaecker · Lindenstr. 12, 10115 Berlin",
		"A person with this name and address was erased on 3 May 2026. Make sure this is someone else. Reason: at their request."} {
		if !strings.Contains(got, want) {
			t.Errorf("held row reads %q, want it to contain %q", got, want)
		}
	}
}

// The row's e-mail is in one entry (an erasure) and its phone in another (an objection): the
// held row lists both matches, and the acceptance's dialog names both and says the reason
// must hold for each, so the acceptance is made knowing every entry it overrides.
func TestHeldRowListsEveryMatch(t *testing.T) {
	loc, w := testWindow(t)
	s := NewImportScreen(demo.New(), loc, w)
	w.SetContent(s.Object())
	erased := api.BlacklistEntryFields{Id: "b1", Source: api.BlacklistSourceErasure, Reason: "at their request",
		CreatedAt: time.Date(2026, 5, 3, 10, 0, 0, 0, time.Local), IdentifierKinds: []api.MatchField{api.MatchFieldEmail}}
	objection := api.BlacklistEntryFields{Id: "b2", Source: api.BlacklistSourceManual, Reason: "objection by phone",
		CreatedAt: time.Date(2026, 6, 5, 10, 0, 0, 0, time.Local), IdentifierKinds: []api.MatchField{api.MatchFieldPhone}}
	s.ShowJob(api.ImportJobFields{Id: "j1", Status: api.ImportStatusNeedsDecision, Total: 1, Processed: 1, Held: 1,
		HeldRows: []api.HeldRow{{Line: 2, Field: api.MatchFieldEmail, Entry: erased,
			Matches: []api.BlacklistMatch{{Field: api.MatchFieldEmail, Entry: erased}, {Field: api.MatchFieldPhone, Entry: objection}},
			Row:     api.ImportRow{GivenName: "Erika", FamilyName: "Testfrau", Email: "erika.testfrau@example.test", Phone: "030 5550190"}}}})

	want := []string{"• This e-mail belongs to a person who was erased on 3 May 2026. Reason: at their request.",
		"• This phone number has been on the blacklist since 5 June 2026. Reason: objection by phone."}
	got := strings.Join(labelTexts(s.Held.Objects[0]), "\n")
	for _, m := range want {
		if !strings.Contains(got, m) {
			t.Errorf("held row reads %q, want it to list %q", got, m)
		}
	}
	test.Tap(s.HeldAccept[0])
	if s.Accept == nil || s.Accept.Details == nil {
		t.Fatal("Accept opened no dialog naming the row")
	}
	for _, m := range want {
		if !strings.Contains(s.Accept.Details.Text, m) {
			t.Errorf("the dialog names %q, want it to list %q", s.Accept.Details.Text, m)
		}
	}
	if text := "This row matches 2 blacklist entries, all listed below. Accepting it overrides every one of them and is audited. " +
		"Give a written reason why it is allowed despite each of them."; !dialogShows(w, text) {
		t.Errorf("the dialog does not say %q", text)
	}
}

// labelTexts returns the texts of the labels in o, depth first.
func labelTexts(o fyne.CanvasObject) []string {
	switch o := o.(type) {
	case *widget.Label:
		return []string{o.Text}
	case *fyne.Container:
		var out []string
		for _, c := range o.Objects {
			out = append(out, labelTexts(c)...)
		}
		return out
	}
	return nil
}
