package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func windows1252(t testing.TB, s string) string {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func utf16LE(t testing.TB, s string) string {
	t.Helper()
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAll returns the format and every row, with Err flattened to its text.
func readAll(t testing.TB, in string) (Format, []Row) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(in))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []Row
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
	if got := rd.BytesRead(); got != int64(len(in)) {
		t.Errorf("BytesRead = %d at the end, file has %d bytes", got, len(in))
	}
	return rd.Format(), rows
}

type wantRow struct {
	Line                                   int
	Given, Family, Org, Email, Phone       string
	Street, PostalCode, City, Country, Err string
}

func flatten(r Row) wantRow {
	w := wantRow{Line: r.Line, Given: r.GivenName, Family: r.FamilyName, Org: r.Organization,
		Email: r.Email, Phone: r.Phone, Street: r.Street, PostalCode: r.PostalCode, City: r.City, Country: r.Country}
	if r.Err != nil {
		w.Err = r.Err.Error()
	}
	return w
}

func TestReader(t *testing.T) {
	erika := wantRow{Given: "Erika", Family: "Mustermann", Email: "erika@example.org"}
	at := func(line int, w wantRow) wantRow { w.Line = line; return w }

	tests := []struct {
		name       string
		in         string
		encoding   string
		sep        rune
		headerLine int
		columns    []string
		unknown    []string
		rows       []wantRow
	}{
		{
			name: "UTF-8 with BOM, comma, English headers",
			in: "\xEF\xBB\xBFFirst name,Last name,E-mail,Phone,Street,ZIP code,City,Country\r\n" +
				"Erika,Mustermann,erika@example.org,+49 30 1234567,Musterstraße 1,10115,Berlin,DE\r\n" +
				"  Max , Mustermann ,max@example.org,,,,,\r\n",
			encoding: EncodingUTF8BOM, sep: ',', headerLine: 1,
			columns: []string{"givenName", "familyName", "email", "phone", "street", "postalCode", "city", "country"},
			rows: []wantRow{
				{Line: 2, Given: "Erika", Family: "Mustermann", Email: "erika@example.org", Phone: "+49 30 1234567",
					Street: "Musterstraße 1", PostalCode: "10115", City: "Berlin", Country: "DE"},
				{Line: 3, Given: "Max", Family: "Mustermann", Email: "max@example.org"},
			},
		},
		{
			name: "Windows-1252, semicolon, German headers with umlauts",
			in: windows1252(t, "Vorname;Nachname;Firma;E-Mail-Adresse;Tel.;Straße;PLZ;Ort;Land\r\n"+
				"Erika;Müller;Bäckerei Müller & Söhne;erika.mueller@example.org;0221 123456;Hauptstraße 5;50667;Köln;Deutschland\r\n"),
			encoding: EncodingWindows1252, sep: ';', headerLine: 1,
			columns: []string{"givenName", "familyName", "organization", "email", "phone", "street", "postalCode", "city", "country"},
			rows: []wantRow{{Line: 2, Given: "Erika", Family: "Müller", Org: "Bäckerei Müller & Söhne",
				Email: "erika.mueller@example.org", Phone: "0221 123456", Street: "Hauptstraße 5",
				PostalCode: "50667", City: "Köln", Country: "Deutschland"}},
		},
		{
			name: "quoted fields with newlines and separators keep line numbers",
			in: "Vorname;Nachname;Firma;Straße;E-Mail\n" +
				"Erika;Mustermann;\"Muster; Co.\";\"Musterweg 1\nHinterhaus\";erika@example.org\n" +
				"Max;Mustermann;\"Zeile 1\r\nZeile 2\r\nZeile 3\";\"\"\"Am Eck\"\"\";max@example.org\n" +
				"Erika;Musterfrau;;Weg 2;\"a@example.org; b@example.org\"\n",
			encoding: EncodingUTF8, sep: ';', headerLine: 1,
			columns: []string{"givenName", "familyName", "organization", "street", "email"},
			rows: []wantRow{
				{Line: 2, Given: "Erika", Family: "Mustermann", Org: "Muster; Co.", Street: "Musterweg 1\nHinterhaus", Email: "erika@example.org"},
				{Line: 4, Given: "Max", Family: "Mustermann", Org: "Zeile 1\nZeile 2\nZeile 3", Street: `"Am Eck"`, Email: "max@example.org"},
				{Line: 7, Given: "Erika", Family: "Musterfrau", Street: "Weg 2", Email: "a@example.org; b@example.org"},
			},
		},
		{
			name:     "unknown columns are reported",
			in:       "Kundennummer,Vorname,Nachname,E-Mail,Bemerkung,\n4711,Erika,Mustermann,erika@example.org,VIP,\n",
			encoding: EncodingUTF8, sep: ',', headerLine: 1,
			columns: []string{"", "givenName", "familyName", "email", "", ""},
			unknown: []string{"Kundennummer", "Bemerkung"},
			rows:    []wantRow{at(2, erika)},
		},
		{
			name: "wrong field count and bad quotes are row errors, reading goes on",
			in: "Vorname;Nachname;E-Mail\n" +
				"Erika;Mustermann;erika@example.org\n" +
				"Erika;Mustermann\n" +
				"Erika;Muster\"mann;erika@example.org\n" +
				"\"Erika\"x;Mustermann;erika@example.org\n" +
				"Erika;Mustermann;erika@example.org;zu viel\n" +
				"Erika;Mustermann;erika@example.org\n",
			encoding: EncodingUTF8, sep: ';', headerLine: 1,
			columns: []string{"givenName", "familyName", "email"},
			rows: []wantRow{
				at(2, erika),
				{Line: 3, Err: "line 3: 2 fields, header has 3"},
				{Line: 4, Err: `line 4: a " inside an unquoted field (column 13); put the field in quotes and double the " inside`},
				{Line: 5, Err: `line 5: a quoted field is not closed properly (column 7); a " inside quotes must be doubled`},
				{Line: 6, Err: "line 6: 4 fields, header has 3"},
				at(7, erika),
			},
		},
		{
			name:     "empty lines and Excel's empty rows are skipped",
			in:       "\n\r\nVorname,Nachname,E-Mail\r\n\r\n,,\r\nErika,Mustermann,erika@example.org\r\n  , ,\r\n\r\nErika,Mustermann,erika@example.org",
			encoding: EncodingUTF8, sep: ',', headerLine: 3,
			columns: []string{"givenName", "familyName", "email"},
			rows:    []wantRow{at(6, erika), at(9, erika)},
		},
		{
			name:     "trailing empty cells beyond the header are accepted",
			in:       "Vorname;Nachname;E-Mail;;\nErika;Mustermann;erika@example.org;;;;\n",
			encoding: EncodingUTF8, sep: ';', headerLine: 1,
			columns: []string{"givenName", "familyName", "email", "", ""},
			rows:    []wantRow{at(2, erika)},
		},
		{
			name:     "tab separated",
			in:       "Given name\tSurname\tEmail\tOrganisation\nErika\tMustermann\terika@example.org\tBeispiel AG\n",
			encoding: EncodingUTF8, sep: '\t', headerLine: 1,
			columns: []string{"givenName", "familyName", "email", "organization"},
			rows:    []wantRow{{Line: 2, Given: "Erika", Family: "Mustermann", Email: "erika@example.org", Org: "Beispiel AG"}},
		},
		{
			name: "several phone and e-mail columns are joined, house number goes to the street",
			in: "Vorname;Name;Telefon;Mobil;E-Mail;E-Mail 2;Straße;Hausnummer;Stadt\n" +
				"Erika;Mustermann;030 1234567;0151 2345678;erika@example.org;;Musterweg;12a;Berlin\n",
			encoding: EncodingUTF8, sep: ';', headerLine: 1,
			columns: []string{"givenName", "familyName", "phone", "phone", "email", "email", "street", "houseNumber", "city"},
			rows: []wantRow{{Line: 2, Given: "Erika", Family: "Mustermann", Phone: "030 1234567\n0151 2345678",
				Email: "erika@example.org", Street: "Musterweg 12a", City: "Berlin"}},
		},
		{
			name:     `"Name" beside "Nachname" is not the family name`,
			in:       "Name,Nachname,Mail\nKundin,Mustermann,erika@example.org\n",
			encoding: EncodingUTF8, sep: ',', headerLine: 1,
			columns: []string{"", "familyName", "email"},
			unknown: []string{"Name"},
			rows:    []wantRow{{Line: 2, Family: "Mustermann", Email: "erika@example.org"}},
		},
		{
			name:     `Excel "sep=" line`,
			in:       "sep=;\r\nVorname;Nachname;E-Mail\r\nErika;Mustermann;erika@example.org\r\n",
			encoding: EncodingUTF8, sep: ';', headerLine: 2,
			columns: []string{"givenName", "familyName", "email"},
			rows:    []wantRow{at(3, erika)},
		},
		{
			name:     "title row above the header",
			in:       "Kundenliste Messe 2024;;\nVorname;Nachname;E-Mail\nErika;Mustermann;erika@example.org\n",
			encoding: EncodingUTF8, sep: ';', headerLine: 2,
			columns: []string{"givenName", "familyName", "email"},
			rows:    []wantRow{at(3, erika)},
		},
		{
			name:     "old Mac line ends (CR only)",
			in:       windows1252(t, "Vorname;Nachname;E-Mail\rErika;Müller;erika@example.org\rErika;Mustermann;erika@example.org\r"),
			encoding: EncodingWindows1252, sep: ';', headerLine: 1,
			columns: []string{"givenName", "familyName", "email"},
			rows:    []wantRow{{Line: 2, Given: "Erika", Family: "Müller", Email: "erika@example.org"}, at(3, erika)},
		},
		{
			name:     "Excel Unicode text: UTF-16LE with BOM, tab",
			in:       utf16LE(t, "Vorname\tNachname\tE-Mail\tOrt\r\nErika\tMüller\terika@example.org\tKöln\r\n"),
			encoding: EncodingUTF16LEBOM, sep: '\t', headerLine: 1,
			columns: []string{"givenName", "familyName", "email", "city"},
			rows:    []wantRow{{Line: 2, Given: "Erika", Family: "Müller", Email: "erika@example.org", City: "Köln"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format, rows := readAll(t, tt.in)
			if format.Encoding != tt.encoding {
				t.Errorf("Encoding = %q, want %q", format.Encoding, tt.encoding)
			}
			if format.Separator != tt.sep {
				t.Errorf("Separator = %q, want %q", format.Separator, tt.sep)
			}
			if format.HeaderLine != tt.headerLine {
				t.Errorf("HeaderLine = %d, want %d", format.HeaderLine, tt.headerLine)
			}
			if !reflect.DeepEqual(format.Columns, tt.columns) {
				t.Errorf("Columns = %q, want %q", format.Columns, tt.columns)
			}
			if !reflect.DeepEqual(format.UnknownColumns, tt.unknown) {
				t.Errorf("UnknownColumns = %q, want %q", format.UnknownColumns, tt.unknown)
			}
			got := make([]wantRow, len(rows))
			for i, r := range rows {
				got[i] = flatten(r)
			}
			if !reflect.DeepEqual(got, tt.rows) {
				t.Errorf("rows:\n got %+v\nwant %+v", got, tt.rows)
			}
		})
	}
}

func TestWindows1252AfterASCIISample(t *testing.T) {
	var b strings.Builder
	b.WriteString("Vorname;Nachname;Ort\n")
	for b.Len() < 2*sampleSize {
		b.WriteString("Erika;Mustermann;Berlin\n")
	}
	lastLine := strings.Count(b.String(), "\n") + 1
	b.WriteString(windows1252(t, "Erika;Müller;Köln\n"))

	format, rows := readAll(t, b.String())
	if format.Encoding != EncodingUTF8 {
		t.Errorf("Encoding = %q, want %q (the sample is ASCII)", format.Encoding, EncodingUTF8)
	}
	last := rows[len(rows)-1]
	if last.Line != lastLine || last.FamilyName != "Müller" || last.City != "Köln" {
		t.Errorf("last row = %+v, want Müller in Köln on line %d", last, lastLine)
	}
}

func TestNewReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		is   error
		text string
	}{
		{name: "empty", in: "", is: ErrEmpty},
		{name: "only blank lines", in: "\r\n\r\n  \n", is: ErrEmpty},
		{name: "only a BOM", in: "\xEF\xBB\xBF", is: ErrEmpty},
		{
			name: "no identifying column", in: "\nKundennummer;PLZ;Ort\n4711;10115;Berlin\n", is: ErrNoContactColumns,
			text: "line 2: the header (3 columns) has no e-mail, phone or name column",
		},
		{
			name: "data without a header", in: "Mustermann,Erika,Berlin\n", is: ErrNoContactColumns,
			text: "line 1: the header (3 columns) has no e-mail",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tt.in))
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err = %q, want it to contain %q", err, tt.text)
			}
			if strings.Contains(err.Error(), "Mustermann") || strings.Contains(err.Error(), "Kundennummer") {
				t.Errorf("err = %q quotes the header's cells (in a file without a header, a person's data)", err)
			}
		})
	}
}

