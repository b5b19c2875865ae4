package retention_test

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/retention"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type world struct {
	t *testing.T
	s *apptest.Server
}

func (w world) do(query string, vars map[string]any, out any) {
	w.t.Helper()
	w.s.MustAdmin(w.t, out, query, vars)
}

func (w world) contact(family, email string) string {
	w.t.Helper()
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	w.do(`mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
		map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": family, "emails": []string{email}}}, &out)
	return out.CreateContact.Contact.ID
}

func (w world) grant(id, purpose string) {
	w.t.Helper()
	var out any
	w.do(`mutation($in: ConsentInput!) { recordConsent(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"contactId": id, "purposeKey": purpose, "source": "web form", "evidence": "form version 3"}}, &out)
}

func (w world) revoke(id, purpose string) {
	w.t.Helper()
	var out any
	w.do(`mutation($in: RevocationInput!) { revokeConsent(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"contactId": id, "purposeKey": purpose, "channel": "phone"}}, &out)
}

func (w world) due() []string {
	w.t.Helper()
	var out struct {
		RetentionDue struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
		}
	}
	w.do(`query { retentionDue(first: 100) { totalCount edges { node { id } } } }`, nil, &out)
	var ids []string
	for _, e := range out.RetentionDue.Edges {
		ids = append(ids, e.Node.ID)
	}
	if out.RetentionDue.TotalCount != len(ids) {
		w.t.Errorf("retentionDue totalCount %d, listed %d", out.RetentionDue.TotalCount, len(ids))
	}
	sort.Strings(ids)
	return ids
}

type report struct {
	DryRun       bool
	Due, Deleted int
}

func (w world) apply(dryRun bool) report {
	w.t.Helper()
	var out struct{ ApplyRetention report }
	w.do(`mutation($dry: Boolean!) { applyRetention(dryRun: $dry) { dryRun due deleted } }`, map[string]any{"dry": dryRun}, &out)
	return out.ApplyRetention
}

func (w world) count(sql string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.s.App.DB.Pool.QueryRow(w.t.Context(), sql, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func sorted(ids ...string) []string { sort.Strings(ids); return ids }

// The "done when": with retentionMonths 0 the due contacts are exactly those without
// a granted consent; the dry run deletes nothing; the real run deletes them, audited, with a
// CONTACT_DELETED event each and no blacklist entry.
func TestRetentionZeroDeletesExactlyTheContactsWithoutAGrantedConsent(t *testing.T) {
	w := world{t, apptest.Start(t)}
	var p struct {
		CreatePurpose struct{ RetentionMonths *int }
	}
	w.do(`mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT, retentionMonths: 0}) { retentionMonths } }`, nil, &p)
	if p.CreatePurpose.RetentionMonths == nil || *p.CreatePurpose.RetentionMonths != 0 {
		t.Fatalf("Purpose.retentionMonths = %v, want 0", p.CreatePurpose.RetentionMonths)
	}
	var l any
	w.do(`mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil, &l)

	granted := w.contact("Granted", "granted@example.com")
	w.grant(granted, "newsletter")
	regranted := w.contact("Regranted", "regranted@example.com")
	w.grant(regranted, "newsletter")
	w.revoke(regranted, "newsletter")
	w.grant(regranted, "newsletter")
	revoked := w.contact("Revoked", "revoked@example.com")
	w.grant(revoked, "newsletter")
	w.revoke(revoked, "newsletter")
	none := w.contact("Mustermann", "max.muster@example.com")
	listed := w.contact("Listed", "listed@example.com")
	w.do(`mutation($id: ID!) { addToList(contactId: $id, listKey: "news") { id } }`, map[string]any{"id": listed}, &l)

	// a closed request keeps nobody, and its note (which may name the person) goes with them
	var filed struct{ FileRequest struct{ ID string } }
	w.do(`mutation($id: ID!) { fileRequest(input: {kind: OBJECTION, contactId: $id, channel: "letter", note: "Letter from Max Muster"}) { id } }`,
		map[string]any{"id": none}, &filed)
	w.do(`mutation($id: ID!) { rejectRequest(id: $id, reason: "Not a customer of ours") { id } }`, map[string]any{"id": filed.FileRequest.ID}, &l)

	want := sorted(revoked, none, listed)
	if got := w.due(); !slices.Equal(got, want) {
		t.Fatalf("retentionDue = %v, want %v", got, want)
	}
	before := w.count(`SELECT count(*) FROM contacts`)
	if r := w.apply(true); r != (report{DryRun: true, Due: 3}) {
		t.Fatalf("dry run: %+v, want 3 due, 0 deleted", r)
	}
	if n := w.count(`SELECT count(*) FROM contacts`); n != before {
		t.Fatalf("the dry run deleted %d contacts", before-n)
	}
	if r := w.apply(false); r != (report{Due: 3, Deleted: 3}) {
		t.Fatalf("real run: %+v, want 3 due and deleted", r)
	}
	if n := w.count(`SELECT count(*) FROM contacts WHERE id = ANY($1::uuid[])`, want); n != 0 {
		t.Fatalf("%d due contacts survived", n)
	}
	if n := w.count(`SELECT count(*) FROM contacts WHERE id = ANY($1::uuid[])`, []string{granted, regranted}); n != 2 {
		t.Fatal("a contact with a granted consent was deleted")
	}
	if n := w.count(`SELECT count(*) FROM data_subject_requests WHERE note IS NOT NULL`); n != 0 {
		t.Fatal("the note of a deleted person's request survived")
	}
	if n := w.count(`SELECT count(*) FROM blacklist_entries`); n != 0 {
		t.Fatalf("retention left %d blacklist entries", n)
	}
	var scr struct{ Screen struct{ Blocked bool } }
	w.do(`query { screen(candidate: {emails: ["max.muster@example.com"]}) { blocked } }`, nil, &scr)
	if scr.Screen.Blocked {
		t.Fatal("a deleted person is blocked; retention is not an objection")
	}
	if n := w.count(`SELECT count(*) FROM events WHERE kind = 'CONTACT_DELETED' AND contact_id = ANY($1::uuid[])`, want); n != 3 {
		t.Fatalf("%d CONTACT_DELETED events, want 3", n)
	}
	if n := w.count(`SELECT count(*) FROM audit_log WHERE operation = 'applyRetention' AND contact_id = ANY($1::uuid[])`, want); n != 3 {
		t.Fatalf("%d audit rows of deletions, want 3", n)
	}
	if got := w.due(); len(got) != 0 {
		t.Fatalf("due after the run: %v", got)
	}
}

