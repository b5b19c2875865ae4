package ui

import (
	"context"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// ListsView shows the distribution lists a contact is on, each with a button that takes it
// off, and a choice of the other lists with a button that puts it on.
type ListsView struct {
	Choice  *widget.Select
	Add     *widget.Button
	Remove  map[string]*widget.Button // by list key
	Message *Notice
	// OnChanged gets the contact as the server answered after a change.
	OnChanged func(api.ContactDetail)

	// PutBack asks why a person who left the list is put back on it (nil when not open).
	PutBack *ReasonDialog
	// TakeOff asks before the person is taken off a list (nil when not open).
	TakeOff *ConfirmDialog

	b         app.Backend
	loc       localizer
	win       fyne.Window
	contact   api.ContactDetail
	keys      map[string]string // choice label → list key
	rows      *fyne.Container
	root      fyne.CanvasObject
	putting   app.Submission // putting her on the chosen list, until its answer is known
	firstList string         // the list putting was first sent for
}

func newListsView(b app.Backend, loc localizer, win fyne.Window, c api.ContactDetail) *ListsView {
	v := &ListsView{b: b, loc: loc, win: win, contact: c, Remove: map[string]*widget.Button{}, Message: newNotice(widget.DangerImportance), keys: map[string]string{}}
	v.Choice = widget.NewSelect(nil, nil)
	v.Choice.PlaceHolder = t("lists.choose")
	v.Add = widget.NewButtonWithIcon(t("lists.add"), theme.ContentAddIcon(), func() { v.putOn(v.keys[v.Choice.Selected]) })
	v.Add.Disable()
	v.Choice.OnChanged = func(s string) {
		if s != "" {
			v.Add.Enable()
		}
	}
	v.rows = container.NewVBox()
	v.fill(nil)
	v.root = container.NewVBox(v.rows, container.NewBorder(nil, nil, nil, v.Add, v.Choice), v.Message.Object())
	go func() {
		all, err := b.Lists(context.Background())
		do(func() {
			if err != nil {
				v.Message.Show(app.SaveErrorText(err, loc), err)
				return
			}
			v.fill(all)
		})
	}()
	return v
}

func (v *ListsView) Object() fyne.CanvasObject { return v.root }

// askPutBack says that the person left the list through its unsubscribe link and asks why
// she is put back; the reason is audited.
func (v *ListsView) askPutBack(id, key string, refused error) {
	v.Message.SetText("")
	v.PutBack = showReasonDialog(v.win, reasonSpec{
		Title: t("lists.putback.title"), Text: app.ErrorText(refused, v.loc), Details: v.Choice.Selected,
		Confirm: t("lists.putback.confirm"),
		OnConfirm: func(reason string) {
			sub := &v.PutBack.sub
			go func() {
				c, err := app.Submit(sub, func(ctx context.Context) (api.ContactDetail, error) {
					return app.PutOnList(ctx, v.b, id, key, reason)
				})
				do(func() {
					if err != nil {
						v.PutBack.Fail(app.SubmissionErrorText(err, app.ScreenListPutBack, v.loc), err)
						if app.SentAgainChanged(err) {
							v.reload()
						}
						return
					}
					v.PutBack.Close()
					v.PutBack = nil
					if v.OnChanged != nil {
						v.OnChanged(c)
					}
				})
			}()
		},
		OnAbort: func() { v.PutBack = nil },
	})
}

func (v *ListsView) fill(all []api.ListFields) {
	member, other := app.ListOptions(all, v.contact.Lists)
	v.rows.RemoveAll()
	v.Remove = map[string]*widget.Button{}
	if len(member) == 0 {
		none := widget.NewLabel(t("lists.none"))
		none.Importance = widget.LowImportance
		v.rows.Add(none)
	}
	for _, l := range member {
		key := l.Key
		name := l.Name
		btn := widget.NewButtonWithIcon(t("lists.remove"), theme.ContentRemoveIcon(), func() { v.askTakeOff(key, name) })
		v.Remove[key] = btn
		v.rows.Add(container.NewBorder(nil, nil, nil, btn,
			widget.NewLabel(tf("lists.entry", map[string]any{"List": l.Name, "Purpose": l.Purpose.Name}))))
	}
	var labels []string
	v.keys = map[string]string{}
	for _, l := range other {
		label := tf("lists.entry", map[string]any{"List": l.Name, "Purpose": l.Purpose.Name})
		labels = append(labels, label)
		v.keys[label] = l.Key
	}
	v.Choice.SetOptions(labels)
	v.Choice.ClearSelected()
	v.Add.Disable()
}

// askTakeOff asks whether the person is to be taken off the list named, Cancel first (a
// space or a click on the focused button keeps her on it), then takes her off.
func (v *ListsView) askTakeOff(key, listName string) {
	id := v.contact.Id
	v.TakeOff = showConfirmDialog(v.win, t("lists.remove.title"),
		tf("lists.remove.text", map[string]any{"Name": app.DisplayName(v.contact.ContactSummary), "List": listName}),
		t("lists.remove.confirm"), func(d *ConfirmDialog) {
			go func() {
				c, err := app.Submit(&d.sub, func(ctx context.Context) (api.ContactDetail, error) {
					return app.TakeOffList(ctx, v.b, id, key)
				})
				do(func() {
					if err != nil {
						d.Fail(app.SubmissionErrorText(err, app.NoScreen, v.loc), err)
						return
					}
					d.Close()
					v.Message.SetText("")
					if v.OnChanged != nil {
						v.OnChanged(c)
					}
				})
			}()
		})
	v.TakeOff.Dialog.SetOnClosed(func() { v.TakeOff = nil })
}

// reload shows the lists the person is on as the server has them, the message left as it is.
func (v *ListsView) reload() {
	id := v.contact.Id
	go func() {
		c, err := v.b.Contact(context.Background(), id)
		all, lerr := v.b.Lists(context.Background())
		do(func() {
			if err == nil && lerr == nil && v.contact.Id == id {
				v.contact = c
				v.fill(all)
			}
		})
	}()
}

// putOn puts the person on a list; one who left it through its unsubscribe link is put back
// only with a reason (askPutBack).
func (v *ListsView) putOn(key string) {
	id := v.contact.Id
	if !v.putting.Pending() {
		v.firstList = v.Choice.Selected
	}
	go func() {
		c, err := app.Submit(&v.putting, func(ctx context.Context) (api.ContactDetail, error) {
			return app.PutOnList(ctx, v.b, id, key, "")
		})
		do(func() {
			if app.LeftTheList(err) {
				v.askPutBack(id, key, err)
				return
			}
			if err != nil {
				v.Message.Show(app.SubmissionErrorTextNaming(err, app.ScreenListAdd, v.firstList, v.loc), err)
				if app.SentAgainChanged(err) {
					v.reload() // the first choice was saved: show it
				}
				return
			}
			v.Message.SetText("")
			if v.OnChanged != nil {
				v.OnChanged(c)
			}
		})
	}()
}

// DuplicatesView lays the contact and its possible duplicates side by side; staff tick the
// duplicates to merge, choose the record that stays, write a reason and merge.
type DuplicatesView struct {
	Pick    map[string]*widget.Check // by duplicate id: merge it
	Into    *widget.RadioGroup       // the record that stays
	Reason  *widget.Entry
	Merge   *widget.Button
	Message *Notice
	// BlockedNote names the records on the blacklist (empty when none is).
	BlockedNote *Notice
	Dialog      dialog.Dialog
	// OnMerged gets the merged contact.
	OnMerged func(api.ContactDetail)

	b       app.Backend
	loc     localizer
	records []api.ContactDetail
	ids     map[string]string // radio label → id
	sub     app.Submission    // the merge, until its answer is known (Idempotency-Key)
}

func newDuplicatesView(b app.Backend, loc localizer, win fyne.Window, c api.ContactDetail, blocked bool, dups []api.PossibleDuplicate) *DuplicatesView {
	v := &DuplicatesView{b: b, loc: loc, records: []api.ContactDetail{c}, Pick: map[string]*widget.Check{},
		Message: newNotice(widget.DangerImportance), ids: map[string]string{}}
	isBlocked := []bool{blocked}
	for _, d := range dups {
		v.records = append(v.records, d.ContactDetail)
		isBlocked = append(isBlocked, d.Blocked)
	}
	rows := app.CompareRecords(v.records, loc)
	// One column of labels, then one per record; each row as high as its own content.
	cols := len(v.records) + 1
	table := container.NewVBox()
	head := container.NewGridWithColumns(cols, widget.NewLabel(""))
	var labels []string
	for i, r := range v.records {
		h := t("dups.this")
		if i > 0 {
			h = tf("dups.other", map[string]any{"N": i})
		}
		labels = append(labels, h)
		v.ids[h] = r.Id
		head.Add(boldLabel(h))
	}
	table.Add(head)
	// A blocked record merged into the one that stays blocks it too (its e-mails and phones go
	// over): the view says first which records are on the blacklist.
	blockedRow := container.NewGridWithColumns(cols, boldLabel(t("dups.blocked.row")))
	var notes []string
	for i, r := range isBlocked {
		l := widget.NewLabel("—")
		if r {
			l = widget.NewLabel(t("dups.blocked.yes"))
			l.Importance = widget.DangerImportance
			notes = append(notes, tf("dups.blocked", map[string]any{"Which": labels[i]}))
		}
		blockedRow.Add(l)
	}
	table.Add(blockedRow)
	v.BlockedNote = newNotice(widget.DangerImportance)
	v.BlockedNote.SetText(strings.Join(notes, "\n"))
	for _, row := range rows {
		line := container.NewGridWithColumns(cols, boldLabel(row.Label))
		for _, val := range row.Values {
			l := wrapLabel(val)
			if row.Differs {
				l.Importance = widget.WarningImportance
			}
			line.Add(l)
		}
		table.Add(line)
	}
	picks := container.NewGridWithColumns(cols, boldLabel(t("dups.merge.pick")), widget.NewLabel(""))
	for _, r := range v.records[1:] {
		check := widget.NewCheck(t("dups.merge.pick"), func(bool) { v.refresh() })
		check.SetChecked(true)
		v.Pick[r.Id] = check
		picks.Add(check)
	}
	table.Add(picks)
	v.Into = widget.NewRadioGroup(labels, func(string) { v.refresh() })
	v.Into.Horizontal = true
	v.Into.SetSelected(labels[0])
	v.Reason = widget.NewMultiLineEntry()
	v.Reason.SetPlaceHolder(t("dups.reason"))
	v.Reason.SetMinRowsVisible(1)
	v.Reason.OnChanged = func(string) { v.refresh() }
	v.Merge = widget.NewButtonWithIcon(t("dups.merge"), theme.ConfirmIcon(), v.submit)
	v.Merge.Importance = widget.HighImportance
	intro := wrapLabel(tn("dups.found", len(dups), nil))
	content := container.NewBorder(intro,
		container.NewVBox(v.BlockedNote.Object(), wrapLabel(t("dups.text")), container.NewHBox(boldLabel(t("dups.into")), v.Into), v.Message.Object(),
			container.NewBorder(nil, nil, nil, v.Merge, v.Reason)),
		nil, nil, container.NewVScroll(table))
	v.Dialog = dialog.NewCustom(tf("dups.title", map[string]any{"Name": app.DisplayName(c.ContactSummary)}), t("action.close"), content, win)
	v.Dialog.Resize(fyne.NewSize(min(1100, 360+float32(len(v.records))*260), 700))
	v.refresh()
	v.Dialog.Show()
	return v
}

// plan is the merge as chosen: the record that stays and the others ticked.
func (v *DuplicatesView) plan() (into string, from []string) {
	into = v.ids[v.Into.Selected]
	for _, r := range v.records {
		if r.Id == into {
			continue
		}
		// The contact itself has no check: it is merged when another record stays.
		if check, ok := v.Pick[r.Id]; !ok || check.Checked {
			from = append(from, r.Id)
		}
	}
	return into, from
}

func (v *DuplicatesView) refresh() {
	if v.Merge == nil || v.Into == nil {
		return
	}
	_, from := v.plan()
	if len(from) == 0 || strings.TrimSpace(v.Reason.Text) == "" {
		v.Merge.Disable()
	} else {
		v.Merge.Enable()
	}
}

func (v *DuplicatesView) submit() {
	into, from := v.plan()
	reason := v.Reason.Text
	v.Merge.Disable()
	go func() {
		c, err := app.Submit(&v.sub, func(ctx context.Context) (api.ContactDetail, error) {
			return app.Merge(ctx, v.b, into, from, reason)
		})
		// The dialog's own button already reads Schließen.
		do(func() {
			finishDialog(v.loc, app.ScreenMerge, v.Message, v.Dialog, v.Merge, nil, v.refresh, c, err, v.OnMerged)
		})
	}()
}

// ErasureView shows every record an erasure of the person takes before it is done: the
// contact, the records sharing an e-mail or phone (each can be named as someone else and
// kept), and the look-alikes it leaves. It needs a reason; nothing is erased without the
// preview.
type ErasureView struct {
	Keep    map[string]*widget.Check
	Going   *widget.Label
	Reason  *widget.Entry
	Confirm *widget.Button
	Abort   *widget.Button
	Message *Notice
	Dialog  dialog.Dialog
	// OnErased gets the receipt.
	OnErased func(api.PersonErasure)

	b    app.Backend
	loc  localizer
	plan *app.ErasurePlan
	body *fyne.Container
	sub  app.Submission // the erasure, until its answer is known (Idempotency-Key)
}

func newErasureView(b app.Backend, loc localizer, win fyne.Window, c api.ContactSummary) *ErasureView {
	v := &ErasureView{b: b, loc: loc, Keep: map[string]*widget.Check{}, Going: boldLabel(""), Message: newNotice(widget.MediumImportance)}
	v.Message.SetText(t("erase.preview.loading"))
	v.Going.Wrapping = fyne.TextWrapWord
	v.Reason = widget.NewMultiLineEntry()
	v.Reason.SetPlaceHolder(t("override.reason"))
	v.Reason.SetMinRowsVisible(2)
	v.Reason.OnChanged = func(string) { v.refresh() }
	v.Confirm = widget.NewButtonWithIcon(t("erase.confirm"), theme.WarningIcon(), v.submit)
	v.Confirm.Importance = widget.DangerImportance
	v.Confirm.Disable()
	v.Abort = widget.NewButton(t("action.cancel"), func() { v.Dialog.Hide() })
	v.body = container.NewVBox()
	content := container.NewBorder(wrapLabel(t("erase.text")),
		container.NewVBox(v.Reason, v.Message.Object(), container.NewHBox(layoutSpacer(), v.Abort, v.Confirm)), nil, nil,
		container.NewVScroll(v.body))
	v.Dialog = dialog.NewCustomWithoutButtons(t("erase.title"), content, win)
	v.Dialog.Resize(fyne.NewSize(720, 560))
	v.Dialog.Show()
	win.Canvas().Focus(v.Reason)
	go func() {
		p, err := b.ErasurePreview(context.Background(), c.Id)
		do(func() { v.show(p, err) })
	}()
	return v
}

func summaryLine(c api.ContactSummary) string {
	ids := append(append([]string{}, c.Emails...), c.Phones...)
	if len(ids) == 0 {
		return app.DisplayName(c)
	}
	return app.DisplayName(c) + " · " + strings.Join(ids, ", ")
}

func (v *ErasureView) show(p api.ErasurePlanFields, err error) {
	if err != nil {
		v.Message.Importance = widget.DangerImportance
		v.Message.Show(tf("erase.preview.failed", map[string]any{"Error": app.ErrorText(err, v.loc)}), err)
		return
	}
	v.plan = &app.ErasurePlan{Preview: p, Keep: map[string]bool{}}
	v.Message.SetText("")
	v.Message.Importance = widget.DangerImportance
	v.body.Add(v.Going)
	v.body.Add(widget.NewLabel("• " + summaryLine(p.Contact)))
	if len(p.SameIdentifiers) > 0 {
		v.body.Add(wrapLabel(t("erase.preview.same")))
		for _, c := range p.SameIdentifiers {
			id := c.Id
			check := widget.NewCheck(t("erase.preview.keep"), func(on bool) {
				v.plan.Keep[id] = on
				v.refresh()
			})
			v.Keep[id] = check
			v.body.Add(container.NewBorder(nil, nil, nil, check, widget.NewLabel("• "+summaryLine(c))))
		}
	}
	if len(p.LookAlikes) > 0 {
		v.body.Add(wrapLabel(t("erase.preview.lookalikes")))
		for _, c := range p.LookAlikes {
			l := widget.NewLabel("• " + summaryLine(c))
			l.Importance = widget.LowImportance
			v.body.Add(l)
		}
	}
	v.refresh()
}

func (v *ErasureView) refresh() {
	if v.plan == nil {
		v.Confirm.Disable()
		return
	}
	v.Going.SetText(tn("erase.preview.going", len(v.plan.Going()), nil))
	if strings.TrimSpace(v.Reason.Text) == "" {
		v.Confirm.Disable()
	} else {
		v.Confirm.Enable()
	}
}

func (v *ErasureView) submit() {
	if v.plan == nil {
		return
	}
	plan, reason := *v.plan, v.Reason.Text
	v.Confirm.Disable()
	go func() {
		r, err := app.Submit(&v.sub, func(ctx context.Context) (api.PersonErasure, error) {
			return app.ErasePlanned(ctx, v.b, plan, reason)
		})
		do(func() {
			finishDialog(v.loc, app.ScreenErasure, v.Message, v.Dialog, v.Confirm, v.Abort, v.refresh, r, err, v.OnErased)
		})
	}()
}

// finishDialog ends a dialog's submission (app.Submit) from screen, on the UI goroutine: on
// err it shows the error in msg and calls retry, unless the first send was carried out and the
// user changed the dialog since (then it offers only to close it: offerOnlyClose with confirm
// and cancel); otherwise it hides dlg and hands the result to then (when set).
func finishDialog[T any](loc localizer, screen app.Screen, msg *Notice, dlg dialog.Dialog, confirm, cancel *widget.Button,
	retry func(), result T, err error, then func(T)) {
	if err != nil {
		msg.Show(app.SubmissionErrorText(err, screen, loc), err)
		if app.SentAgainChanged(err) {
			offerOnlyClose(confirm, cancel)
			return
		}
		retry()
		return
	}
	dlg.Hide()
	if then != nil {
		then(result)
	}
}

// saveFile asks where to save a file and writes it there; tests replace it.
var saveFile = func(win fyne.Window, name string, write func(io.Writer) error, done func(path string, err error)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			if err != nil {
				done("", err)
			}
			return
		}
		werr := write(w)
		if cerr := w.Close(); werr == nil {
			werr = cerr
		}
		done(w.URI().Path(), werr)
	}, win)
	d.SetFileName(name)
	// Fyne's own title reads "Speichern Datei".
	if strings.HasSuffix(name, ".pdf") {
		d.SetFilter(storage.NewExtensionFileFilter([]string{".pdf"}))
		d.SetTitleText(t("file.save.pdf"))
	} else {
		d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
		d.SetTitleText(t("file.save.json"))
	}
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// exportAccess saves everything stored about the person (Art. 15) to a file the user picks.
func (d *DetailView) exportAccess() {
	id, c := d.contact.Id, d.contact.ContactSummary
	go func() {
		doc, err := d.b.SubjectAccessExport(context.Background(), id)
		do(func() {
			if err != nil {
				d.Status.Show(tf("export.failed", map[string]any{"Error": app.ErrorText(err, d.loc)}), err)
				return
			}
			saveFile(d.win, app.ExportFileName("auskunft", c, "json", time.Now()), func(w io.Writer) error {
				_, err := io.WriteString(w, doc)
				return err
			}, d.saved)
		})
	}()
}

