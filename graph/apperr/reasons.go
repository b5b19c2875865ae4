package apperr

// The one list of extensions.reason codes the server sends. Clients translate each one (the
// desktop app's catalogue test fails on a code without a German and an English text), so a
// code, once sent, is never renamed. Add new ones in the block of your area.
const (
	// Generic input problems.
	ReasonRequired  Reason = "REQUIRED"   // a required value is empty
	ReasonTooLong   Reason = "TOO_LONG"   // a value is longer than its limit
	ReasonBadCursor Reason = "BAD_CURSOR" // an `after` cursor this server did not issue

	// Consent texts, when consent was given, double opt-in sign-up (issue 17).
	ReasonConsentTextUnknown Reason = "CONSENT_TEXT_UNKNOWN"  // no such version of the purpose's consent text
	ReasonGivenAtInFuture    Reason = "GIVEN_AT_IN_FUTURE"    // givenAt lies after now
	ReasonGivenAtTooOld      Reason = "GIVEN_AT_TOO_OLD"      // givenAt lies more than three years back
	ReasonEmailInvalid       Reason = "EMAIL_INVALID"         // the e-mail of a sign-up cannot be read
	ReasonIPInvalid          Reason = "IP_INVALID"            // an IP address (evidence) cannot be read
	ReasonListOfOtherPurpose Reason = "LIST_OF_OTHER_PURPOSE" // the list belongs to another purpose than the one named
)

// Data-subject requests, retention and the record of processing activities.
const (
	ReasonHasPersonalData     Reason = "REASON_HAS_PERSONAL_DATA"      // a closing text or reason names the person (e-mail, phone, name)
	ReasonUnknownContact      Reason = "UNKNOWN_CONTACT"               // a request names a contact that does not exist
	ReasonReceivedInFuture    Reason = "RECEIVED_IN_FUTURE"            // receivedAt lies in the future
	ReasonRequestClosed       Reason = "REQUEST_CLOSED"                // the request is DONE or REJECTED already
	ReasonExtensionNotLater   Reason = "EXTENSION_NOT_LATER"           // an extension that does not move the deadline later
	ReasonExtensionTooLong    Reason = "EXTENSION_BEYOND_THREE_MONTHS" // an extension past three months after arrival
	ReasonAccessRequestOpen   Reason = "ACCESS_REQUEST_OPEN"           // erasure refused while an access request of the person is open
	ReasonRetentionOutOfRange Reason = "RETENTION_OUT_OF_RANGE"        // retentionMonths below 0 or above 1200
)

// Ids, cursors, keys, references, tokens, webhooks (auth, audit, consent, events, store,
// unsubscribe, webhooks, graph/page.go).
const (
	ReasonBadID             Reason = "BAD_ID"              // an id that cannot be one of ours
	ReasonPageSize          Reason = "PAGE_SIZE"           // `first` out of range
	ReasonCursorExpired     Reason = "CURSOR_EXPIRED"      // events after the cursor were deleted already
	ReasonCursorAhead       Reason = "CURSOR_AHEAD"        // a cursor newer than any event
	ReasonKeyFormat         Reason = "KEY_FORMAT"          // a purpose or list key of the wrong format
	ReasonKeyTaken          Reason = "KEY_TAKEN"           // a purpose or list with this key exists
	ReasonPurposeUnknown    Reason = "PURPOSE_UNKNOWN"     // no purpose with this key
	ReasonListUnknown       Reason = "LIST_UNKNOWN"        // no distribution list with this key
	ReasonLegalBasisUnknown Reason = "LEGAL_BASIS_UNKNOWN" // not CONSENT, CONTRACT or LEGITIMATE_INTEREST
	ReasonNotInFuture       Reason = "NOT_IN_FUTURE"       // a date that must lie ahead does not
	ReasonBootstrapToken    Reason = "BOOTSTRAP_TOKEN"     // the bootstrap admin token cannot be changed here
	ReasonBadRole           Reason = "BAD_ROLE"            // not STAFF, INTEGRATOR or ADMIN
	ReasonPurposesMissing   Reason = "PURPOSES_MISSING"    // an INTEGRATOR token without purposes
	ReasonPurposesRefused   Reason = "PURPOSES_REFUSED"    // purposes given for a STAFF or ADMIN token
	ReasonBadURL            Reason = "BAD_URL"             // not an absolute http(s) URL, or with a #fragment
	ReasonBadEventKind      Reason = "BAD_EVENT_KIND"      // not a RevocationKind
	ReasonSecretTooShort    Reason = "SECRET_TOO_SHORT"    // a webhook secret below the minimum length
)

// Notices on a successful answer (Consent.noticeCode): the write happened, with this remark.
const (
	NoticeNeverGranted   Reason = "NEVER_GRANTED"   // a revocation of a consent that was never granted
	NoticeAlreadyRevoked Reason = "ALREADY_REVOKED" // a revocation of a consent revoked before
	// a grant dated (givenAt) before the revocation in force: recorded, the revocation stays
	NoticeOlderThanRevocation Reason = "OLDER_THAN_REVOCATION"
)
