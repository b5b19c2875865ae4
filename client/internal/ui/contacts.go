package ui

import (
	"context"
	"errors"
	"fmt"
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

// ContactsScreen is the search-as-you-type list on the left and the detail, or the form,
// on the right.
type ContactsScreen struct {
	Search   *widget.Entry
	List     *widget.List
	Count    *widget.Label
	LoadMore *widget.Button
	New      *widget.Button
	Message  *Notice
	Form     *FormScreen // the open form, if any
	Detail   *DetailView // the open detail, if any
	Receipt  *widget.Label
	// Gone says that a contact opened from the list no longer exists (erased or merged
	// elsewhere meanwhile); the list is loaded again.
	Gone *widget.Label
	// Admin shows the erase button in the detail (ADMIN tokens).
	Admin bool
	// OnRequestFiled is called after a data-subject request was filed from a detail.
	OnRequestFiled func()
	// Leave asks before another contact or a new form replaces unsaved typing (while open).
	Leave    dialog.Dialog
	right    *fyne.Container
	selected string // the id of the row selected in the list, "" for none

	b      app.Backend
	loc    localizer
	win    fyne.Window
	state  app.ContactList
	search *app.Debounced[app.SearchQuery, api.ContactPage]
	root   fyne.CanvasObject
}

func NewContactsScreen(b app.Backend, loc localizer, win fyne.Window) *ContactsScreen {
	s := &ContactsScreen{b: b, loc: loc, win: win, Count: wrapLabel(""), Message: newNotice(widget.DangerImportance)}
	s.search = app.NewDebounced(250*time.Millisecond, func(ctx context.Context, q app.SearchQuery) (api.ContactPage, error) {
		return b.SearchContacts(ctx, q.Search, app.PageSize, q.After)
	}, func(a app.Answer[app.SearchQuery, api.ContactPage]) {
		do(func() { s.applyPage(a) })
	})
	s.Search = widget.NewEntry()
	s.Search.SetPlaceHolder(t("search.placeholder"))
	s.Search.OnChanged = func(text string) { s.search.Set(app.SearchQuery{Search: strings.TrimSpace(text)}) }
	s.Search.OnSubmitted = func(string) { s.Reload() }
	s.List = widget.NewList(
		func() int { return len(s.state.Items) },
		func() fyne.CanvasObject {
			return container.NewVBox(boldLabel("name"), widget.NewLabel("email"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := s.state.Items[i]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(app.DisplayName(c))
			box.Objects[1].(*widget.Label).SetText(strings.Join(append(append([]string{}, c.Emails...), c.Phones...), " · "))
		})
	s.List.OnSelected = func(i widget.ListItemID) {
		if i >= len(s.state.Items) {
			return
		}
		id := s.state.Items[i].Id
		s.selected = id
		s.leaveForm(func() { s.OpenContact(id) }, s.List.UnselectAll)
	}
	s.List.OnUnselected = func(widget.ListItemID) { s.selected = "" }
	s.LoadMore = widget.NewButton(t("action.loadmore"), func() {
		s.search.Now(app.SearchQuery{Search: s.state.Search, After: s.state.Next})
	})
	s.LoadMore.Hide()
	s.New = widget.NewButtonWithIcon(t("action.new"), theme.ContentAddIcon(), func() {
		s.leaveForm(func() { s.OpenForm(app.ContactForm{}) }, nil)
	})
	s.New.Importance = widget.HighImportance

	left := container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, nil, s.New, s.Search), s.Count),
		container.NewVBox(s.LoadMore, s.Message.Object()), nil, nil, s.List)
	s.right = container.NewStack(container.NewCenter(widget.NewLabel(t("contacts.empty"))))
	split := container.NewHSplit(left, s.right)
	split.Offset = 0.36
	s.root = split
	return s
}

func (s *ContactsScreen) Object() fyne.CanvasObject { return s.root }

// FirstID is the id of the first contact in the list, or "".
func (s *ContactsScreen) FirstID() string {
	if len(s.state.Items) == 0 {
		return ""
	}
	return s.state.Items[0].Id
}

// Reload runs the current search again from its first page.
func (s *ContactsScreen) Reload() {
	s.search.Now(app.SearchQuery{Search: strings.TrimSpace(s.Search.Text)})
}

