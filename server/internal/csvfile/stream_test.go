package csvfile

import (
	"bytes"
	"io"
	"runtime"
	"testing"
	"unicode/utf8"
)

func TestFlatMemory(t *testing.T) {
	const rows = 200_000
	rd, err := NewReader(&genReader{n: rows})
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	heapAt := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var start, peak uint64
	n := 0
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil || row.Err != nil {
			t.Fatalf("row %d: %v %v", n, err, row.Err)
		}
		n++
		if row.Line != n+1 {
			t.Fatalf("row %d on line %d, want %d", n, row.Line, n+1)
		}
		switch {
		case n == 1000:
			start = heapAt()
		case n%20_000 == 0:
			peak = max(peak, heapAt())
		}
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
	mb := float64(rd.BytesRead()) / (1 << 20)
	t.Logf("%d rows, %.1f MiB: live heap %d KiB after 1,000 rows, at most %d KiB later",
		n, mb, start>>10, peak>>10)
	if peak > start+1<<20 {
		t.Errorf("live heap grew from %d KiB to %d KiB while streaming", start>>10, peak>>10)
	}
}

func BenchmarkReader(b *testing.B) {
	const rows = 100_000
	file, err := io.ReadAll(&genReader{n: rows})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	iterations := 0
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := rd.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		iterations++
	}
	b.ReportMetric(float64(rows*iterations)/b.Elapsed().Seconds(), "rows/s")
}

func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"Vorname;Nachname;E-Mail\nErika;Mustermann;erika@example.org\n",
		"\xEF\xBB\xBFFirst name,Last name,Email\r\n\"Erika\",\"Muster\nmann\",erika@example.org\r\n",
		"Vorname;Nachname;Ort\nErika;M\xFCller;K\xF6ln\n",
		"sep=,\nEmail\n\"a\"\"b\"\n\n,\n",
		"Kundenliste;\nE-Mail\tTelefon\n\"x\ty\"\t1\n\"unclosed\n",
		"\xFF\xFEE\x00-\x00M\x00a\x00i\x00l\x00\r\x00\n\x00a\x00\r\x00\n\x00",
		"Name\rErika\r\rMax\"\r",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		format := rd.Format()
		if format.HeaderLine < 1 || len(format.Columns) != len(format.Headers) {
			t.Fatalf("format = %+v", format)
		}
		last := format.HeaderLine
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatalf("more rows than bytes")
			}
			row, err := rd.Next()
			if err != nil {
				break
			}
			if row.Line <= last || row.Line < 2 {
				t.Fatalf("row on line %d after line %d", row.Line, last)
			}
			last = row.Line
			for _, v := range []string{row.GivenName, row.FamilyName, row.Organization, row.Email,
				row.Phone, row.Street, row.PostalCode, row.City, row.Country} {
				if !utf8.ValidString(v) {
					t.Fatalf("line %d: invalid UTF-8 %q", row.Line, v)
				}
			}
		}
		if got := rd.BytesRead(); got > int64(len(data)) {
			t.Fatalf("BytesRead = %d, file has %d bytes", got, len(data))
		}
	})
}
