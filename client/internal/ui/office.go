package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// OfficeScreen is the admin's set-up of the office (ADMIN tokens only): purposes and
// distribution lists, one API token per staff member (the secret shown once), and the
// webhooks with their deliveries.
type OfficeScreen struct {
	Tabs *container.AppTabs

	Purposes     *widget.List
	PurposeKey   *widget.Entry
	PurposeName  *widget.Entry
	PurposeDesc  *widget.Entry
	PurposeBasis *widget.Select
	AddPurpose   *widget.Button
	PurposeMsg   *Notice
	Lists        *widget.List
	ListKey      *widget.Entry
	ListName     *widget.Entry
	ListPurpose  *widget.Select
	AddList      *widget.Button
	ListMsg      *Notice

	Tokens        *widget.List
	TokenName     *widget.Entry
	TokenRole     *widget.Select
	TokenPurposes *widget.CheckGroup
	TokenExpires  *widget.Entry
	AddToken      *widget.Button
	TokenMsg      *Notice
	// Secret is the dialog that shows a new token's secret, while it is open; RevokeDialog
	// asks before a token is revoked.
	Secret       *SecretDialog
	RevokeDialog *ConfirmDialog

	Webhooks   *widget.List
	HookURL    *widget.Entry
	HookKinds  *widget.CheckGroup
	HookSecret *widget.Entry
	AddHook    *widget.Button
	HookMsg    *Notice
	Deliveries *widget.List
	DelTitle   *widget.Label
	// DeleteDialog asks before a webhook is removed.
	DeleteDialog *ConfirmDialog
	// NewSecretDialog asks for a webhook's new shared secret.
	NewSecretDialog *NewSecretDialog

	purposes    []api.PurposeFields
	lists       []api.ListFields
	tokens      []api.ApiTokenFields
	hooks       []api.WebhookFields
	deliveries  []api.WebhookDeliveryFields // of every webhook, newest first
	selected    string                      // the webhook whose deliveries are shown
	pickPurpose string                      // a purpose just created: the list form picks it once loaded
	o           app.Office
	loc         localizer
	win         fyne.Window
	now         func() time.Time
	// what each form sends, until its answer is known (Idempotency-Key)
	addingPurpose, addingList, addingToken, addingHook app.Submission
	firstToken                                         string // the name addingToken was first sent with
}

// DeliveryLimit is how many of the newest webhook deliveries the screen loads.
const DeliveryLimit = 200

func NewOfficeScreen(o app.Office, loc localizer, win fyne.Window) *OfficeScreen {
	s := &OfficeScreen{o: o, loc: loc, win: win, now: time.Now}
	s.Tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(t("office.tab.purposes"), theme.ListIcon(), s.purposesTab()),
		container.NewTabItemWithIcon(t("office.tab.tokens"), theme.LoginIcon(), s.tokensTab()),
		container.NewTabItemWithIcon(t("office.tab.webhooks"), theme.MailSendIcon(), s.webhooksTab()),
	)
	return s
}

func (s *OfficeScreen) Object() fyne.CanvasObject { return s.Tabs }

// Reload loads purposes, lists, tokens, webhooks and deliveries.
func (s *OfficeScreen) Reload() {
	s.loadPurposes()
	s.loadTokens()
	s.loadWebhooks()
}

func dangerNotice() *Notice { return newNotice(widget.DangerImportance) }

func rowLabel() *widget.Label {
	l := widget.NewLabel("row")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func formGrid(pairs ...fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewFormLayout(), pairs...)
}

// officeErrorText words the screen's own checks, then whatever the server said.
func officeErrorText(err error, loc localizer) string { return officeText(err, loc, app.ErrorText) }

// officeSubmissionErrorText is officeErrorText for a write sent with app.Submit from screen:
// when it is unclear whether it was carried out, it says that sending it again is safe.
func officeSubmissionErrorText(err error, screen app.Screen, loc localizer) string {
	return officeText(err, loc, func(err error, loc app.Localizer) string { return app.SubmissionErrorText(err, screen, loc) })
}

