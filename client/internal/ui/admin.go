package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// AdminScreen shows the live revocations feed and the blacklist (ADMIN tokens only). The
// feed's last cursor and newest events are kept in the preferences, so a restart shows them
// and resumes after it.
type AdminScreen struct {
	Feed      *widget.List
	FeedState *Notice // connected, or reconnecting (why, with the cause under the details)
	Blacklist *widget.List
	BlCount   *widget.Label
	LoadMore  *widget.Button
	Message   *Notice
	// Remove is the reason dialog for lifting an entry while it is open.
	Remove *ReasonDialog
	// FeedInfo says when a tapped feed row's contact was erased; OpenContact opens a live one
	// (feed.go).
	FeedInfo    *Notice
	OpenContact func(id string)

	feed    app.RevocationFeed
	entries []api.BlacklistEntryFields
	next    string
	b       app.Backend
	loc     localizer
	win     fyne.Window
	prefs   app.Preferences
	server  string
	root    fyne.CanvasObject
	names   map[string]string // contact id → name in the feed ("" while loading)
}

func NewAdminScreen(b app.Backend, loc localizer, win fyne.Window, prefs app.Preferences, serverURL string) *AdminScreen {
	s := &AdminScreen{b: b, loc: loc, win: win, prefs: prefs, server: serverURL, feed: app.LoadFeed(prefs, serverURL),
		FeedState: newNotice(widget.LowImportance), BlCount: widget.NewLabel(""), Message: newNotice(widget.DangerImportance), FeedInfo: newFeedInfo()}
	s.FeedState.SetText(t("admin.waiting"))
	s.BlCount.Importance = widget.LowImportance
	s.Feed = widget.NewList(func() int { return len(s.feed.Events) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("event")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.eventText(s.feed.Events[i]))
		})
	s.Feed.OnSelected = func(i widget.ListItemID) {
		s.OpenEvent(i)
		s.Feed.UnselectAll()
	}
	s.Blacklist = widget.NewList(func() int { return len(s.entries) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("entry")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon(t("admin.remove"), theme.DeleteIcon(), nil), l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(s.entryText(s.entries[i]))
			btn := row.Objects[1].(*widget.Button)
			btn.OnTapped = func() { s.AskRemove(i) }
			if s.entries[i].RemovedAt != nil {
				btn.Hide()
			} else {
				btn.Show()
			}
		})
	s.LoadMore = widget.NewButton(t("action.loadmore"), func() { s.loadBlacklist(s.next) })
	s.LoadMore.Hide()
	feed := container.NewBorder(container.NewVBox(boldLabel(t("admin.feed")), s.FeedState.Object()), s.FeedInfo.Object(), nil, nil, s.Feed)
	bl := container.NewBorder(container.NewVBox(boldLabel(t("admin.blacklist")), s.BlCount),
		container.NewVBox(s.LoadMore, s.Message.Object()), nil, nil, s.Blacklist)
	split := container.NewVSplit(feed, bl)
	split.Offset = 0.5
	s.root = split
	return s
}

func (s *AdminScreen) Object() fyne.CanvasObject { return s.root }

// Run loads the blacklist and follows revocations from the stored cursor until ctx ends
// (call it in a goroutine).
func (s *AdminScreen) Run(ctx context.Context) {
	s.loadBlacklist("")
	s.b.WatchRevocations(ctx, s.feed.Cursor, func(e api.RevocationFields) {
		do(func() { s.AddEvent(e) })
	}, func(st api.LinkState) {
		do(func() {
			if errors.Is(st.Err, api.ErrBadInput) {
				// The server refused the stored cursor (expired): the feed goes on from now,
				// below the events it kept.
				s.feed.Cursor = ""
				app.SaveFeed(s.prefs, s.server, s.feed)
			}
			s.FeedState.Show(linkText(st, s.loc), st.Err)
		})
	})
}

// AddEvent puts one revocation at the top of the feed and remembers its cursor.
func (s *AdminScreen) AddEvent(e api.RevocationFields) {
	if s.feed.Add(e) {
		app.SaveFeed(s.prefs, s.server, s.feed)
		s.Feed.Refresh()
	}
}

// BlacklistChanged reloads the blacklist's first page.
func (s *AdminScreen) BlacklistChanged() { s.loadBlacklist("") }

