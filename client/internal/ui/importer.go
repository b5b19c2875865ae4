package ui

import (
	"context"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// ImportScreen: pick a CSV, see the preview, start, watch the progress, decide held rows.
type ImportScreen struct {
	Pick     *widget.Button
	Start    *widget.Button
	List     *widget.Select
	File     *widget.Label
	Detected *widget.Label
	Columns  *widget.Label
	Unknown  *widget.Label
	Rows     *widget.Table
	Progress *widget.ProgressBar
	Status   *widget.Label
	Held     *fyne.Container
	// HeldAccept and HeldDrop are the buttons of the held rows, in order; Accept is the
	// reason dialog of an acceptance while it is open.
	HeldAccept []*widget.Button
	HeldDrop   []*widget.Button
	Accept     *ReasonDialog
	Problems   *widget.Label
	Message    *Notice // no file yet, or why the preview, the start or the progress failed
	// ListsMessage says why the chooser's distribution lists could not be loaded; ListsRetry
	// loads them again. Both are hidden while the lists loaded.
	ListsMessage *Notice
	ListsRetry   *widget.Button
	listsFailed  *fyne.Container
	// Jobs opens the caller's earlier import jobs (importjobs.go); JobsDialog is that list while open.
	Jobs       *widget.Button
	JobsDialog *ImportJobsDialog
	// Admin: the earlier imports are everyone's, the command line's too (ADMIN tokens).
	Admin bool
	// OnInserted is called when a job that stopped running (done, or waiting for decisions)
	// has inserted contacts, once per count: the contact list shows them.
	OnInserted func()
	linkDown   bool // Message says the progress's link is down
	// decideFailed is what Message says about a decision that failed, taken away when one
	// succeeds (a refusal's "decide anew" read as the accepted row's).
	decideFailed string
	announced    struct {
		job      string
		inserted int
	}

	flow  app.ImportFlow
	open  func() (io.ReadCloser, error)
	lists map[string]string
	// starting is the start of an import until its answer is known: started again after a
	// lost answer, it goes under the same Idempotency-Key, and the server makes no second job
	// (also when another file was picked meanwhile: the server says the first one was
	// imported, and the next start is a new one).
	starting  app.Submission
	firstFile string // the file starting was first sent with
	// deciding holds each held row's decision until its answer is known (by job and line),
	// so a decision sent again after a lost answer goes under its Idempotency-Key.
	deciding map[string]*app.Submission
	// refusedReason is the reason written for a held row whose acceptance was refused for a
	// new match (by job and line): accepted anew, its dialog offers it again, as the contact
	// form's override dialog does.
	refusedReason map[string]string
	b             app.Backend
	loc           localizer
	win           fyne.Window
	ctx           context.Context
	cancel        context.CancelFunc
	bottom        *container.Scroll
	// fileRow, heldTitle and problemsTitle show only while they have something to head: before
	// a file is chosen the hint stands right below the button that chooses one.
	fileRow       *fyne.Container
	heldTitle     *widget.Label
	problemsTitle *widget.Label
	root          fyne.CanvasObject
}

func NewImportScreen(b app.Backend, loc localizer, win fyne.Window) *ImportScreen {
	s := &ImportScreen{b: b, loc: loc, win: win, lists: map[string]string{}, deciding: map[string]*app.Submission{}, refusedReason: map[string]string{},
		File: boldLabel(""), Detected: widget.NewLabel(""), Columns: wrapLabel(""), Unknown: wrapLabel(""),
		Progress: widget.NewProgressBar(), Status: wrapLabel(""), Held: container.NewVBox(),
		Problems: wrapLabel(""), Message: newStatusNotice(widget.MediumImportance)}
	s.Message.SetText(t("import.nopreview"))
	s.Unknown.Importance = widget.WarningImportance
	s.Pick = widget.NewButtonWithIcon(t("import.pick"), theme.FolderOpenIcon(), s.pickFile)
	s.Start = widget.NewButtonWithIcon(t("import.start"), theme.UploadIcon(), s.start)
	s.Start.Importance = widget.HighImportance
	s.Start.Disable()
	s.List = widget.NewSelect(nil, nil)
	s.List.PlaceHolder = t("import.list")
	s.ListsMessage = newNotice(widget.WarningImportance)
	s.ListsRetry = widget.NewButtonWithIcon(t("offline.retry"), theme.ViewRefreshIcon(), s.LoadLists)
	s.listsFailed = container.NewBorder(nil, nil, nil, container.NewVBox(s.ListsRetry), s.ListsMessage.Object())
	s.listsFailed.Hide()
	s.ListsRetry.Hide()
	s.Progress.Hide()
	s.Rows = widget.NewTable(s.tableSize, func() fyne.CanvasObject {
		l := widget.NewLabel("Musterstraße 12")
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}, s.tableCell)
	s.Rows.ShowHeaderRow = true
	s.Rows.CreateHeader = func() fyne.CanvasObject { return boldLabel("header") }
	s.Rows.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if s.flow.Preview != nil && id.Col >= 0 && id.Col < len(s.flow.Preview.Headers) {
			o.(*widget.Label).SetText(s.flow.Preview.Headers[id.Col])
		}
	}
	s.Rows.Hide()
	actions := container.NewHBox(s.Pick, s.List, s.Start)
	if jobs := s.jobsButton(); jobs != nil {
		actions.Add(layoutSpacer())
		actions.Add(jobs)
	}
	s.fileRow = container.NewHBox(s.File, s.Detected)
	s.fileRow.Hide()
	s.Columns.Hide()
	s.Unknown.Hide()
	top := container.NewVBox(actions, s.listsFailed, s.fileRow, s.Columns, s.Unknown)
	// The message goes below the preview, with what scrolls: above it, a message and its
	// unfolded details took their height from the preview's rows.
	s.heldTitle, s.problemsTitle = boldLabel(t("import.held")), boldLabel(t("import.problems"))
	s.heldTitle.Hide()
	s.problemsTitle.Hide()
	bottom := container.NewVBox(s.Message.Object(), s.Progress, s.Status, s.heldTitle, s.Held, s.problemsTitle, s.Problems)
	s.bottom = container.NewVScroll(bottom)
	// Without a preview the table is hidden, and the message heads what is below the buttons.
	split := container.NewVSplit(s.Rows, s.bottom)
	split.Offset = 0.4
	s.root = container.NewBorder(top, nil, nil, nil, split)
	return s
}

