package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// AdminScreen shows the live revocations feed and the blacklist (ADMIN tokens only).
type AdminScreen struct {
	Feed      *widget.List
	FeedState *widget.Label
	Blacklist *widget.List
	LoadMore  *widget.Button

	feed    app.RevocationFeed
	entries []api.BlacklistEntryFields
	next    string
	b       app.Backend
	loc     localizer
	root    fyne.CanvasObject
}

func NewAdminScreen(b app.Backend, loc localizer) *AdminScreen {
	s := &AdminScreen{b: b, loc: loc, FeedState: widget.NewLabel(t("admin.waiting"))}
	s.FeedState.Importance = widget.LowImportance
	s.Feed = widget.NewList(func() int { return len(s.feed.Events) },
		func() fyne.CanvasObject { return widget.NewLabel("event") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.eventText(s.feed.Events[i]))
		})
	s.Blacklist = widget.NewList(func() int { return len(s.entries) },
		func() fyne.CanvasObject { return widget.NewLabel("entry") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(s.entryText(s.entries[i])) })
	s.LoadMore = widget.NewButton(t("action.loadmore"), func() { s.loadBlacklist(s.next) })
	s.LoadMore.Hide()
	feed := container.NewBorder(container.NewVBox(boldLabel(t("admin.feed")), s.FeedState), nil, nil, nil, s.Feed)
	bl := container.NewBorder(boldLabel(t("admin.blacklist")), s.LoadMore, nil, nil, s.Blacklist)
	split := container.NewVSplit(feed, bl)
	split.Offset = 0.55
	s.root = split
	return s
}

func (s *AdminScreen) Object() fyne.CanvasObject { return s.root }

// Run loads the blacklist and follows revocations until ctx ends (call it in a goroutine).
func (s *AdminScreen) Run(ctx context.Context) {
	s.loadBlacklist("")
	s.b.WatchRevocations(ctx, "", func(e api.RevocationFields) {
		do(func() { s.AddEvent(e) })
	}, func(st api.LinkState) {
		do(func() { s.FeedState.SetText(linkText(st, s.loc)) })
	})
}

// AddEvent puts one revocation at the top of the feed.
func (s *AdminScreen) AddEvent(e api.RevocationFields) {
	if s.feed.Add(e) {
		s.Feed.Refresh()
	}
}

// BlacklistChanged reloads the blacklist's first page.
func (s *AdminScreen) BlacklistChanged() { s.loadBlacklist("") }

func (s *AdminScreen) loadBlacklist(after string) {
	go func() {
		page, err := s.b.Blacklist(context.Background(), app.PageSize, after)
		do(func() {
			if err != nil {
				s.FeedState.SetText(app.ErrorText(err, s.loc))
				return
			}
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
		"Channel": e.Channel, "Contact": e.ContactId})
}

func (s *AdminScreen) entryText(e api.BlacklistEntryFields) string {
	var kinds []string
	for _, k := range e.IdentifierKinds {
		kinds = append(kinds, strings.ToLower(strings.ReplaceAll(string(k), "_", " ")))
	}
	return tf("admin.entry", map[string]any{"Date": s.loc.Date(e.CreatedAt), "Source": t("source." + string(e.Source)),
		"Kinds": strings.Join(kinds, ", "), "Reason": e.Reason})
}

func linkText(st api.LinkState, loc localizer) string {
	if st.Connected {
		return t("link.connected")
	}
	return tf("link.offline", map[string]any{"Message": app.ErrorText(st.Err, loc), "Seconds": int(st.RetryIn.Seconds() + 0.5)})
}
