package blacklist_test

import (
	"context"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// A writer that waits for the blacklist lock while a rotation records the new key under the
// exclusive lock reads the new key once it has the lock: read in the statement that waited, it
// would read the old one from that statement's snapshot, and write under a rotated-out key.
func TestWriterWaitingForTheLockSeesTheRotation(t *testing.T) {
	dbURL := pgtest.NewDB(t)
	ctx := context.Background()
	rotation, writer := pgtest.Connect(t, dbURL), pgtest.Connect(t, dbURL)
	if _, err := rotation.Exec(ctx, `INSERT INTO current_secret_key (key_id) VALUES ('0000000a')`); err != nil {
		t.Fatal(err)
	}
	rtx, err := rotation.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rtx.Rollback(ctx) }()
	if err := store.LockBlacklistExclusive(ctx, rtx); err != nil {
		t.Fatal(err)
	}
	if _, err := rtx.Exec(ctx, `UPDATE current_secret_key SET key_id = '0000000b'`); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		wtx, err := writer.Begin(ctx)
		if err != nil {
			t.Error(err)
			got <- ""
			return
		}
		id, err := store.LockBlacklistSharedKey(ctx, wtx)
		if err != nil {
			t.Error(err)
		}
		_ = wtx.Rollback(ctx) // before the answer: the test closes the connection after it
		got <- id
	}()
	select {
	case id := <-got:
		t.Fatalf("the writer had the lock (%q) while the rotation held it", id)
	case <-time.After(200 * time.Millisecond):
	}
	if err := rtx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-got:
		if id != "0000000b" {
			t.Errorf("after waiting for the rotation the writer read key %q, want 0000000b", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the writer did not get the lock after the rotation committed")
	}
}
