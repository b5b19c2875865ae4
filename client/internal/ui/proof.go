package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// ProofView is the read-only consent ledger of one person (Art. 7(1) GDPR): every grant and
// revocation over all purposes and all her records, oldest first, with source, evidence, who
// recorded it and the record it is on.
type ProofView struct {
	Table   *widget.Table
	Message *Notice // loading, how many events, or why they could not be loaded
	Events  []api.ProofEvent
	Records []api.ProofRecord // the record of each event, when the server says (ConsentProofRecords)
	Dialog  dialog.Dialog
	loc     localizer
}

// proofColumns are the ledger's columns: translation key and width.
var proofColumns = []struct {
	key   string
	width float32
}{
	{"proof.at", 195}, {"proof.purpose", 140}, {"proof.status", 100}, {"proof.source", 120},
	{"proof.evidence", 290}, {"proof.by", 150}, {"proof.record", 95},
}

func newProofView(loc localizer, win fyne.Window, name string) *ProofView {
	v := &ProofView{loc: loc, Message: newNotice(widget.MediumImportance)}
	v.Message.SetText(t("proof.loading"))
	v.Table = widget.NewTable(func() (int, int) { return len(v.Events), len(proofColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(v.Events) {
				o.(*widget.Label).SetText(v.Cell(id.Row, id.Col))
			}
		})
	v.Table.ShowHeaderRow = true
	v.Table.CreateHeader = func() fyne.CanvasObject { return boldLabel("") }
	v.Table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(proofColumns) {
			o.(*widget.Label).SetText(t(proofColumns[id.Col].key))
		}
	}
	for i, c := range proofColumns {
		v.Table.SetColumnWidth(i, c.width)
	}
	v.Table.Hide() // until there are events: column headers alone read as an empty ledger
	content := container.NewBorder(v.Message.Object(), nil, nil, nil, v.Table)
	v.Dialog = dialog.NewCustom(tf("proof.title", map[string]any{"Name": name}), t("action.close"), content, win)
	v.Dialog.Resize(fyne.NewSize(1210, 460))
	v.Dialog.Show()
	return v
}

// Cell is the text of one ledger cell.
func (v *ProofView) Cell(row, col int) string {
	e := v.Events[row]
	switch col {
	case 0:
		return v.loc.DateTime(e.At)
	case 1:
		return e.Purpose.Name
	case 2:
		return t("status." + string(e.Status))
	case 3:
		return app.ChannelText(e.Source, v.loc)
	case 4:
		if e.Evidence != nil {
			return *e.Evidence
		}
		return "—"
	case 5:
		return e.RecordedBy
	case 6:
		return app.ProofRecordOf(v.Records, row, e.At)
	}
	return ""
}

func (v *ProofView) show(events []api.ProofEvent, records []api.ProofRecord, err error) {
	switch {
	case err != nil:
		v.Message.ShowError(err, v.loc)
	case len(events) == 0:
		v.Message.SetText(t("proof.empty"))
	default:
		v.Message.SetText(tn("proof.count", len(events), nil))
	}
	v.Events, v.Records = events, records
	if len(events) == 0 {
		v.Table.Hide()
		return
	}
	v.Table.Show()
	v.Table.Refresh()
}