func (s *ContactsScreen) applyPage(a app.Answer[app.SearchQuery, api.ContactPage]) {
	if a.Err != nil {
		s.Message.ShowError(a.Err, s.loc)
		if a.Query.After == "" {
			// The rows of the search before would read as this one's answer, and be acted on.
			s.state = app.ContactList{Search: a.Query.Search}
			s.List.UnselectAll()
			s.List.Refresh()
			s.LoadMore.Hide()
			s.Count.SetText(failedSearchText(a.Query.Search))
		}
		return
	}
	s.Message.SetText("")
	s.state.Apply(a.Query.Search, a.Query.After, a.Value)
	if a.Query.After == "" {
		s.List.UnselectAll()
		s.List.ScrollToTop()
	}
	s.List.Refresh()
	if len(s.state.Items) == 0 {
		s.Count.SetText(t("contacts.none"))
	} else {
		s.Count.SetText(tn("contacts.count", s.state.Total, map[string]any{"Shown": len(s.state.Items), "Total": s.state.Total}))
	}
	if s.state.HasMore {
		s.LoadMore.Show()
	} else {
		s.LoadMore.Hide()
	}
}

// failedSearchText says, above the emptied list, which search failed and how to run it again.
func failedSearchText(search string) string {
	if search == "" {
		return t("contacts.failed.all")
	}
	return tf("contacts.failed", map[string]any{"Search": search})
}

func (s *ContactsScreen) setRight(o fyne.CanvasObject) {
	if s.Form != nil {
		s.Form.Close()
		s.Form = nil
	}
	s.Detail = nil
	s.Receipt = nil
	s.Gone = nil
	s.right.Objects = []fyne.CanvasObject{o}
	s.right.Refresh()
}

// leaveForm runs next at once when no form holds unsaved typing; otherwise it asks first,
// and runs stay when the user keeps editing.
func (s *ContactsScreen) leaveForm(next, stay func()) {
	if s.Form == nil || !s.Form.Dirty() {
		next()
		return
	}
	ask := dialog.NewConfirm(t("form.leave.title"), t("form.leave.text"), func(discard bool) {
		s.Leave = nil
		if discard {
			next()
		} else if stay != nil {
			stay()
		}
	}, s.win)
	ask.SetConfirmText(t("form.leave.discard"))
	ask.SetDismissText(t("form.leave.stay"))
	s.Leave = ask
	ask.Show()
}

// GoTo opens a contact on the user's behalf (a row of the admin feed), asking first when
// the open form holds unsaved typing.
func (s *ContactsScreen) GoTo(id string) {
	s.leaveForm(func() { s.OpenContact(id) }, nil)
}

// OpenContact loads a contact and shows its detail.
func (s *ContactsScreen) OpenContact(id string) { s.openContact(id, "") }

// openContact is OpenContact with status shown in the detail (what a save that opened it said).
func (s *ContactsScreen) openContact(id, status string) {
	go func() {
		c, err := s.b.Contact(context.Background(), id)
		purposes, perr := s.b.Purposes(context.Background())
		do(func() {
			if err == nil {
				err = perr
			}
			switch {
			case errors.Is(err, api.ErrNotFound):
				// No other contact's detail may stay beside the row clicked: the next button
				// pressed would act on that other person.
				gone := wrapLabel(t("contacts.gone"))
				s.setRight(container.NewPadded(gone))
				s.Gone = gone
				s.Reload()
				return
			case err != nil:
				s.Message.ShowError(err, s.loc)
				if s.Detail == nil || s.Detail.ContactID() != id {
					s.List.UnselectAll()
				}
				return
			}
			s.ShowDetail(c, purposes)
			if status != "" {
				s.Detail.Status.Show(status, nil)
			}
		})
	}()
}

// ShowDetail shows a loaded contact.
func (s *ContactsScreen) ShowDetail(c api.ContactDetail, purposes []api.PurposeFields) {
	d := NewDetailView(s.b, s.loc, s.win, c, purposes, s.Admin)
	d.OnEdit = func() { s.OpenForm(app.FormFromContact(c)) }
	d.OnChanged = func() { s.OpenContact(c.Id) }
	d.OnErased = func(r api.PersonErasure) {
		s.Reload()
		s.ShowReceipt(app.DisplayName(c.ContactSummary), r)
	}
	d.OnMerged = func(m api.ContactDetail) {
		s.Reload()
		s.OpenContact(m.Id)
	}
	d.OnRequestFiled = func(api.RequestFields) {
		if s.OnRequestFiled != nil {
			s.OnRequestFiled()
		}
	}
	s.setRight(d.Object())
	s.Detail = d
	if s.selected != "" && s.selected != c.Id {
		// a row shown selected that is not the detail ignores the click that would open it
		s.List.UnselectAll()
	}
}

