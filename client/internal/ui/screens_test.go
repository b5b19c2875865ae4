package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

func testWindow(t *testing.T) (localizer, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	loc := SetLanguage("en")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1100, 720))
	return loc, w
}

func TestSearchAsYouTypeAndLoadMore(t *testing.T) {
	b := demo.New()
	for i := range 60 {
		name := fmt.Sprintf("Kunde%02d", i)
		b.CreateContact(context.Background(), api.ContactInput{FamilyName: &name}, nil)
	}
	loc, w := testWindow(t)
	s := NewContactsScreen(b, loc, w)
	w.SetContent(s.Object())
	s.Reload()
	eventually(t, "the first page", func() bool { return s.Count.Text == "50 of 72 contacts" })
	if !s.LoadMore.Visible() {
		t.Fatal("no load-more button with more rows")
	}
	test.Tap(s.LoadMore)
	eventually(t, "the second page", func() bool { return s.Count.Text == "72 of 72 contacts" })
	if s.LoadMore.Visible() {
		t.Fatal("load-more still visible at the end")
	}

	test.Type(s.Search, "fischer")
	eventually(t, "the search result", func() bool { return s.Count.Text == "1 of 1 contact" })
	s.List.Select(0)
	eventually(t, "the detail", func() bool { return s.Detail != nil })
	test.Tap(s.Detail.Edit)
	if s.Form == nil || s.Form.FamilyName.Text != "Fischer" {
		t.Fatal("edit did not open the filled form")
	}
}

func TestGrantAndRevokeAConsent(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	s := NewContactsScreen(b, loc, w)
	w.SetContent(s.Object())
	s.OpenContact("c002")
	eventually(t, "the detail", func() bool { return s.Detail != nil })
	d := s.Detail
	test.Tap(d.Consents.Grant)
	g := d.Consents.GrantForm
	g.Purpose.SetSelected("Postwerbung")
	test.Type(g.Source, "fair")
	test.Type(g.Evidence, "signed card, stand 4")
	d.Consents.SubmitGrant()
	eventually(t, "the consent", func() bool {
		c, _ := b.Contact(context.Background(), "c002")
		for _, cf := range c.Consents {
			if cf.Purpose.Key == "postal" && cf.Status == api.ConsentStatusGranted && *cf.History[0].Evidence == "signed card, stand 4" {
				return true
			}
		}
		return false
	})
	eventually(t, "the reloaded detail with a revoke button", func() bool {
		return s.Detail != nil && s.Detail != d && s.Detail.Consents.Revoke["postal"] != nil
	})
}

func TestGrantWithoutSourceIsRefused(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	v := NewConsentsView(b, loc, w, "c002", nil, nil)
	w.SetContent(v.Object())
	_, err := app.Grant(context.Background(), b, "c002", "postal", " ", "")
	if got := app.ErrorText(err, loc); got != "Say where the consent came from." {
		t.Fatalf("error text = %q", got)
	}
}

// previewSample opens the import screen on the demo backend (importing in one step) and
// loads the sample file until its preview shows.
func previewSample(t *testing.T) (*demo.Backend, *ImportScreen) {
	t.Helper()
	b := demo.New()
	b.ImportStep = 0
	loc, w := testWindow(t)
	s := NewImportScreen(b, loc, w)
	w.SetContent(s.Object())
	s.LoadFile("adressen.csv", func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(demo.SampleCSV)), nil })
	eventually(t, "the preview", func() bool { return !s.Start.Disabled() })
	return b, s
}

func TestImportPreviewProgressAndHeldRows(t *testing.T) {
	_, s := previewSample(t)
	if s.Detected.Text != "Encoding UTF-8, separator semicolon (;)" || !strings.Contains(s.Unknown.Text, "Kundennummer") {
		t.Fatalf("preview: %q / %q", s.Detected.Text, s.Unknown.Text)
	}
	test.Tap(s.Start)
	eventually(t, "the finished job", func() bool { return strings.Contains(s.Status.Text, "6 of 6 rows") })
	if s.Progress.Value != 1 {
		t.Errorf("progress = %v", s.Progress.Value)
	}
	if len(s.Held.Objects) != 1 || !strings.Contains(s.Problems.Text, "Line 5:") {
		t.Fatalf("held = %d, problems = %q", len(s.Held.Objects), s.Problems.Text)
	}
	s.decide(s.flow.Job.Id, s.flow.Job.HeldRows[0].Line, false, "")
	eventually(t, "the dropped row", func() bool { return len(s.Held.Objects) == 0 && strings.Contains(s.Status.Text, "Import finished") })
}