func officeText(err error, loc localizer, otherwise func(error, app.Localizer) string) string {
	var oe app.OfficeError
	if errors.As(err, &oe) {
		data := app.DayData(loc) // a day typed wrong is told the form to type
		for k, v := range oe.Data {
			data[k] = v
		}
		return tf("office.error."+oe.Key, data)
	}
	return otherwise(err, loc)
}

// ---- purposes and lists

var legalBases = []api.LegalBasis{api.LegalBasisConsent, api.LegalBasisContract, api.LegalBasisLegitimateInterest}

func (s *OfficeScreen) purposesTab() fyne.CanvasObject {
	s.Purposes = widget.NewList(func() int { return len(s.purposes) }, func() fyne.CanvasObject { return rowLabel() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.purposeText(s.purposes[i]))
		})
	s.PurposeKey, s.PurposeName, s.PurposeDesc = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	s.PurposeKey.SetPlaceHolder("newsletter")
	s.PurposeName.SetPlaceHolder(t("office.purpose.name.hint"))
	var bases []string
	for _, b := range legalBases {
		bases = append(bases, t("basis."+string(b)))
	}
	s.PurposeBasis = widget.NewSelect(bases, nil)
	s.PurposeBasis.SetSelectedIndex(0)
	s.PurposeMsg = dangerNotice()
	s.AddPurpose = widget.NewButtonWithIcon(t("office.purpose.add"), theme.ContentAddIcon(), s.createPurpose)
	s.AddPurpose.Importance = widget.HighImportance
	purposeForm := container.NewVBox(boldLabel(t("office.purpose.new")),
		formGrid(widget.NewLabel(t("office.key")), s.PurposeKey, widget.NewLabel(t("office.name")), s.PurposeName,
			widget.NewLabel(t("office.purpose.basis")), s.PurposeBasis, widget.NewLabel(t("office.purpose.desc")), s.PurposeDesc),
		container.NewHBox(layout.NewSpacer(), s.AddPurpose), s.PurposeMsg.Object())

	s.Lists = widget.NewList(func() int { return len(s.lists) }, func() fyne.CanvasObject { return rowLabel() },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(s.listText(s.lists[i])) })
	s.ListKey, s.ListName = widget.NewEntry(), widget.NewEntry()
	s.ListKey.SetPlaceHolder("newsletter-kunden")
	s.ListName.SetPlaceHolder(t("office.list.name.hint"))
	s.ListPurpose = widget.NewSelect(nil, nil)
	s.ListPurpose.PlaceHolder = t("office.list.purpose.pick")
	s.ListMsg = dangerNotice()
	s.AddList = widget.NewButtonWithIcon(t("office.list.add"), theme.ContentAddIcon(), s.createList)
	s.AddList.Importance = widget.HighImportance
	listForm := container.NewVBox(boldLabel(t("office.list.new")),
		formGrid(widget.NewLabel(t("office.key")), s.ListKey, widget.NewLabel(t("office.name")), s.ListName,
			widget.NewLabel(t("office.list.purpose")), s.ListPurpose),
		container.NewHBox(layout.NewSpacer(), s.AddList), s.ListMsg.Object())

	purposes := container.NewBorder(container.NewVBox(boldLabel(t("office.purposes")), wrapLabel(t("office.purposes.text"))), purposeForm, nil, nil, s.Purposes)
	lists := container.NewBorder(container.NewVBox(boldLabel(t("office.lists")), wrapLabel(t("office.lists.text"))), listForm, nil, nil, s.Lists)
	return container.NewGridWithColumns(2, purposes, lists)
}

func (s *OfficeScreen) purposeText(p api.PurposeFields) string {
	text := fmt.Sprintf("%s · %s · %s", p.Name, p.Key, t("basis."+string(p.LegalBasis)))
	if p.Description != nil && *p.Description != "" {
		text += " · " + *p.Description
	}
	return text
}

func (s *OfficeScreen) listText(l api.ListFields) string {
	return tf("office.list.row", map[string]any{"Name": l.Name, "Key": l.Key, "Purpose": l.Purpose.Name})
}

