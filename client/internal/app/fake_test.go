package app

import (
	"context"
	"sync"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// fakeBackend answers Screen after a delay: the e-mail "erased@example.org" matches an
// erasure; everything else is clean. Other methods record their arguments.
type fakeBackend struct {
	Backend
	delay time.Duration

	mu        sync.Mutex
	screens   []api.ContactInput
	overrides []*api.OverrideInput
	refuse    bool
}

var erasedEntry = api.BlacklistEntryFields{Id: "b1", Source: api.BlacklistSourceErasure, Reason: "at their request",
	CreatedAt: time.Date(2026, 5, 3, 10, 0, 0, 0, time.Local), IdentifierKinds: []api.MatchField{api.MatchFieldEmail}}

func (f *fakeBackend) Screen(ctx context.Context, c api.ContactInput) (api.ScreeningFields, error) {
	f.mu.Lock()
	f.screens = append(f.screens, c)
	f.mu.Unlock()
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return api.ScreeningFields{}, ctx.Err()
	}
	for _, e := range c.Emails {
		if e == "erased@example.org" {
			return api.ScreeningFields{Blocked: true, Matches: []api.BlacklistMatch{{Field: api.MatchFieldEmail, Entry: erasedEntry}}}, nil
		}
	}
	return api.ScreeningFields{}, nil
}

func (f *fakeBackend) CreateContact(ctx context.Context, in api.ContactInput, o *api.OverrideInput) (api.ContactPayloadFields, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.overrides = append(f.overrides, o)
	s, _ := f.screenNow(in)
	if s.Blocked && o == nil {
		return api.ContactPayloadFields{Screening: s}, nil
	}
	c := api.ContactDetail{ContactSummary: api.ContactSummary{Id: "c1", FamilyName: deref(in.FamilyName), Emails: in.Emails}}
	return api.ContactPayloadFields{Contact: &c, Screening: s}, nil
}

func (f *fakeBackend) screenNow(c api.ContactInput) (api.ScreeningFields, error) {
	for _, e := range c.Emails {
		if e == "erased@example.org" {
			return api.ScreeningFields{Blocked: true, Matches: []api.BlacklistMatch{{Field: api.MatchFieldEmail, Entry: erasedEntry}}}, nil
		}
	}
	return api.ScreeningFields{}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
