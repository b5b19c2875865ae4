package main

import (
	_ "embed"
	"fmt"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"github.com/BurntSushi/toml"
)

// FyneApp.toml is the one place for the app's name, id, version and icon; `fyne build`
// would generate this from it, `go build` needs it said.
var (
	//go:embed FyneApp.toml
	appToml []byte
	//go:embed Icon.png
	appIcon []byte
)

type fyneAppToml struct {
	Website string
	Details struct {
		Icon, Name, ID, Version string
		Build                   int
	}
}

// setMetadata hands FyneApp.toml to Fyne before the app is created.
func setMetadata() (fyne.AppMetadata, error) {
	var f fyneAppToml
	if err := toml.Unmarshal(appToml, &f); err != nil {
		return fyne.AppMetadata{}, fmt.Errorf("FyneApp.toml: %w", err)
	}
	m := fyne.AppMetadata{
		ID: f.Details.ID, Name: f.Details.Name, Version: f.Details.Version, Build: f.Details.Build,
		Icon: fyne.NewStaticResource(f.Details.Icon, appIcon), Release: true,
		Custom: map[string]string{"website": f.Website},
	}
	fyneapp.SetMetadata(m)
	return m, nil
}