// exportProofPDF saves the consent proof as a PDF for the data-protection officer.
func (d *DetailView) exportProofPDF() {
	c := d.contact
	go func() {
		events, err := d.b.ConsentProof(context.Background(), c.Id)
		details, _ := d.b.ConsentProofDetails(context.Background(), c.Id) // an older server has none
		records, _ := d.b.ConsentProofRecords(context.Background(), c.Id) // nor these
		by := ""
		if v, verr := d.b.Me(context.Background()); verr == nil {
			by = v.Name
		}
		do(func() {
			if err != nil {
				d.Status.Show(tf("export.failed", map[string]any{"Error": app.ErrorText(err, d.loc)}), err)
				return
			}
			doc := app.ProofDocument{Contact: c, Events: events, Details: details, Records: records, PrintedAt: time.Now(), PrintedBy: by,
				DateTime: d.loc.DateTime}
			saveFile(d.win, app.ExportFileName("einwilligungsnachweis", c.ContactSummary, "pdf", time.Now()), func(w io.Writer) error {
				return app.WriteProofPDF(w, doc, d.loc)
			}, d.saved)
		})
	}()
}

func (d *DetailView) saved(path string, err error) {
	if err != nil {
		d.Status.Show(tf("export.failed", map[string]any{"Error": app.ErrorText(err, d.loc)}), err)
		return
	}
	d.Status.Show(tf("export.done", map[string]any{"File": path}), nil)
}

