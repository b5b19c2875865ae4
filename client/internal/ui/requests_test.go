package ui

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

type closingBuffer struct{ bytes.Buffer }

func (*closingBuffer) Close() error { return nil }

// eventuallyLong is eventually with a deadline for a real server on a busy machine.
func eventuallyLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for pump(); !cond(); pump() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Against the real server: a request filed for a contact 40 days ago is listed first and in
// red, completing the ACCESS request hands over the export, and the record can be saved.
func TestRequestsScreenAgainstTheServer(t *testing.T) {
	url, token := testserver.Start(t)
	c, err := api.New(url, token)
	if err != nil {
		t.Fatal(err)
	}
	given, family := "Erika", "Mustermann"
	if p, err := c.CreateContact(context.Background(), api.ContactInput{GivenName: &given, FamilyName: &family,
		Emails: []string{"max.muster@example.com"}}, nil); err != nil || p.Contact == nil {
		t.Fatalf("create contact: %+v, %v", p, err)
	}
	files := savedFiles(t)
	loc, w := testWindow(t)
	slow := &slowRecord{RequestsBackend: c, release: make(chan struct{})}
	s := NewRequestsScreen(slow, loc, w)
	w.SetContent(s.Object())

	// a fresh OBJECTION without a contact first, then the ACCESS request that arrived 40 days ago
	s.Kind.SetSelectedIndex(4)
	test.Type(s.Channel, "phone")
	test.Tap(s.File)
	eventuallyLong(t, "the first request", func() bool { return len(s.Requests()) == 1 })

	s.Kind.SetSelectedIndex(0)
	test.Type(s.ContactSearch, "Mustermann")
	s.SearchContacts()
	eventuallyLong(t, "the contact found", func() bool { return s.Contact.SelectedIndex() == 0 })
	test.Type(s.Channel, "letter")
	test.Type(s.Received, time.Now().AddDate(0, 0, -40).Format(time.DateOnly))
	test.Tap(s.File)
	eventuallyLong(t, "both requests", func() bool { return len(s.Requests()) == 2 })

	if r := s.Requests()[0]; r.Kind != api.RequestKindAccess || r.Contact == nil || r.Contact.FamilyName != "Mustermann" {
		t.Fatalf("first row %+v, want the overdue ACCESS request of Erika Mustermann", r)
	}
	if !s.Overdue(0) || s.Overdue(1) {
		t.Fatalf("overdue rows: %v %v, want only the first", s.Overdue(0), s.Overdue(1))
	}
	if !strings.HasPrefix(s.RowText(0), "OVERDUE Access") || s.Count.Text != "2 open, 1 overdue" {
		t.Fatalf("row %q, count %q", s.RowText(0), s.Count.Text)
	}

	s.AskComplete(0)
	d := s.Complete
	if d == nil || !d.Confirm.Disabled() {
		t.Fatal("no outcome dialog, or Complete enabled without an outcome")
	}
	test.Type(d.Reason, "Export sent by registered letter")
	test.Tap(d.Confirm)
	eventuallyLong(t, "the completed request", func() bool { return s.Complete == nil && len(s.Requests()) == 1 })
	if !strings.Contains(s.LastExport, "max.muster@example.com") {
		t.Fatalf("export handed over: %.200q", s.LastExport)
	}
	// offered for saving under her name, as the detail's export
	name := "auskunft-erika-mustermann-" + time.Now().Format(time.DateOnly) + ".json"
	if got := files(); !strings.Contains(string(got[name]), "max.muster@example.com") {
		t.Fatalf("saved files %v, want %s with the export", slices.Collect(maps.Keys(got)), name)
	}

	test.Tap(s.SaveRecord)
	if s.SaveDialog == nil {
		t.Fatal("no save dialog for the record")
	}
	var buf closingBuffer
	written := make(chan struct{})
	go func() { s.WriteRecord(context.Background(), &buf); close(written) }()
	eventuallyLong(t, "the button saying the record is being prepared", func() bool {
		return s.SaveRecord.Disabled() && s.SaveRecord.Text == "Preparing the record …"
	})
	close(slow.release)
	<-written
	pump()
	if !strings.HasPrefix(buf.String(), "# Record of processing activities") || s.Message.Text != "" {
		t.Fatalf("record %.80q, message %q", buf.String(), s.Message.Text)
	}
	if s.SaveRecord.Disabled() || s.SaveRecord.Text != "Save the record of processing activities" {
		t.Fatalf("after the record the button is %q, disabled %v", s.SaveRecord.Text, s.SaveRecord.Disabled())
	}
}

// slowRecord answers ProcessingRecord only once release is closed, as a server counting
// millions of contacts does after some seconds.
type slowRecord struct {
	app.RequestsBackend
	release chan struct{}
}

