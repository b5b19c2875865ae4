package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// ConsentsView lists a contact's consent per purpose with its history, and records grants
// and revocations.
type ConsentsView struct {
	Grant   *widget.Button
	Revoke  map[string]*widget.Button // by purpose key, for granted consents
	Message *Notice
	// GrantForm is the open grant dialog's fields; RevokeForm the revoke dialog's.
	GrantForm  *GrantForm
	RevokeForm *RevokeForm
	// Histories are the ledgers, one accordion per purpose with a history.
	Histories []*widget.Accordion

	// Notice is what the server remarked on the last revocation, worded by the client.
	Notice    string
	OnChanged func()
	b         app.Backend
	loc       localizer
	win       fyne.Window
	contactID string
	purposes  []api.PurposeFields
	root      fyne.CanvasObject
}

func NewConsentsView(b app.Backend, loc localizer, win fyne.Window, contactID string, purposes []api.PurposeFields, consents []api.ConsentFields) *ConsentsView {
	v := &ConsentsView{b: b, loc: loc, win: win, contactID: contactID, purposes: purposes,
		Revoke: map[string]*widget.Button{}, Message: newNotice(widget.DangerImportance)}
	v.Grant = widget.NewButtonWithIcon(t("action.grant"), theme.ContentAddIcon(), v.showGrant)
	box := container.NewVBox()
	rows := app.ConsentRows(purposes, consents)
	if len(rows) == 0 {
		// no purpose set up, no consent: said as the lists say "Auf keinem Verteiler."
		none := widget.NewLabel(t("consents.empty"))
		none.Importance = widget.LowImportance
		box.Add(none)
	}
	for _, row := range rows {
		box.Add(v.row(row))
	}
	box.Add(v.Message.Object())
	box.Add(container.NewHBox(v.Grant))
	v.root = box
	return v
}

func (v *ConsentsView) Object() fyne.CanvasObject { return v.root }

func (v *ConsentsView) row(r app.ConsentRow) fyne.CanvasObject {
	name := boldLabel(r.Purpose.Name)
	status := widget.NewLabel(t("consents.none"))
	status.Importance = widget.LowImportance
	right := container.NewHBox()
	var history fyne.CanvasObject = container.NewVBox()
	if c := r.Consent; c != nil {
		switch {
		case c.Status == api.ConsentStatusGranted && c.GrantedAt != nil:
			status.SetText(tf("consents.granted", map[string]any{"Date": v.loc.Date(*c.GrantedAt)}))
			status.Importance = widget.SuccessImportance
		case c.Status == api.ConsentStatusRevoked && c.RevokedAt != nil:
			status.SetText(tf("consents.revoked", map[string]any{"Date": v.loc.Date(*c.RevokedAt)}))
			status.Importance = widget.WarningImportance
		default:
			status.SetText(t("status." + string(c.Status)))
		}
		if c.Status == api.ConsentStatusGranted {
			key, pname := r.Purpose.Key, r.Purpose.Name
			btn := widget.NewButton(t("action.revoke"), func() { v.showRevoke(key, pname) })
			v.Revoke[key] = btn
			right.Add(btn)
		}
		lines := container.NewVBox()
		for i := len(c.History) - 1; i >= 0; i-- {
			e := c.History[i]
			evidence := ""
			if e.Evidence != nil && *e.Evidence != "" {
				evidence = " · " + *e.Evidence
			}
			l := wrapLabel(tf("consents.event", map[string]any{"At": v.loc.DateTime(e.At), "Status": t("status." + string(e.Status)),
				"Source": app.ChannelText(e.Source, v.loc), "By": e.RecordedBy, "Evidence": evidence}))
			l.SizeName = theme.SizeNameCaptionText
			lines.Add(l)
		}
		if len(c.History) > 0 {
			acc := widget.NewAccordion(widget.NewAccordionItem(t("consents.history"), lines))
			v.Histories = append(v.Histories, acc)
			history = acc
		}
	}
	return container.NewVBox(container.NewBorder(nil, nil, nil, right, container.NewHBox(name, status)), history)
}

