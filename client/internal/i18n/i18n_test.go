package i18n

import (
	"encoding/json"
	"sort"
	"testing"
	"time"
)

func TestEveryLanguageHasEveryKey(t *testing.T) {
	keys := map[string][]string{}
	for _, l := range Languages {
		data, err := Files.ReadFile("translations/" + l + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		for k := range m {
			keys[l] = append(keys[l], k)
		}
		sort.Strings(keys[l])
	}
	de, en := map[string]bool{}, map[string]bool{}
	for _, k := range keys["de"] {
		de[k] = true
	}
	for _, k := range keys["en"] {
		en[k] = true
		if !de[k] {
			t.Errorf("de.json lacks %q", k)
		}
	}
	for k := range de {
		if !en[k] {
			t.Errorf("en.json lacks %q", k)
		}
	}
}

func TestDateAndFill(t *testing.T) {
	d := time.Date(2026, 5, 3, 12, 0, 0, 0, time.Local)
	if got := FormatDate(d, "de"); got != "3. Mai 2026" {
		t.Errorf("de date = %q", got)
	}
	if got := FormatDate(d, "en"); got != "3 May 2026" {
		t.Errorf("en date = %q", got)
	}
	if got := MustNew("en").T("import.line", map[string]any{"Line": 7, "Message": "no e-mail"}); got != "Line 7: no e-mail" {
		t.Errorf("T = %q", got)
	}
	if got := MustNew("xx").Lang(); got != "de" {
		t.Errorf("fallback language = %q, want de", got)
	}
}
