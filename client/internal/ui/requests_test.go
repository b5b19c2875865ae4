package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
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
	loc, w := testWindow(t)
	s := NewRequestsScreen(c, loc, w)
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

	test.Tap(s.SaveRecord)
	if s.SaveDialog == nil {
		t.Fatal("no save dialog for the record")
	}
	var buf closingBuffer
	s.WriteRecord(context.Background(), &buf)
	pump()
	if !strings.HasPrefix(buf.String(), "# Record of processing activities") || s.Message.Text != "" {
		t.Fatalf("record %.80q, message %q", buf.String(), s.Message.Text)
	}
}
