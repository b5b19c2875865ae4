package app

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

// personBackend records the person operations it receives.
type personBackend struct {
	fakeBackend
	calls   []string
	keep    []string
	from    []string
	consent api.ConsentInput
}

func (p *personBackend) PutOnList(_ context.Context, id, key, _ string) (api.ContactDetail, error) {
	p.calls = append(p.calls, "add "+id+" "+key)
	return api.ContactDetail{}, nil
}

func (p *personBackend) RemoveFromList(_ context.Context, id, key string) (api.ContactDetail, error) {
	p.calls = append(p.calls, "remove "+id+" "+key)
	return api.ContactDetail{}, nil
}

func (p *personBackend) MergeContacts(_ context.Context, into string, from []string, reason string) (api.ContactDetail, error) {
	p.calls = append(p.calls, "merge "+into+" "+reason)
	p.from = from
	return api.ContactDetail{}, nil
}

func (p *personBackend) BlacklistContact(_ context.Context, id, reason string) (api.BlacklistEntryFields, error) {
	p.calls = append(p.calls, "block "+id+" "+reason)
	return api.BlacklistEntryFields{}, nil
}

func (p *personBackend) ErasePerson(_ context.Context, id, reason string, keep []string) (api.PersonErasure, error) {
	p.calls = append(p.calls, "erase "+id+" "+reason)
	p.keep = keep
	return api.PersonErasure{}, nil
}

func (p *personBackend) RecordConsent(_ context.Context, in api.ConsentInput) (api.ConsentFields, error) {
	p.calls = append(p.calls, "consent")
	p.consent = in
	return api.ConsentFields{}, nil
}

func TestListOptions(t *testing.T) {
	news := api.ListFields{Key: "news", Name: "Newsletter"}
	fair := api.ListFields{Key: "fair", Name: "Messe"}
	calls := api.ListFields{Key: "calls", Name: "Anrufe"}
	member, other := ListOptions([]api.ListFields{news, fair, calls}, []api.ListFields{news})
	if len(member) != 1 || member[0].Key != "news" || len(other) != 2 || other[0].Key != "calls" || other[1].Key != "fair" {
		t.Fatalf("member %v, other %v", member, other)
	}
	b := &personBackend{}
	if _, err := PutOnList(context.Background(), b, "c1", "", ""); !errors.Is(err, ErrMissing{"list"}) {
		t.Errorf("no list chosen: %v", err)
	}
	PutOnList(context.Background(), b, "c1", "fair", "")
	TakeOffList(context.Background(), b, "c1", "news")
	if !slices.Equal(b.calls, []string{"add c1 fair", "remove c1 news"}) {
		t.Errorf("calls = %q", b.calls)
	}
}

func TestMergeBlockAndEraseNeedWhatTheyNeed(t *testing.T) {
	ctx := context.Background()
	b := &personBackend{}
	if _, err := Merge(ctx, b, "c1", []string{"c1"}, "same person"); !errors.Is(err, ErrMissing{"duplicates"}) {
		t.Errorf("merge into itself: %v", err)
	}
	if _, err := Merge(ctx, b, "c1", []string{"c2"}, "  "); !errors.Is(err, ErrMissing{"reason"}) {
		t.Errorf("merge without reason: %v", err)
	}
	if _, err := Block(ctx, b, "c1", ""); !errors.Is(err, ErrMissing{"reason"}) {
		t.Errorf("block without reason: %v", err)
	}
	if len(b.calls) != 0 {
		t.Fatalf("sent without what is needed: %q", b.calls)
	}
	Merge(ctx, b, "c1", []string{"c2", "c1", "c3"}, " same person, entered twice ")
	if b.calls[0] != "merge c1 same person, entered twice" || !slices.Equal(b.from, []string{"c2", "c3"}) {
		t.Errorf("merge sent %q from %q", b.calls, b.from)
	}

	plan := ErasurePlan{Preview: api.ErasurePlanFields{
		Contact:         api.ContactSummary{Id: "c1", FamilyName: "Mustermann"},
		SameIdentifiers: []api.ContactSummary{{Id: "c2"}, {Id: "c3"}},
		LookAlikes:      []api.ContactSummary{{Id: "c4"}},
	}, Keep: map[string]bool{"c3": true}}
	var going []string
	for _, c := range plan.Going() {
		going = append(going, c.Id)
	}
	if !slices.Equal(going, []string{"c1", "c2"}) {
		t.Errorf("going = %q, want c1 c2 (c3 kept, c4 only looks alike)", going)
	}
	if _, err := ErasePlanned(ctx, b, plan, ""); !errors.Is(err, ErrMissing{"reason"}) {
		t.Errorf("erase without reason: %v", err)
	}
	ErasePlanned(ctx, b, plan, "at their request")
	if b.calls[len(b.calls)-1] != "erase c1 at their request" || !slices.Equal(b.keep, []string{"c3"}) {
		t.Errorf("erase sent %q keep %q", b.calls, b.keep)
	}
}

