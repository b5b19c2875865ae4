package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
)

// After a request is filed, the form says for whom and starts afresh: the next request, for
// someone else or for no contact, is not filed for the previous person by mistake.
func TestAFiledRequestLeavesTheFormFresh(t *testing.T) {
	loc, w := testWindow(t)
	filer := &recordingFiler{}
	f := newRequestFiling(filer, loc)
	w.SetContent(f.Object())

	f.Kind.SetSelectedIndex(1) // erasure
	test.Type(f.ContactSearch, "Muster")
	f.SearchContacts()
	eventually(t, "the contact found", func() bool { return f.Contact.Selected != "" })
	test.Type(f.Channel, "phone")
	test.Type(f.Received, "2026-11-03")
	f.FileRequest()
	eventually(t, "the first request", func() bool { return filer.count() == 1 && !f.File.Disabled() })
	if got := filer.filed()[0]; got.contactID != "c1" || got.kind != api.RequestKindErasure {
		t.Fatalf("first request %+v, want the erasure for c1", got)
	}
	if !strings.HasPrefix(f.Filed.Text, "Request filed: Erasure (Art. 17) for Erika Mustermann, due ") {
		t.Errorf("after filing the form says %q", f.Filed.Text)
	}
	if f.Contact.Selected != "" || len(f.Contact.Options) != 0 || f.ContactSearch.Text != "" ||
		f.Channel.Text != "" || f.Received.Text != "" || f.Kind.SelectedIndex() != 0 {
		t.Errorf("after filing: contact %q (options %v), search %q, channel %q, received %q, kind %d; want a fresh form",
			f.Contact.Selected, f.Contact.Options, f.ContactSearch.Text, f.Channel.Text, f.Received.Text, f.Kind.SelectedIndex())
	}

	// the next person wrote a letter and is no contact
	test.Type(f.Channel, "letter")
	if f.Filed.Text != "" {
		t.Errorf("typing the next request: the form still says %q", f.Filed.Text)
	}
	f.FileRequest()
	eventually(t, "the second request", func() bool { return filer.count() == 2 && !f.File.Disabled() })
	if got := filer.filed()[1]; got.contactID != "" {
		t.Errorf("second request filed for %q, want no contact", got.contactID)
	}
}

type filedRequest struct {
	kind      api.RequestKind
	contactID string
}

// recordingFiler finds Erika Mustermann and files every request it is given.
type recordingFiler struct {
	mu   sync.Mutex
	reqs []filedRequest
}

func (r *recordingFiler) SearchContacts(context.Context, string, int, string) (api.ContactPage, error) {
	return api.ContactPage{TotalCount: 1, Edges: []api.ContactEdge{{Node: api.ContactSummary{Id: "c1", GivenName: "Erika", FamilyName: "Mustermann"}}}}, nil
}

func (r *recordingFiler) FileRequest(_ context.Context, kind api.RequestKind, contactID, channel, _ string, received time.Time) (api.RequestFields, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, filedRequest{kind, contactID})
	req := api.RequestFields{Id: "r", Kind: kind, Channel: channel, ReceivedAt: received, DueAt: received.AddDate(0, 1, 0)}
	if contactID != "" {
		req.Contact = &api.RequestFieldsContact{Id: contactID, GivenName: "Erika", FamilyName: "Mustermann"}
	}
	return req, nil
}

func (r *recordingFiler) count() int { return len(r.filed()) }

func (r *recordingFiler) filed() []filedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]filedRequest(nil), r.reqs...)
}