func (s *OfficeScreen) loadPurposes() {
	go func() {
		ctx := context.Background()
		purposes, err := s.o.Purposes(ctx)
		lists, lerr := s.o.Lists(ctx)
		do(func() {
			if err = errors.Join(err, lerr); err != nil {
				s.PurposeMsg.Show(officeErrorText(err, s.loc), err)
				return
			}
			s.purposes, s.lists = purposes, lists
			var names []string
			for _, p := range purposes {
				names = append(names, p.Name)
			}
			s.ListPurpose.SetOptions(names)
			if s.pickPurpose != "" {
				s.ListPurpose.SetSelected(s.pickPurpose)
				s.pickPurpose = ""
			}
			s.Purposes.Refresh()
			s.Lists.Refresh()
			s.TokenPurposes.Options = purposeKeys(purposes)
			s.TokenPurposes.Refresh()
		})
	}()
}

func purposeKeys(ps []api.PurposeFields) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Key)
	}
	return out
}

func (s *OfficeScreen) createPurpose() {
	basis := api.LegalBasis("")
	if i := s.PurposeBasis.SelectedIndex(); i >= 0 {
		basis = legalBases[i]
	}
	key, name, desc := s.PurposeKey.Text, s.PurposeName.Text, s.PurposeDesc.Text
	s.AddPurpose.Disable()
	s.PurposeMsg.SetText("")
	go func() {
		p, err := app.Submit(&s.addingPurpose, func(ctx context.Context) (api.PurposeFields, error) {
			return app.CreatePurpose(ctx, s.o, key, name, basis, desc)
		})
		do(func() {
			s.AddPurpose.Enable()
			if err != nil {
				s.PurposeMsg.Show(officeSubmissionErrorText(err, app.ScreenPurpose, s.loc), err)
				if app.SentAgainChanged(err) {
					s.loadPurposes() // the first send made it: the text says to see the list
				}
				return
			}
			s.PurposeMsg.SetText("")
			s.PurposeKey.SetText("")
			s.PurposeName.SetText("")
			s.PurposeDesc.SetText("")
			s.pickPurpose = p.Name
			s.loadPurposes()
		})
	}()
}

func (s *OfficeScreen) createList() {
	purposeKey := ""
	if i := s.ListPurpose.SelectedIndex(); i >= 0 && i < len(s.purposes) {
		purposeKey = s.purposes[i].Key
	}
	key, name := s.ListKey.Text, s.ListName.Text
	s.AddList.Disable()
	s.ListMsg.SetText("")
	go func() {
		_, err := app.Submit(&s.addingList, func(ctx context.Context) (api.ListFields, error) {
			return app.CreateList(ctx, s.o, key, name, purposeKey)
		})
		do(func() {
			s.AddList.Enable()
			if err != nil {
				s.ListMsg.Show(officeSubmissionErrorText(err, app.ScreenList, s.loc), err)
				if app.SentAgainChanged(err) {
					s.loadPurposes()
				}
				return
			}
			s.ListMsg.SetText("")
			s.ListKey.SetText("")
			s.ListName.SetText("")
			s.loadPurposes()
		})
	}()
}

// ---- API tokens

var roles = []api.Role{api.RoleStaff, api.RoleIntegrator, api.RoleAdmin}

