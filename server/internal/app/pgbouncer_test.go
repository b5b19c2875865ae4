package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestTwoInstancesBehindPgBouncer runs two instances whose DATABASE_URL goes through PgBouncer
// in transaction pooling mode (fewer server connections than the instances have clients), with
// VERMERK_LISTEN_DATABASE_URL direct: a revocation made on one reaches a subscriber on the
// other, and an import on one runs while the other erases contacts and both answer reads.
func TestTwoInstancesBehindPgBouncer(t *testing.T) {
	direct := pgtest.NewDB(t)
	pooled := pgtest.PgBouncer(t, direct)
	listenDirect := func(c *config.Config) { c.ListenDatabaseURL = direct }
	a := apptest.StartOn(t, pooled, listenDirect)
	b := apptest.StartOn(t, pooled, listenDirect)

	var ignored any
	a.MustAdmin(t, &ignored, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	const erasable = 20
	ids := make([]string, erasable+1)
	for i := range ids {
		var c struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		a.MustAdmin(t, &c, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Mustermann", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": fmt.Sprintf("erika.mustermann.%d@example.org", i)})
		ids[i] = c.CreateContact.Contact.ID
	}
	erika := ids[erasable]
	a.MustAdmin(t, &ignored, `mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "web form"}) { id } }`,
		map[string]any{"id": erika})

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	onB, err := gqlws.Dial(ctx, b.WSURL(), apptest.AdminToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer onB.CloseNow()
	if err := onB.Subscribe(ctx, "1", `subscription { revocations { kind contactId } }`, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // graphql-transport-ws has no subscribe acknowledgement
	a.MustAdmin(t, &ignored, `mutation($id: ID!) { revokeConsent(input: {contactId: $id, purposeKey: "newsletter", channel: "phone"}) { status } }`,
		map[string]any{"id": erika})
	if r := nextRevocation(t, ctx, onB); r.Kind != "CONSENT_REVOKED" || r.ContactID != erika {
		t.Fatalf("instance B got %+v, want the revocation of %s made on A", r, erika)
	}

	// An import on A while B erases contacts and both serve reads.
	const rows = 3000
	var csv strings.Builder
	csv.WriteString("Vorname;Nachname;E-Mail;Telefon\n")
	for i := range rows {
		fmt.Fprintf(&csv, "Max;Muster %d;max.muster.%d@example.com;+49 30 1234%04d\n", i, i, i)
	}
	var started struct{ StartImport struct{ ID string } }
	apptest.Upload(t, a.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`, nil,
		"messe.csv", []byte(csv.String())).Decode(t, &started)

	var wg sync.WaitGroup
	errs := make(chan string, 2*erasable)
	for _, id := range ids[:erasable] {
		wg.Go(func() {
			if r := b.Admin(t, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request") { contactId } }`, map[string]any{"id": id}); len(r.Errors) > 0 {
				errs <- fmt.Sprintf("eraseContact on B: %+v", r.Errors)
			}
			if r := a.Admin(t, `{ contacts(first: 5) { edges { node { id } } } }`, nil); len(r.Errors) > 0 {
				errs <- fmt.Sprintf("contacts on A: %+v", r.Errors)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var job struct {
		ImportJob struct {
			Status            string
			Inserted, Invalid int
			Message           *string
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		b.MustAdmin(t, &job, `query($id: ID!) { importJob(id: $id) { status inserted invalid message } }`, map[string]any{"id": started.StartImport.ID})
		if job.ImportJob.Status != "RUNNING" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if j := job.ImportJob; j.Status != "DONE" || j.Inserted != rows {
		t.Errorf("import through PgBouncer: %+v, want DONE with %d inserted", j, rows)
	}
	for i := 0; i < erasable; i++ {
		if r := nextRevocation(t, ctx, onB); r.Kind != "CONTACT_ERASED" {
			t.Errorf("instance B got %+v, want an erasure", r)
		}
	}

	// The instances really went through PgBouncer, which shared its few server connections.
	clients := pgtest.PgBouncerAdmin(t, pooled, "SHOW CLIENTS")
	if len(clients) <= pgtest.PgBouncerPoolSize {
		t.Errorf("PgBouncer has %d clients, want more than its %d server connections", len(clients), pgtest.PgBouncerPoolSize)
	}
	for _, p := range pgtest.PgBouncerAdmin(t, pooled, "SHOW POOLS") {
		if p["database"] != "pgbouncer" && p["pool_mode"] != "transaction" {
			t.Errorf("pool %s runs in %s mode, want transaction", p["database"], p["pool_mode"])
		}
	}
}

type revocation struct{ Kind, ContactID string }

func nextRevocation(t *testing.T, ctx context.Context, c *gqlws.Conn) revocation {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	m, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("waiting for a revocation: %v", err)
	}
	var p struct {
		Data struct{ Revocations revocation }
	}
	if m.Type != "next" || len(m.Errors()) > 0 || json.Unmarshal(m.Payload, &p) != nil {
		t.Fatalf("got %s %s, want a revocation", m.Type, m.Payload)
	}
	return p.Data.Revocations
}
