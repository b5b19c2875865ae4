package store_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const (
	startImportWithKey   = `mutation($file: Upload!) { startImport(file: $file) { id status total } }`
	previewImportWithKey = `mutation($file: Upload!) { previewImport(file: $file) { encoding separator headers rows { email } } }`
)

// messe is a small fair list of obviously fake people; n makes each file another.
func messe(n int) []byte {
	return fmt.Appendf(nil, "Vorname;Nachname;E-Mail\nErika;Mustermann;erika.messe-%d@example.test\nMax;Mustermann;max.messe-%d@example.test\n", n, n)
}

func (a answer) jobID(t *testing.T) string {
	t.Helper()
	var out struct{ StartImport struct{ ID string } }
	r := a.result(t)
	r.Decode(t, &out)
	if out.StartImport.ID == "" {
		t.Fatalf("startImport made no job: %s", a.body)
	}
	return out.StartImport.ID
}

func importJobs(t *testing.T, s *apptest.Server) int {
	t.Helper()
	var n int
	if err := s.Conn(t).QueryRow(context.Background(), `SELECT count(*) FROM import_jobs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An import whose answer was lost, started again with its Idempotency-Key and the same file,
// makes one job: the second answer is the first, byte for byte, marked replayed. The key with
// another file (or the same bytes under another name) is refused at the header, and the
// same start sent twice at once makes one job too.
func TestAnImportStartedAgainWithItsKeyMakesOneJob(t *testing.T) {
	s := apptest.Start(t)

	first := postUpload(t, s, apptest.AdminToken, "import-key-1", startImportWithKey, nil, "messe.csv", messe(1))
	id := first.jobID(t)
	if first.replayed {
		t.Fatal("the first answer says it is replayed")
	}
	again := postUpload(t, s, apptest.AdminToken, "import-key-1", startImportWithKey, nil, "messe.csv", messe(1))
	if !bytes.Equal(again.body, first.body) || !again.replayed || again.status != http.StatusOK {
		t.Fatalf("started again with its key: status %d, replayed %v, %s; want the first answer %s, replayed", again.status, again.replayed, again.body, first.body)
	}
	if n := importJobs(t, s); n != 1 {
		t.Fatalf("import jobs after the same start sent twice with its key: %d, want 1 (job %s)", n, id)
	}

	for what, file := range map[string]struct {
		name    string
		content []byte
	}{
		"another file under the same name":  {"messe.csv", messe(2)},
		"the same bytes under another name": {"messe-2.csv", messe(1)},
	} {
		reused := postUpload(t, s, apptest.AdminToken, "import-key-1", startImportWithKey, nil, file.name, file.content)
		if reason, field := reasonOf(t, reused); reason != "IDEMPOTENCY_KEY_REUSED" || field != "Idempotency-Key" {
			t.Fatalf("the key with %s: %s, want IDEMPOTENCY_KEY_REUSED at Idempotency-Key", what, reused.body)
		}
		if n := importJobs(t, s); n != 1 {
			t.Fatalf("import jobs after the key came with %s: %d, want 1", what, n)
		}
	}

	for round := range 4 {
		key := fmt.Sprintf("import-twice-at-once-%d", round)
		var wg sync.WaitGroup
		answers := make([]answer, 2)
		for i := range answers {
			wg.Go(func() {
				answers[i] = postUpload(t, s, apptest.AdminToken, key, startImportWithKey, nil, "messe.csv", messe(10+round))
			})
		}
		wg.Wait()
		if n := importJobs(t, s); n != 2+round {
			t.Fatalf("round %d: import jobs after the same start sent twice at once with one key: %d, want %d (answers %s and %s)",
				round, n, 2+round, answers[0].body, answers[1].body)
		}
		if a, b := answers[0].jobID(t), answers[1].jobID(t); a != b {
			t.Fatalf("round %d: the two answers name jobs %s and %s, want the one job", round, a, b)
		}
		if answers[0].replayed == answers[1].replayed {
			t.Fatalf("round %d: replayed %v and %v, want exactly one answer replayed", round, answers[0].replayed, answers[1].replayed)
		}
	}
}

// A preview writes nothing, so its key is never spent: sent again it is simply read again
// (the same answer, not marked replayed), also with another file under the same key.
func TestAPreviewWithAKeyIsReadAgain(t *testing.T) {
	s := apptest.Start(t)
	first := postUpload(t, s, apptest.AdminToken, "preview-key", previewImportWithKey, nil, "messe.csv", messe(1))
	if r := first.result(t); len(r.Errors) > 0 || first.replayed {
		t.Fatalf("the first preview: replayed %v, %s", first.replayed, first.body)
	}
	again := postUpload(t, s, apptest.AdminToken, "preview-key", previewImportWithKey, nil, "messe.csv", messe(1))
	if !bytes.Equal(again.body, first.body) || again.replayed {
		t.Fatalf("the preview sent again: replayed %v, %s; want %s, read again", again.replayed, again.body, first.body)
	}
	other := postUpload(t, s, apptest.AdminToken, "preview-key", previewImportWithKey, nil, "messe.csv", messe(2))
	var out struct {
		PreviewImport struct{ Rows []struct{ Email string } }
	}
	r := other.result(t)
	r.Decode(t, &out)
	if got := out.PreviewImport.Rows; len(got) == 0 || got[0].Email != "erika.messe-2@example.test" {
		t.Fatalf("another file previewed under the same key: %s, want its own rows", other.body)
	}
	if n := importJobs(t, s); n != 0 {
		t.Fatalf("previews made %d import jobs", n)
	}
	var kept int
	if err := s.Conn(t).QueryRow(context.Background(), `SELECT count(*) FROM idempotent_requests`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != 0 {
		t.Fatalf("previews spent %d keys, want none", kept)
	}
}
