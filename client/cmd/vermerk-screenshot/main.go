// Command vermerk-screenshot opens the desktop client on one screen after another and saves
// each window as a PNG (for the README; `make screenshot` runs it under xvfb-run).
//
//	vermerk-screenshot -demo -dir docs                 # built-in demo data, no server
//	VERMERK_SERVER_URL=http://127.0.0.1:8080 VERMERK_TOKEN=… vermerk-screenshot -dir docs
//
// Against a real server, -email must be an e-mail of an erased person there, so the form
// screenshot shows the warning. -seed fills an empty server with demo data first (through
// the client's API layer, no display needed), writes the import CSV to -csv and prints the
// erased person's e-mail; scripts/screenshot.sh runs it before the screenshots.
//
//	VERMERK_SERVER_URL=… VERMERK_TOKEN=<admin> vermerk-screenshot -seed -csv /tmp/adressen.csv
package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
	"github.com/vermerk/vermerk/client/internal/seed"
	"github.com/vermerk/vermerk/client/internal/ui"
)

var screens = []string{"contacts", "form", "consents", "proof", "grant", "import", "admin", "duplicates", "erasure", "requests", "setup", "tokens", "webhooks", "importjobs"}

func main() {
	demoMode := flag.Bool("demo", false, "use built-in demo data instead of a server")
	dir := flag.String("dir", "docs", "folder for the PNG files (screenshot-<screen>.png)")
	only := flag.String("screen", "all", "one of "+strings.Join(screens, ", ")+", or all; or rectification (files a request, so not in all)")
	email := flag.String("email", demo.ErasedEmail, "an erased person's e-mail, typed into the form")
	csvPath := flag.String("csv", "", "CSV file for the import screen (default: a built-in sample)")
	settle := flag.Duration("settle", 1500*time.Millisecond, "wait before each capture")
	seedOnly := flag.Bool("seed", false, "seed an empty server with demo data (ADMIN token), print the erased e-mail, and exit")
	flag.Parse()
	if *seedOnly {
		if err := runSeed(*csvPath); err != nil {
			log.Fatal(err)
		}
		return
	}

	a := fyneapp.NewWithID("de.vermerk.screenshot")
	var shell *ui.Shell
	if *demoMode {
		b := demo.New()
		b.EventEvery = 0
		demo.AddDuplicate(b)
		shell = ui.NewDemoShell(a, b)
	} else {
		// Replay the whole revocations feed of this server, so the admin screen shows it.
		app.SaveFeed(a.Preferences(), app.LoadSettings(a.Preferences()).ServerURL, app.RevocationFeed{Cursor: "0"})
		shell = ui.NewShell(a, ui.ConnectAPI)
	}
	shell.Win.Resize(fyne.NewSize(1200, 760))
	todo := screens
	if *only != "all" {
		todo = []string{*only}
	}
	go func() {
		defer fyne.Do(a.Quit)
		<-shell.Ready()
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			log.Print(err)
			return
		}
		for _, name := range todo {
			show(shell, name, *email, *csvPath)
			time.Sleep(*settle)
			path := filepath.Join(*dir, "screenshot-"+name+".png")
			if err := capture(shell.Win, path); err != nil {
				log.Print(err)
				return
			}
			fmt.Println(path)
		}
	}()
	shell.Win.ShowAndRun()
}

