package ui

import (
	"context"
	"net"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// awayBackend is the demo office whose screenings and saves go to a server that is not there
// (a real client, a closed port): the window opened before the outage, the form meets it.
type awayBackend struct {
	*demo.Backend
	away *api.Client
}

func (b awayBackend) Screen(ctx context.Context, c api.ContactInput) (api.ScreeningFields, error) {
	return b.away.Screen(ctx, c)
}

func (b awayBackend) CreateContact(ctx context.Context, in api.ContactInput, o *api.OverrideInput) (api.ContactPayloadFields, error) {
	return b.away.CreateContact(ctx, in, o)
}

// In the 1100×720 window, with the failed save's message and the screening note both shown
// under the form, Speichern stays in view: the user sends again without scrolling for it.
func TestSaveStaysInViewWithAFailedSaveAndTheScreeningNote(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	away, err := api.New("http://"+addr, "a-token-of-the-staff")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("VERMERK_LANG", "de")
	a := test.NewTempApp(t)
	s := NewDemoShell(a, awayBackend{Backend: demo.New(), away: away})
	t.Cleanup(s.Win.Close)
	eventually(t, "the window", func() bool { return s.Tabs != nil })
	s.Win.Resize(fyne.NewSize(1100, 720))
	f := s.Contacts.OpenForm(app.ContactForm{})
	test.Type(f.GivenName, "Max")
	test.Type(f.FamilyName, "Mustermann")
	test.Type(f.Emails, "max.mustermann@example.test")
	eventuallyE2E(t, "the screening note", func() bool { return f.ScreenNote.Text != "" })
	test.Tap(f.Save)
	eventuallyE2E(t, "the failed save", func() bool { return f.Message.Text != "" && !f.Save.Disabled() })
	settle()
	s.Win.Resize(fyne.NewSize(1099, 720)) // lay out again, as a window does when its content grows
	s.Win.Resize(fyne.NewSize(1100, 720))

	top, bottom := visibleSpan(s.Win, f.Save)
	pos := a.Driver().AbsolutePositionForObject(f.Save)
	if end := pos.Y + f.Save.Size().Height; pos.Y < top || end > bottom || f.Save.Size().Height == 0 {
		t.Errorf("Speichern spans y=%.0f-%.0f, the part of the window showing it y=%.0f-%.0f: the user scrolls to find it", pos.Y, end, top, bottom)
	}
}

// visibleSpan is the vertical span of w's canvas that o can be seen in: the window, cut to
// every scroll container o lies in.
func visibleSpan(w fyne.Window, o fyne.CanvasObject) (top, bottom float32) {
	top, bottom = 0, w.Canvas().Size().Height
	d := fyne.CurrentApp().Driver()
	var find func(fyne.CanvasObject) bool
	find = func(c fyne.CanvasObject) bool {
		if c == o {
			return true
		}
		var children []fyne.CanvasObject
		switch v := c.(type) {
		case *fyne.Container:
			children = v.Objects
		case *container.Scroll:
			children = []fyne.CanvasObject{v.Content}
		case *container.Split:
			children = []fyne.CanvasObject{v.Leading, v.Trailing}
		case *container.AppTabs:
			if v.Selected() != nil {
				children = []fyne.CanvasObject{v.Selected().Content}
			}
		}
		for _, ch := range children {
			if ch != nil && find(ch) {
				if sc, ok := c.(*container.Scroll); ok {
					y := d.AbsolutePositionForObject(sc).Y
					top, bottom = max(top, y), min(bottom, y+sc.Size().Height)
				}
				return true
			}
		}
		return false
	}
	find(w.Content())
	return top, bottom
}
