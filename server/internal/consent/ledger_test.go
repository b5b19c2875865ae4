package consent_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/consent"
)

func connect(t testing.TB, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryRow(t testing.TB, dbURL, sql string, dest ...any) error {
	t.Helper()
	return connect(t, dbURL).QueryRow(context.Background(), sql).Scan(dest...)
}

func TestLedgerRefusesUpdateAndDeleteInTheDatabase(t *testing.T) {
	f := newFixture(t)
	id := f.contact(t, "Erika", "Mustermann")
	f.grant(t, id, "newsletter", "web form", "form v3")
	conn := connect(t, f.DBURL)
	ctx := context.Background()
	for _, stmt := range []string{
		`UPDATE consent_events SET status = 'REVOKED'`,
		`UPDATE consent_events SET evidence = 'forged'`,
		`DELETE FROM consent_events`,
	} {
		_, err := conn.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" || !strings.Contains(pgErr.Message, "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", stmt, err)
		}
	}
	var status, evidence string
	if err := conn.QueryRow(ctx, `SELECT status, evidence FROM consent_events`).Scan(&status, &evidence); err != nil ||
		status != "GRANTED" || evidence != "form v3" {
		t.Errorf("ledger row = %s, %s (err %v), want it unchanged", status, evidence, err)
	}

	// Erasure (the one permitted way) removes the person's ledger and state with the contact.
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('vermerk.erasure', 'on', true)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM contacts WHERE id = $1`, id)
		return err
	})
	if err != nil {
		t.Fatalf("erasure: %v", err)
	}
	var left int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM consent_events) + (SELECT count(*) FROM consent_state)
		+ (SELECT count(*) FROM list_members)`).Scan(&left); err != nil || left != 0 {
		t.Errorf("after erasure %d ledger, state or membership rows remain (err %v)", left, err)
	}
}

func TestRevocationWritesOutboxEventWithoutPersonalData(t *testing.T) {
	f := newFixture(t)
	id := f.contact(t, "Erika", "Mustermann")
	f.grant(t, id, "newsletter", "web form", nil)
	f.revoke(t, id, "newsletter", "phone")
	var kind, contactID, channel, ref, purposeKey string
	err := queryRow(t, f.DBURL, `SELECT e.kind, e.contact_id::text, p.key, e.channel, e.ref
		FROM events e JOIN purposes p ON p.id = e.purpose_id WHERE e.kind = 'CONSENT_REVOKED'`,
		&kind, &contactID, &purposeKey, &channel, &ref)
	if err != nil {
		t.Fatalf("no CONSENT_REVOKED event: %v", err)
	}
	if contactID != id || purposeKey != "newsletter" || channel != "phone" || ref != "" {
		t.Errorf("event = %s %s %s %q %q, want the contact id, purpose and channel only", kind, contactID, purposeKey, channel, ref)
	}
	var audits int
	if err := queryRow(t, f.DBURL, `SELECT count(*) FROM audit_log
		WHERE contact_id = '`+id+`' AND operation IN ('recordConsent', 'revokeConsent') AND outcome = 'ok'`, &audits); err != nil || audits != 2 {
		t.Errorf("audit rows for grant and revocation = %d (err %v), want 2", audits, err)
	}
}

