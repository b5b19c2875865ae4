package ui

import (
	"context"
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
	Message *widget.Label
	// GrantForm is the open grant dialog's fields.
	GrantForm *GrantForm
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
		Revoke: map[string]*widget.Button{}, Message: wrapLabel("")}
	v.Message.Importance = widget.DangerImportance
	v.Grant = widget.NewButtonWithIcon(t("action.grant"), theme.ContentAddIcon(), v.showGrant)
	box := container.NewVBox()
	for _, row := range app.ConsentRows(purposes, consents) {
		box.Add(v.row(row))
	}
	box.Add(v.Message)
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
	Text   *widget.Select
	Dialog dialog.Dialog
	keys   map[string]string
	texts  map[string][]app.TextChoice // by purpose key
	loc    localizer
	Fields *widget.Form // the dialog's form
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
	g.Source = widget.NewSelectEntry(channelTexts(app.ConsentSources, v.loc))
	g.Evidence = widget.NewEntry()
	g.Evidence.SetPlaceHolder(t("consents.evidence"))
	g.GivenAt = widget.NewEntry()
	g.GivenAt.SetPlaceHolder(t("consents.givenat.hint"))
	g.offerTexts()
	v.GrantForm = g
	g.Fields = widget.NewForm(
		widget.NewFormItem(t("consents.purpose"), g.Purpose),
		widget.NewFormItem(t("consents.text"), g.Text),
		widget.NewFormItem(t("consents.source"), g.Source),
		widget.NewFormItem(t("consents.evidence"), g.Evidence),
		widget.NewFormItem(t("consents.givenat"), g.GivenAt))
	g.Dialog = dialog.NewCustomConfirm(t("consents.grant.title"), t("action.save"), t("action.cancel"), g.Fields, func(ok bool) {
		if ok {
			v.SubmitGrant()
		}
	}, v.win)
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

// SubmitGrant records the consent the grant dialog holds.
func (v *ConsentsView) SubmitGrant() {
	f := v.GrantForm.form()
	go func() {
		_, err := app.GrantConsent(context.Background(), v.b, v.contactID, f, time.Now())
		do(func() { v.done(err) })
	}()
}

func (v *ConsentsView) showRevoke(key, name string) {
	channel := widget.NewSelectEntry(channelTexts(app.RevocationChannels, v.loc))
	dialog.ShowForm(tf("consents.revoke.title", map[string]any{"Purpose": name}), t("action.revoke"), t("action.cancel"),
		[]*widget.FormItem{widget.NewFormItem(t("consents.channel"), channel)}, func(ok bool) {
			if !ok {
				return
			}
			text := app.ChannelFromText(channel.Text, app.RevocationChannels, v.loc)
			go func() {
				c, err := app.Revoke(context.Background(), v.b, v.contactID, key, text)
				do(func() {
					if err == nil {
						v.showNotice(app.NoticeText(c, v.loc))
					}
					v.done(err)
				})
			}()
		}, v.win)
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
		v.Message.SetText(app.ErrorText(err, v.loc))
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
