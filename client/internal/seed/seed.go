// Package seed fills a fresh Vermerk server with obviously made-up demo data through the
// client's API layer: purposes, lists, a dozen contacts with consents and their history, a
// revocation and an erasure (so the blacklist has an entry), a contact entered twice, plus
// a CSV for the import screen. `make screenshot` photographs what it creates.
package seed

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// ErasedEmail is the e-mail of the person Run erases; typing it shows the warning.
const ErasedEmail = "max.weber@example.org"

// ErasureReason is what the erasure records as its reason.
const ErasureReason = "Löschung auf Wunsch der Person (Art. 17 DSGVO)"

// Result says what Run created.
type Result struct {
	Contacts    int    // live contacts after the erasure
	ErasedEmail string // the erased person's e-mail
	ErasedID    string
	CSV         string // the import file written, if asked for
}

type person struct {
	given, family, org, email, phone, street, postal, city string
}

// people are the demo contacts; the list shows the first one first (sorted by family
// name), and the last one is erased.
var people = []person{
	{"Jonas", "Becker", "", "jonas.becker@example.com", "+49 40 5550102", "Mönckebergstraße 7", "20095", "Hamburg"},
	{"Anna", "Schmidt", "Bäckerei Schmidt", "anna.schmidt@example.org", "+49 30 5550101", "Torstraße 12", "10119", "Berlin"},
	{"Lena", "Fischer", "Fischer & Söhne GmbH", "lena.fischer@example.org", "+49 89 5550103", "Leopoldstraße 40", "80802", "München"},
	{"Mehmet", "Yılmaz", "", "mehmet.yilmaz@example.com", "+49 221 5550104", "Venloer Straße 210", "50823", "Köln"},
	{"Sophie", "Wagner", "Stadtwerke Beispielstadt", "sophie.wagner@example.org", "+49 69 5550105", "Berger Straße 88", "60316", "Frankfurt am Main"},
	{"Lukas", "Hoffmann", "", "lukas.hoffmann@example.com", "+49 711 5550106", "Königstraße 1", "70173", "Stuttgart"},
	{"Marie", "Schäfer", "Praxis Dr. Schäfer", "marie.schaefer@example.org", "+49 351 5550107", "Prager Straße 5", "01069", "Dresden"},
	{"Paul", "Koch", "", "paul.koch@example.com", "+49 341 5550108", "Karl-Liebknecht-Straße 20", "04107", "Leipzig"},
	{"Emma", "Richter", "Richter Immobilien", "emma.richter@example.org", "+49 511 5550109", "Lister Meile 33", "30161", "Hannover"},
	{"Felix", "Klein", "", "felix.klein@example.com", "+49 911 5550110", "Königstraße 60", "90402", "Nürnberg"},
	{"Hannah", "Wolf", "Wolf Consulting", "hannah.wolf@example.org", "+49 421 5550111", "Sögestraße 15", "28195", "Bremen"},
	{"Leon", "Neumann", "", "leon.neumann@example.com", "+49 201 5550112", "Rüttenscheider Straße 100", "45130", "Essen"},
	{"Max", "Weber", "", ErasedEmail, "+49 221 5550199", "Gartenweg 2", "50667", "Köln"},
}

var purposes = []api.PurposeInput{
	{Key: "newsletter", Name: "Newsletter", LegalBasis: api.LegalBasisConsent, Description: ptr("Monatlicher Newsletter per E-Mail")},
	{Key: "sales-calls", Name: "Vertriebsanrufe", LegalBasis: api.LegalBasisConsent},
	{Key: "postal", Name: "Postwerbung", LegalBasis: api.LegalBasisLegitimateInterest},
}

var lists = []api.ListInput{
	{Key: "newsletter-kunden", Name: "Newsletter Kunden", PurposeKey: "newsletter"},
	{Key: "messe-2026", Name: "Messe-Einladungen 2026", PurposeKey: "postal"},
	{Key: "vertrieb", Name: "Vertriebskontakte", PurposeKey: "sales-calls"},
}

var tokens = []struct {
	name     string
	role     api.Role
	purposes []string
}{
	{"Erika Mustermann", api.RoleStaff, nil},
	{"Max Mustermann", api.RoleStaff, nil},
	{"Newsletter-Versand", api.RoleIntegrator, []string{"newsletter"}},
}

// requests are the open data-subject requests: person indexes people (-1: not a contact),
// daysAgo says when the request arrived.
var requests = []struct {
	kind          api.RequestKind
	person        int
	channel, note string
	daysAgo       int
}{
	{api.RequestKindAccess, 2, "Brief", "Auskunft über alle gespeicherten Daten erbeten", 33},
	{api.RequestKindObjection, 5, "E-Mail", "Keine Werbung mehr per Post", 25},
	{api.RequestKindRectification, -1, "Telefon", "Anrufer nennt eine neue Anschrift", 2},
}

// CSV is the import file: new people, a duplicate of a contact, the erased person (held),
// a row without a name (invalid) and a column the importer does not know.
const CSV = "Vorname;Nachname;Firma;E-Mail;Telefon;Straße;PLZ;Ort;Land;Kundennummer\n" +
	"Clara;Zimmermann;Zimmermann Bau;clara.zimmermann@example.org;+49 30 5550201;Invalidenstraße 3;10115;Berlin;DE;K-1001\n" +
	"Tim;Braun;;tim.braun@example.com;+49 40 5550202;Jungfernstieg 1;20354;Hamburg;DE;K-1002\n" +
	"Anna;Schmidt;Bäckerei Schmidt;anna.schmidt@example.org;+49 30 5550101;Torstraße 12;10119;Berlin;DE;K-1003\n" +
	"Max;Weber;;" + ErasedEmail + ";;Gartenweg 2;50667;Köln;DE;K-1004\n" +
	";;;ohne-name@example.com;;;;;DE;K-1005\n" +
	"Nina;Krüger;Krüger & Partner;nina.krueger@example.org;+49 89 5550206;Sendlinger Straße 9;80331;München;DE;K-1006\n"

