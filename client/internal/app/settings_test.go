package app

import (
	"os"
	"path/filepath"
	"testing"
)

type mapPrefs map[string]string

func (m mapPrefs) String(k string) string { return m[k] }
func (m mapPrefs) SetString(k, v string)  { m[k] = v }
func isolateConfig(t *testing.T) (dir string) {
	dir = t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	return dir
}

// The token lives in a file only its owner can read, never in the preferences file.
func TestTokenIsKeptInAPrivateFile(t *testing.T) {
	dir := isolateConfig(t)
	t.Setenv("VERMERK_TOKEN", "")
	prefs := mapPrefs{}
	s := Settings{ServerURL: "http://vermerk.example.org", Token: " vmk_generated-token ", Language: "en"}
	if err := s.Save(prefs); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vermerk", "token")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", st.Mode().Perm())
	}
	for k, v := range prefs {
		if v == "vmk_generated-token" {
			t.Errorf("preference %q holds the token", k)
		}
	}
	if got := LoadSettings(prefs); got.Token != "vmk_generated-token" || got.ServerURL != "http://vermerk.example.org" {
		t.Errorf("loaded %+v", got)
	}
	// Clearing the token removes the file.
	s.Token = ""
	if err := s.Save(prefs); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("token file still there after clearing: %v", err)
	}
}

// A token an older version kept in the preferences moves to the file.
func TestTokenMovesOutOfThePreferences(t *testing.T) {
	dir := isolateConfig(t)
	t.Setenv("VERMERK_TOKEN", "")
	prefs := mapPrefs{prefToken: "vmk_old-token"}
	if got := LoadSettings(prefs); got.Token != "vmk_old-token" {
		t.Fatalf("token = %q, want the old one", got.Token)
	}
	if prefs[prefToken] != "" {
		t.Error("the preferences still hold the token")
	}
	b, err := os.ReadFile(filepath.Join(dir, "vermerk", "token"))
	if err != nil || string(b) != "vmk_old-token\n" {
		t.Errorf("token file = %q, %v", b, err)
	}
}
