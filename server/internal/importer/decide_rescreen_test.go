package importer_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// importHeld imports file and returns the job, which must wait for decisions on held rows.
func importHeld(t *testing.T, s *apptest.Server, file string, held int) job {
	t.Helper()
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "adressen.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Status != "NEEDS_DECISION" || j.Held != held || len(j.HeldRows) != held {
		t.Fatalf("job = %+v, want NEEDS_DECISION with %d held rows", j, held)
	}
	return j
}

// blacklistAdd adds a MANUAL entry for candidate and returns its id.
func blacklistAdd(t *testing.T, s *apptest.Server, candidate map[string]any, reason string) string {
	t.Helper()
	var e struct{ BlacklistAdd struct{ ID string } }
	s.MustAdmin(t, &e, `mutation($c: ContactInput!, $r: String!) { blacklistAdd(candidate: $c, reason: $r) { id } }`,
		map[string]any{"c": candidate, "r": reason})
	return e.BlacklistAdd.ID
}

// decisionAudit is the outcome of the audit rows of the job's decisions about line, oldest first.
func decisionAudit(t *testing.T, s *apptest.Server, jobID string, line int) []string {
	t.Helper()
	conn := s.Conn(t)
	rows, err := conn.Query(t.Context(), `SELECT outcome FROM audit_log WHERE operation = 'decideImportRow' AND target_id = $1
		AND outcome ~ ('line ' || $2::text || '\M') ORDER BY id`, jobID, strconv.Itoa(line))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// refusedAsUnseen checks that res is the refusal of an acceptance because the row matches
// entries the decider was not shown, naming each of want (entry id and match field) and no
// personal data of the row.
func refusedAsUnseen(t *testing.T, res *apptest.Result, what string, personal []string, want ...string) {
	t.Helper()
	if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["reason"] != "NEW_BLACKLIST_MATCH" {
		t.Fatalf("%s: errors %+v, data %s; want BAD_USER_INPUT NEW_BLACKLIST_MATCH", what, res.Errors, res.Data)
	}
	msg := res.Errors[0].Message
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: message %q does not name %s", what, msg, w)
		}
	}
	for _, p := range personal {
		if strings.Contains(strings.ToLower(msg), strings.ToLower(p)) {
			t.Errorf("%s: message %q quotes %q of the person", what, msg, p)
		}
	}
}

// A row held for one entry is decided days later. Meanwhile the person objected by phone: a
// second entry matches the row, which the one deciding was never shown. Accepting with the
// reason written for the first match must not pass as an override of the second: it is refused,
// nothing is written, and the held row now shows the new match. Accepted again, now that it was
// shown, the row is written (and blocked), the audit naming both entries.
func TestDecideRefusesAnAcceptanceWhenANewEntryMatches(t *testing.T) {
	s := apptest.Start(t)
	first := blacklistAdd(t, s, map[string]any{"familyName": "Testfrau", "emails": []string{"frieda.testfrau@example.test"}},
		"asked to be erased, ticket 4711")
	j := importHeld(t, s, "Vorname;Nachname;E-Mail;Telefon\r\nFrieda;Testfrau;frieda.testfrau@example.test;030 5550177\r\n", 1)
	if h := j.HeldRows[0]; h.Field != "EMAIL" || h.Entry.ID != first {
		t.Fatalf("held row = %+v, want held for entry %s by EMAIL", h, first)
	}
	second := blacklistAdd(t, s, map[string]any{"phones": []string{"030 5550177"}}, "objection by phone of 4 March")

	const why = "customer since 2019, asked for the catalogue in the shop"
	res := s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": why})
	if len(res.Errors) == 0 {
		t.Errorf("accepting after a new entry matched: accepted; contacts with her phone %d (blocked %d); audit %q",
			queryInt(t, s.DBURL, `SELECT count(*) FROM contact_phones WHERE number = '+49305550177'`),
			queryInt(t, s.DBURL, `SELECT count(*) FROM contact_phones p JOIN contact_blocks b USING (contact_id) WHERE p.number = '+49305550177'`),
			decisionAudit(t, s, j.ID, 2))
	}
	refusedAsUnseen(t, res, "accepting after a new entry matched", []string{"frieda", "testfrau", "5550177"}, second, "PHONE")
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails WHERE normalized = 'frieda.testfrau@example.test'`); n != 0 {
		t.Fatalf("refused, yet %d contacts with her e-mail", n)
	}
	var q struct{ ImportJob job }
	s.MustAdmin(t, &q, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": j.ID})
	if a := q.ImportJob; a.Status != "NEEDS_DECISION" || a.Held != 1 || a.Inserted != 0 || len(a.HeldRows) != 1 ||
		a.HeldRows[0].Field != "PHONE" || a.HeldRows[0].Entry.ID != second {
		t.Errorf("after the refusal: %+v, want line 2 still held, showing entry %s by PHONE", a, second)
	}
	if got := decisionAudit(t, s, j.ID, 2); len(got) != 1 || !strings.HasPrefix(got[0], "refused") || !strings.Contains(got[0], second) {
		t.Errorf("audit after the refusal = %q, want one refusal naming entry %s", got, second)
	}

	// Shown the new match, the one deciding accepts again: an override of both entries.
	var d struct{ DecideImportRow job }
	s.MustAdmin(t, &d, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": why})
	if a := d.DecideImportRow; a.Status != "DONE" || a.Inserted != 1 || a.Held != 0 {
		t.Errorf("after accepting again: %+v", a)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_phones p JOIN contact_blocks b USING (contact_id) WHERE p.number = '+49305550177'`); n != 1 {
		t.Errorf("the contact written: %d blocks, want it blocked by her objection", n)
	}
	got := decisionAudit(t, s, j.ID, 2)
	if len(got) != 2 || !strings.Contains(got[1], "override") || !strings.Contains(got[1], first) || !strings.Contains(got[1], second) {
		t.Errorf("audit = %q, want the override naming entries %s and %s", got, first, second)
	}
}

