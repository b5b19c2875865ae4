package blacklist_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const (
	updateContactQ = `mutation($id: ID!, $in: ContactInput!) { updateContact(id: $id, input: $in, override: {reason: "the customer asked for it"}) { contact { id } } }`
	mergeQ         = `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one customer, two records") { id } }`
)

// recipients leaves out the contacts of contact_blocks, which the database keeps exact: every
// path that writes a contact's identifiers or the blacklist's hashes is taken here, and after
// each the table must equal the rule (person.recipients and person.blocked check it) and
// recipients and Contact.blocked must say what the blacklist says. Erasure with keep, key
// rotation and unhashed rows are taken by the tests of those features, through the same
// fixture.
func TestContactBlocksFollowEveryWritePath(t *testing.T) {
	p := newPerson(t)
	erikaID := p.subscriber(t, erika)
	maxID := p.subscriber(t, maxMuster)
	expect := func(step string, recipients []string, blocked map[string]bool) {
		t.Helper()
		if got, n := p.recipients(t); !slices.Equal(got, sorted(recipients...)) || n != len(recipients) {
			t.Errorf("%s: recipients = %v (%d), want %v", step, got, n, sorted(recipients...))
		}
		for id, want := range blocked {
			if got := p.blocked(t, id)[0]; got != want {
				t.Errorf("%s: blocked(%s) = %v, want %v", step, id, got, want)
			}
		}
	}

	// an entry for a phone nobody has yet
	var phoneEntry struct{ BlacklistAdd struct{ ID string } }
	p.MustAdmin(t, &phoneEntry, blacklistAddQ, map[string]any{"c": map[string]any{"phones": []string{"+49 30 5559876"}}, "r": "objection by phone"})
	expect("entry matching nobody", []string{erikaID, maxID}, map[string]bool{erikaID: false, maxID: false})

	// updateContact gives Max that phone, then takes it away again
	withPhone := map[string]any{"givenName": "Max", "familyName": "Muster", "emails": []string{"max.muster@example.com"},
		"phones": []string{"+49 30 1234567", "030 5559876"}}
	p.MustAdmin(t, &struct{}{}, updateContactQ, map[string]any{"id": maxID, "in": withPhone})
	expect("update adds a blacklisted phone", []string{erikaID}, map[string]bool{maxID: true})
	p.MustAdmin(t, &struct{}{}, updateContactQ, map[string]any{"id": maxID, "in": maxMuster})
	expect("update removes it", []string{erikaID, maxID}, map[string]bool{maxID: false})

	// blacklistAdd covers Erika; createContact of a second record of hers is blocked at once
	var emailEntry struct{ BlacklistAdd struct{ ID string } }
	p.MustAdmin(t, &emailEntry, blacklistAddQ, map[string]any{"c": map[string]any{"emails": []string{"Erika.Mustermann+news@example.org"}}, "r": "objection to advertising"})
	second := p.member(t, map[string]any{"familyName": "Mustermann (sales)", "emails": []string{"erika.mustermann+news@example.org"}})
	expect("blacklistAdd and a second record", []string{maxID}, map[string]bool{erikaID: true, second: true})

	// merging the blocked second record into a clean one blocks the survivor
	clean := p.subscriber(t, map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"e.mustermann@example.net"}})
	expect("a clean record", []string{maxID, clean}, map[string]bool{clean: false})
	p.MustAdmin(t, &struct{}{}, mergeQ, map[string]any{"into": clean, "from": []string{second}})
	expect("merge", []string{maxID}, map[string]bool{clean: true})

	// blacklistRemove ends the block of every holder
	p.MustAdmin(t, &struct{}{}, blacklistRemove, map[string]any{"id": emailEntry.BlacklistAdd.ID, "reason": "objection withdrawn"})
	expect("blacklistRemove", []string{erikaID, maxID, clean}, map[string]bool{erikaID: false, clean: false})

	// the import: a clean row goes in unblocked; a row held for the phone entry and accepted
	// goes in blocked
	csv := "Vorname;Nachname;E-Mail;Telefon\nHans;Beispiel;hans.beispiel@example.net;\nJonas;Beispiel;jonas.beispiel@example.net;030 5559876\n"
	job := importAndWait(t, p, csv)
	if job.Inserted != 1 || job.Held != 1 || len(job.HeldRows) != 1 {
		t.Fatalf("import = %+v, want one row inserted and one held", job)
	}
	p.MustAdmin(t, &struct{}{}, `mutation($j: ID!, $l: Int!) { decideImportRow(jobId: $j, line: $l, accept: true, reason: "existing customer, confirmed by phone") { id } }`,
		map[string]any{"j": job.ID, "l": job.HeldRows[0].Line})
	byEmail := contactsByEmail(t, p)
	expect("import and an accepted held row", []string{erikaID, maxID, clean},
		map[string]bool{byEmail["hans.beispiel@example.net"]: false, byEmail["jonas.beispiel@example.net"]: true})

	// removing the phone entry, which only the accepted row holds
	p.MustAdmin(t, &struct{}{}, blacklistRemove, map[string]any{"id": phoneEntry.BlacklistAdd.ID, "reason": "objection withdrawn"})
	expect("the phone entry removed", []string{erikaID, maxID, clean}, map[string]bool{byEmail["jonas.beispiel@example.net"]: false})
}

