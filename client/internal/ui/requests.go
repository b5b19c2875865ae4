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
// deadline (overdue ones in red), the form to file one (RequestFiling), completion with an
// outcome, extending the deadline or rejecting the selected one with a reason, and the record
// of processing activities to save as Markdown.
type RequestsScreen struct {
	*RequestFiling

	List    *widget.List
	Count   *widget.Label
	Message *Notice
	// Extend and Reject act on the request selected in the list; Selected says which it is.
	Extend     *widget.Button
	Reject     *widget.Button
	Selected   *widget.Label
	SaveRecord *widget.Button

	// Complete, ExtendDialog and RejectDialog are the reason dialogs while they are open;
	// Until is the extension's day in ExtendDialog, Told the day the person was told of it
	// (empty: today); SaveDialog the file dialog of the record.
	Complete     *ReasonDialog
	ExtendDialog *ReasonDialog
	Until        *widget.Entry
	Told         *widget.Entry
	RejectDialog *ReasonDialog
	SaveDialog   *dialog.FileDialog
	// Rectify lists the person's records in Complete for a RECTIFICATION request.
	Rectify *RectifyPanel
	// LastExport is the subject export of the last completed ACCESS or PORTABILITY request.
	LastExport string
	// OpenContact opens a record to correct it while the completion dialog stays open
	// (the shell opens it in a window of its own); nil: the records cannot be opened.
	OpenContact func(id string)

	requests []api.RequestFields
	selected int // index into requests; -1: none
	b        app.RequestsBackend
	loc      localizer
	win      fyne.Window
	now      func() time.Time
	root     fyne.CanvasObject
}

