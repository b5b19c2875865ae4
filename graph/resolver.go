package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
)

// Resolver is gqlgen's root resolver; it only forwards to the services.
type Resolver struct{ svc Services }

// Services is what the resolvers call. graph declares these interfaces; the server module
// implements them. Every method takes the caller from ctx (viewer.From) where it matters, for
// purpose binding and the audit trail; role checks happen once, in the @hasRole directive.
type Services struct {
	Contacts    Contacts
	Consents    Consents
	Blacklist   Blacklist
	Unsubscribe Unsubscribe
	Imports     Imports
	Tokens      Tokens
	Audit       Audit
	Webhooks    Webhooks
	Events      Events
	Requests    Requests
	Retention   Retention
	Record      ProcessingRecord
	SignUps     SignUps
	Keys        Keys // Idempotency-Keys of mutations (idempotent.go)
}

// Contacts keeps contacts; every write is screened against the blacklist.
type Contacts interface {
	Contact(ctx context.Context, id string) (*model.Contact, error)
	// MergedInto returns the survivor a merged id was merged into; NOT_FOUND when id was never
	// merged or its survivor is gone.
	MergedInto(ctx context.Context, id string) (*model.Contact, error)
	// ContactsByIDs returns one contact or error per id, in order (for the per-request loader).
	ContactsByIDs(ctx context.Context, ids []string) ([]*model.Contact, []error)
	SearchContacts(ctx context.Context, search string, first int, after string) (*model.ContactConnection, error)
	CreateContact(ctx context.Context, in model.ContactInput, override *model.OverrideInput) (*model.ContactPayload, error)
	UpdateContact(ctx context.Context, id string, in model.ContactInput, override *model.OverrideInput) (*model.ContactPayload, error)
	// PossibleDuplicatesOf returns one slice per contact id, in order (for the per-request loader).
	PossibleDuplicatesOf(ctx context.Context, ids []string) ([][]*model.Contact, []error)
	MergeContacts(ctx context.Context, intoID string, fromIDs []string, reason string) (*model.Contact, error)
}

// Consents keeps purposes, distribution lists and the append-only consent ledger.
type Consents interface {
	Purposes(ctx context.Context) ([]*model.Purpose, error)
	PurposesByIDs(ctx context.Context, ids []string) ([]*model.Purpose, []error)
	CreatePurpose(ctx context.Context, in model.PurposeInput) (*model.Purpose, error)
	Lists(ctx context.Context) ([]*model.DistributionList, error)
	CreateList(ctx context.Context, in model.ListInput) (*model.DistributionList, error)
	// AddToList puts the record on the list; reason is required when the person left it
	// through its unsubscribe link (LIST_LEFT).
	AddToList(ctx context.Context, contactID, listKey string, reason *string) (*model.Contact, error)
	RemoveFromList(ctx context.Context, contactID, listKey string) (*model.Contact, error)
	// ListsOfContacts and ConsentsOfContacts return one slice per contact id, in order.
	ListsOfContacts(ctx context.Context, contactIDs []string) ([][]*model.DistributionList, []error)
	ConsentsOfContacts(ctx context.Context, contactIDs []string) ([][]*model.Consent, []error)
	RecordConsent(ctx context.Context, in model.ConsentInput) (*model.Consent, error)
	RevokeConsent(ctx context.Context, in model.RevocationInput) (*model.Consent, error)
	ConsentProof(ctx context.Context, contactID string) ([]*model.ConsentEvent, error)
	Recipients(ctx context.Context, listKey string, first int, after string) (*model.ContactConnection, error)
	// SubjectAccessExport is everything stored about the person as JSON (Art. 15 GDPR).
	// keep names records that are someone else; they are left out of the person's records.
	SubjectAccessExport(ctx context.Context, contactID string, keep []string) (string, error)
	// AddConsentText adds the next version of a purpose's consent text (never edits one).
	AddConsentText(ctx context.Context, purposeKey, text string) (*model.ConsentText, error)
	// ConsentTextsOfPurposes returns one slice per purpose id, in order (for the loader).
	ConsentTextsOfPurposes(ctx context.Context, purposeIDs []string) ([][]*model.ConsentText, []error)
}

// SignUps records double opt-in sign-ups; the person confirms through the link's page.
type SignUps interface {
	SignUp(ctx context.Context, in model.SignUpInput) (*model.SignUp, error)
}

// Blacklist keeps the keyed-hash entries of erased and manually blocked people, erases
// contacts and screens candidates.
type Blacklist interface {
	// Screen screens a candidate; asTyped skips (Screening.Skipped) the values that cannot be
	// read yet instead of refusing them.
	Screen(ctx context.Context, candidate model.ContactInput, asTyped bool) (*model.Screening, error)
	// Erase erases the person: contactID and every live contact sharing a normalised e-mail
	// or phone with it, except those in keep, which lose the shared identifiers.
	Erase(ctx context.Context, contactID, reason string, keep []string) (*model.ErasureReceipt, error)
	ErasurePreview(ctx context.Context, contactID string) (*model.ErasurePreview, error)
	Add(ctx context.Context, candidate model.ContactInput, reason string) (*model.BlacklistEntry, error)
	// AddContact blocks the person of a contact (MANUAL) and keeps the records; keep sets
	// records apart that are someone else.
	AddContact(ctx context.Context, contactID, reason string, keep []string) (*model.BlacklistEntry, error)
	// BlockedContacts says per contact id, in order, whether an e-mail or phone of it matches
	// an active entry (for the per-request loader of Contact.blocked).
	BlockedContacts(ctx context.Context, contactIDs []string) ([]bool, []error)
	Remove(ctx context.Context, id, reason string) (*model.BlacklistEntry, error)
	List(ctx context.Context, first int, after string) (*model.BlacklistConnection, error)
}