// An entry added while records of the same person are being written concurrently: whichever
// commits first, contact_blocks ends up exact and every record of hers is blocked.
func TestContactBlocksUnderConcurrentWrites(t *testing.T) {
	p := newPerson(t)
	const writers = 8
	var wg sync.WaitGroup
	ids := make([]string, writers)
	for i := range writers {
		wg.Go(func() {
			var out contactPayload
			p.MustAdmin(t, &out, createContact, map[string]any{
				"in":       map[string]any{"familyName": fmt.Sprintf("Beispiel %d", i), "emails": []string{"zora.beispiel@example.org"}},
				"override": map[string]any{"reason": "department record"}})
			if out.CreateContact.Contact != nil {
				ids[i] = out.CreateContact.Contact.ID
			}
		})
	}
	wg.Go(func() {
		p.MustAdmin(t, &struct{}{}, blacklistAddQ, map[string]any{"c": map[string]any{"emails": []string{"zora.beispiel@example.org"}}, "r": "objection"})
	})
	wg.Wait()
	for i, id := range ids {
		if id == "" {
			t.Fatalf("writer %d wrote nothing", i)
		}
	}
	for i, b := range p.blocked(t, ids...) {
		if !b {
			t.Errorf("record %d of the person is not blocked", i)
		}
	}
}

type importJob struct {
	ID             string
	Status         string
	Inserted, Held int
	HeldRows       []struct{ Line int }
}

// importAndWait imports csv (semicolon-separated, German headers) to nowhere and waits for
// the job to end.
func importAndWait(t *testing.T, p person, csv string) importJob {
	t.Helper()
	var started struct{ StartImport struct{ ID string } }
	apptest.Upload(t, p.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`,
		nil, "people.csv", []byte(csv)).Decode(t, &started)
	var out struct{ ImportJob importJob }
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		p.MustAdmin(t, &out, `query($id: ID!) { importJob(id: $id) { id status inserted held heldRows { line } } }`,
			map[string]any{"id": started.StartImport.ID})
		if out.ImportJob.Status != "RUNNING" || time.Now().After(deadline) {
			return out.ImportJob
		}
	}
}

// contactsByEmail maps each contact's first e-mail to its id.
func contactsByEmail(t *testing.T, p person) map[string]string {
	t.Helper()
	var out struct {
		Contacts struct {
			Edges []struct {
				Node struct {
					ID     string
					Emails []string
				}
			}
		}
	}
	p.MustAdmin(t, &out, `{ contacts(first: 100) { edges { node { id emails } } } }`, nil)
	ids := map[string]string{}
	for _, e := range out.Contacts.Edges {
		if len(e.Node.Emails) > 0 {
			ids[e.Node.Emails[0]] = e.Node.ID
		}
	}
	return ids
}
