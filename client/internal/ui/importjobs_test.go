package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// jobsBackend is the demo with earlier import jobs to list.
type jobsBackend struct {
	*demo.Backend
	jobs []api.ImportJobSummary
}

func (b jobsBackend) ImportJobs(context.Context, int, string) ([]api.ImportJobSummary, error) {
	return b.jobs, nil
}

// An admin's list of earlier imports holds every user's jobs and the command line's (the
// server's importJobs answers ADMIN so): it is not titled as hers, and says whose jobs it
// holds; staff see their own, titled so.
func TestEarlierImportsSayWhoseTheyAre(t *testing.T) {
	job := api.ImportJobSummary{Id: "j1", Status: api.ImportStatusNeedsDecision, FileName: "messe.csv",
		CreatedAt: time.Date(2026, 6, 4, 9, 30, 0, 0, time.Local), Total: 2, Processed: 2, Inserted: 1, Held: 1,
		StartedBy: "cli (operator)"}
	for _, c := range []struct {
		admin       bool
		jobs        []api.ImportJobSummary
		title, text string
		row         string // the job's row, when listed
	}{
		{false, []api.ImportJobSummary{job}, "Your imports", "Newest first. Open shows the import with its held rows, which you can decide there.",
			"4 June 2026 09:30 · messe.csv · needs a decision\nrows: 2, inserted: 1, held: 1, invalid: 0"},
		{false, nil, "Your imports", "You have not imported anything yet.", ""},
		{true, []api.ImportJobSummary{job}, "All imports", "Newest first, by every user and from the command line (started by „cli (system user)“). " +
			"Open shows the import with its held rows, which you can decide there.",
			"4 June 2026 09:30 · messe.csv · needs a decision · started by cli (operator)\nrows: 2, inserted: 1, held: 1, invalid: 0"},
		{true, nil, "All imports", "Nobody has imported anything yet.", ""},
	} {
		loc, w := testWindow(t)
		s := NewImportScreen(jobsBackend{demo.New(), c.jobs}, loc, w)
		s.Admin = c.admin
		w.SetContent(s.Object())
		test.Tap(s.Jobs)
		d := s.JobsDialog
		eventually(t, "the list", func() bool { return d.Message.Text != "Loading imports …" })
		if !dialogShows(w, c.title) || d.Message.Text != c.text {
			t.Errorf("admin %v, %d jobs: the dialog's title %q shown %v, its text %q; want %q", c.admin, len(c.jobs),
				c.title, dialogShows(w, c.title), d.Message.Text, c.text)
		}
		for _, j := range d.Jobs {
			if got := s.jobText(j); got != c.row {
				t.Errorf("admin %v: the job's row reads %q, want %q", c.admin, got, c.row)
			}
		}
	}
}
