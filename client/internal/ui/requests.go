package ui

import (
	"context"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// requestsShown is how many open requests the screen lists (the register rarely holds more).
const requestsShown = 500

// RequestsScreen is the admin's register of data-subject requests: the open ones by
// deadline (overdue ones in red), a form to file one for a contact, completion with an
// outcome, and the record of processing activities to save as Markdown.
type RequestsScreen struct {
	List    *widget.List
	Count   *widget.Label
	Message *widget.Label

	Kind          *widget.Select
	ContactSearch *widget.Entry
	Contact       *widget.Select // the contacts found; none chosen: the person is not a contact
	Channel       *widget.Entry
	Received      *widget.Entry // YYYY-MM-DD; empty: today
	Note          *widget.Entry
	File          *widget.Button
	SaveRecord    *widget.Button

	// Complete is the outcome dialog while it is open; SaveDialog the file dialog of the record.
	Complete   *ReasonDialog
	SaveDialog *dialog.FileDialog
	// LastExport is the subject export of the last completed ACCESS or PORTABILITY request.
	LastExport string

	requests []api.RequestFields
	contacts []api.ContactSummary
	b        app.RequestsBackend
	loc      localizer
	win      fyne.Window
	now      func() time.Time
	root     fyne.CanvasObject
}

var requestKinds = []api.RequestKind{api.RequestKindAccess, api.RequestKindErasure, api.RequestKindRectification,
	api.RequestKindRestriction, api.RequestKindObjection, api.RequestKindPortability}

func NewRequestsScreen(b app.RequestsBackend, loc localizer, win fyne.Window) *RequestsScreen {
	s := &RequestsScreen{b: b, loc: loc, win: win, now: time.Now, Count: widget.NewLabel(""), Message: wrapLabel("")}
	s.Count.Importance = widget.LowImportance
	s.Message.Importance = widget.DangerImportance
	s.List = widget.NewList(func() int { return len(s.requests) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("request")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon(t("requests.complete"), theme.ConfirmIcon(), nil), l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			l := row.Objects[0].(*widget.Label)
			l.Importance = widget.MediumImportance
			if s.Overdue(i) {
				l.Importance = widget.DangerImportance
			}
			l.SetText(s.RowText(i))
			row.Objects[1].(*widget.Button).OnTapped = func() { s.AskComplete(i) }
		})

	names := make([]string, len(requestKinds))
	for i, k := range requestKinds {
		names[i] = t("requests.kind." + string(k))
	}
	s.Kind = widget.NewSelect(names, nil)
	s.Kind.SetSelectedIndex(0)
	s.ContactSearch = widget.NewEntry()
	s.ContactSearch.SetPlaceHolder(t("requests.contact.search"))
	s.ContactSearch.OnSubmitted = func(string) { s.SearchContacts() }
	s.Contact = widget.NewSelect(nil, nil)
	s.Contact.PlaceHolder = t("requests.contact.none")
	s.Channel = widget.NewEntry()
	s.Channel.SetPlaceHolder(t("requests.channel.hint"))
	s.Received = widget.NewEntry()
	s.Received.SetPlaceHolder(t("requests.received.hint"))
	s.Note = widget.NewEntry()
	s.Note.SetPlaceHolder(t("requests.note.hint"))
	s.File = widget.NewButtonWithIcon(t("requests.file"), theme.ContentAddIcon(), func() { s.FileRequest() })
	s.File.Importance = widget.HighImportance
	s.SaveRecord = widget.NewButtonWithIcon(t("requests.record"), theme.DocumentSaveIcon(), func() { s.AskSaveRecord() })

	search := container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon("", theme.SearchIcon(), func() { s.SearchContacts() }), s.ContactSearch)
	form := container.NewVBox(boldLabel(t("requests.new")),
		widget.NewForm(
			widget.NewFormItem(t("requests.kind"), s.Kind),
			widget.NewFormItem(t("requests.contact"), container.NewGridWithColumns(2, search, s.Contact)),
			widget.NewFormItem(t("requests.channel"), s.Channel),
			widget.NewFormItem(t("requests.received"), s.Received),
			widget.NewFormItem(t("requests.note"), s.Note)),
		container.NewHBox(layoutSpacer(), s.File))
	top := container.NewVBox(form, widget.NewSeparator(),
		container.NewBorder(nil, nil, boldLabel(t("requests.open")), s.SaveRecord, s.Count))
	s.root = container.NewBorder(top, s.Message, nil, nil, s.List)
	return s
}

func (s *RequestsScreen) Object() fyne.CanvasObject { return s.root }

// Requests are the open requests shown, earliest deadline first.
func (s *RequestsScreen) Requests() []api.RequestFields { return s.requests }

// Overdue reports whether row i is past its deadline (shown in red).
func (s *RequestsScreen) Overdue(i int) bool {
	return i >= 0 && i < len(s.requests) && app.Overdue(s.requests[i], s.now())
}