// Holds: an open request, a MANUAL blacklist entry (objection), an unexpired retention, and a
// purpose without a limit keep a contact; without any retention set nothing is due.
func TestRetentionHolds(t *testing.T) {
	w := world{t, apptest.Start(t)}
	var out any
	lonely := w.contact("Lonely", "lonely@example.com")
	if got := w.due(); len(got) != 0 {
		t.Fatalf("no purpose sets a retention, yet due: %v", got)
	}
	w.do(`mutation { createPurpose(input: {key: "sales", name: "Sales calls", legalBasis: LEGITIMATE_INTEREST, retentionMonths: 24}) { id } }`, nil, &out)
	w.do(`mutation { createPurpose(input: {key: "postal", name: "Postal mailing", legalBasis: CONSENT}) { id } }`, nil, &out)
	w.do(`mutation { createPurpose(input: {key: "events", name: "Event invitations", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil, &out)
	recent := w.contact("Recent", "recent@example.com") // revoked sales today: kept 24 months
	w.grant(recent, "sales")
	w.revoke(recent, "sales")
	unlimited := w.contact("Unlimited", "unlimited@example.com") // revoked postal: no limit
	w.grant(unlimited, "postal")
	w.revoke(unlimited, "postal")
	requested := w.contact("Requested", "requested@example.com")
	w.grant(requested, "events")
	w.revoke(requested, "events")
	w.do(`mutation($id: ID!) { fileRequest(input: {kind: ACCESS, contactId: $id, channel: "letter"}) { id } }`, map[string]any{"id": requested}, &out)
	objected := w.contact("Objected", "objected@example.com")
	w.grant(objected, "events")
	w.revoke(objected, "events")
	w.do(`mutation { blacklistAdd(candidate: {emails: ["Objected@Example.com"]}, reason: "objection to marketing") { id } }`, nil, &out)
	gone := w.contact("Gone", "gone@example.com")
	w.grant(gone, "events")
	w.revoke(gone, "events")

	// lonely has no consent: kept for the longest retention set (24 months) after its last change
	if got, want := w.due(), []string{gone}; !slices.Equal(got, want) {
		t.Fatalf("retentionDue = %v, want only %v (lonely %s is kept 24 months)", got, want, lonely)
	}
	// 25 months later the revoked sales contact and the lonely one are due too.
	w.s.App.Retention.Now = func() time.Time { return time.Now().AddDate(0, 25, 0) }
	w.s.App.Retention.BatchSize = 2 // several keyset pages
	rep, err := w.s.App.Retention.Run(t.Context(), true, nil)
	if err != nil || rep.Examined != 6 || rep.Due != 3 {
		t.Fatalf("dry run 25 months on: %+v, %v; want 6 examined, 3 due (gone, recent, lonely)", rep, err)
	}
}

// The scheduled run runs once a day however many instances try at once.
func TestScheduledRunRunsOncePerDay(t *testing.T) {
	w := world{t, apptest.Start(t)}
	var out any
	w.do(`mutation { createPurpose(input: {key: "events", name: "Event invitations", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil, &out)
	w.contact("Mustermann", "max.muster@example.com")
	second := apptest.StartOn(t, w.s.DBURL)
	now := time.Now()
	var (
		mu   sync.Mutex
		runs int
		wg   sync.WaitGroup
	)
	for _, svc := range []*apptest.Server{w.s, second, w.s, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ran, err := svc.App.Retention.RunOnce(t.Context(), now)
			if err != nil {
				t.Error(err)
			}
			if ran {
				mu.Lock()
				runs++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if runs != 1 {
		t.Fatalf("%d runs on one day, want 1", runs)
	}
	if n := w.count(`SELECT deleted FROM retention_runs`); n != 1 {
		t.Fatalf("retention_runs records %d deleted, want 1", n)
	}
	if _, ran, err := w.s.App.Retention.RunOnce(t.Context(), now.AddDate(0, 0, 1)); err != nil || !ran {
		t.Fatalf("the next day: ran %v, %v", ran, err)
	}
}

// RunDaily runs once the scheduled time of day has passed, and only once that day.
func TestRunDailyAfterTheScheduledTime(t *testing.T) {
	w := world{t, apptest.Start(t)}
	svc := w.s.App.Retention
	noon := time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local)
	var clock atomic.Int64
	clock.Store(noon.UnixNano())
	svc.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.RunDaily(ctx, retention.Schedule{Hour: 13}, 10*time.Millisecond, slog.New(slog.DiscardHandler))
	}()
	time.Sleep(200 * time.Millisecond)
	if n := w.count(`SELECT count(*) FROM retention_runs`); n != 0 {
		t.Fatalf("ran at 12:00 with the schedule at 13:00 (%d runs)", n)
	}
	clock.Store(noon.Add(90 * time.Minute).UnixNano())
	deadline := time.Now().Add(10 * time.Second)
	for w.count(`SELECT count(*) FROM retention_runs WHERE finished_at IS NOT NULL`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no run after the scheduled time")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-done
	if n := w.count(`SELECT count(*) FROM retention_runs`); n != 1 {
		t.Fatalf("%d runs that day, want 1", n)
	}
}

// An objection recorded on an instance with a new secret key holds the record (a MANUAL
// entry). An instance still on the old key cannot recognise that entry: its retention run must
// not delete the record meanwhile, but refuse, as its other writes do.
func TestRedTeamRotatedAwayInstanceDeletesNothing(t *testing.T) {
	slow := func(c *config.Config) { c.KeyCheckInterval = time.Hour } // it does not stop by itself here
	old := world{t, apptest.Start(t, slow)}
	var out any
	old.do(`mutation { createPurpose(input: {key: "events", name: "Event invitations", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil, &out)
	objected := old.contact("Objected", "objected@example.com")
	old.grant(objected, "events")
	old.revoke(objected, "events")
	if got := old.due(); !slices.Equal(got, []string{objected}) {
		t.Fatalf("retentionDue = %v, want %v", got, []string{objected})
	}
	rotated := world{t, apptest.StartOn(t, old.s.DBURL, slow, func(cfg *config.Config) {
		cfg.SecretKey, cfg.OldSecretKeys = apptest.NewSecretKey(), []string{old.s.Config.SecretKey}
	})}
	rotated.do(`mutation { blacklistAdd(candidate: {emails: ["objected@example.com"]}, reason: "objection to marketing") { id } }`, nil, &out)
	if got := rotated.due(); len(got) != 0 {
		t.Fatalf("retentionDue on the rotated instance = %v, want none (the objection holds the record)", got)
	}

	// Its list of what is due would name the held record: it refuses too.
	if r := old.s.Admin(t, `{ retentionDue(first: 10) { edges { node { id } } } }`, nil); len(r.Errors) == 0 || r.Errors[0].Code() != "UNAVAILABLE" {
		t.Errorf("retentionDue on the instance left on the old key: %s %+v, want UNAVAILABLE", r.Data, r.Errors)
	}
	r := old.s.Admin(t, `mutation { applyRetention(dryRun: false) { deleted } }`, nil)
	if len(r.Errors) == 0 || r.Errors[0].Code() != "UNAVAILABLE" {
		t.Errorf("applyRetention on the instance left on the old key: %s %+v, want UNAVAILABLE", r.Data, r.Errors)
	}
	if n := old.count(`SELECT count(*) FROM contacts WHERE id = $1`, objected); n != 1 {
		t.Error("the record held by the objection was deleted")
	}
}

// A restriction (Art. 18) keeps data the person needs for a legal claim: a record known by its
// postal address only, restricted by blacklistContact, stays when no purpose holds it any
// more; when the entry ends, it is due like any other.
func TestARestrictedRecordWithoutEmailOrPhoneIsKept(t *testing.T) {
	w := world{t, apptest.Start(t)}
	var out any
	w.do(`mutation { createPurpose(input: {key: "events", name: "Event invitations", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil, &out)
	var created struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	w.do(`mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau",
		address: {street: "Teststraße 5", postalCode: "10115", city: "Berlin"}}) { contact { id } } }`, nil, &created)
	restricted := created.CreateContact.Contact.ID
	w.grant(restricted, "events")
	w.revoke(restricted, "events")
	var entry struct{ BlacklistContact struct{ ID string } }
	w.do(`mutation($id: ID!) { blacklistContact(contactId: $id, reason: "restriction: kept for a pending legal claim") { id } }`,
		map[string]any{"id": restricted}, &entry)
	if got := w.due(); len(got) != 0 {
		t.Fatalf("retentionDue = %v, want the restricted record %s kept", got, restricted)
	}
	w.do(`mutation($id: ID!) { blacklistRemove(id: $id, reason: "claim settled, restriction lifted") { id } }`,
		map[string]any{"id": entry.BlacklistContact.ID}, &out)
	if got, want := w.due(), []string{restricted}; !slices.Equal(got, want) {
		t.Fatalf("retentionDue after the restriction ended = %v, want %v", got, want)
	}
}

// An open request concerns the person, not the record it was filed on: while she waits for the
// answer to her access request, filed on her newsletter record, retention keeps her sales
// record too (the answer must cover it), also when the request came in after the run began.
func TestAnOpenRequestHoldsEveryRecordOfThePerson(t *testing.T) {
	w := world{t, apptest.Start(t)}
	var out any
	w.do(`mutation { createPurpose(input: {key: "events", name: "Event invitations", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil, &out)
	newsletter := w.contact("Testfrau", "erika.testfrau@example.com")
	sales := w.contact("Testfrau-Vertrieb", "Erika.Testfrau@example.com")
	for _, id := range []string{newsletter, sales} {
		w.grant(id, "events")
		w.revoke(id, "events")
	}
	if got, want := w.due(), sorted(newsletter, sales); !slices.Equal(got, want) {
		t.Fatalf("retentionDue before the request = %v, want both records %v", got, want)
	}
	step, err := w.s.App.Retention.StepLater(t.Context()) // a run that began before the request
	if err != nil {
		t.Fatal(err)
	}
	var filed struct{ FileRequest struct{ ID string } }
	w.do(`mutation($id: ID!) { fileRequest(input: {kind: ACCESS, contactId: $id, channel: "letter"}) { id } }`,
		map[string]any{"id": newsletter}, &filed)
	if n, err := step([]string{newsletter, sales}); err != nil || n != 0 {
		t.Fatalf("a step of a run that began before her request deleted %d records (%v), want none", n, err)
	}
	if got := w.due(); len(got) != 0 {
		t.Fatalf("retentionDue with her request open = %v, want none of her records", got)
	}
	if rep := w.apply(false); rep.Deleted != 0 {
		t.Fatalf("applyRetention with her request open: %+v, want nothing deleted", rep)
	}
	if n := w.count(`SELECT count(*) FROM contacts WHERE id = ANY($1::uuid[])`, []string{newsletter, sales}); n != 2 {
		t.Fatalf("%d of her 2 records left while her request is open", n)
	}
	w.do(`mutation($id: ID!) { rejectRequest(id: $id, reason: "Identity not confirmed") { id } }`,
		map[string]any{"id": filed.FileRequest.ID}, &out)
	if got, want := w.due(), sorted(newsletter, sales); !slices.Equal(got, want) {
		t.Fatalf("retentionDue once her request is closed = %v, want both records %v", got, want)
	}
}