func (s *ImportScreen) Object() fyne.CanvasObject { return s.root }

// LoadLists fills the list chooser; when that fails it says so above the screen, with a
// button that loads them again.
func (s *ImportScreen) LoadLists() {
	s.ListsRetry.Disable()
	go func() {
		lists, err := s.b.Lists(context.Background())
		do(func() {
			s.ListsRetry.Enable()
			if err != nil {
				s.ListsMessage.Show(tf("import.lists.failed", map[string]any{"Error": app.ErrorText(err, s.loc)}), err)
				s.ListsRetry.Show()
				s.listsFailed.Show()
				return
			}
			s.ListsMessage.SetText("")
			s.ListsRetry.Hide()
			s.listsFailed.Hide()
			var names []string
			for _, l := range lists {
				names = append(names, l.Name)
				s.lists[l.Name] = l.Key
			}
			s.List.SetOptions(names)
		})
	}()
}

func (s *ImportScreen) pickFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		uri := r.URI()
		r.Close()
		s.LoadFile(uri.Name(), func() (io.ReadCloser, error) { return storage.Reader(uri) })
	}, s.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".CSV", ".txt"}))
	d.SetTitleText(t("import.pick.title")) // Fyne's own title reads "Öffnen Datei"
	d.Show()
}

// LoadFile previews a file; open is called again for the import itself.
func (s *ImportScreen) LoadFile(name string, open func() (io.ReadCloser, error)) {
	s.open = open
	s.flow = app.ImportFlow{FileName: name}
	s.clearJob()
	s.showPreviewInfo(tf("import.file", map[string]any{"Name": name}), "", "", "")
	s.Message.SetText("")
	s.Start.Disable()
	go func() {
		r, err := open()
		var p api.ImportPreview
		if err == nil {
			p, err = s.b.PreviewImport(context.Background(), api.Upload{FileName: name, Body: r})
			r.Close()
		}
		do(func() { s.showPreview(p, err) })
	}()
}

