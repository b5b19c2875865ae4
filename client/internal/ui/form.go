package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// FormScreen is the new/edit contact form with the live blacklist banner.
type FormScreen struct {
	GivenName, FamilyName, Organization *widget.Entry
	Emails, Phones                      *ValuesEntry
	Street, PostalCode, City, Country   *widget.Entry
	Banner                              *Banner
	// Message holds what the last save refused; it is re-checked on every change and goes
	// once the input no longer warrants it. ScreenNote says when live screening failed: the
	// input is then unchecked, not clean.
	Message    *Notice
	ScreenNote *Notice
	// Unscreened names the typed values the server could not read yet and did not screen
	// (app.SkippedText); hidden when it screened everything.
	Unscreened   *widget.Label
	Save, Cancel *widget.Button

	// Override is the reason dialog while it is open; Duplicates the duplicate warning.
	Override   *ReasonDialog
	Duplicates *DuplicatesDialog

	id      string
	b       app.Backend
	loc     localizer
	win     fyne.Window
	live    *app.Debounced[api.ContactInput, api.ScreeningFields]
	lastSeq uint64
	body    *fyne.Container
	content fyne.CanvasObject
	initial app.ContactForm // the text the form opened with
	unsent  bool            // the last save never reached the server (it was away)
	sub     app.Submission  // the save under way until its answer is known (Idempotency-Key)

	// SavedBefore says, when the last save was answered with the answer of an earlier send
	// whose answer was lost, that the earlier send saved the contact (app.ReplayedText); "" else.
	SavedBefore string
	OnSaved     func(api.ContactDetail)
	OnCancel    func()
	OnOpen      func(contactID string)
}

// NewFormScreen builds the form, filled from f (empty for a new contact).
func NewFormScreen(b app.Backend, loc localizer, win fyne.Window, f app.ContactForm) *FormScreen {
	s := &FormScreen{b: b, loc: loc, win: win, id: f.ID, Banner: newBanner(),
		Message: newNotice(widget.DangerImportance), ScreenNote: newNotice(widget.WarningImportance),
		Unscreened: widget.NewLabel("")}
	s.Unscreened.Importance = widget.LowImportance
	s.Unscreened.Wrapping = fyne.TextWrapWord
	s.Unscreened.Hide()
	entry := func(text string) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(text)
		e.OnChanged = func(string) { s.changed() }
		return e
	}
	s.GivenName, s.FamilyName, s.Organization = entry(f.GivenName), entry(f.FamilyName), entry(f.Organization)
	s.Emails, s.Phones = newValuesEntry(), newValuesEntry()
	s.Emails.SetText(f.Emails)
	s.Phones.SetText(f.Phones)
	for _, e := range []*ValuesEntry{s.Emails, s.Phones} {
		e.OnChanged = func(string) { s.changed() }
	}
	s.Street, s.PostalCode, s.City, s.Country = entry(f.Street), entry(f.PostalCode), entry(f.City), entry(f.Country)
	s.Emails.SetPlaceHolder(t("form.hint.multi"))
	s.Phones.SetPlaceHolder(t("form.hint.multi"))
	s.Country.SetPlaceHolder("DE")

	s.Save = widget.NewButtonWithIcon(t("action.save"), theme.DocumentSaveIcon(), func() { s.save(nil) })
	s.Save.Importance = widget.HighImportance
	s.Cancel = widget.NewButton(t("action.cancel"), func() {
		s.Close()
		if s.OnCancel != nil {
			s.OnCancel()
		}
	})
	s.live = app.NewLiveScreen(b, app.ScreenDelay, func(a app.ScreenAnswer) {
		do(func() { s.showScreening(a) })
	})

	title := t("form.title.new")
	if f.ID != "" {
		title = tf("form.title.edit", map[string]any{"Name": strings.TrimSpace(f.GivenName + " " + f.FamilyName)})
	}
	form := widget.NewForm(
		widget.NewFormItem(t("form.givenName"), s.GivenName),
		widget.NewFormItem(t("form.familyName"), s.FamilyName),
		widget.NewFormItem(t("form.organization"), s.Organization),
		widget.NewFormItem(t("form.emails"), s.Emails),
		widget.NewFormItem(t("form.phones"), s.Phones),
		widget.NewFormItem(t("form.street"), s.Street),
		widget.NewFormItem(t("form.postalCode"), s.PostalCode),
		widget.NewFormItem(t("form.city"), s.City),
		widget.NewFormItem(t("form.country"), s.Country),
	)
	s.body = container.NewVBox(
		widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.Banner.Object(),
		form,
		s.Message.Object(),
		s.ScreenNote.Object(),
		s.Unscreened,
	)
	// The buttons stay below the scrolling part: with a failed save's message and the
	// screening note shown, Speichern would otherwise scroll out of a 720-pixel window.
	s.content = container.NewBorder(nil, container.NewHBox(layoutSpacer(), s.Cancel, s.Save), nil, nil,
		container.NewVScroll(s.body))
	s.initial = s.Model()
	if f.ID != "" {
		s.live.Now(s.Model().Input())
	}
	return s
}