func TestGrantConsentSendsEveryField(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local)
	b := &personBackend{}
	f := ConsentForm{PurposeKey: "newsletter", Source: " fair ", Evidence: "card", GivenAt: "3.5.2026 14:30", TextVersion: 2}
	if _, err := GrantConsent(context.Background(), b, "c1", f, now); err != nil {
		t.Fatal(err)
	}
	in := b.consent
	if in.GivenAt == nil || !in.GivenAt.Equal(time.Date(2026, 5, 3, 14, 30, 0, 0, time.Local)) || in.ConsentTextVersion == nil ||
		*in.ConsentTextVersion != 2 || in.Source != "fair" || *in.Evidence != "card" {
		t.Errorf("sent %+v", in)
	}
	f.GivenAt, f.TextVersion = "", 0
	GrantConsent(context.Background(), b, "c1", f, now)
	if b.consent.GivenAt != nil || b.consent.ConsentTextVersion != nil {
		t.Errorf("empty fields sent as %+v", b.consent)
	}
	for _, tc := range []struct {
		in   string
		want error
	}{{"31.12.2026", ErrGivenAtFuture}, {"gestern", ErrGivenAtFormat}, {"2026-05-03", nil}, {"3.5.26", nil}} {
		f.GivenAt = tc.in
		if _, err := GrantConsent(context.Background(), b, "c1", f, now); !errors.Is(err, tc.want) {
			t.Errorf("%q: %v, want %v", tc.in, err, tc.want)
		}
	}
	if got := ErrorText(ErrGivenAtFuture, i18n.MustNew("de")); got != "Das Datum der Einwilligung liegt in der Zukunft." {
		t.Errorf("error text = %q", got)
	}
	p := api.PurposeWithTexts{Key: "newsletter", ConsentTexts: []api.ConsentText{
		{Version: 1, Text: "Ja, Newsletter.", CreatedAt: time.Date(2025, 1, 10, 9, 0, 0, 0, time.Local)},
		{Version: 2, Text: "Ja, ich möchte den Newsletter.", CreatedAt: time.Date(2026, 5, 3, 9, 0, 0, 0, time.Local)}}}
	choices := TextChoices(p, i18n.MustNew("de"))
	if len(choices) != 2 || choices[0].Version != 2 || choices[0].Label != "Fassung 2 vom 3. Mai 2026: Ja, ich möchte den Newsletter." {
		t.Errorf("choices = %+v", choices)
	}
}

