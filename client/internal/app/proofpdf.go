package app

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/vermerk/vermerk/client/internal/api"
)

// ProofDocument is what the consent proof PDF shows: the person as stored, their whole
// consent ledger (oldest first; the events of every record of hers), and who printed it when.
type ProofDocument struct {
	Contact api.ContactDetail
	Events  []api.ProofEvent
	// Details, when the server has them, say for each event (same order) when the consent
	// was given and which text version the person saw.
	Details []api.ProofDetail
	// Records, when the server has them, say for each event (same order) which of the
	// person's records it is on.
	Records   []api.ProofRecord
	PrintedAt time.Time
	PrintedBy string
	DateTime  func(time.Time) string // the UI's date-and-time format
}

// WriteProofPDF writes the consent proof (Art. 7(1) GDPR) as an A4 PDF a data-protection
// officer can hand over: the person, then every grant and revocation with its time, purpose,
// source, evidence, who recorded it and on which of her records (ShortID; "—" when the server
// does not say). Text streams stay uncompressed, so the PDF is searchable by simple tools.
func WriteProofPDF(w io.Writer, doc ProofDocument, loc Localizer) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: umlauts and ß in the core fonts
	title := loc.T("pdf.title", nil)
	pdf.SetTitle(title, true)
	pdf.SetCreator("Vermerk", true)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, tr(loc.T("pdf.page", map[string]any{"Page": pdf.PageNo(), "Pages": "{nb}"})), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 9, tr(title), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(0, 4.5, tr(loc.T("pdf.intro", nil)), "", "L", false)
	pdf.Ln(3)

	c := doc.Contact
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 6, tr(loc.T("pdf.person", nil)), "", 1, "L", false, 0, "")
	field := func(label, value string) {
		if strings.TrimSpace(value) == "" {
			return
		}
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(38, 5, tr(label), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(0, 5, tr(value), "", "L", false)
	}
	field(loc.T("pdf.name", nil), DisplayName(c.ContactSummary))
	field(loc.T("detail.emails", nil), strings.Join(c.Emails, ", "))
	field(loc.T("detail.phones", nil), strings.Join(c.Phones, ", "))
	if a := c.Address; a != nil {
		field(loc.T("detail.address", nil), fmt.Sprintf("%s, %s %s, %s", a.Street, a.PostalCode, a.City, a.Country))
	}
	field(loc.T("pdf.id", nil), c.Id)
	field(loc.T("pdf.printed", nil), loc.T("pdf.printed.value", map[string]any{"At": doc.DateTime(doc.PrintedAt), "By": doc.PrintedBy}))
	pdf.Ln(4)

	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 6, tr(loc.N("pdf.ledger", len(doc.Events), nil)), "", 1, "L", false, 0, "")
	if len(doc.Events) == 0 {
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(0, 5, tr(loc.T("proof.empty", nil)), "", "L", false)
	}
	cols := []struct {
		key   string
		width float64
	}{{"proof.at", 30}, {"proof.purpose", 26}, {"proof.status", 18}, {"proof.source", 22}, {"proof.evidence", 45}, {"proof.by", 23}, {"proof.record", 16}}
	header := func() {
		pdf.SetFont("Helvetica", "B", 8)
		pdf.SetFillColor(230, 230, 230)
		for _, col := range cols {
			pdf.CellFormat(col.width, 6, tr(loc.T(col.key, nil)), "1", 0, "L", true, 0, "")
		}
		pdf.Ln(-1)
	}
	if len(doc.Events) > 0 {
		header()
	}
	pdf.SetFont("Helvetica", "", 8)
	for i, e := range doc.Events {
		evidence := "—"
		if e.Evidence != nil && *e.Evidence != "" {
			evidence = *e.Evidence
		}
		if i < len(doc.Details) && doc.Details[i].At.Equal(e.At) {
			if extra := detailText(doc.Details[i], doc.DateTime, loc); extra != "" {
				evidence += "\n" + extra
			}
		}
		cells := []string{doc.DateTime(e.At), e.Purpose.Name, loc.T("status."+string(e.Status), nil), ChannelText(e.Source, loc), evidence, e.RecordedBy,
			ProofRecordOf(doc.Records, i, e.At)}
		// The row is as high as its tallest cell.
		lines := 1
		for i, text := range cells {
			if n := len(pdf.SplitLines([]byte(tr(text)), cols[i].width-2)); n > lines {
				lines = n
			}
		}
		h := float64(lines) * 4.2
		if pdf.GetY()+h > 297-20 {
			pdf.AddPage()
			header()
			pdf.SetFont("Helvetica", "", 8)
		}
		x, y := pdf.GetXY()
		for i, text := range cells {
			pdf.Rect(x, y, cols[i].width, h, "D")
			pdf.SetXY(x, y)
			pdf.MultiCell(cols[i].width, 4.2, tr(text), "", "L", false)
			x += cols[i].width
		}
		pdf.SetXY(15, y+h)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("consent proof PDF: %w", err)
	}
	return nil
}

// ProofRecordOf is the short id (ShortID) of the record the proof's event i, recorded at at, is
// on, from records (ConsentProofRecords, in the proof's order); "—" when the server did not say
// or the ledger changed between the two reads.
func ProofRecordOf(records []api.ProofRecord, i int, at time.Time) string {
	if i < len(records) && records[i].At.Equal(at) && records[i].ContactId != "" {
		return ShortID(records[i].ContactId)
	}
	return "—"
}

// detailText says when a consent was given, where that differs from when it was recorded,
// and which text version the person saw: "gegeben am 3. Mai 2026 14:30 · Textfassung 2".
func detailText(d api.ProofDetail, dateTime func(time.Time) string, loc Localizer) string {
	var parts []string
	if d.GivenAt != nil && !d.GivenAt.Equal(d.At) {
		parts = append(parts, loc.T("pdf.givenat", map[string]any{"At": dateTime(*d.GivenAt)}))
	}
	if d.ConsentText != nil {
		parts = append(parts, loc.T("pdf.textversion", map[string]any{"Version": d.ConsentText.Version}))
	}
	return strings.Join(parts, " · ")
}