// Entries are the blacklist entries loaded so far, newest first.
func (s *AdminScreen) Entries() []api.BlacklistEntryFields { return s.entries }

// AskRemove asks for the reason to lift entry i, then lifts it.
func (s *AdminScreen) AskRemove(i int) {
	if i < 0 || i >= len(s.entries) {
		return
	}
	e := s.entries[i]
	s.Remove = showReasonDialog(s.win, reasonSpec{
		Title: t("admin.remove.title"), Text: t("admin.remove.text"), Details: s.entryText(e),
		Confirm: t("admin.remove"), Danger: true,
		OnConfirm: func(reason string) {
			sub := &s.Remove.sub
			go func() {
				_, err := app.Submit(sub, func(ctx context.Context) (api.BlacklistEntryFields, error) {
					return app.RemoveFromBlacklist(ctx, s.b, e.Id, reason)
				})
				do(func() {
					if err != nil {
						s.Remove.Fail(app.SubmissionErrorText(err, app.ScreenUnblock, s.loc), err)
						if app.SentAgainChanged(err) {
							s.loadBlacklist("") // the first send lifted it
						}
						return
					}
					s.Remove.Close()
					s.Remove = nil
					s.loadBlacklist("")
				})
			}()
		},
		OnAbort: func() { s.Remove = nil },
	})
}

func (s *AdminScreen) loadBlacklist(after string) {
	go func() {
		page, err := s.b.Blacklist(context.Background(), app.PageSize, after)
		do(func() {
			if err != nil {
				s.Message.ShowError(err, s.loc)
				return
			}
			s.Message.SetText("")
			if after == "" {
				s.entries = s.entries[:0]
			}
			for _, e := range page.Edges {
				s.entries = append(s.entries, e.Node)
			}
			s.next = ""
			if page.PageInfo.EndCursor != nil {
				s.next = *page.PageInfo.EndCursor
			}
			if page.PageInfo.HasNextPage {
				s.LoadMore.Show()
			} else {
				s.LoadMore.Hide()
			}
			s.BlCount.SetText(tn("admin.blacklist.count", page.TotalCount, nil))
			s.Blacklist.Refresh()
		})
	}()
}

func (s *AdminScreen) eventText(e api.RevocationFields) string {
	purpose := ""
	if e.Purpose != nil {
		purpose = e.Purpose.Name
	}
	return tf("admin.event."+string(e.Kind), map[string]any{"At": s.loc.DateTime(e.At), "Purpose": purpose,
		"Channel": app.ChannelText(e.Channel, s.loc), "Contact": s.feedContact(e)})
}

// feedContact names the event's contact: its name once loaded, else the short id.
func (s *AdminScreen) feedContact(e api.RevocationFields) string {
	if e.ContactId == "" { // a data-subject request of someone who is not a contact
		return t("requests.contact.none")
	}
	if e.Kind == api.RevocationKindContactErased {
		return app.ShortID(e.ContactId)
	}
	if name := s.contactName(e.ContactId); name != "" {
		return name
	}
	return app.ShortID(e.ContactId)
}

func (s *AdminScreen) entryText(e api.BlacklistEntryFields) string {
	text := tf("admin.entry", map[string]any{"Date": s.loc.Date(e.CreatedAt), "Source": t("source." + string(e.Source)),
		"Kinds": kindsText(e.IdentifierKinds), "Reason": e.Reason})
	if e.RemovedAt != nil {
		text += " · " + tf("admin.entry.removed", map[string]any{"Date": s.loc.Date(*e.RemovedAt)})
	}
	return text
}

// kindsText names the kinds of identifier an entry holds, in the user's language.
func kindsText(kinds []api.MatchField) string {
	var out []string
	for _, k := range kinds {
		out = append(out, t("kind."+string(k)))
	}
	return strings.Join(out, ", ")
}

func linkText(st api.LinkState, loc localizer) string {
	if st.Connected {
		return t("link.connected")
	}
	if st.Reconnecting {
		return t("link.reconnecting")
	}
	if errors.Is(st.Err, api.ErrNoWebSocket) {
		return tf("link.nowebsocket", map[string]any{"Message": app.ErrorText(st.Err, loc), "Seconds": int(st.RetryIn.Seconds() + 0.5)})
	}
	return tf("link.offline", map[string]any{"Message": app.ErrorText(st.Err, loc), "Seconds": int(st.RetryIn.Seconds() + 0.5)})
}
