package demo

import (
	"fmt"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// ErasedEmail is the demo blacklist's erased person: type it into the form to see the warning.
const ErasedEmail = "max.weber@example.de"

// New returns a demo backend seeded with German contacts, purposes, lists, consents, a
// blacklist of three entries and a short revocations backlog.
func New() *Backend {
	b := &Backend{
		Viewer:     api.Viewer{Name: "Demo (Sekretariat)", Role: api.RoleAdmin},
		ImportStep: 400 * time.Millisecond,
		jobs:       map[string]*job{},
	}
	desc := func(s string) *string { return &s }
	b.purposes = []api.PurposeFields{
		{Id: "p1", Key: "newsletter", Name: "Newsletter", Description: desc("Monatlicher Newsletter per E-Mail"), LegalBasis: api.LegalBasisConsent},
		{Id: "p2", Key: "sales-calls", Name: "Vertriebsanrufe", LegalBasis: api.LegalBasisConsent},
		{Id: "p3", Key: "postal", Name: "Postwerbung", LegalBasis: api.LegalBasisLegitimateInterest},
	}
	b.lists = []api.ListFields{
		{Id: "l1", Key: "newsletter-kunden", Name: "Newsletter Kunden", Purpose: b.purposes[0]},
		{Id: "l2", Key: "messe-2026", Name: "Messe-Einladungen 2026", Purpose: b.purposes[2]},
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 30, 0, 0, time.Local) }
	people := []struct{ given, family, org, email, phone, street, postal, city string }{
		{"Anna", "Schmidt", "Bäckerei Schmidt", "anna.schmidt@example.de", "+49 30 5550101", "Torstraße 12", "10119", "Berlin"},
		{"Jonas", "Becker", "", "jonas.becker@example.org", "+49 40 5550102", "Mönckebergstraße 7", "20095", "Hamburg"},
		{"Lena", "Fischer", "Fischer & Söhne GmbH", "l.fischer@fischer-soehne.example", "+49 89 5550103", "Leopoldstraße 40", "80802", "München"},
		{"Mehmet", "Yılmaz", "", "mehmet.yilmaz@example.com", "+49 221 5550104", "Venloer Straße 210", "50823", "Köln"},
		{"Sophie", "Wagner", "Stadtwerke Beispielstadt", "sophie.wagner@stadtwerke.example", "+49 69 5550105", "Berger Straße 88", "60316", "Frankfurt am Main"},
		{"Lukas", "Hoffmann", "", "lukas.hoffmann@example.net", "+49 711 5550106", "Königstraße 1", "70173", "Stuttgart"},
		{"Marie", "Schäfer", "Praxis Dr. Schäfer", "praxis@schaefer.example", "+49 351 5550107", "Prager Straße 5", "01069", "Dresden"},
		{"Paul", "Koch", "", "paul.koch@example.de", "+49 341 5550108", "Karl-Liebknecht-Straße 20", "04107", "Leipzig"},
		{"Emma", "Richter", "Richter Immobilien", "emma@richter-immobilien.example", "+49 511 5550109", "Lister Meile 33", "30161", "Hannover"},
		{"Felix", "Klein", "", "felix.klein@example.org", "+49 911 5550110", "Königstraße 60", "90402", "Nürnberg"},
		{"Hannah", "Wolf", "Wolf Consulting", "h.wolf@wolf-consulting.example", "+49 421 5550111", "Sögestraße 15", "28195", "Bremen"},
		{"Leon", "Neumann", "", "leon.neumann@example.com", "+49 201 5550112", "Rüttenscheider Straße 100", "45130", "Essen"},
	}
	for i, p := range people {
		created := day(2025, time.Month(1+i%12), 1+i)
		c := api.ContactDetail{ContactSummary: api.ContactSummary{Id: fmt.Sprintf("c%03d", i+1), GivenName: p.given, FamilyName: p.family,
			Emails: []string{p.email}, Phones: []string{p.phone}},
			Address:   &api.PostalAddress{Street: p.street, PostalCode: p.postal, City: p.city, Country: "DE"},
			CreatedAt: created, UpdatedAt: created}
		if p.org != "" {
			org := p.org
			c.Organization = &org
		}
		if i%3 != 2 {
			c.Lists = []api.ListFields{b.lists[0]}
			ev := "Double-Opt-in bestätigt, Formular v3"
			addEvent(&c, b.purposes[0], api.ConsentEvent{At: created.Add(time.Hour), Status: api.ConsentStatusGranted, Source: "web form", Evidence: &ev, RecordedBy: "Webformular"})
		}
		if i%4 == 0 {
			addEvent(&c, b.purposes[1], api.ConsentEvent{At: created.Add(48 * time.Hour), Status: api.ConsentStatusGranted, Source: "phone", RecordedBy: "M. Vertrieb"})
			addEvent(&c, b.purposes[1], api.ConsentEvent{At: day(2026, 2, 10), Status: api.ConsentStatusRevoked, Source: "letter", RecordedBy: "S. Sekretariat"})
		}
		b.contacts = append(b.contacts, c)
	}
	b.nextID = len(b.contacts) + 100

	b.blacklist = []blocked{
		{entry: api.BlacklistEntryFields{Id: "b1", Source: api.BlacklistSourceErasure, Reason: "Löschung auf Wunsch der Person (Art. 17 DSGVO)",
			CreatedAt: day(2026, 5, 3), IdentifierKinds: []api.MatchField{api.MatchFieldEmail, api.MatchFieldPhone, api.MatchFieldNameAndAddress}},
			email: normEmail(ErasedEmail)},
		{entry: api.BlacklistEntryFields{Id: "b2", Source: api.BlacklistSourceManual, Reason: "Werbewiderspruch per Einschreiben",
			CreatedAt: day(2026, 3, 17), IdentifierKinds: []api.MatchField{api.MatchFieldPhone}},
			phone: normPhone("+49 30 1234567")},
		{entry: api.BlacklistEntryFields{Id: "b3", Source: api.BlacklistSourceErasure, Reason: "Löschung nach Vertragsende",
			CreatedAt: day(2026, 1, 22), IdentifierKinds: []api.MatchField{api.MatchFieldNameAndAddress}},
			nameAddr: nameAddr("Erika", "Mustermann", "10115", "Hauptstraße 5")},
	}
	for i, c := range b.contacts[:4] {
		p := b.purposes[i%len(b.purposes)]
		b.events = append(b.events, api.RevocationFields{Cursor: fmt.Sprint(i + 1), Kind: api.RevocationKindConsentRevoked,
			At: time.Now().Add(-time.Duration(40-i*9) * time.Minute), ContactId: c.Id, Purpose: &p,
			Channel: []string{"unsubscribe-link", "phone", "letter", "api"}[i]})
	}
	b.events = append(b.events, api.RevocationFields{Cursor: "5", Kind: api.RevocationKindContactErased,
		At: time.Now().Add(-3 * time.Minute), ContactId: "c099", Channel: "admin"})
	return b
}