func (s *OfficeScreen) tokensTab() fyne.CanvasObject {
	s.Tokens = widget.NewList(func() int { return len(s.tokens) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon(t("office.token.revoke"), theme.CancelIcon(), nil), rowLabel())
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			tok := s.tokens[i]
			row.Objects[0].(*widget.Label).SetText(s.tokenText(tok))
			btn := row.Objects[1].(*widget.Button)
			btn.OnTapped = func() { s.AskRevoke(i) }
			if app.TokenActive(tok, s.now()) {
				btn.Show()
			} else {
				btn.Hide()
			}
		})
	s.TokenName = widget.NewEntry()
	s.TokenName.SetPlaceHolder(t("office.token.name.hint"))
	var roleNames []string
	for _, r := range roles {
		roleNames = append(roleNames, t("role."+string(r)))
	}
	s.TokenPurposes = widget.NewCheckGroup(nil, nil)
	s.TokenPurposes.Horizontal = true
	purposesRow := container.NewHBox(widget.NewLabel(t("office.token.purposes")), s.TokenPurposes)
	purposesRow.Hide()
	s.TokenRole = widget.NewSelect(roleNames, func(string) {
		if s.selectedRole() == api.RoleIntegrator {
			purposesRow.Show()
		} else {
			purposesRow.Hide()
		}
	})
	s.TokenRole.SetSelectedIndex(0)
	s.TokenExpires = widget.NewEntry()
	s.TokenExpires.SetPlaceHolder(tf("office.token.expires.hint", app.DayData(s.loc)))
	s.TokenMsg = dangerNotice()
	s.AddToken = widget.NewButtonWithIcon(t("office.token.add"), theme.ContentAddIcon(), s.createToken)
	s.AddToken.Importance = widget.HighImportance
	form := container.NewVBox(boldLabel(t("office.token.new")),
		formGrid(widget.NewLabel(t("office.token.name")), s.TokenName, widget.NewLabel(t("office.token.role")), s.TokenRole,
			widget.NewLabel(t("office.token.expires")), s.TokenExpires),
		purposesRow, container.NewHBox(layout.NewSpacer(), s.AddToken), s.TokenMsg.Object())
	return container.NewBorder(container.NewVBox(boldLabel(t("office.tokens")), wrapLabel(t("office.tokens.text"))), form, nil, nil, s.Tokens)
}

func (s *OfficeScreen) selectedRole() api.Role {
	if i := s.TokenRole.SelectedIndex(); i >= 0 {
		return roles[i]
	}
	return ""
}

func (s *OfficeScreen) tokenText(tok api.ApiTokenFields) string {
	parts := []string{tok.Name, t("role." + string(tok.Role))}
	if len(tok.PurposeKeys) > 0 {
		parts = append(parts, strings.Join(tok.PurposeKeys, ", "))
	}
	parts = append(parts, tf("office.token.created", map[string]any{"Date": s.loc.Date(tok.CreatedAt)}))
	if tok.LastUsedAt != nil {
		parts = append(parts, tf("office.token.used", map[string]any{"Date": s.loc.DateTime(*tok.LastUsedAt)}))
	} else {
		parts = append(parts, t("office.token.unused"))
	}
	switch {
	case tok.RevokedAt != nil:
		parts = append(parts, tf("office.token.revoked", map[string]any{"Date": s.loc.Date(*tok.RevokedAt)}))
	case tok.ExpiresAt != nil && !tok.ExpiresAt.After(s.now()):
		parts = append(parts, tf("office.token.expired", map[string]any{"Date": s.loc.Date(*tok.ExpiresAt)}))
	case tok.ExpiresAt != nil:
		parts = append(parts, tf("office.token.expires.on", map[string]any{"Date": s.loc.Date(*tok.ExpiresAt)}))
	}
	return strings.Join(parts, " · ")
}

// TokenList is what the tokens list shows, active ones first.
func (s *OfficeScreen) TokenList() []api.ApiTokenFields { return s.tokens }

func (s *OfficeScreen) loadTokens() {
	go func() {
		tokens, err := s.o.ApiTokens(context.Background())
		do(func() {
			if err != nil {
				s.TokenMsg.Show(officeErrorText(err, s.loc), err)
				return
			}
			app.SortTokens(tokens, s.now())
			s.tokens = tokens
			s.Tokens.Refresh()
		})
	}()
}

