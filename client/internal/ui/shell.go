// Package ui is the Fyne desktop app: screens that hold their widgets as fields (so tests
// can type and tap), built on the app package's state and use cases. Goroutines reach
// widgets only through fyne.Do.
package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// Connect makes a backend for the settings; the real app uses api.New.
type Connect func(app.Settings) (app.Backend, error)

// ConnectAPI connects to a real server.
func ConnectAPI(s app.Settings) (app.Backend, error) {
	c, err := api.New(s.ServerURL, s.Token)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Shell is the main window: tabs for contacts, import and (for admins) the admin view, a
// status line, and the settings button.
type Shell struct {
	Win      fyne.Window
	Tabs     *container.AppTabs
	Contacts *ContactsScreen
	Import   *ImportScreen
	Admin    *AdminScreen
	Requests *RequestsScreen // data-subject requests (admins, against a server)
	Office   *OfficeScreen   // purposes and lists, tokens, webhooks (ADMIN, real server)
	Status   *widget.Label
	Link     *widget.Label
	Settings *widget.Button
	Dialog   *SettingsDialog // the open settings dialog, if any
	Offline  *OfflinePanel   // shown when the last connection attempt failed

	fa       fyne.App
	connect  Connect
	settings app.Settings
	loc      localizer
	backend  app.Backend
	viewer   api.Viewer
	cancel   context.CancelFunc
	ready    chan struct{}
}

// NewShell builds the main window and connects with the stored settings (or asks for them).
func NewShell(fa fyne.App, connect Connect) *Shell {
	return newShell(fa, connect, app.LoadSettings(fa.Preferences()))
}

// NewDemoShell runs the window against an in-memory backend (no server, no settings needed).
func NewDemoShell(fa fyne.App, b app.Backend) *Shell {
	settings := app.LoadSettings(fa.Preferences())
	settings.Token = "demo"
	return newShell(fa, func(app.Settings) (app.Backend, error) { return b, nil }, settings)
}

func newShell(fa fyne.App, connect Connect, settings app.Settings) *Shell {
	s := &Shell{fa: fa, connect: connect, settings: settings, ready: make(chan struct{})}
	s.loc = SetLanguage(s.settings.Language)
	s.Win = fa.NewWindow(t("app.title"))
	s.Win.Resize(fyne.NewSize(1100, 720))
	s.Status = widget.NewLabel("")
	s.Link = widget.NewLabel("")
	s.Link.Importance = widget.LowImportance
	// An outage's sentence is longer than the status line: cut it short rather than widen the
	// window past the screen (the full words are where the work is: the form, the feed).
	s.Link.Truncation = fyne.TextTruncateEllipsis
	s.Settings = widget.NewButtonWithIcon(t("action.settings"), theme.SettingsIcon(), func() { s.ShowSettings() })
	s.setMain(container.NewCenter(widget.NewLabel(t("settings.needed"))))
	s.Win.SetOnClosed(func() {
		if s.cancel != nil {
			s.cancel()
		}
	})
	if s.settings.Complete() {
		s.Connect()
	} else {
		s.ShowSettings()
	}
	return s
}

// Ready is closed once the first connection attempt has finished (for tests and screenshots).
func (s *Shell) Ready() <-chan struct{} { return s.ready }

// Connect (re)connects with the current settings and rebuilds the screens.
func (s *Shell) Connect() {
	if s.cancel != nil {
		s.cancel()
	}
	b, err := s.connect(s.settings)
	if err != nil {
		s.showOffline(err)
		s.markReady()
		return
	}
	s.backend = b
	if s.Offline != nil {
		s.Offline.Retry.Disable()
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		v, err := b.Me(ctx)
		do(func() {
			defer s.markReady()
			if err != nil {
				s.showOffline(err)
				if errors.Is(err, api.ErrUnauthenticated) && s.Dialog == nil {
					s.ShowSettings()
				}
				return
			}
			s.viewer = v
			s.build()
		})
	}()
}

// setMain shows o above the status line.
func (s *Shell) setMain(o fyne.CanvasObject) {
	s.Win.SetContent(container.NewBorder(nil, container.NewBorder(nil, nil, s.Status, s.Settings, s.Link), nil, nil, o))
}

// OfflinePanel takes the window's place when the server could not be asked: what went wrong
// and what to do in words, a button to try again, and the technical cause folded away under
// Details (a Notice: the address asked and the network's or server's message, no personal
// data).
type OfflinePanel struct {
	Text    *widget.Label
	Retry   *widget.Button
	Details *widget.Accordion
	Detail  *widget.Label
	notice  *Notice
}

// showOffline shows why connecting failed; the technical cause goes to the log too.
func (s *Shell) showOffline(err error) {
	fyne.LogError("connecting to the server", err)
	s.Status.SetText(t("offline.status"))
	if s.Offline == nil || s.Tabs != nil {
		n := newNotice(widget.MediumImportance)
		p := &OfflinePanel{Text: n.Label, Details: n.Details, Detail: n.Detail, notice: n}
		p.Retry = widget.NewButtonWithIcon(t("offline.retry"), theme.ViewRefreshIcon(), func() { s.Connect() })
		p.Retry.Importance = widget.HighImportance
		settings := widget.NewButtonWithIcon(t("action.settings"), theme.SettingsIcon(), func() { s.ShowSettings() })
		title := boldLabel(t("offline.title"))
		title.SizeName = theme.SizeNameSubHeadingText
		box := container.NewVBox(title, n.Label, container.NewHBox(p.Retry, settings), n.Details)
		s.Offline = p
		s.Tabs = nil
		s.setMain(container.NewCenter(container.New(widthLayout{560}, box)))
	}
	s.Offline.notice.ShowError(err, s.loc)
	s.Offline.Retry.Enable()
}

func (s *Shell) markReady() {
	select {
	case <-s.ready:
	default:
		close(s.ready)
	}
}

func (s *Shell) build() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	b := s.backend
	s.Status.SetText(tf("link.user", map[string]any{"Name": s.viewer.Name, "Role": string(s.viewer.Role)}))
	s.Contacts = NewContactsScreen(b, s.loc, s.Win)
	s.Contacts.Admin = app.IsAdmin(s.viewer)
	s.Import = NewImportScreen(b, s.loc, s.Win)
	s.Import.Admin = app.IsAdmin(s.viewer)
	s.Import.OnInserted = s.Contacts.Reload
	s.Tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(t("tab.contacts"), theme.AccountIcon(), s.Contacts.Object()),
		container.NewTabItemWithIcon(t("tab.import"), theme.UploadIcon(), s.Import.Object()),
	)
	s.Admin, s.Requests = nil, nil
	if app.IsAdmin(s.viewer) {
		s.Admin = NewAdminScreen(b, s.loc, s.Win, s.fa.Preferences(), s.settings.ServerURL)
		s.Tabs.Append(container.NewTabItemWithIcon(t("tab.admin"), theme.WarningIcon(), s.Admin.Object()))
		go s.Admin.Run(ctx)
		if rb, ok := b.(app.RequestsBackend); ok {
			s.Requests = NewRequestsScreen(rb, s.loc, s.Win)
			s.Tabs.Append(container.NewTabItemWithIcon(t("tab.requests"), theme.DocumentIcon(), s.Requests.Object()))
			s.Requests.Reload()
			s.Contacts.OnRequestFiled = s.Requests.Reload
			s.Requests.OpenContact = s.openContactWindow
		}
		s.Admin.OpenContact = func(id string) {
			s.Tabs.SelectIndex(0)
			s.Contacts.GoTo(id)
		}
	}
	s.Office = nil
	if o, ok := b.(app.Office); ok && app.IsAdmin(s.viewer) {
		s.Office = NewOfficeScreen(o, s.loc, s.Win)
		s.Tabs.Append(container.NewTabItemWithIcon(t("tab.office"), theme.SettingsIcon(), s.Office.Object()))
		s.Office.Reload()
	}
	s.Offline = nil
	s.setMain(s.Tabs)
	s.Contacts.Reload()
	s.Import.LoadLists()
	go b.WatchBlacklist(ctx, func(api.BlacklistEntryFields) {
		do(func() {
			s.Contacts.BlacklistChanged()
			if s.Admin != nil {
				s.Admin.BlacklistChanged()
			}
		})
	}, func(st api.LinkState) {
		do(func() { s.Link.SetText(linkText(st, s.loc)) })
	})
}

// openContactWindow opens a record in a window of its own, to correct it while the
// completion dialog of a rectification request stays open over the requests tab.
func (s *Shell) openContactWindow(id string) {
	w := s.fa.NewWindow(t("rectify.window"))
	cs := NewContactsScreen(s.backend, s.loc, w)
	cs.Admin = app.IsAdmin(s.viewer)
	w.SetContent(cs.Object())
	w.Resize(fyne.NewSize(1000, 680))
	cs.OpenContact(id)
	w.Show()
}
