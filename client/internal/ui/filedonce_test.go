package ui

import (
	"context"
	"strings"
	"testing"
)

// A request sent again after the answer to the first was lost (the form kept it and said it
// may have been saved) is not filed twice: the server refuses it as filed already, and the form
// says the request stands and starts afresh, as after a filing, instead of an error to fix.
func TestARequestSentAgainSaysItIsFiledAndStartsAfresh(t *testing.T) {
	_, c, detail := erikaOnServer(t, "erika.again@example.test")
	erika := detail.ContactSummary
	loc, w := testWindow(t)
	f := newRequestFiling(c, loc)
	w.SetContent(f.Object())
	fill := func() {
		f.Preset(erika)
		f.Kind.SetSelectedIndex(0)
		f.Channel.SetText("letter")
		f.Received.SetText("")
	}
	fill()
	f.FileRequest()
	eventuallyE2E(t, "the first filing", func() bool { return strings.HasPrefix(f.Filed.Text, "Request filed") && !f.File.Disabled() })

	// the same submission again, as the user sends it when the first answer was lost
	fill()
	f.FileRequest()
	eventuallyE2E(t, "the second filing's answer", func() bool {
		return !f.File.Disabled() && (f.Message.Text != "" || !strings.HasPrefix(f.Filed.Text, "Request filed"))
	})
	if f.Message.Text != "" {
		t.Fatalf("sent again, the form says %q as a failure; want it to say the request is filed already", f.Message.Text)
	}
	if !strings.Contains(f.Filed.Text, "filed already") {
		t.Errorf("sent again, the form says %q; want that the request is filed already", f.Filed.Text)
	}
	if f.Channel.Text != "" || f.Contact.Selected != "" {
		t.Errorf("sent again: channel %q, contact %q; want a fresh form", f.Channel.Text, f.Contact.Selected)
	}
	reqs, err := c.OpenRequests(context.Background(), 50, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 {
		t.Errorf("%d requests filed, want 1", len(reqs))
	}
}
