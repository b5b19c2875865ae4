package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// ImportJobsLimit is how many of the caller's newest import jobs the list shows.
const ImportJobsLimit = 50

// ImportJobsDialog lists the caller's import jobs; opening one shows it on the import screen,
// where its held rows can be decided.
type ImportJobsDialog struct {
	List    *widget.List
	Message *Notice
	Retry   *widget.Button // loads the list again after a failed load
	Jobs    []api.ImportJobSummary
	Dialog  dialog.Dialog
}

// jobsButton is the import screen's "earlier imports" button, or nil when the backend
// cannot list jobs (the built-in demo).
func (s *ImportScreen) jobsButton() *widget.Button {
	if _, ok := s.b.(app.ImportJobLister); !ok {
		return nil
	}
	s.Jobs = widget.NewButtonWithIcon(t("importjobs.open"), theme.HistoryIcon(), s.ShowJobs)
	return s.Jobs
}

// ShowJobs opens the list of the caller's import jobs.
func (s *ImportScreen) ShowJobs() {
	lister, ok := s.b.(app.ImportJobLister)
	if !ok {
		return
	}
	d := &ImportJobsDialog{Message: newNotice(widget.MediumImportance)}
	d.List = widget.NewList(func() int { return len(d.Jobs) },
		func() fyne.CanvasObject {
			l := rowLabel()
			l.SetText("row\ncounts") // two lines: the job, then its counts
			return container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon(t("action.open"), theme.FolderOpenIcon(), nil), l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			j := d.Jobs[i]
			row.Objects[0].(*widget.Label).SetText(s.jobText(j))
			row.Objects[1].(*widget.Button).OnTapped = func() {
				d.Dialog.Hide()
				s.JobsDialog = nil
				s.OpenJob(j.Id)
			}
		})
	closeBtn := widget.NewButton(t("action.close"), func() { d.Dialog.Hide(); s.JobsDialog = nil })
	d.Retry = widget.NewButtonWithIcon(t("offline.retry"), theme.ViewRefreshIcon(), func() { s.loadJobs(d, lister) })
	d.Retry.Hide()
	content := container.NewBorder(d.Message.Object(), container.NewHBox(layout.NewSpacer(), d.Retry, closeBtn), nil, nil, d.List)
	d.Dialog = dialog.NewCustomWithoutButtons(s.jobsText("importjobs.title"), content, s.win)
	d.Dialog.Resize(fyne.NewSize(900, 500))
	d.Dialog.Show()
	s.JobsDialog = d
	s.loadJobs(d, lister)
}

// loadJobs fills the list of earlier imports; when that fails the list says why and offers to
// load it again.
func (s *ImportScreen) loadJobs(d *ImportJobsDialog, lister app.ImportJobLister) {
	d.Message.SetText(t("importjobs.loading"))
	d.Retry.Hide()
	go func() {
		jobs, err := lister.ImportJobs(context.Background(), ImportJobsLimit, "")
		do(func() {
			if err != nil {
				d.Message.ShowError(err, s.loc)
				d.Retry.Show()
				return
			}
			d.Jobs = jobs
			if len(jobs) == 0 {
				d.Message.SetText(s.jobsText("importjobs.none"))
			} else {
				d.Message.SetText(s.jobsText("importjobs.text"))
			}
			d.List.Refresh()
		})
	}()
}

// jobsText is the list's text of key: an admin's list is everyone's, not hers (key.all).
func (s *ImportScreen) jobsText(key string) string {
	if s.Admin {
		return t(key + ".all")
	}
	return t(key)
}

// jobText is a job's row: when, which file, how far, and in an admin's list of everyone's
// jobs who started it.
func (s *ImportScreen) jobText(j api.ImportJobSummary) string {
	key := "importjobs.row"
	if s.Admin {
		key += ".all"
	}
	return tf(key, map[string]any{"At": s.loc.DateTime(j.CreatedAt), "File": j.FileName,
		"Status": t("importjobs.status." + string(j.Status)), "Total": j.Total, "Inserted": j.Inserted, "Held": j.Held,
		"Invalid": j.Invalid, "By": j.StartedBy})
}

// OpenJob shows an earlier import job — its counts, problems and held rows, which can be
// decided — and follows it while it still runs.
func (s *ImportScreen) OpenJob(id string) {
	if s.cancel != nil {
		s.cancel()
	}
	s.Message.SetText(t("importjobs.loading"))
	go func() {
		job, err := s.b.ImportJob(context.Background(), id)
		do(func() {
			if err != nil {
				s.Message.ShowError(err, s.loc)
				return
			}
			s.open = nil
			s.flow = app.ImportFlow{}
			s.Start.Disable()
			s.showPreviewInfo(tf("importjobs.reopened", map[string]any{"Name": job.FileName}), "", "", "")
			s.Message.SetText("")
			s.ShowJob(job)
			if job.Status == api.ImportStatusRunning {
				s.watch(id)
			}
		})
	}()
}