func (s *OfficeScreen) createToken() {
	req := app.TokenRequest{Name: s.TokenName.Text, Role: s.selectedRole(), PurposeKeys: s.TokenPurposes.Selected, Expires: s.TokenExpires.Text}
	existing := s.tokens
	if s.addingToken.Pending() {
		// The token listed under this name may be the unanswered send's own: sent again, the
		// server makes no other and says it was made (its secret is not kept to show again).
		existing = nil
	}
	if !s.addingToken.Pending() {
		s.firstToken = strings.TrimSpace(req.Name)
	}
	first := s.firstToken
	s.AddToken.Disable()
	s.TokenMsg.SetText("")
	go func() {
		created, err := app.Submit(&s.addingToken, func(ctx context.Context) (api.CreatedApiToken, error) {
			return app.CreateToken(ctx, s.o, req, existing, s.now())
		})
		do(func() {
			s.AddToken.Enable()
			if app.AlreadyCarriedOut(err) {
				// made by the send whose answer was lost; its secret was shown to no one
				s.TokenMsg.Show(tf("office.token.madeBefore", map[string]any{"Name": strings.TrimSpace(req.Name)}), nil)
				s.loadTokens()
				return
			}
			if err != nil {
				s.TokenMsg.Show(officeText(err, s.loc, func(err error, loc app.Localizer) string {
					return app.SubmissionErrorTextNaming(err, app.ScreenToken, first, loc)
				}), err)
				if app.SentAgainChanged(err) {
					s.loadTokens() // the text says to revoke it in the list
				}
				return
			}
			s.TokenMsg.SetText("")
			s.TokenName.SetText("")
			s.TokenExpires.SetText("")
			s.TokenPurposes.SetSelected(nil)
			s.Secret = showSecretDialog(s.win, created)
			s.loadTokens()
		})
	}()
}

// AskRevoke asks whether to revoke token i, then revokes it.
func (s *OfficeScreen) AskRevoke(i int) {
	if i < 0 || i >= len(s.tokens) {
		return
	}
	tok := s.tokens[i]
	s.RevokeDialog = showConfirmDialog(s.win, tf("office.token.revoke.title", map[string]any{"Name": tok.Name}),
		t("office.token.revoke.text"), t("office.token.revoke"), func(d *ConfirmDialog) {
			go func() {
				_, err := app.Submit(&d.sub, func(ctx context.Context) (api.ApiTokenFields, error) {
					return s.o.RevokeApiToken(ctx, tok.Id)
				})
				do(func() {
					if err != nil {
						d.Fail(officeSubmissionErrorText(err, app.NoScreen, s.loc), err)
						return
					}
					d.Close()
					s.RevokeDialog = nil
					s.loadTokens()
				})
			}()
		})
}

// SecretDialog shows a new token's secret once, with a button that copies it.
type SecretDialog struct {
	Secret *widget.Entry
	Copy   *widget.Button
	Copied *widget.Label
	Close  *widget.Button
	Dialog dialog.Dialog
}

func showSecretDialog(win fyne.Window, created api.CreatedApiToken) *SecretDialog {
	d := &SecretDialog{Secret: widget.NewEntry(), Copied: widget.NewLabel("")}
	d.Secret.SetText(created.Secret)
	// Typing in it changes nothing: what the server made is what is shown.
	d.Secret.OnChanged = func(string) { d.Secret.SetText(created.Secret) }
	d.Copy = widget.NewButtonWithIcon(t("office.secret.copy"), theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(created.Secret)
		d.Copied.SetText(t("office.secret.copied"))
	})
	d.Copy.Importance = widget.HighImportance
	d.Close = widget.NewButton(t("action.close"), func() { d.Dialog.Hide() })
	text := wrapLabel(tf("office.secret.text", map[string]any{"Name": created.Token.Name, "Role": t("role." + string(created.Token.Role))}))
	content := container.NewVBox(text, container.NewBorder(nil, nil, nil, d.Copy, d.Secret), d.Copied,
		wrapLabel(t("office.secret.howto")), container.NewHBox(layout.NewSpacer(), d.Close))
	d.Dialog = dialog.NewCustomWithoutButtons(t("office.secret.title"), content, win)
	d.Dialog.Resize(fyne.NewSize(640, 320))
	d.Dialog.Show()
	return d
}

// ConfirmDialog asks before an irreversible step, with Cancel focused (a space, the reflex
// of someone who did not mean it, keeps everything; no key confirms); it stays open until the
// step succeeded, so a server error can be shown in it.
type ConfirmDialog struct {
	Text    *widget.Label // the question
	Confirm *widget.Button
	Abort   *widget.Button
	Message *Notice
	Dialog  dialog.Dialog

	sub app.Submission // what the dialog sends, until its answer is known (Idempotency-Key)
}