func NewRequestsScreen(b app.RequestsBackend, loc localizer, win fyne.Window) *RequestsScreen {
	s := &RequestsScreen{b: b, loc: loc, win: win, now: time.Now, selected: -1,
		Count: widget.NewLabel(""), Message: newNotice(widget.DangerImportance), Selected: wrapLabel(t("requests.select"))}
	s.Count.Importance = widget.LowImportance
	s.Selected.Importance = widget.LowImportance
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
	s.List.OnSelected = func(i widget.ListItemID) { s.Select(i) }
	s.List.OnUnselected = func(widget.ListItemID) { s.Select(-1) }

	s.RequestFiling = newRequestFiling(b, loc)
	s.RequestFiling.OnFiled = func(api.RequestFields) { s.Reload() }
	s.RequestFiling.OnAlreadyFiled = s.Reload
	s.Extend = widget.NewButtonWithIcon(t("requests.extend"), theme.HistoryIcon(), func() { s.AskExtend(s.selected) })
	s.Reject = widget.NewButtonWithIcon(t("requests.reject"), theme.CancelIcon(), func() { s.AskReject(s.selected) })
	s.Extend.Disable()
	s.Reject.Disable()
	s.SaveRecord = widget.NewButtonWithIcon(t("requests.record"), theme.DocumentSaveIcon(), func() { s.AskSaveRecord() })

	top := container.NewVBox(boldLabel(t("requests.new")), s.RequestFiling.Object(), widget.NewSeparator(),
		container.NewBorder(nil, nil, boldLabel(t("requests.open")), s.SaveRecord, s.Count),
		container.NewBorder(nil, nil, container.NewHBox(s.Extend, s.Reject), nil, s.Selected))
	s.root = container.NewBorder(top, s.Message.Object(), nil, nil, s.List)
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
	if r.ExtendedTo != nil {
		key += ".extended"
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
				s.Message.ShowError(err, s.loc)
				return
			}
			s.requests = list
			s.List.UnselectAll()
			s.Select(-1)
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

// Select makes request i the one Extend and Reject act on (-1: none).
func (s *RequestsScreen) Select(i int) {
	if i < 0 || i >= len(s.requests) {
		s.selected = -1
		s.Selected.SetText(t("requests.select"))
		s.Extend.Disable()
		s.Reject.Disable()
		return
	}
	s.selected = i
	s.Selected.SetText(s.RowText(i))
	s.Extend.Enable()
	s.Reject.Enable()
}

// AskExtend asks for the new deadline of request i (by default the latest the law allows,
// three months after arrival) and the reason, then extends it.
func (s *RequestsScreen) AskExtend(i int) {
	if i < 0 || i >= len(s.requests) {
		return
	}
	r := s.requests[i]
	latest := app.LatestExtension(r.ReceivedAt)
	s.Until = widget.NewEntry()
	s.Until.SetText(app.TypedDay(latest, s.loc))
	s.Told = widget.NewEntry()
	s.Told.SetPlaceHolder(t("requests.extend.told.placeholder"))
	s.ExtendDialog = showReasonDialog(s.win, reasonSpec{
		Title: t("requests.extend.title"), Details: s.RowText(i), Confirm: t("requests.extend"),
		Text:  tf("requests.extend.text", map[string]any{"Latest": s.loc.Date(latest)}),
		Extra: widget.NewForm(widget.NewFormItem(t("requests.extend.until"), s.Until), widget.NewFormItem(t("requests.extend.told"), s.Told)),
		OnConfirm: func(reason string) {
			until, told, sub := s.Until.Text, s.Told.Text, &s.ExtendDialog.sub
			go func() {
				_, err := app.Submit(sub, func(ctx context.Context) (api.RequestFields, error) {
					return app.ExtendRequest(ctx, s.b, r.Id, until, told, reason)
				})
				do(func() { s.closed(s.ExtendDialog, app.ScreenRequestExtend, err, func() { s.ExtendDialog = nil }) })
			}()
		},
		OnAbort: func() { s.ExtendDialog = nil },
	})
}

// AskReject asks why request i is rejected (e.g. manifestly unfounded), then closes it so.
func (s *RequestsScreen) AskReject(i int) {
	if i < 0 || i >= len(s.requests) {
		return
	}
	r := s.requests[i]
	s.RejectDialog = showReasonDialog(s.win, reasonSpec{
		Title: t("requests.reject.title"), Text: t("requests.reject.text"), Details: s.RowText(i),
		Confirm: t("requests.reject"), Danger: true,
		OnConfirm: func(reason string) {
			sub := &s.RejectDialog.sub
			go func() {
				_, err := app.Submit(sub, func(ctx context.Context) (api.RequestFields, error) {
					return app.RejectRequest(ctx, s.b, r.Id, reason)
				})
				do(func() { s.closed(s.RejectDialog, app.ScreenRequestReject, err, func() { s.RejectDialog = nil }) })
			}()
		},
		OnAbort: func() { s.RejectDialog = nil },
	})
}

// closed ends a reason dialog of screen after the server answered: a refusal stays in the
// dialog, success closes it (forget clears its field) and reloads the list.
func (s *RequestsScreen) closed(d *ReasonDialog, screen app.Screen, err error, forget func()) {
	if d == nil {
		return
	}
	if err != nil {
		d.Fail(app.SubmissionErrorText(err, screen, s.loc), err)
		if app.SentAgainChanged(err) {
			s.Reload() // the first send was carried out: the list shows it
		}
		return
	}
	d.Close()
	forget()
	s.Reload()
}

// AskComplete asks for the outcome of request i, then completes it.
func (s *RequestsScreen) AskComplete(i int) {
	if i < 0 || i >= len(s.requests) {
		return
	}
	r := s.requests[i]
	text, danger := t("requests.complete.text"), true
	s.Rectify = nil
	var extra fyne.CanvasObject
	switch r.Kind {
	case api.RequestKindErasure:
		text = t("requests.complete.erasure")
	case api.RequestKindObjection, api.RequestKindRestriction:
		text = t("requests.complete.block")
	case api.RequestKindRectification:
		danger = false
		if r.Contact != nil {
			text = t("requests.complete.rectification")
			s.Rectify = newRectifyPanel(s.b, s.loc, r.Id, s.OpenContact)
			extra = s.Rectify.Object()
		}
	default:
		danger = false
	}
	rectify := s.Rectify
	s.Complete = showReasonDialog(s.win, reasonSpec{
		Title: t("requests.complete.title"), Text: text, Details: s.RowText(i),
		Confirm: t("requests.complete"), Danger: danger, Extra: extra,
		OnConfirm: func(outcome string) {
			var keep, checked []string
			if rectify != nil {
				var complete bool
				if checked, keep, complete = rectify.Marks(); !complete {
					s.Complete.Fail(t("rectify.unchecked"), nil)
					return
				}
			}
			sub := &s.Complete.sub
			go func() {
				done, err := app.Submit(sub, func(ctx context.Context) (api.CompletedRequest, error) {
					return app.CompleteRequest(ctx, s.b, r.Id, outcome, keep, checked)
				})
				do(func() {
					if err != nil {
						s.Complete.Fail(app.SubmissionErrorText(err, app.ScreenRequestComplete, s.loc), err)
						if app.SentAgainChanged(err) {
							s.Reload()
						}
						return
					}
					s.Complete.Close()
					s.Complete, s.Rectify = nil, nil
					if done.Export != nil {
						s.LastExport = *done.Export
						s.askSaveExport(*done.Export, r)
					}
					s.Reload()
				})
			}()
		},
		OnAbort: func() { s.Complete, s.Rectify = nil, nil },
	})
	if rectify != nil {
		s.Complete.Dialog.Resize(fyne.NewSize(760, 640))
		rectify.Load()
	}
}

// askSaveExport offers to save the subject export handed over to the person, named after
// her as the detail's export is (it was "subject-export.json" for everyone, in English).
func (s *RequestsScreen) askSaveExport(doc string, r api.RequestFields) {
	var c api.ContactSummary
	if r.Contact != nil {
		c = api.ContactSummary{Id: r.Contact.Id, GivenName: r.Contact.GivenName, FamilyName: r.Contact.FamilyName}
	}
	saveFile(s.win, app.ExportFileName("auskunft", c, "json", s.now()), func(w io.Writer) error {
		_, err := io.WriteString(w, doc)
		return err
	}, func(_ string, err error) {
		if err != nil {
			s.Message.Show(tf("export.failed", map[string]any{"Error": app.ErrorText(err, s.loc)}), err)
		}
	})
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
	s.SaveDialog.SetTitleText(t("requests.record"))
	s.SaveDialog.Show()
}

// recordWait is how long the screen waits for the record of processing activities, which
// counts every purpose's contacts (20.6 s at 11,000,000 contacts).
const recordWait = 10 * time.Minute

// WriteRecord fetches the record and writes it to w, then closes w. Meanwhile the button
// says that the record is being prepared, and cannot be pressed again.
func (s *RequestsScreen) WriteRecord(ctx context.Context, w io.WriteCloser) {
	do(func() {
		s.SaveRecord.SetText(s.loc.T("requests.record.preparing", nil))
		s.SaveRecord.Disable()
	})
	ctx, cancel := context.WithTimeout(ctx, recordWait)
	defer cancel()
	md, err := s.b.ProcessingRecord(ctx)
	if err == nil {
		_, err = io.WriteString(w, md)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	do(func() {
		s.SaveRecord.SetText(s.loc.T("requests.record", nil))
		s.SaveRecord.Enable()
		if err != nil {
			s.Message.ShowError(err, s.loc)
			return
		}
		s.Message.SetText("")
	})
}

// RequestFiling is the form that files a data-subject request (STAFF): in the requests
// screen, and in a dialog from a contact's detail with that contact preset.
type RequestFiling struct {
	Kind          *widget.Select
	ContactSearch *widget.Entry
	Contact       *widget.Select // the contacts found; none chosen: the person is not a contact
	Channel       *widget.Entry
	Received      *widget.Entry // a day as typed (app.ParseDay); empty: today
	Note          *widget.Entry
	File          *widget.Button
	Message       *Notice       // why the last filing failed
	Filed         *widget.Label // what was filed last, for whom, until the next is typed
	// OnFiled is called with the request filed; OnAlreadyFiled when the server says the same
	// request of the person is open already (a submission sent again).
	OnFiled        func(api.RequestFields)
	OnAlreadyFiled func()

	contacts []api.ContactSummary
	sub      app.Submission // the filing, until its answer is known (Idempotency-Key)
	b        app.RequestFiler
	loc      localizer
	root     fyne.CanvasObject
}

var requestKinds = []api.RequestKind{api.RequestKindAccess, api.RequestKindErasure, api.RequestKindRectification,
	api.RequestKindRestriction, api.RequestKindObjection, api.RequestKindPortability}

func newRequestFiling(b app.RequestFiler, loc localizer) *RequestFiling {
	f := &RequestFiling{b: b, loc: loc, Message: newNotice(widget.DangerImportance), Filed: wrapLabel("")}
	f.Filed.Importance = widget.SuccessImportance
	f.Filed.Hide() // shown while it says something: two empty lines made the form taller
	names := make([]string, len(requestKinds))
	for i, k := range requestKinds {
		names[i] = t("requests.kind." + string(k))
	}
	f.Kind = widget.NewSelect(names, nil)
	f.Kind.SetSelectedIndex(0)
	f.ContactSearch = widget.NewEntry()
	f.ContactSearch.SetPlaceHolder(t("requests.contact.search"))
	f.ContactSearch.OnSubmitted = func(string) { f.SearchContacts() }
	f.Contact = widget.NewSelect(nil, nil)
	f.Contact.PlaceHolder = t("requests.contact.none")
	f.Channel = widget.NewEntry()
	f.Channel.SetPlaceHolder(t("requests.channel.hint"))
	f.Channel.OnChanged = func(string) { f.setFiled("") } // the next request is being typed
	f.Received = widget.NewEntry()
	f.Received.SetPlaceHolder(tf("requests.received.hint", app.DayData(loc)))
	f.Note = widget.NewEntry()
	f.Note.SetPlaceHolder(t("requests.note.hint"))
	f.File = widget.NewButtonWithIcon(t("requests.file"), theme.ContentAddIcon(), func() { f.FileRequest() })
	f.File.Importance = widget.HighImportance

	search := container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon("", theme.SearchIcon(), func() { f.SearchContacts() }), f.ContactSearch)
	f.root = container.NewVBox(
		widget.NewForm(
			widget.NewFormItem(t("requests.kind"), f.Kind),
			widget.NewFormItem(t("requests.contact"), container.NewGridWithColumns(2, search, f.Contact)),
			widget.NewFormItem(t("requests.channel"), f.Channel),
			widget.NewFormItem(t("requests.received"), f.Received),
			widget.NewFormItem(t("requests.note"), f.Note)),
		container.NewBorder(nil, nil, nil, f.File, container.NewVBox(f.Filed, f.Message.Object())))
	return f
}

func (f *RequestFiling) Object() fyne.CanvasObject { return f.root }

// Preset makes c the contact the request is filed for.
func (f *RequestFiling) Preset(c api.ContactSummary) {
	f.setContacts([]api.ContactSummary{c})
}

func (f *RequestFiling) setContacts(found []api.ContactSummary) {
	f.contacts = found
	options := make([]string, len(found))
	for i, c := range found {
		options[i] = strings.TrimSpace(c.GivenName+" "+c.FamilyName) + " · " + app.ShortID(c.Id)
	}
	f.Contact.SetOptions(options)
	f.Contact.ClearSelected()
	if len(options) > 0 {
		f.Contact.SetSelectedIndex(0)
	}
}

// SearchContacts fills the contact choice with the contacts matching the search text.
func (f *RequestFiling) SearchContacts() {
	q := strings.TrimSpace(f.ContactSearch.Text)
	go func() {
		page, err := f.b.SearchContacts(context.Background(), q, 20, "")
		do(func() {
			if err != nil {
				// A person found by the search before stays no choice: the request would be
				// filed for them.
				f.setContacts(nil)
				f.Message.ShowError(err, f.loc)
				return
			}
			f.Message.SetText("")
			found := make([]api.ContactSummary, 0, len(page.Edges))
			for _, e := range page.Edges {
				found = append(found, e.Node)
			}
			f.setContacts(found)
		})
	}()
}

// FileRequest registers what the form says.
func (f *RequestFiling) FileRequest() {
	form := app.RequestForm{Channel: f.Channel.Text, Note: f.Note.Text}
	if i := f.Kind.SelectedIndex(); i >= 0 {
		form.Kind = requestKinds[i]
	}
	if i := f.Contact.SelectedIndex(); i >= 0 && i < len(f.contacts) {
		form.ContactID = f.contacts[i].Id
	}
	received, err := app.ParseDay(f.Received.Text)
	if err != nil {
		f.Message.SetText(tf("requests.received.bad", app.DayData(f.loc)))
		return
	}
	form.Received = received
	f.File.Disable()
	f.setFiled("")
	go func() {
		r, err := app.Submit(&f.sub, func(ctx context.Context) (api.RequestFields, error) {
			return app.FileRequest(ctx, f.b, form)
		})
		do(func() {
			f.File.Enable()
			if app.AlreadyFiled(err) {
				// sent again after the answer to the first was lost: it stands, filed once
				f.reset()
				f.setFiled(app.ErrorText(err, f.loc))
				if f.OnAlreadyFiled != nil {
					f.OnAlreadyFiled()
				}
				return
			}
			if err != nil {
				f.Message.Show(app.SubmissionErrorText(err, app.ScreenRequestFile, f.loc), err)
				if app.SentAgainChanged(err) && f.OnAlreadyFiled != nil {
					f.OnAlreadyFiled() // filed by the first send: the list shows it
				}
				return
			}
			f.reset()
			f.setFiled(filedText(r, f.loc))
			if f.OnFiled != nil {
				f.OnFiled(r)
			}
		})
	}()
}

// reset empties the form after a filing, the person chosen too: the next request is someone
// else's, or no contact's, unless they are chosen again.
func (f *RequestFiling) reset() {
	f.Message.SetText("")
	f.Kind.SetSelectedIndex(0)
	f.ContactSearch.SetText("")
	f.setContacts(nil)
	f.Channel.SetText("")
	f.Note.SetText("")
	f.Received.SetText("")
}

// setFiled says what was filed last; "" hides the line.
func (f *RequestFiling) setFiled(text string) {
	f.Filed.SetText(text)
	if text == "" {
		f.Filed.Hide()
	} else {
		f.Filed.Show()
	}
}

// filedText says what was filed, for whom, and when it is due.
func filedText(r api.RequestFields, loc localizer) string {
	data := map[string]any{"Kind": t("requests.kind." + string(r.Kind)), "Due": loc.Date(app.Deadline(r))}
	if c := r.Contact; c != nil {
		data["Name"] = strings.TrimSpace(c.GivenName + " " + c.FamilyName)
		return tf("requests.filed.for", data)
	}
	return tf("requests.filed", data)
}
