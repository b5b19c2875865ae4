package ui

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
)

// The feed and the import jobs against a real server.

func TestFeedRowOpensTheContactOrSaysItWasErased(t *testing.T) {
	c, url := realClient(t)
	ctx := context.Background()
	person := withNewsletter(t, c)
	erika := person("Erika", "Mustermann", "erika.mustermann@example.com")
	max := person("Max", "Muster", "max.muster@example.com")
	if _, err := c.RecordConsent(ctx, api.ConsentInput{ContactId: erika, PurposeKey: "newsletter", Source: "web form"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RevokeConsent(ctx, api.RevocationInput{ContactId: erika, PurposeKey: "newsletter", Channel: "phone"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EraseContact(ctx, max, "Antrag per Brief"); err != nil {
		t.Fatal(err)
	}

	s, opened := replayFeed(t, c, url)
	awaitServer(t, "both events", func() bool { return len(s.feed.Events) == 2 })
	revoked, erased := 1, 0 // newest first
	if s.feed.Events[revoked].Kind != api.RevocationKindConsentRevoked || s.feed.Events[erased].Kind != api.RevocationKindContactErased {
		t.Fatalf("feed = %+v", s.feed.Events)
	}
	awaitServer(t, "the contact's name in the feed", func() bool {
		return strings.Contains(s.eventText(s.feed.Events[revoked]), "Erika Mustermann")
	})

	s.OpenEvent(revoked)
	awaitServer(t, "the opened contact", func() bool { return len(*opened) == 1 })
	if (*opened)[0] != erika || s.FeedInfo.Text != "Click a row to open its contact." {
		t.Fatalf("opened %v, info %q", *opened, s.FeedInfo.Text)
	}
	s.OpenEvent(erased)
	pump()
	if !strings.Contains(s.FeedInfo.Text, "was erased") || len(*opened) != 1 {
		t.Fatalf("info = %q, opened %v", s.FeedInfo.Text, *opened)
	}

	// Erika's record goes too: her revocation row now says so, and opens nothing.
	if _, err := c.EraseContact(ctx, erika, "Antrag per E-Mail"); err != nil {
		t.Fatal(err)
	}
	awaitServer(t, "the new erasure", func() bool { return len(s.feed.Events) == 3 })
	s.OpenEvent(revoked + 1)
	awaitServer(t, "the erased note", func() bool { return strings.Contains(s.FeedInfo.Text, "was erased") })
	if len(*opened) != 1 || !strings.Contains(s.eventText(s.feed.Events[revoked+1]), "erased") {
		t.Fatalf("opened %v, row %q", *opened, s.eventText(s.feed.Events[revoked+1]))
	}
}

// heldImport erases a person, then imports a file with that person in it: the job waits
// for a decision on the held row.
func heldImport(t *testing.T, c *api.Client) api.ImportJobFields {
	t.Helper()
	ctx := context.Background()
	family := "Mustermann"
	p, err := c.CreateContact(ctx, api.ContactInput{FamilyName: &family, Emails: []string{"erika.mustermann@example.com"}}, nil)
	if err != nil || p.Contact == nil {
		t.Fatalf("create: %+v, %v", p, err)
	}
	if _, err := c.EraseContact(ctx, p.Contact.Id, "Antrag per Brief"); err != nil {
		t.Fatal(err)
	}
	csv := "Vorname;Nachname;E-Mail\nMax;Muster;max.muster@example.com\nErika;Mustermann;erika.mustermann@example.com\n"
	job, err := c.StartImport(ctx, api.Upload{FileName: "messe.csv", Body: bufio.NewReader(strings.NewReader(csv))}, "")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for job.Status == api.ImportStatusRunning {
		if time.Now().After(deadline) {
			t.Fatalf("the import still runs: %+v", job)
		}
		time.Sleep(100 * time.Millisecond)
		if job, err = c.ImportJob(ctx, job.Id); err != nil {
			t.Fatal(err)
		}
	}
	if job.Status != api.ImportStatusNeedsDecision || len(job.HeldRows) != 1 {
		t.Fatalf("job = %+v", job)
	}
	return job
}

func TestReopenedImportJobDecidesItsHeldRow(t *testing.T) {
	c, _ := realClient(t)
	job := heldImport(t, c)
	loc, w := testWindow(t)
	s := NewImportScreen(c, loc, w) // a new window: nothing of the import is on screen
	w.SetContent(s.Object())
	s.OpenJob(job.Id)
	awaitServer(t, "the reopened job", func() bool { return len(s.HeldAccept) == 1 })
	if !strings.Contains(s.File.Text, "messe.csv") || !strings.Contains(s.Status.Text, "waiting for your decision") &&
		!strings.Contains(s.Status.Text, "1 held") {
		t.Fatalf("file %q, status %q", s.File.Text, s.Status.Text)
	}
	if !s.heldTitle.Visible() || s.problemsTitle.Visible() {
		t.Errorf("a held row and no problem: held rows' heading shown %v, problems' heading shown %v, want true, false",
			s.heldTitle.Visible(), s.problemsTitle.Visible())
	}
	test.Tap(s.HeldAccept[0])
	test.Type(s.Accept.Reason, "Neue schriftliche Einwilligung vom 4. Juni")
	test.Tap(s.Accept.Confirm)
	awaitServer(t, "the decided row", func() bool { return len(s.HeldAccept) == 0 && s.Accept == nil })
	got, err := c.ImportJob(context.Background(), job.Id)
	if err != nil || got.Status != api.ImportStatusDone || got.Inserted != 2 {
		t.Fatalf("job after the decision = %+v, %v", got, err)
	}
	// nothing held any more: a heading over nothing reads as rows that failed to show
	if s.heldTitle.Visible() || s.problemsTitle.Visible() {
		t.Errorf("every row decided, no problem: held rows' heading shown %v, problems' heading shown %v, want neither",
			s.heldTitle.Visible(), s.problemsTitle.Visible())
	}
}

// The held row is decided after the person objected again, by an entry the row did not show:
// the acceptance is refused, the dialog closes, the screen says why in the user's words and
// shows the row again with the new match; accepted once more, knowing it, with the reason
// written before, the row is decided.
func TestHeldRowAcceptedAfterANewEntryShowsTheNewMatch(t *testing.T) {
	c, _ := realClient(t)
	job := heldImport(t, c)
	objection, err := c.BlacklistAdd(context.Background(), api.ContactInput{Emails: []string{"erika.mustermann@example.com"}},
		"Widerspruch per E-Mail vom 5. Juni")
	if err != nil {
		t.Fatal(err)
	}
	loc, w := testWindow(t)
	s := NewImportScreen(c, loc, w)
	w.SetContent(s.Object())
	s.OpenJob(job.Id)
	awaitServer(t, "the reopened job", func() bool { return len(s.HeldAccept) == 1 })
	shownBefore := strings.Join(labelTexts(s.Held.Objects[0]), "\n")

	test.Tap(s.HeldAccept[0])
	test.Type(s.Accept.Reason, "Neue schriftliche Einwilligung vom 4. Juni")
	test.Tap(s.Accept.Confirm)
	awaitServer(t, "the refusal", func() bool { return s.Accept == nil && s.Message.Text != "" })
	if want := "it also matches another blacklist entry that was not shown when you decided"; !strings.Contains(s.Message.Text, want) {
		t.Errorf("message = %q, want it to say %q", s.Message.Text, want)
	}
	awaitServer(t, "the row showing the new match", func() bool {
		return len(s.Held.Objects) == 1 && strings.Join(labelTexts(s.Held.Objects[0]), "\n") != shownBefore
	})
	if got, err := c.ImportJob(context.Background(), job.Id); err != nil || len(got.HeldRows) != 1 || got.HeldRows[0].Entry.Id != objection.Id {
		t.Fatalf("job after the refusal = %+v, %v; want its row held, showing entry %s", got, err, objection.Id)
	}

	// as the contact form's override dialog asks anew: the reason written stays, every match
	// is listed, and the dialog says why it comes again
	test.Tap(s.HeldAccept[0])
	if got := s.Accept.Reason.Text; got != "Neue schriftliche Einwilligung vom 4. Juni" {
		t.Errorf("accepted anew, the dialog's reason reads %q; want the one written before", got)
	}
	for _, want := range []string{"Antrag per Brief", "Widerspruch per E-Mail vom 5. Juni"} {
		if !strings.Contains(labelText(s.Accept.Details), want) {
			t.Errorf("accepted anew, the dialog lists %q; want it to name %q", labelText(s.Accept.Details), want)
		}
	}
	if want := "Since your first decision"; !strings.HasPrefix(s.Accept.Message.Text, want) {
		t.Errorf("accepted anew, the dialog says %q; want it to begin %q", s.Accept.Message.Text, want)
	}
	if s.Accept.Confirm.Disabled() {
		test.Type(s.Accept.Reason, "Neue schriftliche Einwilligung vom 4. Juni")
	}
	test.Tap(s.Accept.Confirm)
	awaitServer(t, "the decided row", func() bool { return len(s.HeldAccept) == 0 && s.Accept == nil })
	// the refusal is answered: its "nothing was saved, decide anew" must not stand above "done"
	if s.Message.Text != "" {
		t.Errorf("after the row was accepted the screen still says %q (status %q)", s.Message.Text, s.Status.Text)
	}
}

func TestImportJobsListReopensAJob(t *testing.T) {
	c, _ := realClient(t)
	// Until importJobs is implemented on the server its resolver panics: an INTERNAL error.
	var apiErr *api.Error
	if _, err := c.ImportJobs(context.Background(), 1, ""); errors.As(err, &apiErr) && apiErr.Code == "INTERNAL" {
		t.Skipf("this server does not answer importJobs yet: %v", err)
	}
	job := heldImport(t, c)
	loc, w := testWindow(t)
	s := NewImportScreen(c, loc, w)
	w.SetContent(s.Object())
	if s.Jobs == nil {
		t.Fatal("no button for earlier imports")
	}
	test.Tap(s.Jobs)
	d := s.JobsDialog
	awaitServer(t, "the job list", func() bool { return len(d.Jobs) == 1 })
	if d.Jobs[0].Id != job.Id || !strings.Contains(s.jobText(d.Jobs[0]), "messe.csv · needs a decision\nrows: ") {
		t.Fatalf("listed %+v as %q", d.Jobs[0], s.jobText(d.Jobs[0]))
	}
	open := d.List.CreateItem()
	d.List.UpdateItem(0, open)
	test.Tap(open.(*fyne.Container).Objects[1].(*widget.Button))
	awaitServer(t, "the reopened job", func() bool { return len(s.HeldDrop) == 1 && s.JobsDialog == nil })
	test.Tap(s.HeldDrop[0])
	awaitServer(t, "the dropped row", func() bool { return len(s.HeldDrop) == 0 })
	if got, _ := c.ImportJob(context.Background(), job.Id); got.Status != api.ImportStatusDone || got.Inserted != 1 {
		t.Fatalf("job = %+v", got)
	}
}

func TestBlacklistEntryIsLiftedOnTheServer(t *testing.T) {
	c, url := realClient(t)
	ctx := context.Background()
	family := "Mustermann"
	p, err := c.CreateContact(ctx, api.ContactInput{FamilyName: &family, Emails: []string{"erika.mustermann@example.com"}}, nil)
	if err != nil || p.Contact == nil {
		t.Fatalf("create: %+v, %v", p, err)
	}
	if _, err := c.EraseContact(ctx, p.Contact.Id, "Antrag per Brief"); err != nil {
		t.Fatal(err)
	}
	loc, w := testWindow(t)
	s := NewAdminScreen(c, loc, w, fyne.CurrentApp().Preferences(), url)
	w.SetContent(s.Object())
	s.loadBlacklist("")
	awaitServer(t, "the blacklist", func() bool { return len(s.Entries()) == 1 })
	if got := s.entryText(s.Entries()[0]); !strings.Contains(got, "erasure") || !strings.Contains(got, "Antrag per Brief") {
		t.Errorf("entry = %q", got)
	}
	s.AskRemove(0)
	test.Type(s.Remove.Reason, "Person hat neu eingewilligt, schriftlich am 4. Juni")
	test.Tap(s.Remove.Confirm)
	awaitServer(t, "the dialog to close", func() bool { return s.Remove == nil || s.Remove.Message.Text != "" })
	if s.Remove != nil {
		t.Fatalf("lifting failed: %s", s.Remove.Message.Text)
	}
	awaitServer(t, "the reloaded blacklist", func() bool {
		return len(s.Entries()) == 0 || len(s.Entries()) == 1 && s.Entries()[0].RemovedAt != nil
	})
	sc, err := c.Screen(ctx, api.ContactInput{Emails: []string{"erika.mustermann@example.com"}})
	if err != nil || sc.Blocked {
		t.Fatalf("after lifting, screening = %+v, %v", sc, err)
	}
}

// A feed row of a record merged into another since reads as merged into that one, and opens
// it: the record was not erased, and the person is still there to look at.
func TestFeedRowOfAMergedRecordOpensItsSurvivor(t *testing.T) {
	c, url := realClient(t)
	ctx := context.Background()
	person := withNewsletter(t, c)
	duplicate := person("E.", "Testfrau", "e.testfrau@example.com")
	survivor := person("Erika", "Testfrau", "erika.testfrau@example.com")
	if _, err := c.RecordConsent(ctx, api.ConsentInput{ContactId: duplicate, PurposeKey: "newsletter", Source: "web form"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RevokeConsent(ctx, api.RevocationInput{ContactId: duplicate, PurposeKey: "newsletter", Channel: "phone"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MergeContacts(ctx, survivor, []string{duplicate}, "same person, old address"); err != nil {
		t.Fatal(err)
	}

	s, opened := replayFeed(t, c, url)
	revoked := -1
	awaitServer(t, "the revocation and the merge", func() bool {
		merged := false
		for i, e := range s.feed.Events {
			switch {
			case e.Kind == api.RevocationKindContactMerged && e.MergedId != nil && *e.MergedId == duplicate && e.ContactId == survivor:
				merged = true
			case e.Kind == api.RevocationKindConsentRevoked && e.ContactId == duplicate:
				revoked = i
			}
		}
		return merged && revoked >= 0
	})
	awaitServer(t, "the revocation's row naming the survivor", func() bool {
		return strings.Contains(s.eventText(s.feed.Events[revoked]), "merged into Erika Testfrau")
	})
	s.OpenEvent(revoked)
	awaitServer(t, "the survivor opened", func() bool { return len(*opened) == 1 })
	if (*opened)[0] != survivor || !strings.Contains(s.FeedInfo.Text, "was merged into the record of Erika Testfrau") {
		t.Fatalf("opened %v (survivor %s), info %q", *opened, survivor, s.FeedInfo.Text)
	}
	if strings.Contains(s.FeedInfo.Text, "erased") {
		t.Fatalf("a merged record reads as erased: %q", s.FeedInfo.Text)
	}
}

// replayFeed shows the admin screen on c's server with its whole feed replayed (the cursor
// of the preferences at the beginning), until the test ends; opened collects the contacts
// its rows open.
func replayFeed(t *testing.T, c *api.Client, url string) (s *AdminScreen, opened *[]string) {
	t.Helper()
	loc, w := testWindow(t)
	prefs := fyne.CurrentApp().Preferences()
	prefs.SetString("revocations_server", url)
	prefs.SetString("revocations_cursor", "0")
	s = NewAdminScreen(c, loc, w, prefs, url)
	opened = new([]string)
	s.OpenContact = func(id string) { *opened = append(*opened, id) }
	w.SetContent(s.Object())
	runCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go s.Run(runCtx)
	return s, opened
}
