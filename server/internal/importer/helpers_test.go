package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/encoding/charmap"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// upload posts a GraphQL request with one file per the GraphQL multipart request spec:
// the operations part (file variable null), the map part, then the file part.
func upload(t testing.TB, url, token, query string, vars map[string]any, fileName string, content []byte) *apptest.Result {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars["file"] = nil
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.file"]}`)
	fw, _ := w.CreateFormFile("0", fileName)
	_, _ = fw.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql (multipart): %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	res := &apptest.Result{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, res); err != nil {
		t.Fatalf("response is not GraphQL JSON (status %d): %s", resp.StatusCode, raw)
	}
	return res
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
	problems { line message }
	heldRows { line field entry { id source reason createdAt identifierKinds keyId } row { givenName familyName email phone street postalCode city country } }
	listKey fileName encoding separator unknownColumns message createdAt`

type job struct {
	ID, Status                                            string
	Total, Processed, Inserted, Duplicates, Held, Invalid int
	Problems                                              []struct {
		Line    int
		Message string
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
