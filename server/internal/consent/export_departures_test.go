package consent_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika Testfrau left the German newsletter through its unsubscribe link. The registry keeps
// that she did (list_departures: staff put her back only with a reason, and a record that joins
// her leaves the list), so her access export (Art. 15) must say so: which list, and when.
func TestSubjectAccessExportNamesTheListsSheLeft(t *testing.T) {
	f := newFixture(t)
	id := f.subscribed(t, "Erika", "erika.testfrau@example.test")
	var link struct{ UnsubscribeLink string }
	f.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": id})
	if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
		t.Fatalf("one-click POST: status %d", code)
	}
	var out struct{ SubjectAccessExport string }
	f.MustAdmin(t, &out, `query($id: ID!) { subjectAccessExport(contactId: $id) }`, map[string]any{"id": id})
	var doc struct {
		Lists     []struct{ Key string }
		LeftLists []struct {
			Key, Name, PurposeKey string
			LeftAt                time.Time
		}
	}
	if err := json.Unmarshal([]byte(out.SubjectAccessExport), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Lists) != 0 {
		t.Errorf("lists = %+v, want none: she left", doc.Lists)
	}
	if len(doc.LeftLists) != 1 || doc.LeftLists[0].Key != "news-de" || doc.LeftLists[0].Name != "Newsletter Deutschland" ||
		doc.LeftLists[0].PurposeKey != "newsletter" || time.Since(doc.LeftLists[0].LeftAt) > time.Minute {
		t.Errorf("leftLists = %+v, want news-de, left just now", doc.LeftLists)
	}
}
