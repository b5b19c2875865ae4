package blacklist_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A manual entry added on one instance blocks createContact and screen on the other at once,
// and its removal there unblocks them at once: no instance keeps the blacklist in memory.
func TestRedTeamBlacklistAddAndRemoveHoldOnTheOtherInstanceAtOnce(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	const screen = `{ screen(candidate: {emails: ["Erika.Testfrau+neu@example.org"]}) { blocked } }`
	create := func(name string) (created bool) {
		var out struct {
			CreateContact struct {
				Contact   *struct{ ID string }
				Screening struct{ Blocked bool }
			}
		}
		b.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } screening { blocked } } }`,
			map[string]any{"in": map[string]any{"givenName": name, "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.org"}}})
		return out.CreateContact.Contact != nil
	}
	blocked := func() bool {
		var out struct{ Screen struct{ Blocked bool } }
		b.MustAdmin(t, &out, screen, nil)
		return out.Screen.Blocked
	}

	var added struct{ BlacklistAdd struct{ ID string } }
	a.MustAdmin(t, &added, `mutation { blacklistAdd(candidate: {emails: ["erika.testfrau@example.org"]}, reason: "objection to all advertising") { id } }`, nil)
	if !blocked() {
		t.Error("screen on the other instance right after blacklistAdd: not blocked")
	}
	if create("Erika") {
		t.Error("createContact on the other instance right after blacklistAdd: written without an override")
	}

	a.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistRemove(id: $id, reason: "entered by mistake") { id } }`,
		map[string]any{"id": added.BlacklistAdd.ID})
	if blocked() {
		t.Error("screen on the other instance right after blacklistRemove: still blocked")
	}
	if !create("Erika") {
		t.Error("createContact on the other instance right after blacklistRemove: still refused")
	}
}
