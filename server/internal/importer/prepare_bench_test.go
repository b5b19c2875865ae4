package importer

import (
	"bytes"
	"io"
	"testing"

	"github.com/vermerk/vermerk/server/internal/csvfile"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// BenchmarkPrepare validates, normalises and hashes the rows of a generated file (one core).
func BenchmarkPrepare(b *testing.B) {
	var buf bytes.Buffer
	if _, err := GenerateCSV(&buf, 20000, 1); err != nil {
		b.Fatal(err)
	}
	rd, err := csvfile.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		b.Fatal(err)
	}
	var rows []csvfile.Row
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		rows = append(rows, row)
	}
	k, err := screening.NewKey(bytes.Repeat([]byte{7}, screening.SecretSize))
	if err != nil {
		b.Fatal(err)
	}
	keyring, err := screening.NewKeyring(k)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		prepare(rows[i%len(rows)], keyring)
	}
}