func TestCompareRecordsMarksWhatDiffers(t *testing.T) {
	org := "Bäckerei Schmidt"
	a := api.ContactDetail{ContactSummary: api.ContactSummary{Id: "c1", GivenName: "Anna", FamilyName: "Schmidt", Organization: &org,
		Emails: []string{"anna@example.de"}}, CreatedAt: time.Date(2025, 1, 2, 0, 0, 0, 0, time.Local)}
	b := api.ContactDetail{ContactSummary: api.ContactSummary{Id: "c2", GivenName: "Anna", FamilyName: "Schmidt",
		Emails: []string{"anna@example.de"}, Phones: []string{"+49 30 1234567"}}, CreatedAt: time.Date(2026, 3, 4, 0, 0, 0, 0, time.Local)}
	rows := CompareRecords([]api.ContactDetail{a, b}, i18n.MustNew("de"))
	byLabel := map[string]CompareRow{}
	for _, r := range rows {
		byLabel[r.Label] = r
	}
	if r := byLabel["Nachname"]; r.Differs || r.Values[1] != "Schmidt" {
		t.Errorf("family name row = %+v", r)
	}
	if r := byLabel["Firma"]; !r.Differs || r.Values[1] != "—" {
		t.Errorf("organisation row = %+v", r)
	}
	if r := byLabel["Telefon"]; !r.Differs || r.Values[1] != "+49 30 1234567" {
		t.Errorf("phone row = %+v", r)
	}
}

func TestProofPDF(t *testing.T) {
	ev := "Double-Opt-in bestätigt, Formular v3"
	doc := ProofDocument{
		Contact: api.ContactDetail{ContactSummary: api.ContactSummary{Id: "c1", GivenName: "Erika", FamilyName: "Mustermann",
			Emails: []string{"erika.mustermann@example.com"}}, Address: &api.PostalAddress{Street: "Hauptstraße 5", PostalCode: "10115", City: "Berlin", Country: "DE"}},
		Events: []api.ProofEvent{
			{At: time.Date(2026, 5, 3, 10, 0, 0, 0, time.Local), Status: api.ConsentStatusGranted, Source: "web form", Evidence: &ev, RecordedBy: "Webformular", Purpose: api.PurposeFields{Name: "Newsletter"}},
			{At: time.Date(2026, 6, 1, 9, 0, 0, 0, time.Local), Status: api.ConsentStatusRevoked, Source: "letter", RecordedBy: "S. Sekretariat", Purpose: api.PurposeFields{Name: "Newsletter"}},
		},
		Details: []api.ProofDetail{{At: time.Date(2026, 5, 3, 10, 0, 0, 0, time.Local),
			GivenAt: ptrTime(time.Date(2026, 5, 2, 16, 0, 0, 0, time.Local)), ConsentText: &api.ConsentTextVersion{Version: 2}}},
		// the revocation is on sales' record of hers; the first event's record is not said (an older server)
		Records: []api.ProofRecord{{At: time.Date(2026, 5, 3, 10, 0, 0, 0, time.Local)},
			{At: time.Date(2026, 6, 1, 9, 0, 0, 0, time.Local), ContactId: "01a241eb-ab82-7878-b041-249f2addf295"}},
		PrintedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local), PrintedBy: "Datenschutz",
		DateTime: func(t time.Time) string { return i18n.FormatDateTime(t, "de") },
	}
	var buf bytes.Buffer
	if err := WriteProofPDF(&buf, doc, i18n.MustNew("de")); err != nil {
		t.Fatal(err)
	}
	pdf := buf.String()
	if !strings.HasPrefix(pdf, "%PDF-") || !strings.Contains(pdf, "%%EOF") {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	for _, want := range []string{"Einwilligungsnachweis", "Erika Mustermann", "erika.mustermann@example.com", "Verlauf: 2 Eintr",
		"3. Mai 2026 10:00", "widerrufen", "S. Sekretariat", "Hauptstra\xdfe 5", "gegeben am 2. Mai 2026 16:00", "Textfassung 2",
		"Datensatz", "2addf295"} {
		if !strings.Contains(pdf, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestShortIDIsTheEndOfAUUID(t *testing.T) {
	for id, want := range map[string]string{
		"01a241eb-ab82-7878-b041-249f2addf295": "2addf295", // UUIDv7 of an import: the start is the time
		"c001":                                 "c001",     // no UUID: whole
		"":                                     "",
	} {
		if got := ShortID(id); got != want {
			t.Errorf("ShortID(%q) = %q, want %q", id, got, want)
		}
	}
}
