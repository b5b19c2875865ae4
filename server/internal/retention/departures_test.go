package retention_test

import (
	"net/http"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika Testfrau has two records sharing her e-mail: marketing's, on the newsletter list, and
// sales' (a purpose without a time limit keeps it). She leaves the newsletter through the link
// of marketing's record; its membership ended, its consent revoked, a purpose kept for 0 months
// after a revocation makes marketing's record due. Retention deletes it — and must not take
// her departure from the list with it: she is still in the registry (sales' record), and staff
// put that record on the list she left only with a reason (LIST_LEFT), as before the deletion.
func TestRetentionKeepsHerDepartureFromAListOnHerOtherRecords(t *testing.T) {
	w := world{t, apptest.Start(t)}
	var out any
	w.do(`mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil, &out)
	w.do(`mutation { createPurpose(input: {key: "sales", name: "Sales calls", legalBasis: LEGITIMATE_INTEREST}) { id } }`, nil, &out)
	w.do(`mutation { createList(input: {key: "news-de", name: "Newsletter", purposeKey: "newsletter"}) { id } }`, nil, &out)
	marketing := w.contact("Testfrau", "erika.testfrau@example.test")
	sales := w.contact("Testfrau", "Erika.Testfrau@example.test")
	w.grant(sales, "sales")
	w.do(`mutation($id: ID!) { addToList(contactId: $id, listKey: "news-de") { id } }`, map[string]any{"id": marketing}, &out)
	w.grant(marketing, "newsletter")

	var link struct{ UnsubscribeLink string }
	w.do(`query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": marketing}, &link)
	if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
		t.Fatalf("one-click POST: status %d", code)
	}
	if rep := w.apply(false); rep.Deleted != 1 {
		t.Fatalf("applyRetention: %+v, want marketing's record deleted", rep)
	}
	if n := w.count(`SELECT count(*) FROM contacts WHERE id = ANY($1::uuid[])`, []string{marketing, sales}); n != 1 {
		t.Fatalf("%d of her records left, want sales' record only", n)
	}

	res := w.s.Admin(t, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-de") { id } }`, map[string]any{"c": sales})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "LIST_LEFT" {
		t.Fatalf("addToList of her remaining record without a reason after retention deleted the record she left through: %+v, want LIST_LEFT", res.Errors)
	}
}
