package importer_test

import (
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/importer"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// An import running when another instance rotates the secret key: the instance left on the
// old key writes no further batch (it would screen without the new key), the job stays
// RUNNING at its checkpoint, and the instance with the new key takes it over and finishes it,
// every row imported once.
func TestImportOutlivesAKeyRotation(t *testing.T) {
	dir := t.TempDir() // one spool directory, as for instances on one host
	shared := func(c *config.Config) { c.DataDir, c.KeyCheckInterval = dir, time.Hour }
	old := apptest.Start(t, shared)
	const rows = 60000
	file, ex := generated(t, rows, 11)
	var started struct{ StartImport job }
	upload(t, old.URL, apptest.AdminToken, startImport, nil, "rotation.csv", file).Decode(t, &started)
	id := started.StartImport.ID
	deadline := time.Now().Add(60 * time.Second)
	for {
		var q struct{ ImportJob job }
		old.MustAdmin(t, &q, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": id})
		if q.ImportJob.Status != "RUNNING" {
			t.Fatalf("the import ended before the rotation (%s, %d of %d rows): make the file larger", q.ImportJob.Status, q.ImportJob.Processed, rows)
		}
		if q.ImportJob.Processed > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no rows imported within 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The rotation's record, as the first start with the new key makes it after its pass over
	// the identifiers (which, in a test, would chase the running import to its end).
	newKey := apptest.NewSecretKey()
	ring := keyring(t, newKey, old.Config.SecretKey)
	if rotated, err := blacklist.RecordCurrentKey(t.Context(), old.App.DB, ring, nil); err != nil || !rotated {
		t.Fatalf("recording the new key: rotated %v, %v", rotated, err)
	}
	// from here on only an instance with the new key can write the rest
	if n := queryInt(t, old.DBURL, `SELECT processed FROM import_jobs WHERE id = $1`, id); n >= rows {
		t.Fatalf("the import was done (%d rows) before the rotation was recorded: make the file larger", n)
	}
	// The instance left on the old key leaves the job at its next batch. Made to look orphaned
	// then, the job is not one it takes over again: it took it at each look and left it at once,
	// and so kept it from the instance with the new key whenever that one looked while it held
	// the job (CI waited 180 s in vain).
	jobKey := int32(queryInt(t, old.DBURL, `SELECT hashtext($1)`, id))
	pgtest.WaitForRelease(t, old.Conn(t), pgtest.AdvisoryLockPair(importer.LockClass, jobKey)) // the runner's lock of the job
	if _, err := old.Conn(t).Exec(t.Context(), `UPDATE import_jobs SET updated_at = now() - interval '1 hour' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if ids, err := old.App.Imports.Orphans(t.Context()); err != nil || len(ids) > 0 {
		t.Fatalf("the instance left on the old key would take over jobs %v (%v), want none", ids, err)
	}
	rotated := apptest.StartOn(t, old.DBURL, shared, func(c *config.Config) {
		c.SecretKey, c.OldSecretKeys = newKey, []string{old.Config.SecretKey}
	})
	j := waitJob(t, rotated, id)
	inserted := ex.Inserted + ex.Held // no blacklist here: the rows SeedBlacklist would hold go in
	if j.Status != "DONE" || j.Inserted != inserted || j.Duplicates != ex.Duplicates || j.Invalid != ex.Invalid {
		msg := ""
		if j.Message != nil {
			msg = *j.Message
		}
		t.Fatalf("after the rotation: %s, inserted %d, duplicates %d, invalid %d (%q); want DONE, %d, %d, %d",
			j.Status, j.Inserted, j.Duplicates, j.Invalid, msg, inserted, ex.Duplicates, ex.Invalid)
	}
	if n := queryInt(t, old.DBURL, `SELECT count(*) FROM contacts`); n != inserted {
		t.Errorf("%d contacts, want %d", n, inserted)
	}
}

func keyring(t *testing.T, current string, old ...string) *screening.Keyring {
	t.Helper()
	var keys []screening.Key
	for _, s := range append([]string{current}, old...) {
		k, err := screening.ParseKey(s)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	r, err := screening.NewKeyring(keys[0], keys[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
