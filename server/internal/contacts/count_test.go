package contacts_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// TestTotalCountExactThenEstimated: totalCount is exact up to store.ExactCountLimit contacts
// (and for a search that finds few of many), above that the planner's estimate, which after
// ANALYZE is within a few percent, without counting every row.
func TestTotalCountExactThenEstimated(t *testing.T) {
	s := apptest.Start(t)
	db := s.Conn(t)
	seed := func(from, to int) {
		t.Helper()
		if _, err := db.Exec(t.Context(), `INSERT INTO contacts (given_name, family_name, sort_key, search_text)
			SELECT 'Erika', 'Mustermann ' || i, 'mustermann ' || i, 'erika mustermann ' || i FROM generate_series($1::int, $2::int) i`, from, to); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(t.Context(), `ANALYZE contacts`); err != nil {
			t.Fatal(err)
		}
	}
	total := func(search string) int {
		t.Helper()
		var out struct{ Contacts struct{ TotalCount int } }
		s.MustAdmin(t, &out, `query($q: String) { contacts(first: 50, search: $q) { totalCount } }`, map[string]any{"q": search})
		return out.Contacts.TotalCount
	}

	seed(1, store.ExactCountLimit)
	if n := total(""); n != store.ExactCountLimit {
		t.Errorf("totalCount of %d contacts = %d, want it exact", store.ExactCountLimit, n)
	}
	seed(store.ExactCountLimit+1, 4*store.ExactCountLimit)
	want := 4 * store.ExactCountLimit
	if n := total(""); n <= store.ExactCountLimit || n < want*95/100 || n > want*105/100 {
		t.Errorf("totalCount of %d contacts = %d, want an estimate within 5 %%", want, n)
	}
	if n := total("mustermann 3999"); n != 11 { // 3999 and 39990…39999
		t.Errorf("totalCount of a search finding 11 = %d, want it exact", n)
	}
}