// show brings one screen into a state worth a picture; it runs beside the UI thread and
// waits for the data each step needs.
func show(s *ui.Shell, name, email, csvPath string) {
	connected := false
	fyne.DoAndWait(func() { connected = s.Tabs != nil })
	if !connected {
		return // not connected: the picture shows why
	}
	onUI := func(f func()) { fyne.DoAndWait(f) }
	onUI(func() {
		if d := s.Contacts.Detail; d != nil && d.ProofView != nil {
			d.ProofView.Dialog.Hide() // a dialog of the previous picture
		}
		if d := s.Contacts.Detail; d != nil && d.Consents != nil && d.Consents.GrantForm != nil {
			d.Consents.GrantForm.Dialog.Hide()
			d.Consents.GrantForm = nil
		}
		if d := s.Contacts.Detail; d != nil && d.BlockDialog != nil {
			d.BlockDialog.Close()
			d.BlockDialog = nil
		}
		if d := s.Contacts.Detail; d != nil && d.DupView != nil {
			d.DupView.Dialog.Hide()
		}
		if d := s.Contacts.Detail; d != nil && d.EraseDialog != nil {
			d.EraseDialog.Dialog.Hide()
			d.EraseDialog = nil
		}
		if f := s.Contacts.Form; f != nil {
			f.Cancel.OnTapped() // the typed form of the previous picture: a row would ask first
		}
	})
	// openFirst selects the first contact of the list and waits for its detail (not the
	// detail of an earlier picture).
	openFirst := func() {
		id := ""
		onUI(func() {
			id = s.Contacts.FirstID()
			s.Contacts.List.Select(0)
		})
		until("the contact's detail", func() bool { return s.Contacts.Detail != nil && s.Contacts.Detail.ContactID() == id })
	}
	switch name {
	case "contacts", "consents", "proof", "grant", "block":
		onUI(func() { s.Tabs.SelectIndex(0) })
		until("the contact list", func() bool { return s.Contacts.FirstID() != "" })
		openFirst()
		switch name {
		case "consents":
			onUI(func() {
				for _, h := range s.Contacts.Detail.Consents.Histories {
					h.OpenAll()
				}
			})
			time.Sleep(300 * time.Millisecond) // the opened ledgers lay out first
			onUI(func() {
				if sc, ok := s.Contacts.Detail.Object().(*container.Scroll); ok {
					sc.ScrollToBottom()
				}
			})
		case "proof":
			onUI(func() { s.Contacts.Detail.ShowProof() })
			until("the consent proof", func() bool { return len(s.Contacts.Detail.ProofView.Events) > 0 })
		case "grant":
			// A consent given on the phone two days ago, to the newest text of the newsletter.
			onUI(func() { s.Contacts.Detail.Consents.Grant.OnTapped() })
			onUI(func() { s.Contacts.Detail.Consents.GrantForm.Purpose.SetSelected("Newsletter") })
			until("the consent texts", func() bool {
				g := s.Contacts.Detail.Consents.GrantForm
				return g == nil || len(g.Text.Options) > 1
			})
			onUI(func() {
				if g := s.Contacts.Detail.Consents.GrantForm; g != nil {
					g.Source.SetText(lang.L("channel.phone"))
					g.Evidence.SetText("Gesprächsnotiz, Anruf der Kundin")
					g.GivenAt.SetText(time.Now().AddDate(0, 0, -2).Format("02.01.2006") + " 10:30")
				}
			})
		case "block":
			onUI(func() { s.Contacts.Detail.AskBlock() })
		}
	case "form":
		onUI(func() {
			s.Tabs.SelectIndex(0)
			s.Contacts.List.UnselectAll()
			f := s.Contacts.OpenForm(emptyForm)
			f.GivenName.SetText("Max")
			f.FamilyName.SetText("Weber")
			f.Emails.SetText(email)
			f.Street.SetText("Gartenweg 2")
			f.PostalCode.SetText("50667")
			f.City.SetText("Köln")
		})
		until("the warning", func() bool { return s.Contacts.Form != nil && s.Contacts.Form.Banner.Visible() })
	case "duplicates", "erasure":
		// Anna Schmidt, entered twice (the seed and the demo data both have her so).
		onUI(func() {
			s.Tabs.SelectIndex(0)
			s.Contacts.Search.SetText("Schmidt")
		})
		until("the search", func() bool {
			return s.Contacts.Count.Text == "2 von 2 Kontakten" || s.Contacts.Count.Text == "2 of 2 contacts"
		})
		openFirst()
		if name == "duplicates" {
			onUI(func() { s.Contacts.Detail.ShowDuplicates() })
			until("the duplicates", func() bool {
				d := s.Contacts.Detail
				return d.DupView != nil || d.Status.Importance == widget.DangerImportance // the picture shows why not
			})
			onUI(func() {
				if v := s.Contacts.Detail.DupView; v != nil {
					v.Reason.SetText("Dieselbe Person, vom Vertrieb ein zweites Mal angelegt")
				}
			})
			return
		}
		onUI(func() {
			if s.Contacts.Detail.Erase != nil {
				s.Contacts.Detail.AskErase()
			}
		})
		until("the erasure preview", func() bool {
			v := s.Contacts.Detail.EraseDialog
			return v == nil || v.Going.Text != "" || v.Message.Importance == widget.DangerImportance
		})
	case "import":
		name, open := "adressen.csv", func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(demo.SampleCSV)), nil }
		if csvPath != "" {
			name, open = filepath.Base(csvPath), func() (io.ReadCloser, error) { return os.Open(csvPath) }
		}
		onUI(func() {
			s.Tabs.SelectIndex(1)
			s.Import.LoadFile(name, open)
		})
		until("the preview", func() bool { return !s.Import.Start.Disabled() })
		onUI(func() { s.Import.Start.OnTapped() })
		until("the held row", func() bool { return len(s.Import.HeldAccept) > 0 })
	case "requests":
		onUI(func() {
			for _, item := range s.Tabs.Items {
				if s.Requests != nil && item.Content == s.Requests.Object() {
					s.Tabs.Select(item)
				}
			}
		})
		until("the requests", func() bool { return s.Requests == nil || len(s.Requests.Requests()) > 0 })
		onUI(func() {
			if r := s.Requests; r != nil {
				r.Kind.SetSelectedIndex(1)
				r.Channel.SetText("Brief")
				r.Note.SetText("Bitte alle Daten löschen")
				r.List.Select(0) // Frist verlängern and Ablehnen act on it
			}
		})
	case "rectification":
		showRectification(s)
	case "admin":
		onUI(func() {
			if len(s.Tabs.Items) > 2 {
				s.Tabs.SelectIndex(2)
			}
		})
		until("the blacklist", func() bool { return s.Admin == nil || len(s.Admin.Entries()) > 0 })
	default:
		showOffice(s, name, csvPath)
	}
}

