// Command vermerk-desktop is the desktop client for office staff. Server URL and token come
// from the settings dialog (or VERMERK_SERVER_URL / VERMERK_TOKEN); -demo runs on built-in
// demo data without a server.
package main

import (
	"flag"
	"log"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/vermerk/vermerk/client/internal/demo"
	"github.com/vermerk/vermerk/client/internal/ui"
)

func main() {
	demoMode := flag.Bool("demo", false, "run on built-in demo data, without a server")
	flag.Parse()
	ui.DefaultLocale()
	meta, err := setMetadata()
	if err != nil {
		log.Fatal(err)
	}
	a := fyneapp.NewWithID(meta.ID)
	a.SetIcon(meta.Icon)
	var shell *ui.Shell
	if *demoMode {
		shell = ui.NewDemoShell(a, demo.New())
	} else {
		shell = ui.NewShell(a, ui.ConnectAPI)
	}
	shell.Win.ShowAndRun()
}
