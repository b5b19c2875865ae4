package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/importer"
)

// A revoked token stops what it started: a staff token of the front desk starts a long
// import and is revoked (it leaked) while the job runs. The job must not go on writing for a
// token nobody may use any more: it ends FAILED, saying the token was revoked and up to which
// line rows were imported; what it committed before stays, counted.
func TestAnImportStopsWhenTheTokenThatStartedItIsRevoked(t *testing.T) {
	s := apptest.Start(t)
	var created struct {
		CreateAPIToken struct{ Token struct{ ID string } } `json:"createApiToken"`
	}
	s.MustAdmin(t, &created, `mutation { createApiToken(name: "Empfang", role: STAFF) { token { id } } }`, nil)
	tokenID := created.CreateAPIToken.Token.ID

	var file strings.Builder
	file.WriteString("Vorname;Nachname;E-Mail\r\n")
	const rows = 1000
	for i := range rows {
		fmt.Fprintf(&file, "Max;Muster%d;max.muster%d@example.test\r\n", i, i)
	}
	svc := importer.New(s.App.DB, s.App.Keyring, importer.Options{SpoolDir: t.TempDir(), BatchRows: 1})
	t.Cleanup(func() { svc.Stop(context.Background()) })
	ctx := viewer.With(context.Background(), &viewer.Viewer{TokenID: tokenID, Name: "Empfang", Role: model.RoleStaff})
	j, err := svc.Start(ctx, graphql.Upload{File: strings.NewReader(file.String()), Filename: "messe.csv", Size: int64(file.Len())}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); j.Processed < 5 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		if j, err = svc.Job(context.Background(), j.ID); err != nil {
			t.Fatal(err)
		}
	}
	if j.Status != "RUNNING" {
		t.Fatalf("the job ended before the token could be revoked: %+v", j)
	}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, map[string]any{"id": tokenID})
	revokedAt := j.Processed

	for deadline := time.Now().Add(60 * time.Second); j.Status == "RUNNING" && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		if j, err = svc.Job(context.Background(), j.ID); err != nil {
			t.Fatal(err)
		}
	}
	msg := ""
	if j.Message != nil {
		msg = *j.Message
	}
	if j.Status != "FAILED" || !strings.Contains(msg, "revoked") {
		t.Errorf("job after its token was revoked (at %d rows): %s, %d of %d rows processed, %d inserted, message %q; want FAILED saying the token was revoked",
			revokedAt, j.Status, j.Processed, rows, j.Inserted, msg)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contacts`); n != j.Inserted {
		t.Errorf("contacts stored %d, the job says %d inserted", n, j.Inserted)
	}
}