// GrantForm holds the fields of the grant dialog: every field of ConsentInput.
type GrantForm struct {
	Purpose  *widget.Select
	Source   *widget.SelectEntry
	Evidence *widget.Entry
	GivenAt  *widget.Entry
	// Text offers the purpose's consent text versions, newest first.
	Text *widget.Select
	// Save and Cancel end the dialog; Message says why the last save was refused (the
	// dialog stays open with what was typed).
	Save, Cancel *widget.Button
	Message      *Notice
	Dialog       dialog.Dialog
	keys         map[string]string
	texts        map[string][]app.TextChoice // by purpose key
	sub          app.Submission              // the consent being recorded, until its answer is known
	loc          localizer
	Fields       *widget.Form // the dialog's form
}

// form is what the dialog holds, for app.GrantConsent.
func (g *GrantForm) form() app.ConsentForm {
	f := app.ConsentForm{PurposeKey: g.keys[g.Purpose.Selected], Source: app.ChannelFromText(g.Source.Text, app.ConsentSources, g.loc), Evidence: g.Evidence.Text, GivenAt: g.GivenAt.Text}
	for _, c := range g.texts[f.PurposeKey] {
		if c.Label == g.Text.Selected {
			f.TextVersion = c.Version
		}
	}
	return f
}

// offerTexts fills the text choice with the chosen purpose's versions, the newest chosen.
func (g *GrantForm) offerTexts() {
	choices := g.texts[g.keys[g.Purpose.Selected]]
	labels := []string{t("consents.text.none")}
	for _, c := range choices {
		labels = append(labels, c.Label)
	}
	g.Text.SetOptions(labels)
	if len(choices) > 0 {
		g.Text.SetSelected(choices[0].Label)
		g.Text.Enable()
	} else {
		g.Text.SetSelected(labels[0])
		g.Text.Disable()
	}
	if g.Fields != nil {
		g.Fields.Refresh() // the label shows whether the choice is open
	}
}

func (v *ConsentsView) showGrant() {
	g := &GrantForm{keys: map[string]string{}, texts: map[string][]app.TextChoice{}, loc: v.loc}
	var names []string
	for _, p := range v.purposes {
		names = append(names, p.Name)
		g.keys[p.Name] = p.Key
	}
	g.Text = widget.NewSelect(nil, nil)
	g.Purpose = widget.NewSelect(names, func(string) { g.offerTexts() })
	g.Purpose.PlaceHolder = t("consents.purpose.pick")
	g.Source = widget.NewSelectEntry(channelTexts(app.ConsentSources, v.loc))
	g.Evidence = widget.NewEntry()
	g.Evidence.SetPlaceHolder(t("consents.evidence"))
	g.GivenAt = widget.NewEntry()
	g.GivenAt.SetPlaceHolder(tf("consents.givenat.hint", app.DayData(v.loc)))
	g.offerTexts()
	v.GrantForm = g
	g.Fields = widget.NewForm(
		widget.NewFormItem(t("consents.purpose"), g.Purpose),
		widget.NewFormItem(t("consents.text"), g.Text),
		widget.NewFormItem(t("consents.source"), g.Source),
		widget.NewFormItem(t("consents.evidence"), g.Evidence),
		widget.NewFormItem(t("consents.givenat"), g.GivenAt))
	g.Message = newNotice(widget.DangerImportance)
	g.Save = widget.NewButtonWithIcon(t("action.save"), theme.ConfirmIcon(), v.SubmitGrant)
	g.Save.Importance = widget.HighImportance
	g.Cancel = widget.NewButtonWithIcon(t("action.cancel"), theme.CancelIcon(), func() { g.Dialog.Hide() })
	g.Dialog = dialog.NewCustomWithoutButtons(t("consents.grant.title"),
		container.NewBorder(nil, container.NewVBox(g.Message.Object(), container.NewHBox(layoutSpacer(), g.Cancel, g.Save)), nil, nil, g.Fields), v.win)
	// wide enough for the start of a consent text
	g.Dialog.Resize(fyne.NewSize(860, 400))
	g.Dialog.Show()
	go func() {
		purposes, err := v.b.PurposesWithTexts(context.Background())
		if err != nil {
			return // an older server: the dialog offers no text versions
		}
		do(func() {
			for _, p := range purposes {
				g.texts[p.Key] = app.TextChoices(p, v.loc)
			}
			g.offerTexts()
		})
	}()
}