func showConfirmDialog(win fyne.Window, title, text, confirm string, onConfirm func(*ConfirmDialog)) *ConfirmDialog {
	d := &ConfirmDialog{Text: wrapLabel(text), Message: newNotice(widget.DangerImportance)}
	d.Confirm = widget.NewButtonWithIcon(confirm, theme.WarningIcon(), func() {
		d.Confirm.Disable()
		onConfirm(d)
	})
	d.Confirm.Importance = widget.DangerImportance
	d.Abort = widget.NewButton(t("action.cancel"), func() { d.Dialog.Hide() })
	content := container.NewVBox(d.Text, d.Message.Object(), container.NewHBox(layout.NewSpacer(), d.Abort, d.Confirm))
	d.Dialog = dialog.NewCustomWithoutButtons(title, content, win)
	d.Dialog.Resize(fyne.NewSize(520, 220))
	d.Dialog.Show()
	win.Canvas().Focus(d.Abort)
	return d
}

// Fail shows why the step failed (text, with err's technical cause folded away) and lets the
// user confirm again.
func (d *ConfirmDialog) Fail(text string, err error) {
	d.Message.Show(text, err)
	d.Confirm.Enable()
}

func (d *ConfirmDialog) Close() { d.Dialog.Hide() }

// ---- webhooks

// hookKinds are what newsletter software needs to stop mailing someone: a revocation, an
// erasure, a block, and a merge (the merged-away id is gone).
var hookKinds = []api.RevocationKind{api.RevocationKindConsentRevoked, api.RevocationKindContactErased,
	api.RevocationKindContactBlocked, api.RevocationKindContactMerged}

func (s *OfficeScreen) webhooksTab() fyne.CanvasObject {
	s.Webhooks = widget.NewList(func() int { return len(s.hooks) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, container.NewHBox(
				widget.NewButtonWithIcon(t("office.webhook.secret.new"), theme.VisibilityOffIcon(), nil),
				widget.NewButtonWithIcon(t("office.webhook.delete"), theme.DeleteIcon(), nil)), rowLabel())
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(s.hookText(s.hooks[i]))
			buttons := row.Objects[1].(*fyne.Container)
			buttons.Objects[0].(*widget.Button).OnTapped = func() { s.AskNewSecret(i) }
			buttons.Objects[1].(*widget.Button).OnTapped = func() { s.AskDelete(i) }
		})
	s.Webhooks.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(s.hooks) {
			s.ShowDeliveries(s.hooks[i].Id)
		}
	}
	s.DelTitle = boldLabel(t("office.deliveries.pick"))
	s.Deliveries = widget.NewList(func() int { return len(s.shownDeliveries()) }, func() fyne.CanvasObject { return rowLabel() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			ds := s.shownDeliveries()
			if i < len(ds) {
				o.(*widget.Label).SetText(s.deliveryText(ds[i]))
			}
		})
	s.HookURL = widget.NewEntry()
	s.HookURL.SetPlaceHolder("https://newsletter.example.com/vermerk")
	var kindNames []string
	for _, k := range hookKinds {
		kindNames = append(kindNames, t("office.kind."+string(k)))
	}
	s.HookKinds = widget.NewCheckGroup(kindNames, nil)
	s.HookKinds.Horizontal = true
	s.HookKinds.SetSelected(kindNames)
	s.HookSecret = widget.NewPasswordEntry()
	s.HookSecret.SetPlaceHolder(tf("office.webhook.secret.hint", map[string]any{"Min": app.WebhookSecretMin}))
	s.HookMsg = dangerNotice()
	s.AddHook = widget.NewButtonWithIcon(t("office.webhook.add"), theme.ContentAddIcon(), s.createWebhook)
	s.AddHook.Importance = widget.HighImportance
	refresh := widget.NewButtonWithIcon(t("action.refresh"), theme.ViewRefreshIcon(), s.loadWebhooks)
	form := container.NewVBox(boldLabel(t("office.webhook.new")),
		formGrid(widget.NewLabel(t("office.webhook.url")), s.HookURL, widget.NewLabel(t("office.webhook.kinds")), s.HookKinds,
			widget.NewLabel(t("office.webhook.secret")), s.HookSecret),
		container.NewHBox(layout.NewSpacer(), s.AddHook), s.HookMsg.Object())
	hooks := container.NewBorder(container.NewVBox(container.NewHBox(boldLabel(t("office.webhooks")), layout.NewSpacer(), refresh),
		wrapLabel(t("office.webhooks.text"))), form, nil, nil, s.Webhooks)
	deliveries := container.NewBorder(s.DelTitle, nil, nil, nil, s.Deliveries)
	split := container.NewVSplit(hooks, deliveries)
	split.Offset = 0.62
	return split
}

