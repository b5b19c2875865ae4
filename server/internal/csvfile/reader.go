// Package csvfile reads the address lists offices keep — fair lists, web
// shop and Excel exports — as a stream of contact rows.
//
// It detects the encoding (UTF-8 with or without BOM, Windows-1252, and
// UTF-16 with BOM as Excel's "Unicode text" writes it), the separator
// (',', ';' or tab) and maps English or German headers to canonical columns.
// Memory stays flat however long the file is.
package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// maxRecordBytes bounds one record: a quote that is never closed would
// otherwise pull the rest of the file into one field.
const maxRecordBytes = 1 << 20

// maxTitleRows is how many one-cell rows (a title such as "Kundenliste
// Messe 2024") may stand above the header.
const maxTitleRows = 10

var (
	// ErrEmpty means the file has no header line.
	ErrEmpty = errors.New("csvfile: the file is empty")
	// ErrNoContactColumns is wrapped by HeaderError.
	ErrNoContactColumns = errors.New("csvfile: no e-mail, phone or name column")

	errRecordTooLong = errors.New("record too long")
)

// Format is what the reader found out about a file.
type Format struct {
	Encoding       string   // one of the Encoding constants
	Separator      rune     // ',', ';' or '\t' (or what a "sep=" line names)
	HeaderLine     int      // physical line of the header, 1 unless title rows stand above it
	Headers        []string // header cells as in the file, trimmed
	Columns        []string // canonical column per header position, "" if unknown
	UnknownColumns []string // non-empty headers that map to no column
}

// Row is one record. A row with Err set has no field values; the importer
// reports it as invalid with its line.
//
// Email and Phone keep a cell as it is (several addresses in one cell are not
// split); values from several e-mail or phone columns ("Telefon", "Mobil")
// are joined with "\n". For the other columns the first non-empty one wins,
// except that a house number column is appended to the street.
type Row struct {
	Line         int // physical line the record starts on; the header is line 1
	GivenName    string
	FamilyName   string
	Organization string
	Email        string
	Phone        string
	Street       string
	PostalCode   string
	City         string
	Country      string
	// Consent names the purpose (by key) the person consented to; ConsentDate and
	// ConsentSource say when and how, as the file states it.
	Consent, ConsentDate, ConsentSource string
	Err                                 error // a *RowError
}

// RowError is a record that cannot be read; reading goes on after it.
type RowError struct {
	Line   int
	Reason string // without personal data, e.g. "5 fields, header has 9"
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// HeaderError means the header names none of the columns that identify a
// contact. Its text counts the header's cells and does not quote them: in a
// file without a header row they are the first person's data.
type HeaderError struct {
	Line    int
	Columns int
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("line %d: the header (%d columns) has no e-mail, phone or name column; "+
		"name a column E-Mail, Telefon, Vorname, Nachname or Firma (or Email, Phone, First name, Last name, Company)",
		e.Line, e.Columns)
}

func (e *HeaderError) Unwrap() error { return ErrNoContactColumns }

// Reader streams rows from a CSV file.
type Reader struct {
	csv         *csv.Reader
	guard       *guardReader
	raw         *countingReader
	rawBuf      *bufio.Reader
	skipped     int64 // BOM bytes before the csv stream
	transformed bool  // the csv stream is not the file's bytes one to one
	windows1252 bool
	format      Format
	cols        []column
	lastLine    int
	err         error // sticky: io.EOF or a fatal error
}

// NewReader detects encoding and separator and reads the header. It reads
// at most 64 KiB ahead of the first record.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{raw: &countingReader{r: r}}
	rd.rawBuf = bufio.NewReaderSize(rd.raw, sampleSize)
	src := rd.rawBuf

	bom, err := src.Peek(3)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("csvfile: reading: %w", err)
	}
	switch {
	case len(bom) >= 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF:
		rd.format.Encoding = EncodingUTF8BOM
		rd.skipped = 3
		_, _ = src.Discard(3)
	case len(bom) >= 2 && (bom[0] == 0xFF && bom[1] == 0xFE || bom[0] == 0xFE && bom[1] == 0xFF):
		rd.format.Encoding = EncodingUTF16LEBOM
		if bom[0] == 0xFE {
			rd.format.Encoding = EncodingUTF16BEBOM
		}
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		src = bufio.NewReaderSize(transform.NewReader(src, dec), sampleSize)
		rd.transformed = true
	}

	sample, err := src.Peek(sampleSize)
	atEOF := err == io.EOF
	if err != nil && !atEOF {
		return nil, fmt.Errorf("csvfile: reading: %w", err)
	}
	if atEOF && len(bytes.TrimSpace(sample)) == 0 {
		return nil, ErrEmpty
	}
	if rd.format.Encoding == "" {
		rd.format.Encoding = EncodingUTF8
		if !validUTF8Sample(sample, atEOF) {
			rd.format.Encoding = EncodingWindows1252
			rd.windows1252 = true
		}
	}
	sep, sepLine := detectSeparator(sample)
	rd.format.Separator = sep

	var csvSrc io.Reader = src
	if bytes.IndexByte(sample, '\n') < 0 && bytes.IndexByte(sample, '\r') >= 0 {
		csvSrc = &crToLFReader{r: src} // old Mac Excel ends lines with CR alone
	}
	rd.guard = &guardReader{r: csvSrc}
	rd.csv = csv.NewReader(rd.guard)
	rd.csv.Comma = sep
	rd.csv.FieldsPerRecord = -1
	rd.csv.ReuseRecord = true

	if sepLine {
		if _, err := rd.csv.Read(); err != nil {
			return nil, fmt.Errorf("csvfile: line 1: %w", err)
		}
	}
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	return rd, nil
}