// AskBlock asks for the reason of an objection or restriction, then blocks (ADMIN).
func (d *DetailView) AskBlock() {
	d.BlockDialog = showReasonDialog(d.win, reasonSpec{
		Title: t("block.title"), Text: t("block.text"), Details: app.DisplayName(d.contact.ContactSummary),
		Confirm: t("block.confirm"), Danger: true,
		OnConfirm: func(reason string) {
			id, sub := d.contact.Id, &d.BlockDialog.sub
			go func() {
				e, err := app.Submit(sub, func(ctx context.Context) (api.BlacklistEntryFields, error) {
					return app.Block(ctx, d.b, id, reason)
				})
				do(func() {
					if err != nil {
						d.BlockDialog.Fail(app.SubmissionErrorText(err, app.ScreenBlock, d.loc), err)
						if app.SentAgainChanged(err) {
							d.loadPerson() // the first send blocked her: the detail says so
						}
						return
					}
					d.BlockDialog.Close()
					d.BlockDialog = nil
					d.showBlocked(tf("block.done", map[string]any{"Date": d.loc.Date(e.CreatedAt)}))
				})
			}()
		},
		OnAbort: func() { d.BlockDialog = nil },
	})
}

func (d *DetailView) showBlocked(text string) {
	d.Blocked.SetText(text)
	d.Blocked.Show()
	if d.Block != nil {
		d.Block.Disable()
	}
}