func TestUnclosedQuote(t *testing.T) {
	t.Run("small file: one row error naming the lines it swallowed", func(t *testing.T) {
		_, rows := readAll(t, "Vorname,E-Mail\nErika,erika@example.org\n\"Erika,erika@example.org\nErika,erika@example.org\n")
		want := `line 3: a quoted field runs on to line 4 without a proper closing "`
		if len(rows) != 2 || rows[1].Err == nil || rows[1].Err.Error() != want {
			t.Fatalf("rows = %+v, want the second to fail with %q", rows, want)
		}
	})
	t.Run("large file: stops instead of buffering the rest", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString("Vorname,E-Mail\nErika,erika@example.org\n\"Erika,erika@example.org\n")
		for b.Len() < 3*maxRecordBytes {
			b.WriteString("Erika,erika@example.org\n")
		}
		rd, err := NewReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		if row, err := rd.Next(); err != nil || row.Line != 2 {
			t.Fatalf("first row = %+v, %v", row, err)
		}
		_, err = rd.Next()
		if err == nil || !strings.Contains(err.Error(), "after line 2 is longer than 1024 KiB") {
			t.Fatalf("err = %v, want a record-too-long error", err)
		}
		if _, again := rd.Next(); again != err {
			t.Errorf("Next after a fatal error = %v, want the same error", again)
		}
	})
}

