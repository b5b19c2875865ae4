package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vermerk/vermerk/client/internal/api"
)

type job struct {
	fields api.ImportJobFields
	rows   []api.ImportRow
}

var headerNames = map[string]string{
	"vorname": "givenName", "givenname": "givenName", "first name": "givenName",
	"nachname": "familyName", "familyname": "familyName", "last name": "familyName", "name": "familyName",
	"firma": "organization", "organization": "organization", "company": "organization",
	"e-mail": "email", "email": "email", "telefon": "phone", "phone": "phone",
	"straße": "street", "strasse": "street", "street": "street",
	"plz": "postalCode", "postalcode": "postalCode", "postal code": "postalCode",
	"ort": "city", "city": "city", "land": "country", "country": "country",
}

// parseCSV does what the server's importer does, roughly: BOM, UTF-8 or Windows-1252, `;` or `,`.
func parseCSV(data []byte) (encoding, sep string, headers, columns []string, rows []api.ImportRow, problems []api.ImportRowProblem) {
	encoding = "UTF-8"
	if bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		data, encoding = data[3:], "UTF-8 (BOM)"
	} else if !utf8.Valid(data) {
		var b strings.Builder
		for _, c := range data {
			b.WriteRune(rune(c)) // Latin-1 subset of Windows-1252 is enough for the demo
		}
		data, encoding = []byte(b.String()), "Windows-1252"
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	sep = ","
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		sep = ";"
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = rune(sep[0])
	r.FieldsPerRecord = -1
	line := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			problems = append(problems, api.ImportRowProblem{Line: line, Message: err.Error(), Code: "ROW_UNREADABLE"})
			continue
		}
		if headers == nil {
			headers = rec
			for _, h := range rec {
				columns = append(columns, headerNames[strings.ToLower(strings.TrimSpace(h))])
			}
			continue
		}
		var row api.ImportRow
		for i, v := range rec {
			if i >= len(columns) {
				break
			}
			v = strings.TrimSpace(v)
			switch columns[i] {
			case "givenName":
				row.GivenName = v
			case "familyName":
				row.FamilyName = v
			case "organization":
				row.Organization = v
			case "email":
				row.Email = v
			case "phone":
				row.Phone = v
			case "street":
				row.Street = v
			case "postalCode":
				row.PostalCode = v
			case "city":
				row.City = v
			case "country":
				row.Country = v
			}
		}
		if row.Email != "" && !strings.Contains(row.Email, "@") {
			field := "email"
			problems = append(problems, api.ImportRowProblem{Line: line, Message: "e-mail has no @", // as the server: no value quoted
				Code: "EMAIL_NO_AT", Field: &field})
			row = api.ImportRow{}
		}
		rows = append(rows, row)
	}
	return
}

func (b *Backend) PreviewImport(ctx context.Context, file api.Upload) (api.ImportPreview, error) {
	if err := b.wait(ctx); err != nil {
		return api.ImportPreview{}, err
	}
	data, err := io.ReadAll(file.Body)
	if err != nil {
		return api.ImportPreview{}, err
	}
	enc, sep, headers, columns, rows, _ := parseCSV(data)
	p := api.ImportPreview{Encoding: enc, Separator: sep, Headers: headers, Columns: columns}
	for i, h := range headers {
		if columns[i] == "" {
			p.UnknownColumns = append(p.UnknownColumns, h)
		}
	}
	p.Rows = rows[:min(len(rows), 8)]
	return p, nil
}

func (b *Backend) StartImport(ctx context.Context, file api.Upload, listKey string) (api.ImportJobFields, error) {
	if err := b.wait(ctx); err != nil {
		return api.ImportJobFields{}, err
	}
	data, err := io.ReadAll(file.Body)
	if err != nil {
		return api.ImportJobFields{}, err
	}
	enc, sep, _, _, rows, problems := parseCSV(data)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	j := &job{rows: rows, fields: api.ImportJobFields{Id: fmt.Sprintf("job%d", b.nextID), Status: api.ImportStatusRunning,
		Total: len(rows), FileName: file.FileName, Encoding: enc, Separator: sep, Problems: problems, CreatedAt: time.Now()}}
	if listKey != "" {
		j.fields.ListKey = &listKey
	}
	b.jobs[j.fields.Id] = j
	return j.fields, nil
}

func (b *Backend) ImportJob(ctx context.Context, id string) (api.ImportJobFields, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	j, ok := b.jobs[id]
	if !ok {
		return api.ImportJobFields{}, &api.Error{Code: "NOT_FOUND", Message: "import job " + id + " does not exist"}
	}
	return j.fields, nil
}