// RowText is what row i says: kind, person, deadline, how it arrived.
func (s *RequestsScreen) RowText(i int) string {
	r := s.requests[i]
	person := t("requests.contact.none")
	if c := r.Contact; c != nil {
		person = strings.TrimSpace(c.GivenName + " " + c.FamilyName)
	}
	key := "requests.row"
	switch d := app.Deadline(r); {
	case s.Overdue(i):
		key = "requests.row.overdue"
	case d.Sub(s.now()) < app.DueSoon:
		key = "requests.row.soon"
	}
	return tf(key, map[string]any{"Kind": t("requests.kind." + string(r.Kind)), "Person": person,
		"Due": s.loc.Date(app.Deadline(r)), "Received": s.loc.Date(r.ReceivedAt), "Channel": app.ChannelText(r.Channel, s.loc)})
}

// Reload fetches the open requests.
func (s *RequestsScreen) Reload() {
	go func() {
		list, err := s.b.OpenRequests(context.Background(), requestsShown, "")
		do(func() {
			if err != nil {
				s.Message.SetText(app.ErrorText(err, s.loc))
				return
			}
			s.requests = list
			overdue := 0
			for i := range list {
				if s.Overdue(i) {
					overdue++
				}
			}
			s.Count.SetText(tf("requests.count", map[string]any{"Count": len(list), "Overdue": overdue}))
			s.List.Refresh()
		})
	}()
}

// SearchContacts fills the contact choice with the contacts matching the search text.
func (s *RequestsScreen) SearchContacts() {
	q := strings.TrimSpace(s.ContactSearch.Text)
	go func() {
		page, err := s.b.SearchContacts(context.Background(), q, 20, "")
		do(func() {
			if err != nil {
				s.Message.SetText(app.ErrorText(err, s.loc))
				return
			}
			s.contacts = s.contacts[:0]
			var options []string
			for _, e := range page.Edges {
				c := e.Node
				s.contacts = append(s.contacts, c)
				options = append(options, strings.TrimSpace(c.GivenName+" "+c.FamilyName)+" · "+shortID(c.Id))
			}
			s.Contact.SetOptions(options)
			s.Contact.ClearSelected()
			if len(options) > 0 {
				s.Contact.SetSelectedIndex(0)
			}
		})
	}()
}

// FileRequest registers what the form says.
func (s *RequestsScreen) FileRequest() {
	f := app.RequestForm{Channel: s.Channel.Text, Note: s.Note.Text}
	if i := s.Kind.SelectedIndex(); i >= 0 {
		f.Kind = requestKinds[i]
	}
	if i := s.Contact.SelectedIndex(); i >= 0 && i < len(s.contacts) {
		f.ContactID = s.contacts[i].Id
	}
	if day := strings.TrimSpace(s.Received.Text); day != "" {
		d, err := time.ParseInLocation(time.DateOnly, day, time.Local)
		if err != nil {
			s.Message.SetText(t("requests.received.bad"))
			return
		}
		f.Received = d.Add(12 * time.Hour) // midday: the same day in every nearby time zone
	}
	s.File.Disable()
	go func() {
		_, err := app.FileRequest(context.Background(), s.b, f)
		do(func() {
			s.File.Enable()
			if err != nil {
				s.Message.SetText(app.ErrorText(err, s.loc))
				return
			}
			s.Message.SetText("")
			s.Channel.SetText("")
			s.Note.SetText("")
			s.Received.SetText("")
			s.Reload()
		})
	}()
}

// AskComplete asks for the outcome of request i, then completes it.
func (s *RequestsScreen) AskComplete(i int) {
	if i < 0 || i >= len(s.requests) {
		return
	}
	r := s.requests[i]
	text := t("requests.complete.text")
	if r.Kind == api.RequestKindErasure {
		text = t("requests.complete.erasure")
	}
	s.Complete = showReasonDialog(s.win, reasonSpec{
		Title: t("requests.complete.title"), Text: text, Details: s.RowText(i),
		Confirm: t("requests.complete"), Danger: r.Kind == api.RequestKindErasure,
		OnConfirm: func(outcome string) {
			go func() {
				done, err := app.CompleteRequest(context.Background(), s.b, r.Id, outcome)
				do(func() {
					if err != nil {
						s.Complete.Fail(app.ErrorText(err, s.loc))
						return
					}
					s.Complete.Close()
					s.Complete = nil
					if done.Export != nil {
						s.LastExport = *done.Export
						s.askSaveExport(*done.Export)
					}
					s.Reload()
				})
			}()
		},
		OnAbort: func() { s.Complete = nil },
	})
}

// askSaveExport offers to save the subject export handed over to the person.
func (s *RequestsScreen) askSaveExport(doc string) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		_, err = io.WriteString(w, doc)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.Message.SetText(err.Error())
		}
	}, s.win)
	d.SetFileName("subject-export.json")
	d.Show()
}

// AskSaveRecord opens the save dialog for the record of processing activities.
func (s *RequestsScreen) AskSaveRecord() {
	s.SaveDialog = dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		go s.WriteRecord(context.Background(), w)
	}, s.win)
	s.SaveDialog.SetFileName("processing-record.md")
	s.SaveDialog.Show()
}

// WriteRecord fetches the record and writes it to w, then closes w.
func (s *RequestsScreen) WriteRecord(ctx context.Context, w io.WriteCloser) {
	md, err := s.b.ProcessingRecord(ctx)
	if err == nil {
		_, err = io.WriteString(w, md)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	do(func() {
		if err != nil {
			s.Message.SetText(app.ErrorText(err, s.loc))
			return
		}
		s.Message.SetText("")
	})
}
