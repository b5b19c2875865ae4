// Package app holds the desktop client's state and use cases — screening while typing, the
// contact form, saving with an override, consents, imports, the admin feed, settings — with
// no Fyne import, so all of it is tested without a display.
package app

import (
	"context"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// Backend is the server as the app uses it. *api.Client implements it against a real server;
// demo.Backend and the tests' fakes implement it in memory.
type Backend interface {
	Me(ctx context.Context) (api.Viewer, error)
	SearchContacts(ctx context.Context, search string, first int, after string) (api.ContactPage, error)
	Contact(ctx context.Context, id string) (api.ContactDetail, error)
	CreateContact(ctx context.Context, in api.ContactInput, override *api.OverrideInput) (api.ContactPayloadFields, error)
	UpdateContact(ctx context.Context, id string, in api.ContactInput, override *api.OverrideInput) (api.ContactPayloadFields, error)
	Screen(ctx context.Context, candidate api.ContactInput) (api.ScreeningFields, error)
	Purposes(ctx context.Context) ([]api.PurposeFields, error)
	Lists(ctx context.Context) ([]api.ListFields, error)
	RecordConsent(ctx context.Context, in api.ConsentInput) (api.ConsentFields, error)
	RevokeConsent(ctx context.Context, in api.RevocationInput) (api.ConsentFields, error)
	PreviewImport(ctx context.Context, file api.Upload) (api.ImportPreview, error)
	StartImport(ctx context.Context, file api.Upload, listKey string) (api.ImportJobFields, error)
	DecideImportRow(ctx context.Context, jobID string, line int, accept bool, reason string) (api.ImportJobFields, error)
	ImportJob(ctx context.Context, id string) (api.ImportJobFields, error)
	Blacklist(ctx context.Context, first int, after string) (api.BlacklistPage, error)
	BlacklistRemove(ctx context.Context, id, reason string) (api.BlacklistEntryFields, error)
	EraseContact(ctx context.Context, id, reason string) (api.ErasureReceipt, error)
	ConsentProof(ctx context.Context, contactID string) ([]api.ProofEvent, error)
	PersonActions

	// The Watch methods block until ctx ends, reconnecting by themselves.
	WatchRevocations(ctx context.Context, after string, onEvent func(api.RevocationFields), onState func(api.LinkState))
	WatchBlacklist(ctx context.Context, onEvent func(api.BlacklistEntryFields), onState func(api.LinkState))
	WatchImport(ctx context.Context, jobID string, onEvent func(api.ImportJobFields), onState func(api.LinkState))
}

var _ Backend = (*api.Client)(nil)

// Localizer is the text the app layer produces, in the user's language; *i18n.Localizer
// implements it, and so does the UI's bridge to Fyne's lang package.
type Localizer interface {
	T(key string, data map[string]any) string
	// N picks the plural form for count ("1 Kontakt", "12 Kontakte"); data gets Count.
	N(key string, count int, data map[string]any) string
	Date(t time.Time) string
	// Lang is the language spoken ("de", "en").
	Lang() string
}
