package importer

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph"
)

// The multipart transport's uploads are what spool links.
var _ spooled = graph.SpooledFile{}

// spooledReader is an upload as the multipart transport hands it over: a reader of the copy
// it spooled at path.
type spooledReader struct {
	io.ReadSeeker
	path string
}

func (r spooledReader) SpooledPath() string { return r.path }

func TestSpoolLinksAnUploadTheTransportSpooled(t *testing.T) {
	dir := t.TempDir()
	upload := filepath.Join(dir, "uploads", "upload-1")
	if err := os.MkdirAll(filepath.Dir(upload), 0o700); err != nil {
		t.Fatal(err)
	}
	content := []byte("Vorname;Nachname;E-Mail\nErika;Testperson;erika@example.org\n")
	if err := os.WriteFile(upload, content, 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Service{opts: Options{SpoolDir: filepath.Join(dir, "imports")}}

	n, err := s.spool(spooledReader{bytes.NewReader(content), upload}, "job.csv")
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(content)) {
		t.Fatalf("spool reported %d bytes, the upload has %d", n, len(content))
	}
	a, err := os.Stat(upload)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.Stat(filepath.Join(dir, "imports", "job.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(a, b) {
		t.Fatal("the upload was copied, not linked")
	}
	// The transport removes its copy once the operation has answered; the job's stays.
	if err := os.Remove(upload); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "imports", "job.csv")); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the spooled job file after the upload's removal: %q, %v", got, err)
	}
}

func TestSpoolCopiesWhatItCannotLink(t *testing.T) {
	dir := t.TempDir()
	s := &Service{opts: Options{SpoolDir: filepath.Join(dir, "imports")}}
	content := strings.Repeat("Erika;Testperson;erika@example.org\n", 1000)
	for name, r := range map[string]io.ReadSeeker{
		// a path that cannot be linked (gone, or on another filesystem): read the upload instead
		"gone.csv": spooledReader{strings.NewReader(content), filepath.Join(dir, "no-such-upload")},
		// an upload that was not spooled by the transport
		"plain.csv": strings.NewReader(content),
	} {
		if _, err := r.Seek(7, io.SeekStart); err != nil { // spool reads from the start
			t.Fatal(err)
		}
		n, err := s.spool(r, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "imports", name))
		if err != nil || string(got) != content || n != int64(len(content)) {
			t.Fatalf("%s: spooled %d bytes, %d read back (%v), want %d the same", name, n, len(got), err, len(content))
		}
	}
}