// Object is the form's root widget.
func (s *FormScreen) Object() fyne.CanvasObject { return s.content }

// Model is the form's current text.
func (s *FormScreen) Model() app.ContactForm {
	return app.ContactForm{ID: s.id,
		GivenName: s.GivenName.Text, FamilyName: s.FamilyName.Text, Organization: s.Organization.Text,
		Emails: s.Emails.Text, Phones: s.Phones.Text,
		Street: s.Street.Text, PostalCode: s.PostalCode.Text, City: s.City.Text, Country: s.Country.Text}
}

// Dirty says whether the form holds typed text that was not saved.
func (s *FormScreen) Dirty() bool { return s.Model() != s.initial }

// Rescreen screens the current text again at once (the blacklist changed).
func (s *FormScreen) Rescreen() { s.live.Refresh() }

// Close stops screening; the form delivers nothing afterwards.
func (s *FormScreen) Close() { s.live.Stop() }

func (s *FormScreen) changed() {
	if s.live != nil {
		s.live.Set(s.Model().Input())
	}
	if s.Message != nil && s.Message.Text != "" {
		s.Message.SetText(s.validationText(s.Model().Validate()))
	}
}

func (s *FormScreen) validationText(errs []app.FieldError) string {
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, tf(e.Key, map[string]any{"Value": e.Value}))
	}
	return strings.Join(msgs, "\n")
}

func (s *FormScreen) showScreening(a app.ScreenAnswer) {
	if a.Seq < s.lastSeq {
		return
	}
	s.lastSeq = a.Seq
	// The note changes height, so the form must lay out again.
	defer s.body.Refresh()
	if a.Err != nil {
		// Unchecked is not clean: the note says so until the screen, which tries again by
		// itself, gets an answer. Typing goes on; the server screens the save itself.
		s.ScreenNote.Show(app.ScreenErrorText(a.Err, s.loc), a.Err)
		s.showUnscreened("")
		return
	}
	s.ScreenNote.SetText("")
	if s.unsent {
		// The server answers again: the failed save's "not reachable" is stale.
		s.unsent = false
		s.Message.SetText(t("form.save.back"))
	}
	s.applyScreening(a.Value)
}

// showUnscreened shows text under the form, or hides the line when it is "".
func (s *FormScreen) showUnscreened(text string) {
	s.Unscreened.SetText(text)
	if text == "" {
		s.Unscreened.Hide()
	} else {
		s.Unscreened.Show()
	}
}

func (s *FormScreen) applyScreening(sc api.ScreeningFields) {
	// The banner changes height, so the form must lay out again.
	defer s.body.Refresh()
	s.showUnscreened(app.SkippedText(sc, s.loc))
	if len(sc.Matches) == 0 {
		s.Banner.Hide()
		return
	}
	var lines []string
	for _, w := range app.Warnings(sc, s.loc) {
		lines = append(lines, "• "+w.Text)
	}
	s.Banner.Show(app.BannerTitle(sc, s.loc), strings.Join(lines, "\n"), sc.Blocked)
}

func (s *FormScreen) save(override *app.Override) {
	if errs := s.Model().Validate(); len(errs) > 0 {
		s.Message.SetText(s.validationText(errs))
		return
	}
	s.Message.SetText("")
	s.Save.Disable()
	// What is typed while the save is under way would be lost when the saved contact opens:
	// the inputs take nothing until the answer is known.
	s.setInputsEnabled(false)
	model := s.Model()
	// The same submission (its Idempotency-Key) until the server's answer is known: sent
	// again after a lost answer, it is saved once.
	ctx := s.sub.Context(context.Background())
	go func() {
		r, err := app.Save(ctx, s.b, model, override)
		replayed := s.sub.Replayed()
		do(func() { s.saved(r, err, override, replayed) })
	}()
}