func (b *slowRecord) ProcessingRecord(ctx context.Context) (string, error) {
	select {
	case <-b.release:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return b.RequestsBackend.ProcessingRecord(ctx)
}

// indexOf is the row of the first open request of kind, or -1.
func indexOf(s *RequestsScreen, kind api.RequestKind) int {
	for i, r := range s.Requests() {
		if r.Kind == kind {
			return i
		}
	}
	return -1
}

// Against the real server, in German: the server's refusals of an extension are worded in
// the dialog, an extension to three months after arrival moves the deadline ("verlängert
// bis …"), and a rejected request leaves the open list.
func TestRequestsExtendAndRejectAgainstTheServer(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	erika := e.person(t, "Erika", "Mustermann", []string{"erika.frist@example.org"}, nil)
	received := time.Now().AddDate(0, 0, -10)
	if _, err := e.c.FileRequest(ctx, api.RequestKindAccess, erika, "Brief", "", received); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.FileRequest(ctx, api.RequestKindObjection, "", "Telefon", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	s := NewRequestsScreen(e.c, e.loc, e.win)
	e.win.SetContent(s.Object())
	s.Reload()
	eventuallyE2E(t, "both requests", func() bool { return len(s.Requests()) == 2 })
	if !s.Extend.Disabled() || !s.Reject.Disabled() {
		t.Fatal("Extend and Reject enabled with no request selected")
	}

	s.List.Select(indexOf(s, api.RequestKindAccess))
	test.Tap(s.Extend)
	d := s.ExtendDialog
	if want := app.LatestExtension(received).Format("02.01.2006"); d == nil || s.Until.Text != want {
		t.Fatalf("extension dialog %v, until %q, want %s, the day three months after arrival as German staff type it", d, s.Until.Text, want)
	}
	for _, tc := range []struct{ until, reason, code string }{
		{app.LatestExtension(received).AddDate(0, 0, 1).Format(time.DateOnly), "Umfangreiche Unterlagen im Archiv", "EXTENSION_BEYOND_THREE_MONTHS"},
		{received.Format(time.DateOnly), "Umfangreiche Unterlagen im Archiv", "EXTENSION_NOT_LATER"},
		{s.Until.Text, "Frau Mustermann schickt weitere Fragen", "REASON_HAS_PERSONAL_DATA"},
	} {
		s.Until.SetText(tc.until)
		d.Reason.SetText("")
		test.Type(d.Reason, tc.reason)
		test.Tap(d.Confirm)
		want := e.loc.T("reason."+tc.code, nil)
		eventuallyE2E(t, "the refusal "+tc.code, func() bool { return strings.Contains(d.Message.Text, want) })
		englishLeak(t, tc.code, d.Message.Text)
		if s.ExtendDialog != d {
			t.Fatalf("%s: the dialog closed on a refusal", tc.code)
		}
	}

	until := app.LatestExtension(received)
	s.Until.SetText(until.Format(time.DateOnly))
	d.Reason.SetText("")
	test.Type(d.Reason, "Umfangreiche Unterlagen im Archiv")
	test.Tap(d.Confirm)
	eventuallyE2E(t, "the extended request", func() bool {
		i := indexOf(s, api.RequestKindAccess)
		return s.ExtendDialog == nil && i >= 0 && s.Requests()[i].ExtendedTo != nil
	})
	i := indexOf(s, api.RequestKindAccess)
	if r := s.Requests()[i]; r.ExtendedTo.In(time.Local).Format(time.DateOnly) != until.Format(time.DateOnly) {
		t.Fatalf("extended to %v, want the end of %s", r.ExtendedTo, until.Format(time.DateOnly))
	}
	if row, want := s.RowText(i), "verlängert bis "+e.loc.Date(until); !strings.Contains(row, want) {
		t.Fatalf("row %q, want %q", row, want)
	}
	if i != 1 {
		t.Fatalf("extended request at row %d, want it after the objection (later deadline)", i)
	}

	s.List.Select(indexOf(s, api.RequestKindObjection))
	test.Tap(s.Reject)
	r := s.RejectDialog
	if r == nil || !r.Confirm.Disabled() {
		t.Fatal("no reject dialog, or Ablehnen enabled without a reason")
	}
	test.Type(r.Reason, "Offenkundig unbegründet: keine Daten gespeichert")
	test.Tap(r.Confirm)
	eventuallyE2E(t, "the rejected request gone", func() bool { return s.RejectDialog == nil && len(s.Requests()) == 1 })
	if s.Requests()[0].Kind != api.RequestKindAccess || !s.Extend.Disabled() {
		t.Fatalf("left %+v (Extend disabled: %v), want only the ACCESS request and no selection", s.Requests()[0], s.Extend.Disabled())
	}
	if s.Count.Text != "1 offen, 0 überfällig" {
		t.Fatalf("count %q", s.Count.Text)
	}
}

// A request filed from a contact's detail, through the requests screen's form with the
// contact preset, shows in the requests tab with that contact (wired as the shell wires it).
func TestFileRequestFromContactDetail(t *testing.T) {
	e := startE2E(t)
	erika := e.person(t, "Erika", "Mustermann", []string{"erika.anfrage@example.org"}, nil)
	rs := NewRequestsScreen(e.c, e.loc, e.win)
	cs := e.open(t, erika, false)
	cs.OnRequestFiled = rs.Reload
	if cs.Detail.FileRequest == nil || cs.Detail.FileRequest.Text != "Anfrage erfassen" {
		t.Fatalf("no button Anfrage erfassen in the detail: %v", cs.Detail.FileRequest)
	}
	test.Tap(cs.Detail.FileRequest)
	f := cs.Detail.RequestForm
	if f == nil || !strings.HasPrefix(f.Contact.Selected, "Erika Mustermann · ") {
		t.Fatalf("filing form %v, preset contact %q", f, f.Contact.Selected)
	}
	f.Kind.SetSelectedIndex(1) // Löschung
	test.Tap(f.File)
	eventuallyE2E(t, "the missing channel", func() bool { return f.Message.Text != "" })
	if want := e.loc.T("error.missing.requestChannel", nil); f.Message.Text != want {
		t.Fatalf("message %q, want %q", f.Message.Text, want)
	}
	test.Type(f.Channel, "Brief")
	test.Tap(f.File)
	eventuallyE2E(t, "the request in the requests tab", func() bool { return cs.Detail.RequestForm == nil && len(rs.Requests()) == 1 })
	r := rs.Requests()[0]
	if r.Kind != api.RequestKindErasure || r.Contact == nil || r.Contact.Id != erika {
		t.Fatalf("request %+v, want Erika Mustermann's erasure request", r)
	}
	if row := rs.RowText(0); !strings.Contains(row, "Löschung (Art. 17) · Erika Mustermann · fällig ") {
		t.Fatalf("row %q", row)
	}
	if !strings.HasPrefix(cs.Detail.Status.Text, "Anfrage erfasst: Löschung (Art. 17), fällig am ") {
		t.Fatalf("detail status %q", cs.Detail.Status.Text)
	}
}

// An overdue request, in German: an extension told today is refused in the dialog's words
// (Art. 12(3): the person is told within the month), a day typed wrongly in „Mitgeteilt am"
// says which field, and the day she was told within the month extends it.
func TestRequestsExtendToldWithinTheMonth(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	erika := e.person(t, "Erika", "Mustermann", []string{"erika.mitgeteilt@example.org"}, nil)
	received := time.Now().AddDate(0, 0, -40)
	if _, err := e.c.FileRequest(ctx, api.RequestKindAccess, erika, "Brief", "", received); err != nil {
		t.Fatal(err)
	}
	s := NewRequestsScreen(e.c, e.loc, e.win)
	e.win.SetContent(s.Object())
	s.Reload()
	eventuallyE2E(t, "the request", func() bool { return len(s.Requests()) == 1 })
	s.List.Select(0)
	test.Tap(s.Extend)
	d := s.ExtendDialog
	if d == nil || s.Told == nil || s.Told.Text != "" {
		t.Fatalf("extension dialog %v, told %v: want an empty „Mitgeteilt am“ (today)", d, s.Told)
	}
	test.Type(d.Reason, "Umfangreiche Unterlagen im Archiv")
	test.Tap(d.Confirm)
	want := e.loc.T("reason.EXTENSION_TOLD_TOO_LATE", nil)
	eventuallyE2E(t, "the refusal of an extension told today", func() bool { return strings.Contains(d.Message.Text, want) })
	englishLeak(t, "EXTENSION_TOLD_TOO_LATE", d.Message.Text)

	s.Told.SetText("31.02.2026")
	test.Tap(d.Confirm)
	eventuallyE2E(t, "the told day's format", func() bool { return strings.Contains(d.Message.Text, "Mitgeteilt am") })
	if s.ExtendDialog != d || s.Requests()[0].ExtendedTo != nil {
		t.Fatal("the dialog closed or the request was extended on a refusal")
	}

	told := received.AddDate(0, 0, 5)
	s.Told.SetText(told.Format("2.1.2006"))
	test.Tap(d.Confirm)
	eventuallyE2E(t, "the extended request", func() bool {
		return s.ExtendDialog == nil && len(s.Requests()) == 1 && s.Requests()[0].ExtendedTo != nil
	})
	r, err := e.c.OpenRequests(ctx, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(r) != 1 || r[0].ExtensionToldAt == nil || r[0].ExtensionToldAt.In(time.Local).Format(time.DateOnly) != told.Format(time.DateOnly) {
		t.Fatalf("requests %+v: want extensionToldAt on %s", r, told.Format(time.DateOnly))
	}
}
