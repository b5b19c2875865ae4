package importer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vermerk/vermerk/server/internal/screening"
)

// Expect is what importing a file made by GenerateCSV into a database that holds only the
// entries of SeedBlacklist must report.
type Expect struct {
	Rows, Inserted, Duplicates, Held, Invalid int
}

// The generated file's row kinds, by row index i (0-based): every 1000th row is invalid,
// every 100th (i%100 == 73) is on the blacklist SeedBlacklist makes, every 100th (i%100 == 37)
// repeats the e-mail of row i-10 in other case. The rest are new people.
func generatedKind(i int) string {
	switch {
	case i%1000 == 999:
		return "invalid"
	case i%100 == 73:
		return "blacklisted"
	case i%100 == 37 && i >= 10:
		return "duplicate"
	}
	return "new"
}

var (
	fakeGiven  = []string{"Erika", "Max", "Jürgen", "Anna", "Lena", "Lukas", "Sören", "Jörg", "Bärbel", "Hans", "Greta", "Ömer"}
	fakeFamily = []string{"Mustermann", "Musterfrau", "Müller", "Schäfer", "Weiß", "Groß", "Köhler", "Beispiel", "Probe", "Testmann"}
	fakeStreet = []string{"Hauptstraße", "Lindenstraße", "Musterweg", "Am Beispielplatz", "Gartenstr.", "Domstraße"}
	fakeCity   = []string{"Berlin", "Köln", "München", "Düsseldorf", "Lübeck", "Fürth"}
)

// GenerateCSV writes a benchmark file of rows fake people (UTF-8, ";", German headers): about
// 1 % on the blacklist of SeedBlacklist(…, rows, seed), 1 % duplicates within the file and
// 0.1 % invalid, everyone at example.org. The same rows and seed give the same file.
func GenerateCSV(w io.Writer, rows int, seed int64) (Expect, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	rnd := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	ex := Expect{Rows: rows}
	if _, err := bw.WriteString("Vorname;Nachname;Firma;E-Mail;Telefon;Straße;PLZ;Ort;Land\n"); err != nil {
		return ex, err
	}
	for i := range rows {
		given, family := fakeGiven[rnd.IntN(len(fakeGiven))], fakeFamily[rnd.IntN(len(fakeFamily))]
		org := ""
		if rnd.IntN(5) == 0 {
			org = "Beispiel GmbH"
		}
		email := generatedEmail(i, seed)
		phone := ""
		if i%2 == 0 {
			phone = fmt.Sprintf("030 %08d", 20000000+i)
		}
		street := fmt.Sprintf("%s %d", fakeStreet[rnd.IntN(len(fakeStreet))], 1+rnd.IntN(200))
		postal := fmt.Sprintf("%05d", 1067+rnd.IntN(98000))
		city := fakeCity[rnd.IntN(len(fakeCity))]
		switch generatedKind(i) {
		case "invalid":
			email = "kaputt@"
			ex.Invalid++
		case "blacklisted":
			ex.Held++
		case "duplicate":
			email = strings.ToUpper(generatedEmail(i-10, seed))
			phone = ""
			ex.Duplicates++
		default:
			ex.Inserted++
		}
		if _, err := fmt.Fprintf(bw, "%s;%s;%s;%s;%s;%s;%s;%s;Deutschland\n", given, family, org, email, phone, street, postal, city); err != nil {
			return ex, err
		}
	}
	return ex, bw.Flush()
}

func generatedEmail(i int, seed int64) string {
	return fmt.Sprintf("person.%d.%d@example.org", seed, i)
}

// Copier is what SeedBlacklist writes with: a *pgx.Conn, pgx.Tx or *pgxpool.Pool.
type Copier interface {
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// SeedBlacklist adds the blacklist entries (by e-mail, source MANUAL) that the rows of
// GenerateCSV(…, rows, seed) marked blacklisted match, plus extra entries matching nobody, so
// the blacklist has a realistic size. It returns the number of entries added.
func SeedBlacklist(ctx context.Context, db Copier, keyring *screening.Keyring, rows int, seed int64, extra int) (int, error) {
	key := keyring.Current()
	var ids []uuid.UUID
	var hashes [][]byte
	for i := range rows {
		if generatedKind(i) == "blacklisted" {
			n, err := screening.NormalizeEmail(generatedEmail(i, seed))
			if err != nil {
				return 0, err
			}
			h, err := keyring.Hash(key.ID, screening.KindEmail, n)
			if err != nil {
				return 0, err
			}
			ids, hashes = append(ids, uuid.New()), append(hashes, h)
		}
	}
	for i := range extra {
		h, err := keyring.Hash(key.ID, screening.KindEmail, fmt.Sprintf("erased.%d.%d@example.org", seed, i))
		if err != nil {
			return 0, err
		}
		ids, hashes = append(ids, uuid.New()), append(hashes, h)
	}
	_, err := db.CopyFrom(ctx, pgx.Identifier{"blacklist_entries"}, []string{"id", "source", "reason", "key_id", "identifier_kinds"},
		pgx.CopyFromSlice(len(ids), func(i int) ([]any, error) {
			return []any{ids[i], "MANUAL", "benchmark: generated entry", key.ID, []string{"EMAIL"}}, nil
		}))
	if err != nil {
		return 0, fmt.Errorf("importer.SeedBlacklist: entries: %w", err)
	}
	_, err = db.CopyFrom(ctx, pgx.Identifier{"blacklist_hashes"}, []string{"entry_id", "kind", "key_id", "hash"},
		pgx.CopyFromSlice(len(ids), func(i int) ([]any, error) {
			return []any{ids[i], "EMAIL", key.ID, hashes[i]}, nil
		}))
	if err != nil {
		return 0, fmt.Errorf("importer.SeedBlacklist: hashes: %w", err)
	}
	_, err = db.Exec(ctx, `ANALYZE blacklist_hashes`)
	return len(ids), err
}
