package app

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/vermerk/vermerk/client/internal/api"
)

// An update sends every field the form shows: the server keeps what it gets as null, so a
// cleared field must arrive as "" or [] to be cleared.
func TestUpdateInputSendsClearedFields(t *testing.T) {
	org := "Bäckerei Schmidt"
	stored := api.ContactDetail{ContactSummary: api.ContactSummary{Id: "c1", GivenName: "Anna", FamilyName: "Schmidt",
		Organization: &org, Emails: []string{"anna@example.org"}, Phones: []string{"+49305550101"}},
		Address: &api.PostalAddress{Street: "Torstraße 12", PostalCode: "10119", City: "Berlin", Country: "DE"}}
	f := FormFromContact(stored)
	f.Organization, f.Phones, f.GivenName = "  ", "", ""
	in := f.UpdateInput()
	if in.Organization == nil || *in.Organization != "" {
		t.Errorf("organization = %v, want \"\" (clear)", in.Organization)
	}
	if in.GivenName == nil || *in.GivenName != "" {
		t.Errorf("givenName = %v, want \"\" (clear)", in.GivenName)
	}
	if in.Phones == nil || len(in.Phones) != 0 {
		t.Errorf("phones = %#v, want [] (remove all)", in.Phones)
	}
	if len(in.Emails) != 1 || in.FamilyName == nil || *in.FamilyName != "Schmidt" {
		t.Errorf("kept fields = %+v", in)
	}
	if in.Address == nil || in.Address.Street != "Torstraße 12" {
		t.Errorf("address = %+v", in.Address)
	}

	// A cleared country is sent as "" (DE): left out, the server would keep the stored one.
	at := FormFromContact(api.ContactDetail{ContactSummary: api.ContactSummary{Id: "c2", FamilyName: "Testfrau"},
		Address: &api.PostalAddress{Street: "Probegasse 1", PostalCode: "1010", City: "Wien", Country: "AT"}})
	if in := at.UpdateInput(); in.Address == nil || in.Address.Country == nil || *in.Address.Country != "AT" {
		t.Errorf("kept country = %+v, want AT", in.Address)
	}
	at.Country = " "
	if in := at.UpdateInput(); in.Address == nil || in.Address.Country == nil || *in.Address.Country != "" {
		t.Errorf("cleared country = %+v, want \"\" (DE)", in.Address)
	}

	// A new contact leaves empty fields out.
	f.ID = ""
	if in := f.Input(); in.Organization != nil || in.Phones != nil {
		t.Errorf("create input = %+v", in)
	}
}

func TestSaveSendsTheUpdateInput(t *testing.T) {
	rec := &recordingBackend{}
	f := ContactForm{ID: "c1", FamilyName: "Schmidt", Emails: ""}
	if _, err := Save(context.Background(), rec, f, nil); err != nil {
		t.Fatal(err)
	}
	if rec.id != "c1" || rec.in.Emails == nil || rec.in.Organization == nil {
		t.Fatalf("update sent %q %+v", rec.id, rec.in)
	}
}

func TestClearingAStoredAddressIsRefused(t *testing.T) {
	f := ContactForm{ID: "c1", FamilyName: "Schmidt", HadAddress: true}
	errs := f.Validate()
	if len(errs) != 1 || errs[0].Key != "form.error.address.clear" {
		t.Fatalf("validate = %v", errs)
	}
	f.HadAddress = false
	if errs := f.Validate(); len(errs) != 0 {
		t.Fatalf("no stored address: %v", errs)
	}
}

type recordingBackend struct {
	Backend
	id string
	in api.ContactInput
}

func (r *recordingBackend) UpdateContact(_ context.Context, id string, in api.ContactInput, _ *api.OverrideInput) (api.ContactPayloadFields, error) {
	r.id, r.in = id, in
	return api.ContactPayloadFields{Contact: &api.ContactDetail{ContactSummary: api.ContactSummary{Id: id}}}, nil
}

func (r *recordingBackend) EraseContact(_ context.Context, id, reason string) (api.ErasureReceipt, error) {
	r.id = id
	return api.ErasureReceipt{ContactId: id}, nil
}

func TestEraseAndRemoveNeedAReason(t *testing.T) {
	rec := &recordingBackend{}
	if _, err := Erase(context.Background(), rec, "c1", "  "); !errors.Is(err, ErrMissing{"reason"}) {
		t.Fatalf("blank reason: %v", err)
	}
	if rec.id != "" {
		t.Fatal("erased without a reason")
	}
	if _, err := RemoveFromBlacklist(context.Background(), rec, "b1", ""); !errors.As(err, new(ErrMissing)) {
		t.Fatalf("blank reason: %v", err)
	}
	if _, err := Erase(context.Background(), rec, "c1", "at their request"); err != nil || rec.id != "c1" {
		t.Fatalf("erase: %v", err)
	}
}

type memPrefs map[string]string

func (m memPrefs) String(k string) string { return m[k] }
func (m memPrefs) SetString(k, v string)  { m[k] = v }

func TestFeedCursorBelongsToItsServer(t *testing.T) {
	p := memPrefs{}
	if f := LoadFeed(p, "http://a"); f.Cursor != "" || len(f.Events) != 0 {
		t.Fatalf("fresh feed = %+v", f)
	}
	SaveFeed(p, "http://a", RevocationFeed{Cursor: "42"})
	if c := LoadFeed(p, "http://a").Cursor; c != "42" {
		t.Errorf("cursor = %q, want 42", c)
	}
	if c := LoadFeed(p, "http://b").Cursor; c != "" {
		t.Errorf("another server's cursor = %q, want none", c)
	}
}

// A restart shows the newest events the feed showed (at most FeedKept), newest first, and
// takes a replayed one only once.
func TestTheFeedKeepsItsNewestEventsAcrossARestart(t *testing.T) {
	p := memPrefs{}
	var f RevocationFeed
	for i := 1; i <= FeedKept+3; i++ {
		f.Add(api.RevocationFields{Cursor: strconv.Itoa(i), Kind: api.RevocationKindConsentRevoked, ContactId: "c" + strconv.Itoa(i)})
	}
	SaveFeed(p, "http://a", f)
	again := LoadFeed(p, "http://a")
	if len(again.Events) != FeedKept || again.Events[0].Cursor != strconv.Itoa(FeedKept+3) || again.Cursor != strconv.Itoa(FeedKept+3) {
		t.Fatalf("after a restart: %d events, newest %q, cursor %q", len(again.Events), again.Events[0].Cursor, again.Cursor)
	}
	if again.Add(again.Events[0]) || !again.Add(api.RevocationFields{Cursor: strconv.Itoa(FeedKept + 4)}) {
		t.Error("a replayed event taken again, or a new one refused")
	}
	if len(LoadFeed(p, "http://b").Events) != 0 {
		t.Error("another server's events shown")
	}
}
