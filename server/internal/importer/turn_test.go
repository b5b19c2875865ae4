package importer_test

import (
	"context"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/importer"
)

// A save that comes while an import batch waits for the join turn (another save holds it) is
// let in at once, not queued behind the batch: there it would wait for the save ahead and then
// for the batch's whole commit phase. The import still completes once the saves are done.
func TestASaveIsNotQueuedBehindABatchWaitingForTheJoinTurn(t *testing.T) {
	t.Cleanup(importer.SetBulkTurnPatience(time.Minute)) // after the server stops (cleanups run last first)
	s := apptest.Start(t)
	ctx := t.Context()
	ahead, err := s.Conn(t).Begin(ctx) // a save under way: it holds the turn's shared side
	if err != nil {
		t.Fatal(err)
	}
	defer ahead.Rollback(context.Background())
	if err := consent.JoinTurn(ctx, ahead); err != nil {
		t.Fatal(err)
	}
	file := "Vorname;Nachname;E-Mail\r\nErika;Mustermann;erika.mustermann@example.test\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "messe.csv", []byte(file)).Decode(t, &started)

	watch := s.Conn(t)
	deadline := time.Now().Add(20 * time.Second)
	for { // until the batch asks for the turn's exclusive side (waiting for it, or asking again)
		var asking bool
		if err := watch.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
			AND query LIKE 'SELECT pg_%advisory_xact_lock($1)')`).Scan(&asking); err != nil {
			t.Fatal(err)
		}
		if asking {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no import batch asked for the join turn within 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}

	next, err := s.Conn(t).Begin(ctx) // the next save
	if err != nil {
		t.Fatal(err)
	}
	defer next.Rollback(context.Background())
	waitAtMost, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := consent.JoinTurn(waitAtMost, next); err != nil {
		t.Fatalf("a save while a batch waits for the join turn behind another save: %v; want the turn at once", err)
	}
	for _, tx := range []interface{ Rollback(context.Context) error }{next, ahead} {
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if j := waitJob(t, s, started.StartImport.ID); j.Inserted != 1 {
		t.Fatalf("import once the saves are done: %+v, want 1 inserted", j)
	}
}