// ShowDuplicates loads the possible duplicates and lays them side by side.
func (d *DetailView) ShowDuplicates() {
	c := d.contact
	d.Status.Show(t("dups.loading"), nil)
	go func() {
		info, err := d.b.ContactPerson(context.Background(), c.Id)
		do(func() {
			if err != nil {
				d.Status.Show(app.ErrorText(err, d.loc), err)
				return
			}
			if len(info.PossibleDuplicates) == 0 {
				d.Status.Show(t("dups.none"), nil)
				return
			}
			d.Status.Show("", nil)
			v := newDuplicatesView(d.b, d.loc, d.win, c, info.Blocked, info.PossibleDuplicates)
			v.OnMerged = func(m api.ContactDetail) {
				if d.OnMerged != nil {
					d.OnMerged(m)
				}
			}
			d.DupView = v
		})
	}()
}

// loadPerson asks, after the detail shows, whether the person is blocked and how many
// possible duplicates there are; a server without these fields leaves the detail as it is.
func (d *DetailView) loadPerson() {
	id := d.contact.Id
	go func() {
		info, err := d.b.ContactPerson(context.Background(), id)
		if err != nil {
			return
		}
		do(func() {
			if info.Blocked {
				d.showBlocked(t("detail.blocked"))
			}
			if n := len(info.PossibleDuplicates); n > 0 {
				d.Duplicates.SetText(tn("action.duplicates.count", n, nil))
				d.Duplicates.Importance = widget.WarningImportance
				d.Duplicates.Refresh()
			}
		})
	}()
}