// Run creates the demo data on c (an ADMIN token on an empty server) and, when csvPath is
// not empty, writes the import file there.
func Run(ctx context.Context, c *api.Client, csvPath string) (Result, error) {
	for _, p := range purposes {
		if _, err := c.CreatePurpose(ctx, p); err != nil {
			return Result{}, fmt.Errorf("seed purpose %s: %w", p.Key, err)
		}
	}
	for _, l := range lists {
		if _, err := c.CreateList(ctx, l); err != nil {
			return Result{}, fmt.Errorf("seed list %s: %w", l.Key, err)
		}
	}
	var res Result
	ids := make([]string, len(people))
	for i, p := range people {
		in := api.ContactInput{GivenName: ptr(p.given), FamilyName: ptr(p.family), Emails: []string{p.email}, Phones: []string{p.phone},
			Address: &api.PostalAddressInput{Street: p.street, PostalCode: p.postal, City: p.city, Country: ptr("DE")}}
		if p.org != "" {
			in.Organization = ptr(p.org)
		}
		r, err := c.CreateContact(ctx, in, nil)
		if err != nil {
			return Result{}, fmt.Errorf("seed contact %d: %w", i+1, err)
		}
		if r.Contact == nil {
			return Result{}, fmt.Errorf("seed contact %d: refused by the blacklist (is the server empty?)", i+1)
		}
		ids[i] = r.Contact.Id
	}
	grant := func(i int, purpose, source, evidence string) error {
		in := api.ConsentInput{ContactId: ids[i], PurposeKey: purpose, Source: source}
		if evidence != "" {
			in.Evidence = &evidence
		}
		_, err := c.RecordConsent(ctx, in)
		return err
	}
	for i := range people {
		var err error
		switch {
		case i%3 != 2:
			err = grant(i, "newsletter", "web form", "Double-Opt-in bestätigt, Formular v3")
			if err == nil {
				err = c.AddToList(ctx, ids[i], "newsletter-kunden")
			}
		case i%3 == 2:
			err = grant(i, "postal", "fair", "Visitenkarte, Stand 4")
			if err == nil {
				err = c.AddToList(ctx, ids[i], "messe-2026")
			}
		}
		if err == nil && i%4 == 0 {
			err = grant(i, "sales-calls", "phone", "Gesprächsnotiz")
			if err == nil {
				err = c.AddToList(ctx, ids[i], "vertrieb")
			}
		}
		if err == nil && i == 0 {
			err = grant(i, "postal", "fair", "Visitenkarte, Stand 4")
		}
		if err != nil {
			return Result{}, fmt.Errorf("seed consents of contact %d: %w", i+1, err)
		}
	}
	// The first contact (shown first in the list) withdraws the sales calls by letter: the one revocation.
	if _, err := c.RevokeConsent(ctx, api.RevocationInput{ContactId: ids[0], PurposeKey: "sales-calls", Channel: "letter"}); err != nil {
		return Result{}, fmt.Errorf("seed revocation: %w", err)
	}
	erased := len(people) - 1
	if _, err := c.EraseContact(ctx, ids[erased], ErasureReason); err != nil {
		return Result{}, fmt.Errorf("seed erasure: %w", err)
	}
	// Sales enters Anna Schmidt a second time, with her mobile number: a possible duplicate
	// for the "Doppelte Kontakte" view (entered after the erasure, so it is not erased with it).
	twin := api.ContactInput{GivenName: ptr("Anna"), FamilyName: ptr("Schmidt"), Emails: []string{"Anna.Schmidt@example.org"},
		Phones: []string{"+49 170 5550191"}, Address: &api.PostalAddressInput{Street: "Torstraße 12", PostalCode: "10119", City: "Berlin", Country: ptr("DE")}}
	if r, err := c.CreateContact(ctx, twin, nil); err != nil || r.Contact == nil {
		return Result{}, fmt.Errorf("seed duplicate: %+v, %w", r, err)
	}
	res.Contacts, res.ErasedEmail, res.ErasedID = len(people), people[erased].email, ids[erased]
	// One token per staff member, and one for the newsletter tool; their secrets are not kept.
	for _, tok := range tokens {
		if _, err := c.CreateApiToken(ctx, tok.name, tok.role, tok.purposes, time.Time{}); err != nil {
			return Result{}, fmt.Errorf("seed token %s: %w", tok.name, err)
		}
	}
	// Three open data-subject requests for the Requests tab: one overdue, one due soon, one
	// from a person who is not a contact.
	for _, r := range requests {
		contact := ""
		if r.person >= 0 {
			contact = ids[r.person]
		}
		if _, err := c.FileRequest(ctx, r.kind, contact, r.channel, r.note, time.Now().AddDate(0, 0, -r.daysAgo)); err != nil {
			return Result{}, fmt.Errorf("seed request %s: %w", r.kind, err)
		}
	}
	if csvPath != "" {
		if err := os.WriteFile(csvPath, []byte(CSV), 0o644); err != nil {
			return Result{}, fmt.Errorf("seed CSV: %w", err)
		}
		res.CSV = csvPath
	}
	return res, nil
}

func ptr(s string) *string { return &s }
