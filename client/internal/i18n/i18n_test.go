package i18n

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// catalogue reads every translation file of each language into one map per language.
func catalogue(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, l := range Languages {
		files, err := FilesOf(l)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: files %v, %v", l, files, err)
		}
		out[l] = map[string]any{}
		for _, name := range files {
			data, err := Files.ReadFile("translations/" + name)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for k, v := range m {
				if _, dup := out[l][k]; dup {
					t.Errorf("%s: key %q is in two files", name, k)
				}
				out[l][k] = v
			}
		}
	}
	return out
}

func TestEveryLanguageHasEveryKey(t *testing.T) {
	cat := catalogue(t)
	for _, l := range Languages {
		for _, other := range Languages {
			var missing []string
			for k := range cat[other] {
				if _, ok := cat[l][k]; !ok {
					missing = append(missing, k)
				}
			}
			sort.Strings(missing)
			for _, k := range missing {
				t.Errorf("%s lacks %q (%s has it)", l, k, other)
			}
		}
		for k, v := range cat[l] {
			if forms, ok := v.(map[string]any); ok && (forms["one"] == nil || forms["other"] == nil) {
				t.Errorf("%s: plural %q needs the forms one and other, has %v", l, k, forms)
			}
		}
	}
}

// TestEveryServerReasonHasAText: the server's reason codes (generated from
// graph/apperr/reasons.go by `make generate`) each have a German and an English text, so no
// English server sentence reaches the German window.
func TestEveryServerReasonHasAText(t *testing.T) {
	cat := catalogue(t)
	if len(serverReasons) == 0 {
		t.Fatal("no server reasons; run make generate")
	}
	for _, code := range serverReasons {
		for _, l := range Languages {
			if s, _ := cat[l]["reason."+code].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s.json has no text for the server's reason code %s (key reason.%s)", l, code, code)
			}
		}
	}
}

func TestPlurals(t *testing.T) {
	for _, tc := range []struct {
		lang  string
		count int
		want  string
	}{
		{"de", 1, "1 Kontakt"}, {"de", 12, "12 Kontakte"}, {"de", 0, "0 Kontakte"},
		{"en", 1, "1 contact"}, {"en", 12, "12 contacts"},
	} {
		if got := MustNew(tc.lang).N("count.contacts", tc.count, nil); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.count, got, tc.want)
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

// TestEveryEventKindHasAText: each kind of the revocations feed has a feed line and a webhook
// kind name in every language, so no raw key reaches the admin's window.
func TestEveryEventKindHasAText(t *testing.T) {
	cat := catalogue(t)
	for _, k := range api.AllRevocationKind {
		for _, l := range Languages {
			for _, key := range []string{"admin.event." + string(k), "office.kind." + string(k)} {
				if s, _ := cat[l][key].(string); strings.TrimSpace(s) == "" {
					t.Errorf("%s.json has no text for %s", l, key)
				}
			}
		}
	}
}

// Lists, purposes and tokens are shown in the order people look names up: an umlaut or a
// lower-case first letter does not send a name after Z.
func TestCompareOrdersNamesAsPeopleLookThemUp(t *testing.T) {
	names := []string{"Zeitung", "Ärzte-Newsletter", "newsletter (alt)", "Messe Köln", "Öko-Tipps", "Ostern", "Apotheke", "Newsletter"}
	sort.SliceStable(names, func(i, j int) bool { return Compare(names[i], names[j]) < 0 })
	want := []string{"Apotheke", "Ärzte-Newsletter", "Messe Köln", "Newsletter", "newsletter (alt)", "Öko-Tipps", "Ostern", "Zeitung"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("sorted: %q, want %q", names, want)
	}
}
