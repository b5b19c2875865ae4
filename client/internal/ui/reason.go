package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/app"
)

// ReasonDialog asks for a written reason before something that is audited: saving a
// blacklisted person anyway, accepting a held import row, erasing a contact, lifting a
// blacklist entry. Confirm stays disabled while the reason is blank; the dialog stays open
// until the caller closes it, so a server error can be shown in Message.
type ReasonDialog struct {
	Details *widget.Label // what the decision is about (nil when the dialog names nothing)
	Reason  *widget.Entry
	Confirm *widget.Button
	Abort   *widget.Button
	Message *Notice
	Dialog  dialog.Dialog

	sub app.Submission // what the dialog sends, until its answer is known (Idempotency-Key)
}

// reasonSpec is what one ReasonDialog says.
type reasonSpec struct {
	Title, Text, Details, Confirm string
	Danger                        bool
	Extra                         fyne.CanvasObject   // shown above the reason, e.g. a date
	OnConfirm                     func(reason string) // called with the trimmed reason
	OnAbort                       func()
}

func showReasonDialog(win fyne.Window, spec reasonSpec) *ReasonDialog {
	d := &ReasonDialog{Reason: widget.NewMultiLineEntry(), Message: newNotice(widget.DangerImportance)}
	d.Reason.SetPlaceHolder(t("override.reason"))
	d.Reason.SetMinRowsVisible(3)
	d.Reason.Wrapping = fyne.TextWrapWord
	d.Confirm = widget.NewButtonWithIcon(spec.Confirm, theme.ConfirmIcon(), func() {
		reason := strings.TrimSpace(d.Reason.Text)
		if reason == "" {
			d.Message.SetText(t("override.required"))
			return
		}
		d.Confirm.Disable()
		spec.OnConfirm(reason)
	})
	d.Confirm.Importance = widget.HighImportance
	if spec.Danger {
		d.Confirm.Importance = widget.DangerImportance
		d.Confirm.Icon = theme.WarningIcon()
	}
	d.Confirm.Disable()
	d.Abort = widget.NewButton(t("action.cancel"), func() {
		d.Dialog.Hide()
		if spec.OnAbort != nil {
			spec.OnAbort()
		}
	})
	d.Reason.OnChanged = func(text string) {
		if !d.Confirm.Visible() {
			return // the first send did all there was to do (offerOnlyClose): its text stays
		}
		if strings.TrimSpace(text) == "" {
			d.Confirm.Disable()
		} else {
			d.Confirm.Enable()
			d.Message.SetText("")
		}
	}
	content := container.NewVBox(wrapLabel(spec.Text))
	if spec.Details != "" {
		d.Details = boldLabel(spec.Details)
		d.Details.Wrapping = fyne.TextWrapWord
		content.Add(d.Details)
	}
	if spec.Extra != nil {
		content.Add(spec.Extra)
	}
	content.Add(d.Reason)
	content.Add(d.Message.Object())
	content.Add(container.NewHBox(layoutSpacer(), d.Abort, d.Confirm))
	d.Dialog = dialog.NewCustomWithoutButtons(spec.Title, content, win)
	d.Dialog.Resize(fyne.NewSize(580, 380))
	d.Dialog.Show()
	win.Canvas().Focus(d.Reason)
	return d
}

// Fail shows why the server refused or could not be asked (text, with err's technical cause
// folded away), and lets the user send the same reason again: what was typed stays. When
// the first send of a reason changed since was carried out (app.SentAgainChanged), there is
// nothing left to send: the dialog offers only to close it.
func (d *ReasonDialog) Fail(text string, err error) {
	d.Message.Show(text, err)
	if app.SentAgainChanged(err) {
		offerOnlyClose(d.Confirm, d.Abort)
		return
	}
	d.Confirm.Enable()
}

// offerOnlyClose is a dialog whose first send did all there was to do (app.SentAgainChanged):
// its button goes, and its Cancel, which now sends nothing back, reads "Schließen". cancel is
// nil for a dialog whose only other button already reads so. Hidden, not only disabled: the
// dialog's fields enable the button as they are edited, and a hidden one stays out of reach.
func offerOnlyClose(confirm, cancel *widget.Button) {
	confirm.Disable()
	confirm.Hide()
	if cancel != nil {
		cancel.SetText(t("action.close"))
	}
}

// Close hides the dialog.
func (d *ReasonDialog) Close() { d.Dialog.Hide() }