// A file chosen after an import is another import: the last one's progress, result, held
// rows and problems leave the screen, so that nothing shown reads as the new file's result.
func TestAFileChosenAfterAnImportShowsNothingOfTheLastOne(t *testing.T) {
	_, s := previewSample(t)
	test.Tap(s.Start)
	eventually(t, "the finished job", func() bool { return strings.Contains(s.Status.Text, "6 of 6 rows") })
	if len(s.Held.Objects) == 0 || s.Problems.Text == "" {
		t.Fatalf("the first import shows held %d, problems %q; want both", len(s.Held.Objects), s.Problems.Text)
	}
	s.LoadFile("nachtrag.csv", func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(demo.SampleCSV)), nil })
	eventually(t, "the second preview", func() bool { return !s.Start.Disabled() })
	if s.Progress.Visible() || s.Status.Text != "" || len(s.Held.Objects) != 0 || s.Problems.Text != "" {
		t.Errorf("after choosing another file: progress shown %v, status %q, held %d, problems %q; want none of the last import",
			s.Progress.Visible(), s.Status.Text, len(s.Held.Objects), s.Problems.Text)
	}
}

func TestAdminFeedShowsRevocations(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	s := NewAdminScreen(b, loc, w, fyne.CurrentApp().Preferences(), "http://demo")
	w.SetContent(s.Object())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	eventually(t, "the backlog", func() bool { return s.Feed.Length() == 5 && len(s.entries) == 3 })
	if got := s.eventText(s.feed.Events[0]); !strings.Contains(got, "contact erased") {
		t.Errorf("newest event = %q", got)
	}
}

func TestShellShowsAdminTabOnlyForAdmins(t *testing.T) {
	for _, role := range []api.Role{api.RoleAdmin, api.RoleStaff} {
		a := test.NewTempApp(t)
		b := demo.New()
		b.Viewer.Role = role
		s := NewDemoShell(a, b)
		eventually(t, "the tabs", func() bool { return s.Tabs != nil })
		want := 2
		if role == api.RoleAdmin {
			want = 3
		}
		if len(s.Tabs.Items) != want {
			t.Errorf("%s: %d tabs, want %d", role, len(s.Tabs.Items), want)
		}
		s.Win.Close()
	}
}

func TestShellAsksForSettingsWithoutAToken(t *testing.T) {
	t.Setenv("VERMERK_TOKEN", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no token file
	a := test.NewTempApp(t)
	s := NewShell(a, func(app.Settings) (app.Backend, error) { return demo.New(), nil })
	if s.Dialog == nil || s.Dialog.URL.Text != app.DefaultServerURL {
		t.Fatal("no settings dialog for a missing token")
	}
	test.Type(s.Dialog.Token, "secret-token")
	test.Tap(s.Dialog.Test)
	eventually(t, "the connection test", func() bool { return strings.HasPrefix(s.Dialog.Result.Text, "Verbunden als Demo") })
}

// Every kind of feed event reads as a sentence: no key, no raw channel token, and a request
// of someone who is not a contact says so (its row opens nothing).
func TestAdminFeedTextOfEveryKind(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	s := NewAdminScreen(b, loc, w, fyne.CurrentApp().Preferences(), "http://demo")
	purpose := &api.PurposeFields{Key: "newsletter", Name: "Newsletter"}
	for _, kind := range api.AllRevocationKind {
		e := api.RevocationFields{Kind: kind, ContactId: "c001", Channel: "letter", Purpose: purpose}
		if kind == api.RevocationKindRequestDue {
			e.ContactId, e.Channel, e.Purpose = "", "overdue", nil
		}
		if k := "office.kind." + string(kind); loc.T(k, nil) == k {
			t.Errorf("%s has no name for webhooks", kind)
		}
		got := s.eventText(e)
		if strings.Contains(got, "admin.event") || strings.Contains(got, "channel.") {
			t.Errorf("%s: %q", kind, got)
		}
		if kind == api.RevocationKindRequestDue && !strings.HasSuffix(got, "data-subject request overdue · not a contact") {
			t.Errorf("%s: %q", kind, got)
		}
	}
	s.feed.Events = []api.RevocationFields{{Kind: api.RevocationKindRequestDue, Channel: "due-soon"}}
	s.OpenEvent(0)
	if !strings.Contains(s.FeedInfo.Text, "names no contact") {
		t.Errorf("opening a request without contact: note %q", s.FeedInfo.Text)
	}
}