func (s *OfficeScreen) hookText(h api.WebhookFields) string {
	var kinds []string
	for _, k := range h.Kinds {
		kinds = append(kinds, t("office.kind."+string(k)))
	}
	var mine []api.WebhookDeliveryFields
	for _, d := range s.deliveries {
		if d.WebhookId == h.Id {
			mine = append(mine, d)
		}
	}
	sum := app.DeliverySummary(mine)
	status := tf("office.webhook.summary", map[string]any{"Delivered": sum[api.DeliveryStatusDelivered],
		"Pending": sum[api.DeliveryStatusPending], "Failed": sum[api.DeliveryStatusFailed]})
	return strings.Join([]string{h.Url, strings.Join(kinds, ", "), tf("office.token.created", map[string]any{"Date": s.loc.Date(h.CreatedAt)}), status}, " · ")
}

func (s *OfficeScreen) shownDeliveries() []api.WebhookDeliveryFields {
	var out []api.WebhookDeliveryFields
	for _, d := range s.deliveries {
		if d.WebhookId == s.selected {
			out = append(out, d)
		}
	}
	return out
}

// ShownDeliveries are the deliveries of the selected webhook, newest first.
func (s *OfficeScreen) ShownDeliveries() []api.WebhookDeliveryFields { return s.shownDeliveries() }

// HookList is what the webhooks list shows.
func (s *OfficeScreen) HookList() []api.WebhookFields { return s.hooks }

func (s *OfficeScreen) deliveryText(d api.WebhookDeliveryFields) string {
	at := ""
	if d.LastAttemptAt != nil {
		at = s.loc.DateTime(*d.LastAttemptAt)
	}
	text := tf("office.delivery."+string(d.Status), map[string]any{"Kind": t("office.kind." + string(d.Kind)), "At": at,
		"Attempts": d.Attempts})
	if d.DeliveredAt != nil {
		text += " · " + s.loc.DateTime(*d.DeliveredAt)
	}
	if d.LastError != nil && *d.LastError != "" && d.Status != api.DeliveryStatusDelivered {
		text += " · " + *d.LastError
	}
	if d.NextAttemptAt != nil && d.Status == api.DeliveryStatusPending {
		text += " · " + tf("office.delivery.next", map[string]any{"At": s.loc.DateTime(*d.NextAttemptAt)})
	}
	return text
}

// ShowDeliveries shows the deliveries of one webhook.
func (s *OfficeScreen) ShowDeliveries(webhookID string) {
	s.selected = webhookID
	for _, h := range s.hooks {
		if h.Id == webhookID {
			s.DelTitle.SetText(tf("office.deliveries", map[string]any{"URL": h.Url}))
		}
	}
	s.Deliveries.Refresh()
}

func (s *OfficeScreen) loadWebhooks() {
	go func() {
		ctx := context.Background()
		hooks, err := s.o.Webhooks(ctx)
		deliveries, derr := s.o.WebhookDeliveries(ctx, "", DeliveryLimit)
		do(func() {
			if err = errors.Join(err, derr); err != nil {
				s.HookMsg.Show(officeErrorText(err, s.loc), err)
				return
			}
			s.hooks, s.deliveries = hooks, deliveries
			s.Webhooks.Refresh()
			if s.selected == "" && len(hooks) > 0 {
				s.selected = hooks[0].Id
			}
			s.ShowDeliveries(s.selected)
		})
	}()
}