func TestIntegratorTokensAreBoundToTheirPurposes(t *testing.T) {
	f := newFixture(t)
	svc := consent.New(f.App.DB)
	id := f.contact(t, "Erika", "Mustermann")
	f.addToList(t, id, "news-de")
	f.addToList(t, id, "calls-q3")
	f.grant(t, id, "newsletter", "web form", nil)
	f.grant(t, id, "sales-calls", "phone", nil)

	ctx := viewer.With(context.Background(), &viewer.Viewer{TokenID: "t1", Name: "newsletter tool",
		Role: model.RoleIntegrator, PurposeKeys: []string{"newsletter"}})

	purposes, err := svc.Purposes(ctx)
	if err != nil || len(purposes) != 1 || purposes[0].Key != "newsletter" {
		t.Errorf("purposes = %v (err %v), want only newsletter", purposes, err)
	}
	lists, err := svc.Lists(ctx)
	if err != nil || len(lists) != 1 || lists[0].Key != "news-de" {
		t.Errorf("lists = %v (err %v), want only news-de", lists, err)
	}
	conn, err := svc.Recipients(ctx, "news-de", 10, "")
	if err != nil || len(conn.Edges) != 1 || conn.Edges[0].Node.ID != id {
		t.Errorf("recipients(news-de) = %+v (err %v), want the one subscriber", conn, err)
	}
	if _, err := svc.RecordConsent(ctx, model.ConsentInput{ContactID: id, PurposeKey: "newsletter", Source: "web form"}); err != nil {
		t.Errorf("recordConsent within the token's purpose: %v", err)
	}
	ofContact, errs := svc.ConsentsOfContacts(ctx, []string{id})
	if errs[0] != nil || len(ofContact[0]) != 1 {
		t.Errorf("Contact.consents for the integrator = %d (err %v), want only the newsletter consent", len(ofContact[0]), errs[0])
	}
	listsOf, errs := svc.ListsOfContacts(ctx, []string{id})
	if errs[0] != nil || len(listsOf[0]) != 1 || listsOf[0][0].Key != "news-de" {
		t.Errorf("Contact.lists for the integrator = %v (err %v), want only news-de", listsOf[0], errs[0])
	}

	forbidden := []struct {
		name string
		call func() error
		want string
	}{
		{"recipients", func() error { _, err := svc.Recipients(ctx, "calls-q3", 10, ""); return err }, `"sales-calls"`},
		{"recordConsent", func() error {
			_, err := svc.RecordConsent(ctx, model.ConsentInput{ContactID: id, PurposeKey: "sales-calls", Source: "api"})
			return err
		}, `"sales-calls"`},
		{"revokeConsent", func() error {
			_, err := svc.RevokeConsent(ctx, model.RevocationInput{ContactID: id, PurposeKey: "sales-calls", Channel: "api"})
			return err
		}, `"sales-calls"`},
		{"revokeConsent of an unknown purpose", func() error {
			_, err := svc.RevokeConsent(ctx, model.RevocationInput{ContactID: id, PurposeKey: "postal", Channel: "api"})
			return err
		}, `"postal"`},
		{"addToList", func() error { _, err := svc.AddToList(ctx, id, "calls-q3", nil); return err }, `"sales-calls"`},
		{"consentProof", func() error { _, err := svc.ConsentProof(ctx, id); return err }, "staff token"},
		{"subjectAccessExport", func() error { _, err := svc.SubjectAccessExport(ctx, id, nil); return err }, "staff token"},
	}
	for _, tc := range forbidden {
		err := tc.call()
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Forbidden || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s outside the token's purposes: err = %v, want FORBIDDEN naming %s", tc.name, err, tc.want)
		}
	}
	var salesEvents int
	if err := queryRow(t, f.DBURL, `SELECT count(*) FROM consent_events e JOIN purposes p ON p.id = e.purpose_id
		WHERE p.key = 'sales-calls'`, &salesEvents); err != nil || salesEvents != 1 {
		t.Errorf("sales-call ledger has %d entries (err %v), want only the staff grant", salesEvents, err)
	}
	var recorder string
	if err := queryRow(t, f.DBURL, `SELECT recorded_by || '/' || recorded_by_token FROM consent_events ORDER BY id DESC LIMIT 1`,
		&recorder); err != nil || recorder != "newsletter tool/t1" {
		t.Errorf("the integrator's grant was recorded by %q (err %v), want the token's name and id", recorder, err)
	}
}

func TestUnsubscribeFromListIsOneIdempotentTransaction(t *testing.T) {
	f := newFixture(t)
	svc := consent.New(f.App.DB)
	ctx := context.Background()
	id := f.contact(t, "Erika", "Mustermann")
	f.addToList(t, id, "news-de")
	f.grant(t, id, "newsletter", "web form", nil)
	list, err := svc.ListByKey(ctx, "news-de")
	if err != nil {
		t.Fatal(err)
	}
	if byID, err := svc.ListByID(ctx, list.ID); err != nil || byID.Key != "news-de" || byID.PurposeID != list.PurposeID {
		t.Errorf("ListByID = %+v (err %v), want news-de", byID, err)
	}
	if _, err := svc.ListByKey(ctx, "nope"); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("ListByKey(nope) err = %v, want NOT_FOUND", err)
	}

	count := func() (ledger, events, members, audits int) {
		t.Helper()
		if err := queryRow(t, f.DBURL, `SELECT (SELECT count(*) FROM consent_events), (SELECT count(*) FROM events WHERE kind = 'CONSENT_REVOKED'),
			(SELECT count(*) FROM list_members), (SELECT count(*) FROM audit_log WHERE operation = 'unsubscribe')`,
			&ledger, &events, &members, &audits); err != nil {
			t.Fatal(err)
		}
		return
	}
	done, err := svc.UnsubscribeFromList(ctx, id, list.ID, "unsubscribe-link")
	if err != nil || done {
		t.Fatalf("first unsubscribe: alreadyDone %v, err %v; want false, nil", done, err)
	}
	if got := f.recipients(t, "news-de"); len(got) != 0 {
		t.Errorf("recipients after unsubscribing = %q, want none", got)
	}
	ledger, events, members, audits := count()
	if ledger != 2 || events != 1 || members != 0 || audits != 1 {
		t.Errorf("after unsubscribing: ledger %d, events %d, members %d, audits %d; want 2, 1, 0, 1", ledger, events, members, audits)
	}
	var source, recorder string
	if err := queryRow(t, f.DBURL, `SELECT source, recorded_by FROM consent_events WHERE status = 'REVOKED'`, &source, &recorder); err != nil ||
		source != "unsubscribe-link" || recorder != consent.UnsubscribeRecorder {
		t.Errorf("revocation source %q recorded by %q (err %v)", source, recorder, err)
	}

	done, err = svc.UnsubscribeFromList(ctx, id, list.ID, "unsubscribe-link")
	if err != nil || !done {
		t.Errorf("second unsubscribe: alreadyDone %v, err %v; want true, nil", done, err)
	}
	if l2, e2, m2, a2 := count(); l2 != ledger || e2 != events || m2 != members || a2 != audits {
		t.Errorf("the second unsubscribe wrote: ledger %d→%d, events %d→%d, audits %d→%d", ledger, l2, events, e2, audits, a2)
	}
	if _, err := svc.UnsubscribeFromList(ctx, id, "00000000-0000-4000-8000-000000000000", "x"); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("unsubscribe from an unknown list: err = %v, want NOT_FOUND", err)
	}
}