// The entry a row was held for is lifted before anyone decides, and nothing else matches: the
// row is accepted as any row that matches nothing, with or without a reason, and the audit says
// that nothing matched at the decision, not that an entry was overridden. A new entry that
// matches instead is refused, as one the decider was not shown.
func TestDecideAfterTheEntryWasLifted(t *testing.T) {
	s := apptest.Start(t)
	held := blacklistAdd(t, s, map[string]any{"familyName": "Testfrau", "emails": []string{"frieda.testfrau@example.test"},
		"phones": []string{"030 5550178"}}, "asked to be erased, ticket 4712")
	j := importHeld(t, s, "Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort\r\n"+
		"Frieda;Testfrau;frieda.testfrau@example.test;;;;\r\n"+ // 2 held: e-mail
		"Gustav;Beispielmann;;030 5550178;;;\r\n", 2) // 3 held: phone
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistRemove(id: $id, reason: "entered in error, see ticket 4713") { id } }`,
		map[string]any{"id": held})

	const why = "the entry was wrong"
	res := s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": why})
	if len(res.Errors) > 0 {
		t.Fatalf("accepting line 2 after its entry was lifted: %+v", res.Errors)
	}
	if got := decisionAudit(t, s, j.ID, 2); len(got) != 1 || strings.Contains(got[0], "override") ||
		!strings.Contains(got[0], "nothing matched the blacklist at decision time") {
		t.Errorf("audit of line 2 = %q, want no override: nothing matched the blacklist at decision time", got)
	}
	// matching nothing, the row needs no reason
	res = s.Admin(t, decide, map[string]any{"job": j.ID, "line": 3, "accept": true})
	if len(res.Errors) > 0 {
		t.Errorf("accepting line 3 without a reason after its entry was lifted: %+v, want accepted", res.Errors)
	} else if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_phones WHERE number = '+49305550178'`); n != 1 {
		t.Errorf("line 3 accepted, %d contacts with its phone, want 1", n)
	}

	// A second job: held for an entry that is lifted, while a new one matches.
	other := blacklistAdd(t, s, map[string]any{"familyName": "Testmann", "emails": []string{"otto.testmann@example.test"}}, "asked to be erased, ticket 4714")
	j2 := importHeld(t, s, "Vorname;Nachname;E-Mail;Telefon\r\nOtto;Testmann;otto.testmann@example.test;030 5550179\r\n", 1)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistRemove(id: $id, reason: "entered in error, see ticket 4715") { id } }`,
		map[string]any{"id": other})
	objection := blacklistAdd(t, s, map[string]any{"phones": []string{"030 5550179"}}, "objection by phone of 5 March")
	res = s.Admin(t, decide, map[string]any{"job": j2.ID, "line": 2, "accept": true, "reason": why})
	refusedAsUnseen(t, res, "accepting after the entry was lifted and another matched", []string{"otto", "testmann", "5550179"}, objection, "PHONE")
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_phones WHERE number = '+49305550179'`); n != 0 {
		t.Errorf("refused, yet %d contacts with his phone", n)
	}
	// dropping always works
	var d struct{ DecideImportRow job }
	s.MustAdmin(t, &d, decide, map[string]any{"job": j2.ID, "line": 2, "accept": false})
	if a := d.DecideImportRow; a.Status != "DONE" || a.Held != 0 || a.Inserted != 0 {
		t.Errorf("after dropping: %+v", a)
	}
}

