package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// heldSave holds each CreateContact until the test answers it: with fail, an error; else
// the demo backend's answer.
type heldSave struct {
	*demo.Backend
	started chan struct{}
	answer  chan error
}

func (h *heldSave) CreateContact(ctx context.Context, in api.ContactInput, o *api.OverrideInput) (api.ContactPayloadFields, error) {
	h.started <- struct{}{}
	if err := <-h.answer; err != nil {
		return api.ContactPayloadFields{}, err
	}
	return h.Backend.CreateContact(ctx, in, o)
}

// While a save is under way the form takes no typing (it would be gone when the saved
// contact opens); when the answer is a failure, everything typed before is there and the
// form takes typing again.
func TestTheFormTakesNoTypingWhileItSaves(t *testing.T) {
	b := &heldSave{Backend: demo.New(), started: make(chan struct{}, 1), answer: make(chan error)}
	loc, w := testWindow(t)
	f := NewFormScreen(b, loc, w, app.ContactForm{})
	w.SetContent(f.Object())
	t.Cleanup(f.Close)
	test.Type(f.FamilyName, "Beispielmann")
	test.Type(f.Emails, "max.beispiel@example.test")
	inputs := map[string]*widget.Entry{"GivenName": f.GivenName, "FamilyName": f.FamilyName, "Organization": f.Organization,
		"Emails": &f.Emails.Entry, "Phones": &f.Phones.Entry, "Street": f.Street, "PostalCode": f.PostalCode, "City": f.City, "Country": f.Country}

	test.Tap(f.Save)
	<-b.started
	for name, e := range inputs {
		if !e.Disabled() {
			t.Errorf("%s takes typing while the save is under way", name)
		}
	}
	test.Type(f.Phones, "030 5550123")
	if f.Phones.Text != "" {
		t.Errorf("typed during the save: %q (lost when the saved contact opens)", f.Phones.Text)
	}

	b.answer <- errors.New("the line broke")
	eventually(t, "the failed save", func() bool { return !f.Save.Disabled() })
	for name, e := range inputs {
		if e.Disabled() {
			t.Errorf("%s still takes no typing after the save failed", name)
		}
	}
	if m := f.Model(); m.FamilyName != "Beispielmann" || m.Emails != "max.beispiel@example.test" {
		t.Errorf("the form after the failed save: %+v", m)
	}

	// Saved: the contact opens with what was typed.
	var saved api.ContactDetail
	f.OnSaved = func(c api.ContactDetail) { saved = c }
	test.Tap(f.Save)
	<-b.started
	b.answer <- nil
	eventually(t, "the saved contact", func() bool { return saved.Id != "" })
	if saved.FamilyName != "Beispielmann" {
		t.Errorf("saved %+v", saved)
	}
}