// ShowReceipt shows what an erasure left: the date and the blacklist entry, no personal data
// beyond the name the user just saw.
func (s *ContactsScreen) ShowReceipt(name string, r api.PersonErasure) {
	text := wrapLabel(tf("erase.receipt", map[string]any{"Name": name, "At": s.loc.DateTime(r.ErasedAt),
		"Entry": app.ShortID(r.BlacklistEntry.Id), "Kinds": kindsText(r.BlacklistEntry.IdentifierKinds), "Reason": r.BlacklistEntry.Reason}))
	if app.ErasedEarlier(r) {
		text.SetText(tf("erase.receipt.earlier", map[string]any{"Name": name}))
	}
	if n := len(r.ErasedContactIds); n > 1 {
		text.SetText(text.Text + " " + tn("erase.receipt.count", n, nil))
	}
	title := boldLabel(t("erase.done"))
	title.SizeName = theme.SizeNameSubHeadingText
	s.setRight(container.NewVBox(container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), nil, title), text))
	s.Receipt = text
}

// OpenForm shows the form for a new contact (empty f) or for editing.
func (s *ContactsScreen) OpenForm(f app.ContactForm) *FormScreen {
	form := NewFormScreen(s.b, s.loc, s.win, f)
	form.OnSaved = func(c api.ContactDetail) {
		s.Reload()
		s.openContact(c.Id, form.SavedBefore)
	}
	form.OnCancel = func() {
		if f.ID != "" {
			s.OpenContact(f.ID)
		} else {
			s.setRight(container.NewCenter(widget.NewLabel(t("contacts.empty"))))
		}
	}
	form.OnOpen = s.OpenContact
	s.setRight(form.Object())
	s.Form = form
	s.List.UnselectAll()
	return form
}

// BlacklistChanged makes an open form screen again.
func (s *ContactsScreen) BlacklistChanged() {
	if s.Form != nil {
		s.Form.Rescreen()
	}
}

// DetailView shows one contact with its lists and consents, and what staff do with the
// person: lists on and off, duplicates and merging, the Art. 15 export, the consent proof as
// a PDF, and for admins blocking and erasure.
type DetailView struct {
	Edit       *widget.Button
	Proof      *widget.Button
	ProofPDF   *widget.Button
	Export     *widget.Button
	Duplicates *widget.Button
	Block      *widget.Button // nil unless the token is ADMIN
	Erase      *widget.Button // nil unless the token is ADMIN
	// FileRequest opens RequestForm, the requests screen's filing form with this contact
	// preset; nil when the backend cannot file requests (the demo).
	FileRequest *widget.Button
	RequestForm *RequestFiling
	Consents    *ConsentsView
	Lists       *ListsView
	Blocked     *widget.Label // shown when the person is on the blacklist
	Status      *Notice       // what the last export, search or save said (a failure red, its cause under the details)
	// The open dialogs: the erasure preview, the block reason, the duplicates, the ledger.
	EraseDialog *ErasureView
	BlockDialog *ReasonDialog
	DupView     *DuplicatesView
	ProofView   *ProofView
	OnEdit      func()
	// OnChanged reloads the contact after a consent or list changed.
	OnChanged func()
	// OnErased shows the receipt of an erasure; OnMerged opens the merged contact.
	OnErased func(api.PersonErasure)
	OnMerged func(api.ContactDetail)
	// OnRequestFiled is called after a data-subject request was filed for the contact.
	OnRequestFiled func(api.RequestFields)

	b       app.Backend
	loc     localizer
	win     fyne.Window
	contact api.ContactDetail
	root    fyne.CanvasObject
}

