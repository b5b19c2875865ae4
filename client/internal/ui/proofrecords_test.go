package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// The consent proof is the person's: Erika Testfrau is known by marketing's record and by
// sales' (her e-mail spelled otherwise). The proof PDF printed from marketing's record holds
// sales' grant too, with the „Datensatz" column naming the record each event is on by its
// short id; the on-screen proof does the same.
func TestE2EProofNamesTheRecordOfEachEvent(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	files := savedFiles(t)
	marketing := e.person(t, "Erika", "Testfrau", []string{"erika.testfrau@example.org"}, nil)
	sales := e.person(t, "E.", "Testfrau", []string{"Erika.Testfrau+shop@example.org"}, nil)
	for id, source := range map[string]string{marketing: "Webformular", sales: "Messe"} {
		ev := "Karte Stand 4"
		if _, err := e.c.RecordConsent(ctx, api.ConsentInput{ContactId: id, PurposeKey: "newsletter", Source: source, Evidence: &ev}); err != nil {
			t.Fatalf("grant on %s: %v", id, err)
		}
	}
	s := e.open(t, marketing, true)
	d := s.Detail

	test.Tap(d.ProofPDF)
	eventuallyE2E(t, "the PDF", func() bool { return len(files()) == 1 })
	var pdf []byte
	for name, data := range files() {
		if strings.HasPrefix(name, "einwilligungsnachweis-") {
			pdf = data
		}
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("Messe")) {
		t.Fatalf("the proof PDF lacks sales' grant: %.100q", pdf)
	}
	for _, want := range []string{"Datensatz", app.ShortID(sales), app.ShortID(marketing)} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("the proof PDF lacks %q", want)
		}
	}

	test.Tap(d.Proof)
	v := d.ProofView
	eventuallyE2E(t, "the on-screen proof", func() bool { return len(v.Events) == 2 })
	var records []string
	for row := range v.Events {
		records = append(records, v.Cell(row, 6))
	}
	if want := []string{app.ShortID(marketing), app.ShortID(sales)}; strings.Join(records, " ") != strings.Join(want, " ") {
		t.Errorf("the on-screen proof's records: %v, want %v", records, want)
	}
	v.Dialog.Hide()
}