func TestPreview(t *testing.T) {
	in := "Vorname;Nachname;E-Mail\n" + strings.Repeat("Erika;Mustermann;erika@example.org\n", 10)
	format, rows, err := Preview(strings.NewReader(in), 3)
	if err != nil {
		t.Fatal(err)
	}
	if format.Separator != ';' || len(rows) != 3 || rows[2].Line != 4 {
		t.Errorf("Preview = %+v, %+v", format, rows)
	}
	_, rows, err = Preview(strings.NewReader("E-Mail\nerika@example.org\n"), 3)
	if err != nil || len(rows) != 1 {
		t.Errorf("Preview of a short file = %+v, %v", rows, err)
	}
}

func TestNormalizeHeader(t *testing.T) {
	for in, want := range map[string]string{
		"E-Mail-Adresse": "emailadresse", "Straße": "strasse", "STRASSE": "strasse", "Tel.": "tel",
		" Postal code ": "postalcode", "Zip-Code": "zipcode", "Telefon geschäftlich": "telefongeschaeftlich",
		"E-Mail 2: Adresse": "email2adresse", "Land/Region": "landregion",
	} {
		if got := normalizeHeader(in); got != want {
			t.Errorf("normalizeHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

// genReader produces a generated CSV of n rows without holding it in memory.
type genReader struct {
	n, i int
	buf  []byte
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i <= g.n {
		if g.i == 0 {
			g.buf = append(g.buf, "Vorname;Nachname;Firma;E-Mail;Telefon;Straße;PLZ;Ort;Land\r\n"...)
		} else {
			g.buf = fmt.Appendf(g.buf, "Erika;Mustermann-%d;\"Beispiel; GmbH\";erika.%d@example.org;+49 30 %07d;Musterstraße %d;%05d;Köln;DE\r\n",
				g.i, g.i, g.i, g.i%200, g.i%100000)
		}
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}