func (s *ImportScreen) showPreview(p api.ImportPreview, err error) {
	if err != nil {
		s.Message.ShowError(err, s.loc)
		return
	}
	s.flow.Preview = &p
	unknown := ""
	if len(p.UnknownColumns) > 0 {
		unknown = tf("import.unknown", map[string]any{"Columns": strings.Join(p.UnknownColumns, ", ")})
	}
	s.showPreviewInfo(s.File.Text,
		tf("import.detected", map[string]any{"Encoding": p.Encoding, "Separator": app.SeparatorName(p.Separator, s.loc)}),
		t("import.columns")+": "+strings.Join(app.ColumnMapping(p, s.loc), " · "), unknown)
	for i, col := range p.Columns {
		w := float32(120)
		switch col {
		case "email":
			w = 250
		case "organization", "street":
			w = 210
		case "postalCode", "country":
			w = 80
		}
		s.Rows.SetColumnWidth(i, w)
	}
	s.Rows.Refresh()
	s.Start.Enable()
}

// showPreviewInfo says which file is chosen and what its preview found, a line only with a
// text, and shows the table only with a preview: an earlier file's rows must not read as
// this one's.
func (s *ImportScreen) showPreviewInfo(file, detected, columns, unknown string) {
	s.File.SetText(file)
	s.Detected.SetText(detected)
	s.fileRow.Hidden = file == "" && detected == ""
	s.Columns.SetText(columns)
	s.Columns.Hidden = columns == ""
	s.Unknown.SetText(unknown)
	s.Unknown.Hidden = unknown == ""
	s.Rows.Hidden = s.flow.Preview == nil
	s.Rows.Refresh()
	s.root.Refresh()
}

func (s *ImportScreen) tableSize() (int, int) {
	if s.flow.Preview == nil {
		return 0, 0
	}
	return len(s.flow.Preview.Rows), len(s.flow.Preview.Headers)
}

func (s *ImportScreen) tableCell(id widget.TableCellID, o fyne.CanvasObject) {
	p := s.flow.Preview
	if p == nil || id.Row >= len(p.Rows) {
		return
	}
	r := p.Rows[id.Row]
	col := ""
	if id.Col < len(p.Columns) {
		col = p.Columns[id.Col]
	}
	o.(*widget.Label).SetText(rowField(r, col))
}

func rowField(r api.ImportRow, column string) string {
	switch column {
	case "givenName":
		return r.GivenName
	case "familyName":
		return r.FamilyName
	case "organization":
		return r.Organization
	case "email":
		return r.Email
	case "phone":
		return r.Phone
	case "street":
		return r.Street
	case "postalCode":
		return r.PostalCode
	case "city":
		return r.City
	case "country":
		return r.Country
	}
	return ""
}

