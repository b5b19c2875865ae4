package importer_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/encoding/charmap"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// upload posts a GraphQL multipart request with one file bound to $file.
func upload(t testing.TB, url, token, query string, vars map[string]any, fileName string, content []byte) *apptest.Result {
	t.Helper()
	return apptest.Upload(t, url, token, query, vars, fileName, content)
}

// windows1252 encodes a test file the way Excel on a German Windows saves "CSV (Trennzeichen-getrennt)".
func windows1252(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("encode Windows-1252: %v", err)
	}
	return []byte(b)
}

const jobFields = `id status total processed inserted duplicates held invalid
	problems { line code field message }
	heldRows { line field entry { id source reason createdAt identifierKinds keyId } row { givenName familyName email phone street postalCode city country } }
	listKey fileName encoding separator unknownColumns message createdAt`

type job struct {
	ID, Status                                            string
	Total, Processed, Inserted, Duplicates, Held, Invalid int
	Problems                                              []struct {
		Line          int
		Code, Message string
		Field         *string
	}
	HeldRows []struct {
		Line  int
		Field string
		Entry struct {
			ID, Source, Reason, CreatedAt, KeyID string
			IdentifierKinds                      []string
		}
		Row struct{ GivenName, FamilyName, Email, Phone, Street, PostalCode, City, Country string }
	}
	ListKey                                  *string
	FileName, Encoding, Separator, CreatedAt string
	UnknownColumns                           []string
	Message                                  *string
}

// waitJob polls importJob until the job is no longer RUNNING.
func waitJob(t testing.TB, s *apptest.Server, id string) job {
	t.Helper()
	deadline := time.Now().Add(180 * time.Second)
	for {
		var q struct{ ImportJob job }
		s.MustAdmin(t, &q, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": id})
		if q.ImportJob.Status != "RUNNING" {
			return q.ImportJob
		}
		if time.Now().After(deadline) {
			j := q.ImportJob
			t.Fatalf("import job %s still RUNNING after 180 s: processed %d of %d", id, j.Processed, j.Total)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func queryInt(t testing.TB, dbURL, sql string, args ...any) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
