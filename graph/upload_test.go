package graph

import (
	"crypto/sha256"
	"io"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vermerk/vermerk/graph/idempotency"
)

// An upload's Idempotency-Key digest is the file's name and content, not where it was
// spooled: the same file sent again is the same request, another file or name another.
func TestAnUploadsDigestIsItsFile(t *testing.T) {
	upload := func(name, content, spooledAt string) map[string]any {
		sum := sha256.Sum256([]byte(content))
		f := SpooledFile{SectionReader: io.NewSectionReader(strings.NewReader(content), 0, int64(len(content))), path: spooledAt, sha256: sum[:]}
		return map[string]any{"list": "news", "file": graphql.Upload{File: f, Filename: name, Size: int64(len(content))}}
	}
	digest := func(vars map[string]any) [32]byte {
		t.Helper()
		d, err := idempotency.Digest("", `mutation($file: Upload!, $list: String) { startImport(file: $file, listKey: $list) { id } }`,
			uploadsByContent(vars).(map[string]any))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := digest(upload("messe.csv", "Vorname;E-Mail\nErika;erika@example.test\n", "/spool/upload-1"))
	if again := digest(upload("messe.csv", "Vorname;E-Mail\nErika;erika@example.test\n", "/spool/upload-2")); again != first {
		t.Error("the same file spooled elsewhere gives another digest")
	}
	for what, other := range map[string]map[string]any{
		"another content of the same size": upload("messe.csv", "Vorname;E-Mail\nErika;erika@example.tesT\n", "/spool/upload-3"),
		"another name":                     upload("messe-2.csv", "Vorname;E-Mail\nErika;erika@example.test\n", "/spool/upload-4"),
	} {
		if digest(other) == first {
			t.Errorf("%s gives the same digest", what)
		}
	}
}
