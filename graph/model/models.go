// Package model holds the GraphQL types. Types declared here by hand leave out the fields that
// a resolver loads by parent id (through a per-request loader); the rest is generated.
package model

import "time"

// Contact is a person or organisation with its identifiers. Lists, consents and unsubscribe
// URLs are resolved separately.
type Contact struct {
	ID           string         `json:"id"`
	GivenName    string         `json:"givenName"`
	FamilyName   string         `json:"familyName"`
	Organization *string        `json:"organization,omitempty"`
	Emails       []string       `json:"emails"`
	Phones       []string       `json:"phones"`
	Address      *PostalAddress `json:"address,omitempty"`
	CreatedAt    time.Time      `json:"createdAt"`
	UpdatedAt    time.Time      `json:"updatedAt"`
}

// DistributionList belongs to exactly one purpose.
type DistributionList struct {
	ID        string `json:"id"`
	Key       string `json:"key"`
	Name      string `json:"name"`
	PurposeID string `json:"-"`
}

// Consent is the state of one contact's consent for one purpose, derived from the ledger.
type Consent struct {
	ID        string          `json:"id"`
	PurposeID string          `json:"-"`
	Status    ConsentStatus   `json:"status"`
	GrantedAt *time.Time      `json:"grantedAt,omitempty"`
	RevokedAt *time.Time      `json:"revokedAt,omitempty"`
	History   []*ConsentEvent `json:"history"`
	Notice    *string         `json:"notice,omitempty"`
	// NoticeCode is Notice as a stable code (an apperr.Reason) that clients translate.
	NoticeCode *string `json:"noticeCode,omitempty"`
}

// ConsentEvent is one entry of the append-only consent ledger.
type ConsentEvent struct {
	At         time.Time     `json:"at"`
	Status     ConsentStatus `json:"status"`
	Source     string        `json:"source"`
	Evidence   *string       `json:"evidence,omitempty"`
	RecordedBy string        `json:"recordedBy"`
	PurposeID  string        `json:"-"`
	// GivenAt is when the person agreed, where it differs from At (when it was recorded).
	GivenAt *time.Time `json:"givenAt,omitempty"`
	// ConsentText is the version of the text the person saw, when known.
	ConsentText *ConsentText `json:"consentText,omitempty"`
	// ContactID is the record the event is on.
	ContactID string `json:"contactId"`
}

// RevocationEvent is one event of the revocations feed. It never carries personal data.
type RevocationEvent struct {
	Cursor    string         `json:"cursor"`
	Kind      RevocationKind `json:"kind"`
	At        time.Time      `json:"at"`
	ContactID string         `json:"contactId"`
	PurposeID *string        `json:"-"`
	Channel   string         `json:"channel"`
	RequestID *string        `json:"requestId,omitempty"`
	MergedID  *string        `json:"mergedId,omitempty"`
}

// DataSubjectRequest is a data-subject request with its deadline; its contact is resolved by
// id (it may have been erased since).
type DataSubjectRequest struct {
	ID              string        `json:"id"`
	Kind            RequestKind   `json:"kind"`
	Status          RequestStatus `json:"status"`
	ReceivedAt      time.Time     `json:"receivedAt"`
	DueAt           time.Time     `json:"dueAt"`
	ExtendedTo      *time.Time    `json:"extendedTo,omitempty"`
	ContactID       *string       `json:"-"`
	Channel         string        `json:"channel"`
	Note            *string       `json:"note,omitempty"`
	ClosedAt        *time.Time    `json:"closedAt,omitempty"`
	Outcome         *string       `json:"outcome,omitempty"`
	ExtensionReason *string       `json:"extensionReason,omitempty"`
	ExtensionToldAt *time.Time    `json:"extensionToldAt,omitempty"`
	HandedOverAt    *time.Time    `json:"handedOverAt,omitempty"`
	Export          *string       `json:"export,omitempty"`
}

// Deadline is the deadline in force: the extension, else the due date.
func (r *DataSubjectRequest) Deadline() time.Time {
	if r.ExtendedTo != nil {
		return *r.ExtendedTo
	}
	return r.DueAt
}