func (r *Reader) readHeader() error {
	var first *HeaderError
	for range maxTitleRows + 1 {
		rec, line, err := r.read()
		if err == io.EOF {
			if first != nil {
				return first
			}
			return ErrEmpty
		}
		if rowErr, ok := err.(*RowError); ok {
			return fmt.Errorf("csvfile: header: %w", rowErr)
		}
		if err != nil {
			return err
		}
		headers := make([]string, len(rec))
		nonEmpty := 0
		for i, f := range rec {
			headers[i] = strings.TrimSpace(r.decode(f))
			if headers[i] != "" {
				nonEmpty++
			}
		}
		if nonEmpty == 0 {
			continue
		}
		cols, unknown := mapHeaders(headers)
		identifying := false
		for _, c := range cols {
			identifying = identifying || c.identifies()
		}
		if identifying {
			r.cols = cols
			r.format.HeaderLine = line
			r.format.Headers = headers
			r.format.UnknownColumns = unknown
			r.format.Columns = make([]string, len(cols))
			for i, c := range cols {
				r.format.Columns[i] = c.String()
			}
			return nil
		}
		if first == nil {
			first = &HeaderError{Line: line, Columns: len(headers)}
		}
		if nonEmpty > 1 {
			break // a header, not a title row
		}
	}
	return first
}

// Format reports what NewReader detected.
func (r *Reader) Format() Format { return r.format }

// Next returns the next non-empty record. A record that cannot be read comes
// back as a Row with Err set and a nil error. The error is io.EOF at the end,
// or a failure after which nothing more can be read.
func (r *Reader) Next() (Row, error) {
	for {
		rec, line, err := r.read()
		if rowErr, ok := err.(*RowError); ok {
			return Row{Line: line, Err: rowErr}, nil
		}
		if err != nil {
			return Row{}, err
		}
		if r.blank(rec) {
			continue
		}
		if len(rec) > len(r.cols) && r.blank(rec[len(r.cols):]) {
			rec = rec[:len(r.cols)] // trailing empty cells, as Excel writes them
		}
		if len(rec) != len(r.cols) {
			return Row{Line: line, Err: &RowError{Line: line,
				Reason: fmt.Sprintf("%d fields, header has %d", len(rec), len(r.cols))}}, nil
		}
		return r.row(line, rec), nil
	}
}

