package importer_test

// Red-team tests of issue 15 (hardening), item 7: import jobs belong to their uploader. Run
// against the code before the fix, they failed (another STAFF token read the held rows,
// decided them and followed the progress; importJobs was not implemented).

import (
	"context"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
)

func staffToken(t *testing.T, s *apptest.Server, name string) string {
	t.Helper()
	var out struct {
		CreateAPIToken struct{ Secret string } `json:"createApiToken"`
	}
	s.MustAdmin(t, &out, `mutation($n: String!) { createApiToken(name: $n, role: STAFF) { secret } }`, map[string]any{"n": name})
	return out.CreateAPIToken.Secret
}

func TestRedTeamImportJobsAreTheUploaders(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {emails: ["gesperrt@example.org"]}, reason: "erased") { id } }`, nil)
	uploader, other := staffToken(t, s, "marketing"), staffToken(t, s, "sales")
	csv := []byte("Vorname;Nachname;E-Mail\r\nErika;Mustermann;erika@example.org\r\nBernd;Gesperrt;gesperrt@example.org\r\n")
	var started struct{ StartImport job }
	upload(t, s.URL, uploader, startImport, nil, "people.csv", csv).Decode(t, &started)
	id := started.StartImport.ID
	if j := waitJob(t, s, id); j.Held != 1 {
		t.Fatalf("want one held row, got %+v", j)
	}

	t.Run("importJob", func(t *testing.T) {
		var q struct{ ImportJob *job }
		s.Do(t, other, `query($id: ID!) { importJob(id: $id) { id heldRows { row { email } } } }`, map[string]any{"id": id}).Decode(t, &q)
		if q.ImportJob != nil {
			t.Errorf("another STAFF token sees the job and its held rows: %+v", q.ImportJob)
		}
		s.Do(t, uploader, `query($id: ID!) { importJob(id: $id) { id } }`, map[string]any{"id": id}).Decode(t, &q)
		if q.ImportJob == nil {
			t.Error("the uploader does not see the job")
		}
	})
	t.Run("decideImportRow", func(t *testing.T) {
		res := s.Do(t, other, decide, map[string]any{"job": id, "line": 3, "accept": true, "reason": "looks fine"})
		if codes := res.ErrorCodes(); len(codes) == 0 || codes[0] != "NOT_FOUND" {
			t.Errorf("another STAFF token decided a held row: %+v", res.Errors)
		}
	})
	t.Run("importProgress", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		c, err := gqlws.Dial(ctx, s.WSURL(), other, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if err := c.Subscribe(ctx, "1", `subscription($id: ID!) { importProgress(jobId: $id) { id held } }`, map[string]any{"id": id}); err != nil {
			t.Fatal(err)
		}
		m, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if errs := m.Errors(); len(errs) == 0 || errs[0].Code() != "NOT_FOUND" {
			t.Errorf("another STAFF token follows the job: %s %s", m.Type, m.Payload)
		}
	})
	t.Run("importJobs", func(t *testing.T) {
		var second struct{ StartImport job }
		upload(t, s.URL, uploader, startImport, nil, "more.csv", []byte("Vorname;Nachname\r\nMax;Muster\r\n")).Decode(t, &second)
		waitJob(t, s, second.StartImport.ID)
		var admins struct{ StartImport job }
		upload(t, s.URL, apptest.AdminToken, startImport, nil, "admin.csv", []byte("Vorname;Nachname\r\nMaxi;Muster\r\n")).Decode(t, &admins)
		waitJob(t, s, admins.StartImport.ID)
		list := func(token string, vars map[string]any) []string {
			var q struct{ ImportJobs []struct{ ID string } }
			s.Do(t, token, `query($first: Int, $after: String) { importJobs(first: $first, after: $after) { id } }`, vars).Decode(t, &q)
			var ids []string
			for _, j := range q.ImportJobs {
				ids = append(ids, j.ID)
			}
			return ids
		}
		if got := list(other, nil); len(got) != 0 {
			t.Errorf("another STAFF token lists %v", got)
		}
		mine := list(uploader, nil)
		if len(mine) != 2 || mine[0] != second.StartImport.ID || mine[1] != id {
			t.Errorf("uploader's jobs %v, want newest first [%s %s]", mine, second.StartImport.ID, id)
		}
		if page := list(uploader, map[string]any{"first": 1, "after": mine[0]}); len(page) != 1 || page[0] != id {
			t.Errorf("second page %v, want [%s]", page, id)
		}
		if all := list(apptest.AdminToken, nil); len(all) != 3 || all[0] != admins.StartImport.ID {
			t.Errorf("ADMIN lists %v, want all three jobs, newest first", all)
		}
		// whose job each is, so that an admin's list can say it: the token's name, as the audit names it
		var started struct {
			ImportJobs []struct{ ID, StartedBy string }
		}
		s.MustAdmin(t, &started, `{ importJobs { id startedBy } }`, nil)
		var audit struct {
			AuditTrail struct {
				Edges []struct {
					Node struct{ ActorName, Operation string }
				}
			}
		}
		s.MustAdmin(t, &audit, `{ auditTrail(first: 50) { edges { node { actorName operation } } } }`, nil)
		adminName := ""
		for _, e := range audit.AuditTrail.Edges {
			if e.Node.Operation == "startImport" && e.Node.ActorName != "marketing" {
				adminName = e.Node.ActorName
			}
		}
		want := map[string]string{id: "marketing", second.StartImport.ID: "marketing", admins.StartImport.ID: adminName}
		for _, j := range started.ImportJobs {
			if j.StartedBy != want[j.ID] || j.StartedBy == "" {
				t.Errorf("job %s started by %q, want %q", j.ID, j.StartedBy, want[j.ID])
			}
		}
		res := s.Do(t, uploader, `{ importJobs(after: "not-a-cursor") { id } }`, nil)
		if codes := res.ErrorCodes(); len(codes) == 0 || codes[0] != "BAD_USER_INPUT" {
			t.Errorf("bad cursor: %+v", res.Errors)
		}
	})
}