func NewDetailView(b app.Backend, loc localizer, win fyne.Window, c api.ContactDetail, purposes []api.PurposeFields, admin bool) *DetailView {
	d := &DetailView{b: b, loc: loc, win: win, contact: c}
	d.Edit = widget.NewButtonWithIcon(t("action.edit"), theme.DocumentCreateIcon(), func() {
		if d.OnEdit != nil {
			d.OnEdit()
		}
	})
	d.Proof = widget.NewButtonWithIcon(t("action.proof"), theme.HistoryIcon(), d.ShowProof)
	d.ProofPDF = widget.NewButtonWithIcon(t("action.proofpdf"), theme.DocumentPrintIcon(), d.exportProofPDF)
	d.Export = widget.NewButtonWithIcon(t("action.export"), theme.DownloadIcon(), d.exportAccess)
	d.Duplicates = widget.NewButtonWithIcon(t("action.duplicates"), theme.ContentCopyIcon(), d.ShowDuplicates)
	d.Blocked = wrapLabel("")
	d.Blocked.Importance = widget.DangerImportance
	d.Blocked.Hide()
	d.Status = newStatusNotice(widget.SuccessImportance)
	buttons := container.NewHBox(d.Edit)
	actions := container.NewHBox(d.Duplicates, d.Export)
	if _, ok := b.(app.RequestFiler); ok {
		// beside Edit: the action row is as wide as the detail pane allows already
		d.FileRequest = widget.NewButtonWithIcon(t("requests.file"), theme.MailComposeIcon(), d.AskFileRequest)
		buttons.Objects = append([]fyne.CanvasObject{d.FileRequest}, buttons.Objects...)
	}
	if admin {
		d.Block = widget.NewButtonWithIcon(t("action.block"), theme.VisibilityOffIcon(), d.AskBlock)
		d.Erase = widget.NewButtonWithIcon(t("action.erase"), theme.DeleteIcon(), d.AskErase)
		d.Erase.Importance = widget.DangerImportance
		actions.Add(d.Block)
		actions.Add(d.Erase)
	}
	title := widget.NewLabelWithStyle(app.DisplayName(c.ContactSummary), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	title.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		widget.NewFormItem(t("detail.emails"), wrapLabel(strings.Join(c.Emails, "\n"))),
		widget.NewFormItem(t("detail.phones"), wrapLabel(strings.Join(c.Phones, "\n"))),
	}
	if a := c.Address; a != nil {
		items = append(items, widget.NewFormItem(t("detail.address"),
			wrapLabel(fmt.Sprintf("%s\n%s %s\n%s", a.Street, a.PostalCode, a.City, a.Country))))
	}
	d.Lists = newListsView(b, loc, win, c)
	d.Lists.OnChanged = func(api.ContactDetail) {
		if d.OnChanged != nil {
			d.OnChanged()
		}
	}
	d.Consents = NewConsentsView(b, loc, win, c.Id, purposes, c.Consents)
	d.Consents.OnChanged = func() {
		if d.OnChanged != nil {
			d.OnChanged()
		}
	}
	created := widget.NewLabel(tf("detail.created", map[string]any{"Date": loc.Date(c.CreatedAt)}))
	created.Importance = widget.LowImportance
	// Two buttons a row: four in one were as wide as a 1024-pixel screen leaves the detail,
	// and pushed the list beside it down to a search field of a few letters.
	actionGrid := container.NewHBox(container.NewGridWithColumns(2, actions.Objects...))
	d.root = container.NewVScroll(container.NewVBox(
		container.NewBorder(nil, nil, nil, buttons, title),
		d.Blocked,
		actionGrid,
		d.Status.Object(),
		widget.NewForm(items...),
		created,
		widget.NewSeparator(),
		boldLabel(t("lists.title")),
		d.Lists.Object(),
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, container.NewHBox(d.Proof, d.ProofPDF), boldLabel(t("detail.consents"))),
		d.Consents.Object(),
	))
	d.loadPerson()
	return d
}

func (d *DetailView) Object() fyne.CanvasObject { return d.root }

// ContactID is the id of the contact shown.
func (d *DetailView) ContactID() string { return d.contact.Id }

// AskErase shows every record an erasure of the person would take, lets the admin keep
// records that are someone else, and erases with a written reason (Art. 17 GDPR).
func (d *DetailView) AskErase() {
	v := newErasureView(d.b, d.loc, d.win, d.contact.ContactSummary)
	v.OnErased = func(r api.PersonErasure) {
		d.EraseDialog = nil
		if d.OnErased != nil {
			d.OnErased(r)
		}
	}
	d.EraseDialog = v
}

// AskFileRequest opens the form that files a data-subject request, for this contact.
func (d *DetailView) AskFileRequest() {
	filer, ok := d.b.(app.RequestFiler)
	if !ok {
		return
	}
	f := newRequestFiling(filer, d.loc)
	f.Preset(d.contact.ContactSummary)
	dlg := dialog.NewCustom(t("requests.new"), t("action.cancel"), f.Object(), d.win)
	f.OnFiled = func(r api.RequestFields) {
		dlg.Hide()
		d.RequestForm = nil
		d.Status.Show(tf("requests.filed", map[string]any{"Kind": t("requests.kind." + string(r.Kind)),
			"Due": d.loc.Date(app.Deadline(r))}), nil)
		if d.OnRequestFiled != nil {
			d.OnRequestFiled(r)
		}
	}
	dlg.SetOnClosed(func() { d.RequestForm = nil })
	dlg.Resize(fyne.NewSize(640, 420))
	d.RequestForm = f
	dlg.Show()
	d.win.Canvas().Focus(f.Channel)
}

// ShowProof loads the contact's consent ledger and shows it, read-only.
func (d *DetailView) ShowProof() {
	v := newProofView(d.loc, d.win, app.DisplayName(d.contact.ContactSummary))
	d.ProofView = v
	id := d.contact.Id
	go func() {
		events, err := d.b.ConsentProof(context.Background(), id)
		records, _ := d.b.ConsentProofRecords(context.Background(), id) // an older server has none
		do(func() { v.show(events, records, err) })
	}()
}