// read returns the next record and the line it starts on; a *RowError for a
// record that does not parse.
func (r *Reader) read() ([]string, int, error) {
	if r.err != nil {
		return nil, 0, r.err
	}
	r.guard.start = r.csv.InputOffset()
	rec, err := r.csv.Read()
	if err == nil {
		line, _ := r.csv.FieldPos(0)
		r.lastLine = line
		return rec, line, nil
	}
	if pe, ok := err.(*csv.ParseError); ok {
		r.lastLine = pe.StartLine
		return nil, pe.StartLine, &RowError{Line: pe.StartLine, Reason: parseReason(pe)}
	}
	switch {
	case err == io.EOF:
		r.err = io.EOF
	case errors.Is(err, errRecordTooLong):
		r.err = fmt.Errorf("csvfile: the record after line %d is longer than %d KiB; "+
			"probably a quoted field misses its closing quote (\")", r.lastLine, maxRecordBytes>>10)
	default:
		r.err = fmt.Errorf("csvfile: reading after line %d: %w", r.lastLine, err)
	}
	return nil, 0, r.err
}

func parseReason(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf(`a " inside an unquoted field (column %d); put the field in quotes and double the " inside`, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine:
		return fmt.Sprintf(`a quoted field runs on to line %d without a proper closing "`, pe.Line)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf(`a quoted field is not closed properly (column %d); a " inside quotes must be doubled`, pe.Column)
	}
	return pe.Err.Error()
}

// BytesRead is how much of the file has been consumed, for progress against
// its size. It is exact for UTF-8 and Windows-1252 and ends at the file size.
func (r *Reader) BytesRead() int64 {
	if r.transformed {
		return r.raw.n - int64(r.rawBuf.Buffered())
	}
	return r.skipped + r.csv.InputOffset()
}

// Preview reads the format and up to n rows (including rows with Err).
func Preview(r io.Reader, n int) (Format, []Row, error) {
	rd, err := NewReader(r)
	if err != nil {
		return Format{}, nil, err
	}
	var rows []Row
	for len(rows) < n {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rd.Format(), rows, err
		}
		rows = append(rows, row)
	}
	return rd.Format(), rows, nil
}

func (r *Reader) row(line int, rec []string) Row {
	row := Row{Line: line}
	var houseNumber string
	for i, f := range rec {
		c := r.cols[i]
		if c == colUnknown {
			continue
		}
		v := strings.TrimSpace(r.decode(f))
		if v == "" {
			continue
		}
		var dst *string
		switch c {
		case colEmail:
			row.Email = joinLines(row.Email, v)
		case colPhone:
			row.Phone = joinLines(row.Phone, v)
		case colHouseNumber:
			dst = &houseNumber
		case colGivenName:
			dst = &row.GivenName
		case colFamilyName:
			dst = &row.FamilyName
		case colOrganization:
			dst = &row.Organization
		case colStreet:
			dst = &row.Street
		case colPostalCode:
			dst = &row.PostalCode
		case colCity:
			dst = &row.City
		case colCountry:
			dst = &row.Country
		case colConsent:
			dst = &row.Consent
		case colConsentDate:
			dst = &row.ConsentDate
		case colConsentSource:
			dst = &row.ConsentSource
		}
		if dst != nil && *dst == "" {
			*dst = v
		}
	}
	if houseNumber != "" {
		row.Street = strings.TrimSpace(row.Street + " " + houseNumber)
	}
	return row
}

func joinLines(have, v string) string {
	if have == "" {
		return v
	}
	return have + "\n" + v
}

func (r *Reader) blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(r.decode(f)) != "" {
			return false
		}
	}
	return true
}

// decode turns a field into UTF-8. A field that is not valid UTF-8 in a file
// detected as UTF-8 is read as Windows-1252: its first 64 KiB may have been
// plain ASCII.
func (r *Reader) decode(f string) string {
	if isASCII(f) || !r.windows1252 && utf8.ValidString(f) {
		return f
	}
	return windows1252ToUTF8(f)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// guardReader fails once the current record has taken maxRecordBytes.
type guardReader struct {
	r         io.Reader
	delivered int64
	start     int64 // csv input offset where the current record starts
}

func (g *guardReader) Read(p []byte) (int, error) {
	if g.delivered-g.start > maxRecordBytes {
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	g.delivered += int64(n)
	return n, err
}

type crToLFReader struct{ r io.Reader }

func (c *crToLFReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
