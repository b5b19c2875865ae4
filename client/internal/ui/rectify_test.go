package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
)

// Against the real server, in German: Erika asked to correct her address. Completing her
// RECTIFICATION request lists her records (the one named, sales' record sharing her mobile,
// her colleague's sharing the office line); each opens to be corrected; the request closes
// only once each is ticked "Berichtigt/geprüft" or "Jemand anderes", and a record entered
// meanwhile is caught by the server and shown after "Neu laden".
func TestCompleteRectificationChecksEveryRecordOfThePerson(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	marketing := e.person(t, "Erika", "Testfrau", []string{"erika.testfrau@example.org"}, []string{"+49 170 5550101"})
	sales := e.person(t, "E.", "Testfrau", []string{"e.testfrau@firma.example"}, []string{"0170 5550101", "+49 30 5550200"})
	hans := e.person(t, "Hans", "Kollege", nil, []string{"030 5550200"})
	rect, err := e.c.FileRequest(ctx, api.RequestKindRectification, marketing, "Brief", "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	s := NewRequestsScreen(e.c, e.loc, e.win)
	var opened []string
	s.OpenContact = func(id string) { opened = append(opened, id) }
	e.win.SetContent(s.Object())
	s.Reload()
	eventuallyE2E(t, "the request", func() bool { return len(s.Requests()) == 1 })

	s.AskComplete(0)
	d, p := s.Complete, s.Rectify
	if d == nil || p == nil {
		t.Fatal("no completion dialog with the person's records")
	}
	eventuallyE2E(t, "the person's records", func() bool { return len(p.Records) == 3 })
	byID := map[string]*RecordCheck{}
	for _, rc := range p.Records {
		byID[rc.Record.Contact.Id] = rc
	}
	first := p.Records[0]
	if first.Record.Contact.Id != marketing || first.Name.Text != "Erika Testfrau — in der Anfrage" || first.SomeoneElse != nil {
		t.Fatalf("first record %q (someone-else box %v), want Erika Testfrau, named in the request, without someone-else box", first.Name.Text, first.SomeoneElse)
	}
	if byID[sales].Name.Text != "E. Testfrau" {
		t.Errorf("sales record named %q", byID[sales].Name.Text)
	}
	if txt := byID[sales].Text.Text; !strings.Contains(txt, "e.testfrau@firma.example") || !strings.Contains(txt, "verbunden über: +491705550101, +49305550200") ||
		!strings.Contains(txt, "Musterstraße 1, 10115 Berlin") {
		t.Errorf("sales record reads %q, want its e-mail, address and what links it", txt)
	}
	if p.Info.Text != "3 Datensätze (gleiche E-Mail oder Telefonnummer): jeden berichtigen oder prüfen, dann abhaken." {
		t.Errorf("info %q", p.Info.Text)
	}

	test.Tap(byID[sales].Open)
	if len(opened) != 1 || opened[0] != sales {
		t.Fatalf("Öffnen opened %v, want the sales record %s", opened, sales)
	}

	// Nothing ticked, then everything but the colleague: refused in the dialog, still open.
	test.Type(d.Reason, "Anschrift in allen Datensätzen berichtigt")
	test.Tap(d.Confirm)
	if d.Message.Text != e.loc.T("rectify.unchecked", nil) || s.Complete != d {
		t.Fatalf("nothing ticked: message %q, dialog open %v", d.Message.Text, s.Complete == d)
	}
	test.Tap(first.Checked)
	test.Tap(byID[sales].Checked)
	test.Tap(d.Confirm)
	if d.Message.Text != e.loc.T("rectify.unchecked", nil) {
		t.Fatalf("colleague unticked: message %q", d.Message.Text)
	}
	test.Tap(byID[hans].Checked)
	test.Tap(byID[hans].SomeoneElse)
	if byID[hans].Checked.Checked {
		t.Fatal("Jemand anderes left Berichtigt/geprüft ticked")
	}

	// Meanwhile a fourth record of hers is entered: the server refuses, in German.
	late := e.person(t, "Erika", "Testfrau", []string{"Erika.Testfrau+messe@example.org"}, nil)
	test.Tap(d.Confirm)
	want := e.loc.T("reason.RECORDS_NOT_CHECKED", nil)
	eventuallyE2E(t, "the server's refusal", func() bool { return strings.Contains(d.Message.Text, want) })
	englishLeak(t, "RECORDS_NOT_CHECKED", d.Message.Text)

	test.Tap(p.Reload)
	eventuallyE2E(t, "the fourth record", func() bool { return len(p.Records) == 4 })
	for _, rc := range p.Records {
		switch id := rc.Record.Contact.Id; id {
		case marketing, sales:
			if !rc.Checked.Checked {
				t.Errorf("after Neu laden %s lost its tick", id)
			}
		case hans:
			if !rc.SomeoneElse.Checked {
				t.Error("after Neu laden the colleague is no longer someone else")
			}
		case late:
			test.Tap(rc.Checked)
		}
	}
	test.Tap(d.Confirm)
	eventuallyE2E(t, "the completed request", func() bool { return s.Complete == nil && len(s.Requests()) == 0 })

	var audit struct {
		AuditTrail struct {
			Edges []struct {
				Node struct{ Operation, TargetId, Outcome string }
			}
		}
	}
	if errs := e.gql(t, `query($c: ID) { auditTrail(contactId: $c, first: 50) { edges { node { operation targetId outcome } } } }`,
		map[string]any{"c": marketing}, &audit); len(errs) > 0 {
		t.Fatal(errs)
	}
	var row string
	for _, a := range audit.AuditTrail.Edges {
		if a.Node.Operation == "completeRequest" && a.Node.TargetId == rect.Id {
			row = a.Node.Outcome
		}
	}
	for _, id := range []string{marketing, sales, late} {
		if !strings.Contains(row, id) {
			t.Errorf("audit %q does not name the checked record %s", row, id)
		}
	}
	if !strings.HasSuffix(row, "kept as someone else: "+hans) {
		t.Errorf("audit %q, want it to end with the colleague kept as someone else", row)
	}
}
