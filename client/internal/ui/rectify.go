package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// RecordCheck is one record of the person in the completion dialog of a RECTIFICATION
// request: staff open it to correct it, then tick Checked, or tick SomeoneElse when it only
// shares an e-mail or phone with the person (the server's keep).
type RecordCheck struct {
	Record      api.PersonRecordFields
	Name        *widget.Label // bold; says whether the request names the record
	Text        *widget.Label // e-mails and phones, address, what links it to the person
	Checked     *widget.Check
	SomeoneElse *widget.Check // nil for the record the request names
	Open        *widget.Button
}

// RectifyPanel lists the records of a rectification request's person in its completion
// dialog: the correction holds for the person, so every record is checked before the request
// is completed (DESIGN rule 8).
type RectifyPanel struct {
	Records []*RecordCheck
	Info    *Notice // loading, a failure, or how many records there are
	Reload  *widget.Button

	loaded    bool // the records have been fetched at least once
	requestID string
	b         app.RequestsBackend
	loc       localizer
	open      func(id string)
	box       *fyne.Container
	root      fyne.CanvasObject
}

func newRectifyPanel(b app.RequestsBackend, loc localizer, requestID string, open func(id string)) *RectifyPanel {
	p := &RectifyPanel{requestID: requestID, b: b, loc: loc, open: open, Info: newNotice(widget.MediumImportance), box: container.NewVBox()}
	p.Info.SetText(t("rectify.loading"))
	p.Reload = widget.NewButtonWithIcon(t("rectify.reload"), theme.ViewRefreshIcon(), func() { p.Load() })
	head := container.NewBorder(nil, nil, nil, p.Reload, boldLabel(t("rectify.title")))
	scroll := container.NewVScroll(p.box)
	scroll.SetMinSize(fyne.NewSize(0, 250))
	p.root = container.NewBorder(container.NewVBox(head, p.Info.Object()), nil, nil, nil, scroll)
	return p
}

func (p *RectifyPanel) Object() fyne.CanvasObject { return p.root }

// Load fetches the person's records; ticks already made stay with their record.
func (p *RectifyPanel) Load() {
	p.Reload.Disable()
	go func() {
		recs, err := p.b.PersonRecords(context.Background(), p.requestID)
		do(func() {
			p.Reload.Enable()
			if err != nil {
				p.Info.ShowError(err, p.loc)
				return
			}
			p.show(recs)
		})
	}()
}

func (p *RectifyPanel) show(recs []api.PersonRecordFields) {
	before := map[string]*RecordCheck{}
	for _, rc := range p.Records {
		before[rc.Record.Contact.Id] = rc
	}
	p.Records = p.Records[:0]
	p.box.RemoveAll()
	for _, rec := range recs {
		rc := p.row(rec)
		if old := before[rec.Contact.Id]; old != nil {
			rc.Checked.SetChecked(old.Checked.Checked)
			if rc.SomeoneElse != nil && old.SomeoneElse != nil {
				rc.SomeoneElse.SetChecked(old.SomeoneElse.Checked)
			}
		}
		p.Records = append(p.Records, rc)
		p.box.Add(container.NewBorder(nil, nil, nil,
			container.NewVBox(container.NewHBox(rc.Open, rc.Checked), someoneElseOrSpace(rc)), container.NewVBox(rc.Name, rc.Text)))
		p.box.Add(widget.NewSeparator())
	}
	p.loaded = true
	p.Info.SetText(tn("rectify.count", len(recs), nil))
}

func someoneElseOrSpace(rc *RecordCheck) fyne.CanvasObject {
	if rc.SomeoneElse == nil {
		return layoutSpacer()
	}
	return rc.SomeoneElse
}

// row builds the line of one record: name (and whether the request names it), e-mails and
// phones, address, and what it shares with the person's other records.
func (p *RectifyPanel) row(rec api.PersonRecordFields) *RecordCheck {
	c := rec.Contact
	name := app.DisplayName(c.ContactSummary)
	if rec.Named {
		name += " — " + t("rectify.named")
	}
	var lines []string
	if ids := append(append([]string{}, c.Emails...), c.Phones...); len(ids) > 0 {
		lines = append(lines, strings.Join(ids, " · "))
	}
	if a := c.Address; a != nil {
		lines = append(lines, strings.TrimSpace(a.Street+", "+a.PostalCode+" "+a.City))
	}
	if len(rec.SharedIdentifiers) > 0 {
		lines = append(lines, tf("rectify.linked", map[string]any{"Shared": strings.Join(rec.SharedIdentifiers, ", ")}))
	}
	rc := &RecordCheck{Record: rec, Name: boldLabel(name), Text: wrapLabel(strings.Join(lines, "\n"))}
	rc.Checked = widget.NewCheck(t("rectify.checked"), func(on bool) {
		if on && rc.SomeoneElse != nil {
			rc.SomeoneElse.SetChecked(false)
		}
	})
	if !rec.Named {
		rc.SomeoneElse = widget.NewCheck(t("rectify.someoneElse"), func(on bool) {
			if on {
				rc.Checked.SetChecked(false)
			}
		})
	}
	id := c.Id
	rc.Open = widget.NewButtonWithIcon(t("rectify.open"), theme.DocumentCreateIcon(), func() {
		if p.open != nil {
			p.open(id)
		}
	})
	if p.open == nil {
		rc.Open.Disable()
	}
	return rc
}

// Marks returns what completeRequest needs: the records ticked as checked, those ticked as
// someone else (keep), and whether every record is one or the other (false before the
// records are loaded).
func (p *RectifyPanel) Marks() (checked, keep []string, complete bool) {
	complete = p.loaded
	for _, rc := range p.Records {
		switch {
		case rc.Checked.Checked:
			checked = append(checked, rc.Record.Contact.Id)
		case rc.SomeoneElse != nil && rc.SomeoneElse.Checked:
			keep = append(keep, rc.Record.Contact.Id)
		default:
			complete = false
		}
	}
	return checked, keep, complete
}