func (s *ImportScreen) start() {
	if s.open == nil {
		return
	}
	s.Start.Disable()
	s.Pick.Disable()
	name, listKey := s.flow.FileName, s.lists[s.List.Selected]
	if !s.starting.Pending() {
		s.firstFile = name
	}
	go func() {
		r, err := s.open()
		if err != nil {
			do(func() {
				s.Pick.Enable()
				s.Message.ShowError(err, s.loc)
				s.Start.Enable()
			})
			return
		}
		job, err := app.Submit(&s.starting, func(ctx context.Context) (api.ImportJobFields, error) {
			return s.b.StartImport(ctx, api.Upload{FileName: name, Body: r}, listKey)
		})
		r.Close()
		replayed := s.starting.Replayed()
		do(func() {
			s.Pick.Enable()
			switch {
			case app.AlreadyCarriedOut(err):
				// started by the send whose answer was lost; that answer is not kept
				s.Message.Show(t("import.startedBefore.unknown"), nil)
				return
			case err != nil:
				s.Message.Show(app.SubmissionErrorTextNaming(err, app.ScreenImportStart, s.firstFile, s.loc), err)
				s.Start.Enable()
				return
			case replayed:
				text, _ := app.ReplayedText(app.ScreenImportStart, s.loc)
				s.Message.Show(text, nil)
			default:
				s.Message.SetText("")
			}
			s.ShowJob(job)
			s.watch(job.Id)
		})
	}()
}

func (s *ImportScreen) watch(jobID string) {
	if s.cancel != nil {
		s.cancel()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	ctx := s.ctx
	go s.b.WatchImport(ctx, jobID, func(job api.ImportJobFields) {
		do(func() { s.ShowJob(job) })
	}, func(st api.LinkState) {
		do(func() {
			// The progress follows by itself once the link is back: say so, not "try again".
			switch {
			case st.Err != nil:
				s.linkDown = true
				s.Message.Show(linkText(st, s.loc), st.Err)
			case s.linkDown:
				s.linkDown = false
				s.Message.SetText("")
			}
		})
	})
}

// clearJob takes the last import's progress, status, held rows and problems off the screen
// and stops following it: a file chosen since is another import, and what is shown must not
// read as its result (the last one stays under "Frühere Importe").
func (s *ImportScreen) clearJob() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	s.linkDown = false
	s.Progress.SetValue(0)
	s.Progress.Hide()
	s.Status.SetText("")
	s.Held.RemoveAll()
	s.HeldAccept, s.HeldDrop = nil, nil
	s.Problems.SetText("")
	s.heldTitle.Hide()
	s.problemsTitle.Hide()
	s.bottom.Content.Refresh()
	s.bottom.Refresh()
}

// ShowJob shows a job's progress, held rows and problems.
func (s *ImportScreen) ShowJob(job api.ImportJobFields) {
	if !s.flow.Apply(job) {
		return
	}
	s.Progress.Show()
	s.Progress.SetValue(s.flow.Progress())
	status := tn("import.status", job.Total, map[string]any{"Processed": job.Processed, "Total": job.Total, "Inserted": job.Inserted,
		"Duplicates": job.Duplicates, "Held": job.Held, "Invalid": job.Invalid})
	switch job.Status {
	case api.ImportStatusDone:
		status += "\n" + t("import.done")
	case api.ImportStatusFailed:
		msg := ""
		if job.Message != nil {
			msg = *job.Message
		}
		status += "\n" + tf("import.failed", map[string]any{"Message": msg})
	case api.ImportStatusNeedsDecision:
		status += "\n" + t("import.needsdecision")
	}
	s.Status.SetText(status)
	if job.Status != api.ImportStatusRunning && job.Inserted > 0 &&
		(s.announced.job != job.Id || s.announced.inserted != job.Inserted) {
		s.announced.job, s.announced.inserted = job.Id, job.Inserted
		if s.OnInserted != nil {
			s.OnInserted()
		}
	}
	s.Held.RemoveAll()
	s.HeldAccept, s.HeldDrop = nil, nil
	for _, h := range job.HeldRows {
		s.Held.Add(s.heldRow(job.Id, h))
	}
	var problems []string
	for _, p := range job.Problems {
		problems = append(problems, app.ProblemLine(p, s.loc))
	}
	s.Problems.SetText(strings.Join(problems, "\n"))
	s.heldTitle.Hide()
	if len(job.HeldRows) > 0 {
		s.heldTitle.Show()
	}
	s.problemsTitle.Hide()
	if len(problems) > 0 {
		s.problemsTitle.Show()
	}
	// The held rows change the height of what scrolls: lay it out again.
	s.bottom.Content.Refresh()
	s.bottom.Refresh()
}