func (b *Backend) DecideImportRow(ctx context.Context, jobID string, line int, accept bool, reason string) (api.ImportJobFields, error) {
	if err := b.wait(ctx); err != nil {
		return api.ImportJobFields{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	j, ok := b.jobs[jobID]
	if !ok {
		return api.ImportJobFields{}, &api.Error{Code: "NOT_FOUND", Message: "import job " + jobID + " does not exist"}
	}
	if accept && strings.TrimSpace(reason) == "" {
		return api.ImportJobFields{}, &api.Error{Code: "BAD_USER_INPUT", Message: "accepting a held row needs a reason"}
	}
	for i, h := range j.fields.HeldRows {
		if h.Line == line {
			j.fields.HeldRows = append(j.fields.HeldRows[:i:i], j.fields.HeldRows[i+1:]...)
			if accept {
				j.fields.Inserted++
				b.insert(rowInput(h.Row))
				b.overrides = append(b.overrides, api.OverrideInput{Reason: reason})
			}
			break
		}
	}
	if len(j.fields.HeldRows) == 0 && j.fields.Processed == j.fields.Total {
		j.fields.Status = api.ImportStatusDone
	}
	return j.fields, nil
}

func (b *Backend) WatchImport(ctx context.Context, jobID string, onEvent func(api.ImportJobFields), onState func(api.LinkState)) {
	if onState != nil {
		onState(api.LinkState{Connected: true})
	}
	step := b.ImportStep
	if step <= 0 {
		step = time.Millisecond
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(step):
		}
		b.mu.Lock()
		j, ok := b.jobs[jobID]
		if !ok {
			b.mu.Unlock()
			return
		}
		f := &j.fields
		chunk := max(1, f.Total/5)
		for n := 0; n < chunk && f.Processed < f.Total; n++ {
			row := j.rows[f.Processed]
			f.Processed++
			line := f.Processed + 1
			if row == (api.ImportRow{}) {
				f.Invalid++
				continue
			}
			in := rowInput(row)
			s := b.screen(in)
			dup := false
			for _, c := range b.contacts {
				if overlap(c.Emails, in.Emails, normEmail) || overlap(c.Phones, in.Phones, normPhone) {
					dup = true
				}
			}
			switch {
			case len(s.Matches) > 0:
				f.Held++
				f.HeldRows = append(f.HeldRows, api.HeldRow{Line: line, Field: s.Matches[0].Field, Entry: s.Matches[0].Entry,
					Matches: s.Matches, Row: row})
			case dup:
				f.Duplicates++
			default:
				f.Inserted++
				b.insert(in)
			}
		}
		if f.Processed == f.Total {
			f.Status = api.ImportStatusDone
			if len(f.HeldRows) > 0 {
				f.Status = api.ImportStatusNeedsDecision
			}
		}
		out := *f
		out.HeldRows = append([]api.HeldRow(nil), f.HeldRows...)
		b.mu.Unlock()
		onEvent(out)
		if out.Status != api.ImportStatusRunning {
			return
		}
	}
}

// rowInput is an import row as a new contact.
func rowInput(row api.ImportRow) api.ContactInput {
	in := api.ContactInput{GivenName: &row.GivenName, FamilyName: &row.FamilyName}
	if row.Organization != "" {
		in.Organization = &row.Organization
	}
	if row.Email != "" {
		in.Emails = []string{row.Email}
	}
	if row.Phone != "" {
		in.Phones = []string{row.Phone}
	}
	if row.Street != "" {
		in.Address = &api.PostalAddressInput{Street: row.Street, PostalCode: row.PostalCode, City: row.City}
	}
	return in
}

// SampleCSV is a small German address list with a header, a blacklisted row and a broken one.
const SampleCSV = "Vorname;Nachname;Firma;E-Mail;Telefon;Straße;PLZ;Ort;Kundennummer\n" +
	"Klara;Zimmermann;;klara.zimmermann@example.de;030 5550201;Kastanienallee 3;10435;Berlin;K-1001\n" +
	"Max;Weber;;max.weber@example.de;;Gartenweg 2;50667;Köln;K-1002\n" +
	"Ole;Hartmann;Hartmann KG;ole@hartmann-kg.example;040 5550203;Elbchaussee 9;22763;Hamburg;K-1003\n" +
	"Nina;Krause;;nina.krause-at-example.de;;;;;K-1004\n" +
	"Tim;Schulz;;tim.schulz@example.org;0711 5550205;Marktplatz 1;70173;Stuttgart;K-1005\n" +
	"Anna;Schmidt;Bäckerei Schmidt;anna.schmidt@example.de;;Torstraße 12;10119;Berlin;K-1006\n"
