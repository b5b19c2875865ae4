package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// settle gives what a tap started in the background time to reach the UI.
func settle() {
	time.Sleep(100 * time.Millisecond)
	pump()
}

func contactsOnDemo(t *testing.T) *ContactsScreen {
	t.Helper()
	loc, w := testWindow(t)
	s := NewContactsScreen(demo.New(), loc, w)
	w.SetContent(s.Object())
	s.Reload()
	eventually(t, "the list", func() bool { return len(s.state.Items) > 2 })
	return s
}

// Staff open a contact, start a new one, cancel, and click the same contact again: it opens
// (the row stayed selected, and a selected row ignored the click).
func TestARowOpensAgainAfterTheForm(t *testing.T) {
	s := contactsOnDemo(t)
	first := s.state.Items[0].Id
	s.List.Select(0)
	eventually(t, "the detail", func() bool { return s.Detail != nil && s.Detail.ContactID() == first })

	test.Tap(s.New)
	test.Tap(s.Form.Cancel)
	if s.Detail != nil {
		t.Fatal("cancelling a new contact shows a detail")
	}
	s.List.Select(0)
	eventually(t, "the detail again after the form", func() bool { return s.Detail != nil && s.Detail.ContactID() == first })

	// The same after editing it and cancelling the edit, which opens it again: then a click
	// on another row and back.
	test.Tap(s.Detail.Edit)
	s.List.Select(0)
	eventually(t, "the detail instead of the unchanged edit form", func() bool { return s.Detail != nil && s.Form == nil })
}

// Half a new contact typed, a click on another contact in the list (or on New contact) asks
// before it drops what was typed; keeping on typing keeps it.
func TestTypedInputIsNotDroppedWithoutAsking(t *testing.T) {
	s := contactsOnDemo(t)
	test.Tap(s.New)
	form := s.Form
	test.Type(form.GivenName, "Erika")
	test.Type(form.FamilyName, "Testfrau")

	s.List.Select(1)
	settle()
	if s.Form != form || form.FamilyName.Text != "Testfrau" {
		t.Fatal("a click on a contact dropped the typed contact without asking")
	}
	test.Tap(dialogButton(t, s.win, "Keep editing"))
	if s.Form != form || s.Detail != nil {
		t.Fatal("keep editing left the form")
	}
	test.Tap(s.New)
	settle()
	if s.Form != form || form.GivenName.Text != "Erika" {
		t.Fatal("New contact dropped the typed contact without asking")
	}
	test.Tap(dialogButton(t, s.win, "Keep editing"))

	second := s.state.Items[1].Id
	s.List.Select(1)
	test.Tap(dialogButton(t, s.win, "Discard"))
	eventually(t, "the other contact", func() bool { return s.Detail != nil && s.Detail.ContactID() == second })

	// An untouched form goes without a question.
	s.OpenForm(app.ContactForm{})
	s.List.Select(0)
	eventually(t, "the contact without a question", func() bool { return s.Detail != nil && s.Form == nil })
}

// Someone else erased a contact while it was still in this list: a click on its row leaves
// no other contact's detail beside the highlighted row (it stayed, and the next button
// pressed acted on that other person), says that it is gone, and the row goes.
func TestARowOfAContactErasedElsewhere(t *testing.T) {
	s := contactsOnDemo(t)
	first, gone := s.state.Items[0].Id, s.state.Items[1].Id
	s.List.Select(0)
	eventually(t, "the first detail", func() bool { return s.Detail != nil && s.Detail.ContactID() == first })
	if _, err := s.b.EraseContact(context.Background(), gone, "erased by a colleague"); err != nil {
		t.Fatal(err)
	}

	s.List.Select(1)
	eventually(t, "the list without the erased contact", func() bool {
		return !slices.ContainsFunc(s.state.Items, func(c api.ContactSummary) bool { return c.Id == gone })
	})
	if s.Detail != nil {
		t.Fatalf("the detail of %s stays beside the row of the erased contact", s.Detail.ContactID())
	}
	if s.Gone == nil || !strings.Contains(s.Gone.Text, "no longer there") {
		t.Fatal("the user is not told that the contact is gone")
	}
}
