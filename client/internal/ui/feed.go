package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// A feed row names its contact once it is known ("Erika Mustermann", "zusammengeführt in Erika
// Mustermann", or "gelöscht"); tapping it opens the contact (or the record it was merged into),
// or says that it is gone.

// contactName is the feed's name for a contact: loaded in the background the first time a
// row shows it. A record merged into another since reads as merged into that one.
func (s *AdminScreen) contactName(id string) string {
	if s.names == nil {
		s.names = map[string]string{}
	}
	if name, ok := s.names[id]; ok {
		return name
	}
	s.names[id] = "" // loading
	go func() {
		c, merged, err := app.ContactOrSurvivor(context.Background(), s.b, id)
		do(func() {
			switch {
			case errors.Is(err, api.ErrNotFound):
				s.names[id] = t("feed.erased")
			case err != nil:
				delete(s.names, id) // try again when the row shows next
				return
			case merged:
				s.names[id] = tf("feed.merged", map[string]any{"Name": contactDisplayName(c.ContactSummary)})
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

// OpenEvent opens the contact of feed row i in the contacts tab (the record it was merged
// into, if it was), or says that it is gone.
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
		s.feedNote(tf("feed.gone", map[string]any{"Contact": app.ShortID(e.ContactId)}))
		return
	}
	s.feedNote("")
	go func() {
		c, merged, err := app.ContactOrSurvivor(context.Background(), s.b, e.ContactId)
		do(func() {
			if s.names == nil {
				s.names = map[string]string{}
			}
			switch {
			case errors.Is(err, api.ErrNotFound):
				s.names[e.ContactId] = t("feed.erased")
				s.Feed.Refresh()
				s.feedNote(tf("feed.gone", map[string]any{"Contact": app.ShortID(e.ContactId)}))
			case err != nil:
				s.feedError(err)
			default:
				if merged {
					name := contactDisplayName(c.ContactSummary)
					s.names[e.ContactId] = tf("feed.merged", map[string]any{"Name": name})
					s.Feed.Refresh()
					s.feedNote(tf("feed.mergednote", map[string]any{"Contact": app.ShortID(e.ContactId), "Name": name}))
				}
				if s.OpenContact != nil {
					s.OpenContact(c.Id)
				}
			}
		})
	}()
}

func newFeedInfo() *Notice {
	n := newNotice(widget.LowImportance)
	n.SetText(t("feed.hint"))
	return n
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

// feedError says why a tapped row's contact could not be opened, with the cause under the
// details.
func (s *AdminScreen) feedError(err error) {
	s.FeedInfo.Importance = widget.WarningImportance
	s.FeedInfo.ShowError(err, s.loc)
}
