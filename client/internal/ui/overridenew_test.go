package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
)

// The form's save is refused for her erased e-mail and asks for a reason. While the user
// writes it, the person objects by phone: the override covers what the dialog showed, so the
// server refuses it again with both matches, and the form asks anew — the new dialog lists
// the objection, keeps the reason written and says why it came back. Confirmed again, the
// contact is saved.
func TestAnOverrideAsksAgainForAMatchAddedWhileTheReasonWasWritten(t *testing.T) {
	c, _ := realClient(t)
	ctx := context.Background()
	if _, err := c.BlacklistAdd(ctx, api.ContactInput{Emails: []string{"frieda.testfrau@example.com"}}, "Löschung auf Antrag"); err != nil {
		t.Fatal(err)
	}
	f := newFormOn(t, c)
	test.Type(f.GivenName, "Frieda")
	test.Type(f.FamilyName, "Testfrau")
	test.Type(f.Emails, "frieda.testfrau@example.com")
	test.Type(f.Phones, "030 5550182")
	test.Tap(f.Save)
	awaitServer(t, "the override dialog", func() bool { return f.Override != nil })
	first := f.Override
	if _, err := c.BlacklistAdd(ctx, api.ContactInput{Phones: []string{"030 5550182"}}, "Widerspruch per Telefon"); err != nil {
		t.Fatal(err)
	}

	const why = "Neue schriftliche Einwilligung vom 4. Juni"
	test.Type(first.Reason, why)
	saved := ""
	f.OnSaved = func(c api.ContactDetail) { saved = c.Id }
	test.Tap(first.Confirm)
	awaitServer(t, "the dialog asking anew", func() bool { return f.Override != nil && f.Override != first })
	d := f.Override
	if first.Details == nil || strings.Contains(first.Details.Text, "Telefon") || d.Details == nil ||
		!strings.Contains(d.Details.Text, "Telefon") || !strings.Contains(d.Details.Text, "E-Mail") {
		t.Errorf("the first dialog listed %q, the one asking anew %q; want the phone's match in the second only", labelText(first.Details), labelText(d.Details))
	}
	if d.Reason.Text != why || !strings.Contains(d.Message.Text, "weiteren Sperrlisteneintrag") || saved != "" {
		t.Fatalf("the dialog asking anew: reason %q, message %q, saved %q", d.Reason.Text, d.Message.Text, saved)
	}
	page, err := c.SearchContacts(ctx, "Testfrau", 10, "")
	if err != nil || page.TotalCount != 0 {
		t.Fatalf("contacts named Testfrau after the refused override: %d, %v; want none", page.TotalCount, err)
	}
	test.Tap(d.Confirm)
	awaitServer(t, "the save", func() bool { return saved != "" })
}

func labelText(l *widget.Label) string {
	if l == nil {
		return ""
	}
	return l.Text
}