// Two rows of one file are the same person, both held for the entry of her name and address
// (an erasure of someone known by her postal address). Her objection by e-mail comes in before
// anyone decides and matches both rows. Each row is decided on its own: the refusal of the first
// and its acceptance once shown the objection decide nothing about the second, whose acceptance
// is refused until it too was shown the new entry.
func TestDecideASecondRowOfThePersonIsScreenedOnItsOwn(t *testing.T) {
	s := apptest.Start(t)
	erased := blacklistAdd(t, s, map[string]any{"givenName": "Frieda", "familyName": "Testfrau",
		"address": map[string]any{"street": "Lindenweg 3", "postalCode": "10117", "city": "Berlin"}}, "asked to be erased, ticket 4716")
	j := importHeld(t, s, "Vorname;Nachname;E-Mail;Straße;PLZ;Ort\r\n"+
		"Frieda;Testfrau;frieda.neu@example.test;Lindenweg 3;10117;Berlin\r\n"+ // 2 held: name and address
		"Frieda;Testfrau;frieda.alt@example.test;Lindenweg 3;10117;Berlin\r\n", 2) // 3 held: name and address
	objection := blacklistAdd(t, s, map[string]any{"emails": []string{"frieda.neu@example.test", "frieda.alt@example.test"}},
		"objection by e-mail of 7 March")

	personal := []string{"frieda", "testfrau", "lindenweg"}
	const why = "a namesake at the same house, checked by phone"
	refusedAsUnseen(t, s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": why}),
		"line 2", personal, objection, "EMAIL")
	var d struct{ DecideImportRow job }
	s.MustAdmin(t, &d, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": why})
	if a := d.DecideImportRow; a.Held != 1 || a.Inserted != 1 || len(a.HeldRows) != 1 || a.HeldRows[0].Line != 3 ||
		a.HeldRows[0].Entry.ID != erased {
		t.Errorf("after line 2 was accepted: %+v, want line 3 still held for entry %s", a, erased)
	}
	refusedAsUnseen(t, s.Admin(t, decide, map[string]any{"job": j.ID, "line": 3, "accept": true, "reason": why}),
		"line 3, after line 2 was decided", personal, objection, "EMAIL")
	s.MustAdmin(t, &d, decide, map[string]any{"job": j.ID, "line": 3, "accept": true, "reason": why})
	if a := d.DecideImportRow; a.Status != "DONE" || a.Held != 0 || a.Inserted != 2 {
		t.Errorf("after line 3 was accepted: %+v", a)
	}
	for _, line := range []int{2, 3} {
		got := decisionAudit(t, s, j.ID, line)
		if len(got) != 2 || !strings.Contains(got[1], "override") || !strings.Contains(got[1], erased) || !strings.Contains(got[1], objection) {
			t.Errorf("audit of line %d = %q, want a refusal, then the override naming entries %s and %s", line, got, erased, objection)
		}
	}
}

// The refusal writes (the row shows the new match, the audit says so), so it spends its
// Idempotency-Key: sent again with it, the request gets the same refusal, replayed, and writes
// nothing more; the decision made knowing the match goes with a new key.
func TestDecideRefusalSentAgainWithItsKeyIsReplayed(t *testing.T) {
	s := apptest.Start(t)
	blacklistAdd(t, s, map[string]any{"familyName": "Testfrau", "emails": []string{"frieda.testfrau@example.test"}}, "asked to be erased, ticket 4717")
	j := importHeld(t, s, "Vorname;Nachname;E-Mail;Telefon\r\nFrieda;Testfrau;frieda.testfrau@example.test;030 5550180\r\n", 1)
	objection := blacklistAdd(t, s, map[string]any{"phones": []string{"030 5550180"}}, "objection by phone of 8 March")

	send := func(key string) (body []byte, replayed bool) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"query": decide,
			"variables": map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": "customer since 2019"}})
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/graphql", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return body, resp.Header.Get("Idempotent-Replayed") == "true"
	}
	first, _ := send("decide-frieda-1")
	if !strings.Contains(string(first), "NEW_BLACKLIST_MATCH") || !strings.Contains(string(first), objection) {
		t.Fatalf("first acceptance: %s, want NEW_BLACKLIST_MATCH naming entry %s", first, objection)
	}
	again, replayed := send("decide-frieda-1")
	if !bytes.Equal(again, first) || !replayed {
		t.Errorf("sent again with its key: replayed %v, %s; want the first answer, replayed", replayed, again)
	}
	if got := decisionAudit(t, s, j.ID, 2); len(got) != 1 {
		t.Errorf("audit after sending the refused acceptance twice = %q, want one refusal", got)
	}
	if body, _ := send("decide-frieda-2"); !strings.Contains(string(body), `"status":"DONE"`) {
		t.Errorf("accepted again with a new key: %s, want the job DONE", body)
	}
}