func (s *OfficeScreen) createWebhook() {
	var kinds []api.RevocationKind
	for i, k := range hookKinds {
		name := t("office.kind." + string(k))
		for _, sel := range s.HookKinds.Selected {
			if sel == name {
				kinds = append(kinds, hookKinds[i])
			}
		}
	}
	url, secret := s.HookURL.Text, s.HookSecret.Text
	s.AddHook.Disable()
	s.HookMsg.SetText("")
	go func() {
		h, err := app.Submit(&s.addingHook, func(ctx context.Context) (api.WebhookFields, error) {
			return app.CreateWebhook(ctx, s.o, url, kinds, secret)
		})
		do(func() {
			s.AddHook.Enable()
			if err != nil {
				s.HookMsg.Show(officeSubmissionErrorText(err, app.ScreenWebhook, s.loc), err)
				if app.SentAgainChanged(err) {
					s.loadWebhooks()
				}
				return
			}
			s.HookMsg.SetText("")
			s.HookURL.SetText("")
			s.HookSecret.SetText("")
			s.selected = h.Id
			s.loadWebhooks()
		})
	}()
}

// AskDelete asks whether to remove webhook i, then removes it.
func (s *OfficeScreen) AskDelete(i int) {
	if i < 0 || i >= len(s.hooks) {
		return
	}
	h := s.hooks[i]
	s.DeleteDialog = showConfirmDialog(s.win, t("office.webhook.delete.title"), tf("office.webhook.delete.text", map[string]any{"URL": h.Url}),
		t("office.webhook.delete"), func(d *ConfirmDialog) {
			go func() {
				_, err := app.Submit(&d.sub, func(ctx context.Context) (api.WebhookFields, error) {
					return s.o.DeleteWebhook(ctx, h.Id)
				})
				do(func() {
					if err != nil {
						d.Fail(officeSubmissionErrorText(err, app.NoScreen, s.loc), err)
						return
					}
					d.Close()
					s.DeleteDialog = nil
					if s.selected == h.Id {
						s.selected = ""
					}
					s.loadWebhooks()
				})
			}()
		})
}

// NewSecretDialog asks for a webhook's new shared secret; it stays open until the server took
// it, so a refusal can be shown in it.
type NewSecretDialog struct {
	Secret  *widget.Entry
	Confirm *widget.Button
	Abort   *widget.Button
	Message *Notice
	Dialog  dialog.Dialog

	sub app.Submission // what the dialog sends, until its answer is known (Idempotency-Key)
}

// AskNewSecret asks for a new shared secret of webhook i and sets it: when the receiver
// rotates its secret, or when the server says the stored one cannot be used any more.
func (s *OfficeScreen) AskNewSecret(i int) {
	if i < 0 || i >= len(s.hooks) {
		return
	}
	h := s.hooks[i]
	d := &NewSecretDialog{Secret: widget.NewPasswordEntry(), Message: dangerNotice()}
	d.Secret.SetPlaceHolder(tf("office.webhook.secret.hint", map[string]any{"Min": app.WebhookSecretMin}))
	d.Confirm = widget.NewButtonWithIcon(t("office.webhook.secret.set"), theme.ConfirmIcon(), func() {
		d.Confirm.Disable()
		d.Message.SetText("")
		secret := d.Secret.Text
		go func() {
			_, err := app.Submit(&d.sub, func(ctx context.Context) (api.WebhookFields, error) {
				return app.SetWebhookSecret(ctx, s.o, h.Id, secret)
			})
			do(func() {
				if err != nil {
					d.Message.Show(officeSubmissionErrorText(err, app.ScreenWebhookSecret, s.loc), err)
					d.Confirm.Enable()
					return
				}
				d.Dialog.Hide()
				s.NewSecretDialog = nil
				s.loadWebhooks()
			})
		}()
	})
	d.Confirm.Importance = widget.HighImportance
	d.Abort = widget.NewButton(t("action.cancel"), func() { d.Dialog.Hide(); s.NewSecretDialog = nil })
	content := container.NewVBox(wrapLabel(tf("office.webhook.secret.text", map[string]any{"URL": h.Url})), d.Secret, d.Message.Object(),
		container.NewHBox(layout.NewSpacer(), d.Abort, d.Confirm))
	d.Dialog = dialog.NewCustomWithoutButtons(t("office.webhook.secret.title"), content, s.win)
	d.Dialog.Resize(fyne.NewSize(560, 260))
	d.Dialog.Show()
	s.win.Canvas().Focus(d.Secret)
	s.NewSecretDialog = d
}
