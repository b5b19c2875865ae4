package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/app"
)

// Banner is a coloured box with a bold title and wrapped text, hidden while empty.
type Banner struct {
	Title *widget.Label
	Text  *widget.Label
	bg    *canvas.Rectangle
	box   *fyne.Container
}

func newBanner() *Banner {
	b := &Banner{
		Title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		Text:  widget.NewLabel(""),
		bg:    canvas.NewRectangle(color.Transparent),
	}
	b.Text.Wrapping = fyne.TextWrapWord
	b.Title.Wrapping = fyne.TextWrapWord
	b.bg.CornerRadius = theme.InputRadiusSize()
	icon := widget.NewIcon(theme.WarningIcon())
	b.box = container.NewStack(b.bg, container.NewPadded(container.NewBorder(nil, nil, icon, nil, container.NewVBox(b.Title, b.Text))))
	b.box.Hide()
	return b
}

// Show fills the banner; blocking ones are red, warnings orange.
func (b *Banner) Show(title, text string, blocking bool) {
	b.Title.SetText(title)
	b.Text.SetText(text)
	c := theme.Color(theme.ColorNameWarning)
	if blocking {
		c = theme.Color(theme.ColorNameError)
	}
	r, g, bl, _ := c.RGBA()
	b.bg.FillColor = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(bl >> 8), A: 0x50}
	b.bg.StrokeColor = c
	b.bg.StrokeWidth = 2
	b.bg.Refresh()
	b.box.Show()
}

func (b *Banner) Hide() { b.box.Hide() }

func (b *Banner) Visible() bool { return b.box.Visible() }

func (b *Banner) Object() fyne.CanvasObject { return b.box }

func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// widthLayout lays its objects out as wide as width (or the room there is, if less) and as
// high as they need at that width: wrapped text in a centred box reads as a paragraph, not as
// a column of single words.
type widthLayout struct{ width float32 }

func (l widthLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.width, h)
}

func (l widthLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(fyne.NewSize(min(l.width, size.Width), o.MinSize().Height))
		o.Move(fyne.Position{})
	}
}

func layoutSpacer() fyne.CanvasObject { return layout.NewSpacer() }

// Notice is a message in plain words with, when the server could not be asked or failed, the
// technical cause folded away under Technische Details (for whoever looks after the server):
// the one place that puts app.ErrorText's words and app.ErrorDetail's cause on screen. It is
// a label (Text, SetText, Importance) with the details below it; place Object(), not the
// label.
type Notice struct {
	*widget.Label
	Details *widget.Accordion
	Detail  *widget.Label
	box     *fyne.Container
	// news is the importance of a status notice's text without a cause (newStatusNotice);
	// nil for a notice that keeps the importance it was made with.
	news *widget.Importance
}

func newNotice(importance widget.Importance) *Notice {
	n := &Notice{Label: wrapLabel(""), Detail: wrapLabel("")}
	n.Label.Importance = importance
	n.Detail.TextStyle = fyne.TextStyle{Monospace: true}
	n.Details = widget.NewAccordion(widget.NewAccordionItem(t("offline.details"), n.Detail))
	n.Details.Hide()
	n.Label.Hide() // until it has something to say (Show)
	n.box = container.NewVBox(n.Label, n.Details)
	return n
}

// newStatusNotice is a Notice that says what happened as well as what failed (the importer's,
// a contact's detail): a text shown with a cause reads as an error, red as the contact form's
// message; one without, in importance.
func newStatusNotice(importance widget.Importance) *Notice {
	n := newNotice(importance)
	n.news = &importance
	return n
}

// Object is what a screen places: the text and, below it, the folded details.
func (n *Notice) Object() fyne.CanvasObject { return n.box }

// SetText shows text without details (a hint, a check of the app's own, or nothing).
func (n *Notice) SetText(text string) { n.Show(text, nil) }

// ShowError says what went wrong in the user's words, with the cause under the details.
func (n *Notice) ShowError(err error, loc localizer) { n.Show(app.ErrorText(err, loc), err) }

// Show shows text (a sentence built around app.ErrorText) with err's cause under the details,
// folded; without a cause the details go.
func (n *Notice) Show(text string, err error) {
	if n.news != nil {
		n.Label.Importance = *n.news
		if err != nil {
			n.Label.Importance = widget.DangerImportance
		}
	}
	n.Label.SetText(text)
	// nothing to say takes no room: an empty line stood as a gap above what follows
	if (text == "") != n.Label.Hidden {
		n.Label.Hidden = text == ""
		n.box.Refresh()
	}
	detail := app.ErrorDetail(err)
	if detail == n.Detail.Text && (detail == "") == !n.Details.Visible() {
		return
	}
	n.Detail.SetText(detail)
	n.Details.CloseAll()
	if detail == "" {
		n.Details.Hide()
	} else {
		n.Details.Show()
	}
	n.box.Refresh()
}
