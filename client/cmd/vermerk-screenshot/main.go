// Command vermerk-screenshot opens the desktop client on one screen after another and saves
// each window as a PNG (for the README; `make screenshot` runs it under xvfb-run).
//
//	vermerk-screenshot -demo -dir docs                 # built-in demo data, no server
//	VERMERK_SERVER_URL=http://127.0.0.1:8080 VERMERK_TOKEN=… vermerk-screenshot -dir docs
//
// Against a real server, -email must be an e-mail of an erased person there, so the form
// screenshot shows the warning.
package main

import (
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

	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
	"github.com/vermerk/vermerk/client/internal/ui"
)

var screens = []string{"contacts", "form", "consents", "import", "admin"}

func main() {
	demoMode := flag.Bool("demo", false, "use built-in demo data instead of a server")
	dir := flag.String("dir", "docs", "folder for the PNG files (screenshot-<screen>.png)")
	only := flag.String("screen", "all", "one of "+strings.Join(screens, ", ")+", or all")
	email := flag.String("email", demo.ErasedEmail, "an erased person's e-mail, typed into the form")
	csvPath := flag.String("csv", "", "CSV file for the import screen (default: a built-in sample)")
	settle := flag.Duration("settle", 1500*time.Millisecond, "wait before each capture")
	flag.Parse()

	a := fyneapp.NewWithID("de.vermerk.screenshot")
	var shell *ui.Shell
	if *demoMode {
		b := demo.New()
		b.EventEvery = 0
		shell = ui.NewDemoShell(a, b)
	} else {
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
			fyne.DoAndWait(func() { open(shell, name, *email, *csvPath) })
			time.Sleep(*settle)
			if name == "import" {
				time.Sleep(3 * time.Second) // let the import reach its held rows
			}
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

// open shows one screen in a state worth a picture.
func open(s *ui.Shell, name, email, csvPath string) {
	if s.Tabs == nil {
		return // not connected: the picture shows why
	}
	switch name {
	case "contacts":
		s.Tabs.SelectIndex(0)
		s.Contacts.OpenContact(firstContact(s))
	case "consents":
		s.Tabs.SelectIndex(0)
		s.Contacts.OpenContact(firstContact(s))
		go func() {
			time.Sleep(500 * time.Millisecond)
			fyne.Do(func() {
				if d := s.Contacts.Detail; d != nil {
					for _, h := range d.Consents.Histories {
						h.OpenAll()
					}
				}
			})
		}()
	case "form":
		s.Tabs.SelectIndex(0)
		f := s.Contacts.OpenForm(emptyForm)
		f.GivenName.SetText("Max")
		f.FamilyName.SetText("Weber")
		f.Emails.SetText(email)
		f.Street.SetText("Gartenweg 2")
		f.PostalCode.SetText("50667")
		f.City.SetText("Köln")
	case "import":
		s.Tabs.SelectIndex(1)
		name, open := "adressen.csv", func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(demo.SampleCSV)), nil }
		if csvPath != "" {
			name, open = filepath.Base(csvPath), func() (io.ReadCloser, error) { return os.Open(csvPath) }
		}
		s.Import.LoadFile(name, open)
		go func() {
			time.Sleep(400 * time.Millisecond)
			fyne.Do(func() { s.Import.Start.OnTapped() })
		}()
	case "admin":
		if len(s.Tabs.Items) > 2 {
			s.Tabs.SelectIndex(2)
		}
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

// firstContact is the first contact of the list, with consents in the demo data.
func firstContact(s *ui.Shell) string {
	if id := s.Contacts.FirstID(); id != "" {
		return id
	}
	return "c001"
}