func (s *FormScreen) saved(r app.SaveResult, err error, override *app.Override, replayed bool) {
	s.Save.Enable()
	s.setInputsEnabled(true)
	s.sub.Answered(err)
	s.unsent = err != nil && api.Outage(err) && api.NeverSent(err)
	screen := app.ScreenContactNew
	if s.id != "" {
		screen = app.ScreenContactEdit
	}
	if err != nil {
		text := app.SubmissionErrorText(err, screen, s.loc)
		if s.Override != nil {
			s.Override.Fail(text, err)
			return
		}
		s.Message.Show(text, err)
		return
	}
	if r.Refused {
		s.applyScreening(r.Screening)
		if override == nil {
			s.askReason(r.Screening, "", "")
			return
		}
		// refused with an override: the person matches an entry the dialog did not show (one
		// added since). A new dialog shows every match, with the reason written, to decide anew.
		if s.Override != nil {
			s.Override.Close()
		}
		s.askReason(r.Screening, override.Reason, t("override.newmatch"))
		return
	}
	if s.Override != nil {
		s.Override.Close()
		s.Override = nil
	}
	s.Close()
	s.SavedBefore = ""
	if replayed {
		s.SavedBefore, _ = app.ReplayedText(screen, s.loc)
	}
	if len(r.Duplicates) > 0 {
		s.showDuplicates(r.Duplicates)
	}
	if s.OnSaved != nil && r.Saved != nil {
		s.OnSaved(*r.Saved)
	}
}

func (s *FormScreen) setInputsEnabled(on bool) {
	for _, e := range []*widget.Entry{s.GivenName, s.FamilyName, s.Organization, &s.Emails.Entry, &s.Phones.Entry,
		s.Street, s.PostalCode, s.City, s.Country} {
		if on {
			e.Enable()
		} else {
			e.Disable()
		}
	}
}

// askReason asks why the contact may be saved although sc's matches refused it; reason is
// what was written before (empty at first), note why the dialog comes again.
func (s *FormScreen) askReason(sc api.ScreeningFields, reason, note string) {
	var lines []string
	for _, w := range app.Warnings(sc, s.loc) {
		lines = append(lines, "• "+w.Text)
	}
	s.Override = showReasonDialog(s.win, reasonSpec{
		Title: t("override.title"), Text: t("override.text"), Details: strings.Join(lines, "\n"),
		Confirm: t("override.confirm"), Danger: true,
		OnConfirm: func(reason string) { s.save(&app.Override{Reason: reason, Shown: sc}) },
		OnAbort:   func() { s.Override = nil },
	})
	if reason != "" {
		s.Override.Reason.SetText(reason)
	}
	if note != "" {
		s.Override.Message.SetText(note)
	}
}

// DuplicatesDialog lists existing contacts that share an e-mail or phone, each with a
// button that opens it.
type DuplicatesDialog struct {
	Open   []*widget.Button
	Dialog dialog.Dialog
}

func (s *FormScreen) showDuplicates(dups []api.ContactSummary) {
	d := &DuplicatesDialog{}
	rows := container.NewVBox(wrapLabel(t("dup.text")))
	for _, c := range dups {
		id := c.Id
		btn := widget.NewButton(t("action.open"), func() {
			d.Dialog.Hide()
			if s.OnOpen != nil {
				s.OnOpen(id)
			}
		})
		d.Open = append(d.Open, btn)
		rows.Add(container.NewBorder(nil, nil, nil, btn,
			widget.NewLabel(app.DisplayName(c)+" · "+strings.Join(append(c.Emails, c.Phones...), ", "))))
	}
	d.Dialog = dialog.NewCustom(t("dup.title"), t("action.close"), rows, s.win)
	s.Duplicates = d
	d.Dialog.Show()
}

// ValuesEntry is the single-line field of several values (e-mails, phones). Text pasted one
// value a line keeps them apart (app.PastedValues), where Fyne's Entry makes each line break
// a space: several e-mails pasted one per line would be one value the server refuses.
type ValuesEntry struct{ widget.Entry }

func newValuesEntry() *ValuesEntry {
	e := &ValuesEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut pastes (Ctrl+V, the context menu's Einfügen) as app.PastedValues reads it.
func (e *ValuesEntry) TypedShortcut(s fyne.Shortcut) {
	if p, ok := s.(*fyne.ShortcutPaste); ok && p.Clipboard != nil {
		s = &fyne.ShortcutPaste{Clipboard: pastedValues{p.Clipboard}}
	}
	e.Entry.TypedShortcut(s)
}

// pastedValues is a clipboard whose text reads as app.PastedValues.
type pastedValues struct{ fyne.Clipboard }

func (c pastedValues) Content() string { return app.PastedValues(c.Clipboard.Content()) }
