package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// A feed row names its contact once it is known ("Erika Mustermann", or "gelöscht"); tapping
// it opens the contact, or says that it was erased.

// contactName is the feed's name for a contact: loaded in the background the first time a
// row shows it.
func (s *AdminScreen) contactName(id string) string {
	if s.names == nil {
		s.names = map[string]string{}
	}
	if name, ok := s.names[id]; ok {
		return name
	}
	s.names[id] = "" // loading
	go func() {
		c, err := s.b.Contact(context.Background(), id)
		do(func() {
			switch {
			case errors.Is(err, api.ErrNotFound):
				s.names[id] = t("feed.erased")
			case err != nil:
				delete(s.names, id) // try again when the row shows next
				return
			default:
				s.names[id] = contactDisplayName(c.ContactSummary)
			}
			s.Feed.Refresh()
		})
	}()
	return ""
}

func contactDisplayName(c api.ContactSummary) string {
	name := c.GivenName
	if c.FamilyName != "" {
		if name != "" {
			name += " "
		}
		name += c.FamilyName
	}
	if name == "" && c.Organization != nil {
		name = *c.Organization
	}
	return name
}

// OpenEvent opens the contact of feed row i in the contacts tab, or says it was erased.
func (s *AdminScreen) OpenEvent(i int) {
	if i < 0 || i >= len(s.feed.Events) {
		return
	}
	e := s.feed.Events[i]
	if e.ContactId == "" {
		s.feedNote(t("feed.nocontact"))
		return
	}
	if e.Kind == api.RevocationKindContactErased {
		s.feedNote(tf("feed.gone", map[string]any{"Contact": shortID(e.ContactId)}))
		return
	}
	s.feedNote("")
	go func() {
		_, err := s.b.Contact(context.Background(), e.ContactId)
		do(func() {
			switch {
			case errors.Is(err, api.ErrNotFound):
				if s.names == nil {
					s.names = map[string]string{}
				}
				s.names[e.ContactId] = t("feed.erased")
				s.Feed.Refresh()
				s.feedNote(tf("feed.gone", map[string]any{"Contact": shortID(e.ContactId)}))
			case err != nil:
				s.feedNote(app.ErrorText(err, s.loc))
			case s.OpenContact != nil:
				s.OpenContact(e.ContactId)
			}
		})
	}()
}

func newFeedInfo() *widget.Label {
	l := wrapLabel(t("feed.hint"))
	l.Importance = widget.LowImportance
	return l
}

// feedNote says something about a tapped row; "" goes back to the hint.
func (s *AdminScreen) feedNote(text string) {
	if text == "" {
		s.FeedInfo.Importance = widget.LowImportance
		s.FeedInfo.SetText(t("feed.hint"))
		return
	}
	s.FeedInfo.Importance = widget.WarningImportance
	s.FeedInfo.SetText(text)
}
