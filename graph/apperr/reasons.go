package apperr

// The one list of extensions.reason codes the server sends. Clients translate each one (the
// desktop app's catalogue test fails on a code without a German and an English text), so a
// code, once sent, is never renamed. Add new ones in the block of your area.
const (
	// Generic input problems.
	ReasonRequired  Reason = "REQUIRED"   // a required value is empty
	ReasonTooLong   Reason = "TOO_LONG"   // a value is longer than its limit
	ReasonBadCursor Reason = "BAD_CURSOR" // an `after` cursor this server did not issue
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
	ReasonBadID               Reason = "BAD_ID"                        // an id that cannot be one of ours
)
