package contacts_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// A cursor handed out before migration 00034 holds the sort key as it was then, the name only
// lower-cased ("ärger test "). Used after the upgrade (a list scrolled across a restart, an
// integrator paging through all contacts), it goes on after that contact in the new order —
// before, it compared as a position after every Latin name, so the next page was empty and
// the list ended there without a word, or it skipped every name between the folded and the
// unfolded key ("müller" went on after "mz…").
func TestCursorFromBeforeTheSortFoldGoesOn(t *testing.T) {
	s := apptest.Start(t)
	ids := map[string]string{}
	for _, name := range []string{"Ärger", "Arnold", "Bauer", "Müller", "Mustermann", "Neumann"} {
		ids[name] = create(t, s, map[string]any{"givenName": "Test", "familyName": name})
	}
	for cursorAt, want := range map[string][]string{
		"Ärger":  {"Arnold", "Bauer", "Müller", "Mustermann", "Neumann"},
		"Müller": {"Mustermann", "Neumann"},
	} {
		old := store.EncodeCursor(strings.ToLower(cursorAt+" Test "), ids[cursorAt]) // the key before 00034
		var c struct {
			Contacts struct {
				Edges []struct{ Node struct{ FamilyName string } }
			}
		}
		s.MustAdmin(t, &c, `query($after: String) { contacts(first: 10, after: $after) { edges { node { familyName } } } }`,
			map[string]any{"after": old})
		var got []string
		for _, e := range c.Contacts.Edges {
			got = append(got, e.Node.FamilyName)
		}
		if !slices.Equal(got, want) {
			t.Errorf("after a cursor of %s made before the sort fold: %v, want %v", cursorAt, got, want)
		}
	}
}
