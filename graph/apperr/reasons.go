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

// Person-wide erasure, blocking and the blacklist's reasons (issue 14).
const (
	ReasonHasPersonalData Reason = "REASON_HAS_PERSONAL_DATA" // a reason quotes the person's e-mail, phone or name
	ReasonKeepErased      Reason = "KEEP_IS_ERASED"           // keep names the contact being erased
	ReasonKeepUnrelated   Reason = "KEEP_SHARES_NOTHING"      // keep names a record that shares no identifier with it
	ReasonChannelFormat   Reason = "CHANNEL_FORMAT"           // a revocation channel is not a short token [a-z0-9-]{1,40}
	ReasonNothingToBlock  Reason = "NOTHING_TO_BLOCK"         // a contact without e-mail or phone cannot be blacklisted
	ReasonPersonTooLarge  Reason = "PERSON_TOO_LARGE"         // too many records share identifiers: name the others in keep
)
