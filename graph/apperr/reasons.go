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
	ReasonPurposeUnknown     Reason = "PURPOSE_UNKNOWN"       // no purpose with this key
	ReasonListUnknown        Reason = "LIST_UNKNOWN"          // no distribution list with this key
	ReasonListOfOtherPurpose Reason = "LIST_OF_OTHER_PURPOSE" // the list belongs to another purpose than the one named
	ReasonKeyFormat          Reason = "KEY_FORMAT"            // a purpose or list key is not 2-63 lower-case letters, digits, '-', '_'
	ReasonKeyTaken           Reason = "KEY_TAKEN"             // a purpose or list with this key exists
	ReasonLegalBasisUnknown  Reason = "LEGAL_BASIS_UNKNOWN"   // not one of CONSENT, CONTRACT, LEGITIMATE_INTEREST
)
