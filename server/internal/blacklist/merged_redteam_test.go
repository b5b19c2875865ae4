package blacklist_test

import (
	"testing"
)

// Staff merge the sales record of Erika into the marketing record while the data-protection
// officer, who looked her up before, erases her by the sales record's id (the id an ERASURE
// letter, an earlier search or an open window gave): the erasure erases the person the record
// was merged into; it neither answers "may have been erased already" nor leaves her live.
func TestRedTeamErasingAMergedRecordErasesThePerson(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, erikaTestfrau)
	sales := p.contact(t, erikaTestfrauSales)
	p.MustAdmin(t, &struct{}{}, mergeContactsQ, map[string]any{"into": marketing, "from": []string{sales}, "r": "one person, ticket 4711"})

	var pv preview
	if res := p.Admin(t, erasurePreview, map[string]any{"id": sales}); len(res.Errors) != 0 {
		t.Errorf("erasurePreview of the merged record: %+v; want the record it was merged into", res.Errors)
	} else if res.Decode(t, &pv); pv.ErasurePreview.Contact.ID != marketing {
		t.Errorf("erasurePreview of the merged record shows %+v; want the record it was merged into", pv.ErasurePreview)
	}
	var r erasure
	if res := p.Admin(t, erasePerson, map[string]any{"id": sales, "reason": "Art. 17 request, ticket 4712"}); len(res.Errors) != 0 {
		t.Errorf("eraseContact of the merged record: %+v", res.Errors)
	} else if res.Decode(t, &r); r.EraseContact.ContactID != marketing || len(r.EraseContact.ErasedContactIds) != 1 {
		t.Errorf("receipt %+v; want the record it was merged into erased", r.EraseContact)
	}
	if c := p.live(t, marketing); c != nil {
		t.Errorf("after eraseContact(%s) the person is still live as %s: %+v", sales, marketing, c)
	}
	if found := testfrauTraces(t, p.DBURL); len(found) > 0 {
		t.Errorf("after the erasure the dump still holds %v", found)
	}
}

// Her objection, said on the record merged away, blocks the person it went into.
func TestRedTeamBlockingAMergedRecordBlocksThePerson(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, erikaTestfrau)
	sales := p.contact(t, erikaTestfrauSales)
	p.MustAdmin(t, &struct{}{}, mergeContactsQ, map[string]any{"into": marketing, "from": []string{sales}, "r": "one person, ticket 4711"})

	if res := p.Admin(t, `mutation($id: ID!) { blacklistContact(contactId: $id, reason: "objection by letter, ticket 4713") { id } }`,
		map[string]any{"id": sales}); len(res.Errors) != 0 {
		t.Errorf("blacklistContact of the merged record: %+v", res.Errors)
	}
	if ids, _ := p.recipients(t); len(ids) != 0 {
		t.Errorf("recipients after her objection = %v, want none", ids)
	}
}

// Her ERASURE letter names the sales record, merged away before the request is filed: the
// request is filed for the record it went into (as requests filed before the merge are moved
// there), and completing it erases her. Before, filing it was refused ("file the request
// without a contact if the person is not (or no longer) registered"), and a request filed so
// closed DONE, erasing nothing.
func TestRedTeamAnErasureRequestFiledWithAMergedIDErasesThePerson(t *testing.T) {
	p := newPerson(t)
	marketing := p.subscriber(t, erikaTestfrau)
	sales := p.contact(t, erikaTestfrauSales)
	p.MustAdmin(t, &struct{}{}, mergeContactsQ, map[string]any{"into": marketing, "from": []string{sales}, "r": "one person, ticket 4711"})

	res := p.Admin(t, fileRequestQ, map[string]any{"in": map[string]any{"kind": "ERASURE", "contactId": sales, "channel": "letter"}})
	if len(res.Errors) != 0 {
		t.Fatalf("fileRequest with the merged record's id: %+v", res.Errors)
	}
	var filed struct {
		FileRequest struct {
			ID      string
			Contact *struct{ ID string }
		}
	}
	res.Decode(t, &filed)
	if filed.FileRequest.Contact == nil || filed.FileRequest.Contact.ID != marketing {
		t.Errorf("the request names %+v, want the record the sales record was merged into", filed.FileRequest.Contact)
	}
	p.MustAdmin(t, &struct{}{}, completeRequestQ, map[string]any{"id": filed.FileRequest.ID, "o": "erased, ticket 4712"})
	if c := p.live(t, marketing); c != nil {
		t.Errorf("after the completed ERASURE request she is still live: %+v", c)
	}
	if found := testfrauTraces(t, p.DBURL); len(found) > 0 {
		t.Errorf("after the erasure the dump still holds %v", found)
	}
}
