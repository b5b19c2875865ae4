package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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