// Unsubscribe signs one-click unsubscribe links (RFC 8058).
type Unsubscribe interface {
	Link(ctx context.Context, contactID, listKey string) (string, error)
}

// Imports runs bulk imports of CSV address lists.
type Imports interface {
	Preview(ctx context.Context, file graphql.Upload) (*model.ImportPreview, error)
	Start(ctx context.Context, file graphql.Upload, listKey *string) (*model.ImportJob, error)
	Job(ctx context.Context, id string) (*model.ImportJob, error)
	// Jobs lists the caller's jobs, newest first (ADMIN: all), after the id of the last job of
	// the page before.
	Jobs(ctx context.Context, first int, after string) ([]*model.ImportJob, error)
	Decide(ctx context.Context, jobID string, line int, accept bool, reason *string) (*model.ImportJob, error)
	// Problems and HeldRows are a job's lists, read only when a request asks for them.
	Problems(ctx context.Context, jobID string) ([]*model.ImportRowProblem, error)
	HeldRows(ctx context.Context, jobID string) ([]*model.HeldRow, error)
}

// Tokens manages API tokens and authenticates bearer secrets.
type Tokens interface {
	Authenticate(ctx context.Context, bearer string) (*viewer.Viewer, error)
	Create(ctx context.Context, name string, role model.Role, purposeKeys []string, expiresAt *time.Time) (*model.CreatedAPIToken, error)
	List(ctx context.Context) ([]*model.APIToken, error)
	Revoke(ctx context.Context, id string) (*model.APIToken, error)
}

// Audit reads the append-only audit trail.
type Audit interface {
	Trail(ctx context.Context, contactID *string, since *time.Time, first int, after string) (*model.AuditConnection, error)
}

// Webhooks manages outgoing revocation webhooks and their delivery log.
type Webhooks interface {
	Create(ctx context.Context, in model.WebhookInput) (*model.Webhook, error)
	Delete(ctx context.Context, id string) (*model.Webhook, error)
	// SetSecret replaces the shared secret of webhook id; its pending deliveries are signed with it.
	SetSecret(ctx context.Context, id, secret string) (*model.Webhook, error)
	List(ctx context.Context) ([]*model.Webhook, error)
	Deliveries(ctx context.Context, webhookID *string, first int) ([]*model.WebhookDelivery, error)
}

// Events streams the outbox to subscribers. Each channel is closed when ctx ends or the
// subscriber falls too far behind (then it should resume from its last cursor).
type Events interface {
	Revocations(ctx context.Context, after string) (<-chan *model.RevocationEvent, error)
	BlacklistChanged(ctx context.Context) (<-chan *model.BlacklistEntry, error)
	ImportProgress(ctx context.Context, jobID string) (<-chan *model.ImportJob, error)
}

// Requests keeps the register of data-subject requests (Art. 15–21 GDPR) and their deadlines.
type Requests interface {
	FileRequest(ctx context.Context, in model.RequestInput) (*model.DataSubjectRequest, error)
	ExtendRequest(ctx context.Context, id string, until time.Time, reason string, toldAt *time.Time) (*model.DataSubjectRequest, error)
	// CompleteRequest does what the request asks (erasure, export) and closes it.
	// keep names records that are someone else (eraseContact's keep; left out of an export);
	// checked the records a RECTIFICATION request's person was corrected or checked on.
	CompleteRequest(ctx context.Context, id, outcome string, keep, checked []string) (*model.DataSubjectRequest, error)
	RejectRequest(ctx context.Context, id, reason string) (*model.DataSubjectRequest, error)
	Request(ctx context.Context, id string) (*model.DataSubjectRequest, error)
	// PersonRecords lists the live records of the request's person (nil without a contact).
	PersonRecords(ctx context.Context, r *model.DataSubjectRequest, keep []string) ([]*model.PersonRecord, error)
	Requests(ctx context.Context, status *model.RequestStatus, overdue *bool, first int, after string) ([]*model.DataSubjectRequest, error)
}

// Retention deletes the contacts no purpose holds any more (storage limitation).
type Retention interface {
	Due(ctx context.Context, first int, after string) (*model.ContactConnection, error)
	Apply(ctx context.Context, dryRun bool) (*model.RetentionReport, error)
}

// ProcessingRecord writes the record of processing activities (Art. 30 GDPR).
type ProcessingRecord interface {
	Markdown(ctx context.Context) (string, error)
}