// SubmitGrant records the consent the grant dialog holds. A refusal is said in the dialog,
// which stays open with what was typed; a recorded consent closes it.
func (v *ConsentsView) SubmitGrant() {
	g := v.GrantForm
	f := g.form()
	g.Save.Disable()
	go func() {
		_, err := app.Submit(&g.sub, func(ctx context.Context) (api.ConsentFields, error) {
			return app.GrantConsent(ctx, v.b, v.contactID, f, time.Now())
		})
		do(func() {
			g.Save.Enable()
			if err != nil {
				g.Message.Show(app.SubmissionErrorText(err, app.ScreenConsentGrant, v.loc), err)
				if app.SentAgainChanged(err) {
					v.done(nil) // the first send recorded it: the detail behind the dialog shows it
				}
				return
			}
			g.Dialog.Hide()
			v.done(nil)
		})
	}()
}

// RevokeForm is the revoke dialog: how the person revoked (a choice, or typed), and the
// buttons. Revoke stays disabled while the channel is blank; a refusal is said in Message and
// the dialog stays open.
type RevokeForm struct {
	Channel         *widget.SelectEntry
	Confirm, Cancel *widget.Button
	Message         *Notice
	Dialog          dialog.Dialog

	sub app.Submission // what the dialog sends, until its answer is known (Idempotency-Key)
}

func (v *ConsentsView) showRevoke(key, name string) {
	r := &RevokeForm{Channel: widget.NewSelectEntry(channelTexts(app.RevocationChannels, v.loc)), Message: newNotice(widget.DangerImportance)}
	r.Channel.SetPlaceHolder(t("consents.channel.hint"))
	r.Confirm = widget.NewButtonWithIcon(t("action.revoke"), theme.ConfirmIcon(), func() {
		text := app.ChannelFromText(r.Channel.Text, app.RevocationChannels, v.loc)
		r.Confirm.Disable()
		go func() {
			c, err := app.Submit(&r.sub, func(ctx context.Context) (api.ConsentFields, error) {
				return app.Revoke(ctx, v.b, v.contactID, key, text)
			})
			do(func() {
				if err != nil {
					r.Message.Show(app.SubmissionErrorText(err, app.ScreenConsentRevoke, v.loc), err)
					if app.SentAgainChanged(err) {
						offerOnlyClose(r.Confirm, r.Cancel) // revoked by the first send
						v.done(nil)
						return
					}
					r.Confirm.Enable()
					return
				}
				r.Dialog.Hide()
				v.showNotice(app.NoticeText(c, v.loc))
				v.done(nil)
			})
		}()
	})
	r.Confirm.Importance = widget.HighImportance
	r.Confirm.Disable()
	r.Channel.OnChanged = func(s string) {
		if strings.TrimSpace(s) == "" {
			r.Confirm.Disable()
		} else {
			r.Confirm.Enable()
		}
	}
	r.Cancel = widget.NewButtonWithIcon(t("action.cancel"), theme.CancelIcon(), func() { r.Dialog.Hide() })
	content := container.NewVBox(widget.NewForm(widget.NewFormItem(t("consents.channel"), r.Channel)),
		r.Message.Object(), container.NewHBox(layoutSpacer(), r.Cancel, r.Confirm))
	r.Dialog = dialog.NewCustomWithoutButtons(tf("consents.revoke.title", map[string]any{"Purpose": name}), content, v.win)
	r.Dialog.Resize(fyne.NewSize(560, 220))
	v.RevokeForm = r
	r.Dialog.Show()
	v.win.Canvas().Focus(r.Channel)
}

// showNotice tells what the server remarked on a recorded change (a revocation of a consent
// never granted, …), in the user's language.
func (v *ConsentsView) showNotice(text string) {
	v.Notice = text
	if text != "" {
		dialog.ShowInformation(t("consents.notice.title"), text, v.win)
	}
}

func (v *ConsentsView) done(err error) {
	if err != nil {
		v.Message.Show(app.SaveErrorText(err, v.loc), err)
		return
	}
	if v.OnChanged != nil {
		v.OnChanged()
	}
}

// channelTexts are the offered sources or channels in the user's language.
func channelTexts(values []string, loc localizer) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = app.ChannelText(v, loc)
	}
	return out
}