func (s *ImportScreen) heldRow(jobID string, h api.HeldRow) fyne.CanvasObject {
	line := tf("import.line", map[string]any{"Line": h.Line, "Message": app.RowText(h.Row)})
	warnings, entries := app.HeldWarnings(h, s.loc)
	shown := warnings[0].Text
	if len(warnings) > 1 {
		lines := make([]string, len(warnings))
		for i, w := range warnings {
			lines[i] = "• " + w.Text
		}
		shown = strings.Join(lines, "\n")
	}
	text := wrapLabel(line + "\n" + shown)
	drop := widget.NewButton(t("import.drop"), func() { s.decide(jobID, h.Line, false, "") })
	accept := widget.NewButton(t("import.accept"), func() {
		s.Accept = showReasonDialog(s.win, reasonSpec{
			Title: tf("import.accept.title", map[string]any{"Line": h.Line}), Text: tn("import.accept.text", entries, nil),
			Details: line + "\n" + shown, Confirm: t("import.accept"), Danger: true,
			OnConfirm: func(reason string) { s.decide(jobID, h.Line, true, reason) },
			OnAbort:   func() { s.Accept = nil },
		})
		if reason := s.refusedReason[decisionKey(jobID, h.Line)]; reason != "" {
			s.Accept.Reason.SetText(reason)
			s.Accept.Message.SetText(t("import.accept.newmatch"))
		}
	})
	s.HeldAccept = append(s.HeldAccept, accept)
	s.HeldDrop = append(s.HeldDrop, drop)
	return container.NewBorder(nil, nil, nil, container.NewHBox(accept, drop), text)
}

// decisionKey names a held row's decision: its job and line.
func decisionKey(jobID string, line int) string { return fmt.Sprintf("%s/%d", jobID, line) }

func (s *ImportScreen) decide(jobID string, line int, accept bool, reason string) {
	key := decisionKey(jobID, line)
	sub := s.deciding[key]
	if sub == nil {
		sub = &app.Submission{}
		s.deciding[key] = sub
	}
	go func() {
		job, err := app.Submit(sub, func(ctx context.Context) (api.ImportJobFields, error) {
			return s.b.DecideImportRow(ctx, jobID, line, accept, reason)
		})
		do(func() {
			if err != nil {
				text := app.SubmissionErrorText(err, app.ScreenImportRow, s.loc)
				if app.NewBlacklistMatch(err) {
					// the row shows the match it was refused for: the dialog's decision was
					// about another, so it closes and the reloaded row is decided anew
					if s.Accept != nil {
						s.Accept.Close()
						s.Accept = nil
					}
					s.Message.Show(text, err)
					s.decideFailed = text
					if accept {
						s.refusedReason[key] = reason
					}
					s.reloadJob(jobID)
					return
				}
				if s.Accept != nil {
					s.Accept.Fail(text, err)
				} else {
					s.Message.Show(text, err)
					s.decideFailed = text
				}
				if app.SentAgainChanged(err) {
					s.reloadJob(jobID) // the first send decided the row
				}
				return
			}
			if s.Accept != nil {
				s.Accept.Close()
				s.Accept = nil
			}
			if s.decideFailed != "" && s.Message.Text == s.decideFailed {
				s.Message.SetText("")
			}
			s.decideFailed = ""
			delete(s.refusedReason, key)
			s.ShowJob(job)
		})
	}()
}

// reloadJob shows the job as the server has it now.
func (s *ImportScreen) reloadJob(id string) {
	go func() {
		job, err := s.b.ImportJob(context.Background(), id)
		do(func() {
			if err == nil && s.flow.Job != nil && s.flow.Job.Id == id {
				s.ShowJob(job)
			}
		})
	}()
}

// Stop ends the progress subscription.
func (s *ImportScreen) Stop() {
	if s.cancel != nil {
		s.cancel()
	}
}