// until polls cond on the UI thread for up to 20 s; on timeout the picture shows what is there.
func until(what string, cond func() bool) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok := false
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			log.Printf("screenshot: gave up waiting for %s", what)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// capture grabs the window from the X server with ImageMagick's import when it is there
// (the GL canvas's own Capture reads an empty buffer under Xvfb), else asks Fyne.
func capture(w fyne.Window, path string) error {
	if _, err := exec.LookPath("import"); err == nil && os.Getenv("DISPLAY") != "" {
		var size fyne.Size
		var scale float32
		fyne.DoAndWait(func() { size, scale = w.Canvas().Size(), w.Canvas().Scale() })
		crop := fmt.Sprintf("%dx%d+0+0", int(size.Width*scale), int(size.Height*scale))
		out, err := exec.Command("import", "-window", "root", "-crop", crop, "+repage", path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("import: %v: %s", err, out)
		}
		return nil
	}
	var img image.Image
	fyne.DoAndWait(func() { img = w.Canvas().Capture() })
	return save(path, img)
}

func save(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var emptyForm = app.ContactForm{}

func runSeed(csvPath string) error {
	c, err := api.New(os.Getenv("VERMERK_SERVER_URL"), os.Getenv("VERMERK_TOKEN"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := seed.Run(ctx, c, csvPath)
	if err != nil {
		return err
	}
	if err := addConsentTexts(ctx, os.Getenv("VERMERK_SERVER_URL"), os.Getenv("VERMERK_TOKEN")); err != nil {
		return err
	}
	log.Printf("seeded %d contacts, erased %s", r.Contacts, r.ErasedID)
	fmt.Println(r.ErasedEmail)
	return nil
}

// showRectification files a RECTIFICATION request for Anna Schmidt, whom sales entered a
// second time, and opens its completion dialog with her records, one ticked.
func showRectification(s *ui.Shell) {
	c, err := api.New(os.Getenv("VERMERK_SERVER_URL"), os.Getenv("VERMERK_TOKEN"))
	if err != nil {
		log.Print(err)
		return
	}
	ctx := context.Background()
	page, err := c.SearchContacts(ctx, "anna.schmidt@example.org", 5, "")
	if err != nil || len(page.Edges) == 0 {
		log.Printf("screenshot: no Anna Schmidt: %v", err)
		return
	}
	anna := page.Edges[0].Node.Id
	if _, err := c.FileRequest(ctx, api.RequestKindRectification, anna, "Brief", "Neue Anschrift: Torstraße 14", time.Time{}); err != nil {
		log.Print(err)
		return
	}
	onUI := func(f func()) { fyne.DoAndWait(f) }
	onUI(func() {
		for _, item := range s.Tabs.Items {
			if s.Requests != nil && item.Content == s.Requests.Object() {
				s.Tabs.Select(item)
				s.Requests.Reload()
			}
		}
	})
	row := -1
	until("the rectification request", func() bool {
		if s.Requests == nil {
			return true
		}
		for i, r := range s.Requests.Requests() {
			if r.Kind == api.RequestKindRectification && r.Contact != nil && r.Contact.Id == anna {
				row = i
			}
		}
		return row >= 0
	})
	if row < 0 {
		return
	}
	onUI(func() { s.Requests.AskComplete(row) })
	until("the person's records", func() bool { return s.Requests.Rectify == nil || len(s.Requests.Rectify.Records) > 1 })
	onUI(func() {
		if p := s.Requests.Rectify; p != nil && len(p.Records) > 0 {
			p.Records[0].Checked.SetChecked(true)
			s.Requests.Complete.Reason.SetText("Anschrift berichtigt")
		}
	})
}
