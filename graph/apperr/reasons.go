package apperr

// The one list of extensions.reason codes the server sends. Clients translate each one (the
// desktop app's catalogue test fails on a code without a German and an English text), so a
// code, once sent, is never renamed. Add new ones in the block of your area.
const (
	// Generic input problems.
	ReasonRequired  Reason = "REQUIRED"   // a required value is empty
	ReasonTooLong   Reason = "TOO_LONG"   // a value is longer than its limit
	ReasonBadCursor Reason = "BAD_CURSOR" // an `after` cursor this server did not issue
	// A value GraphQL itself refused (wrong type or shape, e.g. a string where a number belongs).
	ReasonInvalidValue Reason = "INVALID_VALUE"

	// Consent texts, when consent was given, double opt-in sign-up (issue 17).
	ReasonConsentTextUnknown Reason = "CONSENT_TEXT_UNKNOWN"  // no such version of the purpose's consent text
	ReasonGivenAtInFuture    Reason = "GIVEN_AT_IN_FUTURE"    // givenAt lies after now
	ReasonGivenAtTooOld      Reason = "GIVEN_AT_TOO_OLD"      // givenAt lies more than three years back
	ReasonIPInvalid          Reason = "IP_INVALID"            // an IP address (evidence) cannot be read
	ReasonListOfOtherPurpose Reason = "LIST_OF_OTHER_PURPOSE" // the list belongs to another purpose than the one named
)

// Data-subject requests, retention and the record of processing activities.
const (
	ReasonHasPersonalData     Reason = "REASON_HAS_PERSONAL_DATA"      // a closing text or reason names the person (e-mail, phone, name)
	ReasonUnknownContact      Reason = "UNKNOWN_CONTACT"               // a request names a contact that does not exist
	ReasonReceivedInFuture    Reason = "RECEIVED_IN_FUTURE"            // receivedAt lies in the future
	ReasonRequestClosed       Reason = "REQUEST_CLOSED"                // the request is DONE or REJECTED already
	ReasonRequestFiled        Reason = "REQUEST_ALREADY_FILED"         // an open request of the kind, person, day and channel exists: filed once
	ReasonExtensionNotLater   Reason = "EXTENSION_NOT_LATER"           // an extension that does not move the deadline later
	ReasonExtensionTooLong    Reason = "EXTENSION_BEYOND_THREE_MONTHS" // an extension past three months after arrival
	ReasonExtensionToldLate   Reason = "EXTENSION_TOLD_TOO_LATE"       // an extension the person was told of after the month (Art. 12(3)), in the future or before arrival
	ReasonAccessRequestOpen   Reason = "ACCESS_REQUEST_OPEN"           // erasure refused while an access request of the person is open
	ReasonRetentionOutOfRange Reason = "RETENTION_OUT_OF_RANGE"        // retentionMonths below 0 or above 1200
	ReasonRecordsNotChecked   Reason = "RECORDS_NOT_CHECKED"           // a rectification completed while records of the person are not named as checked
	ReasonNotThePersonsRecord Reason = "NOT_A_RECORD_OF_THE_PERSON"    // checked names a record that is not one of the request's person
)

// Ids, cursors, keys, references, tokens, webhooks (auth, audit, consent, events, store,
// unsubscribe, webhooks, graph/page.go).
const (
	ReasonBadID                Reason = "BAD_ID"                 // an id that cannot be one of ours
	ReasonPageSize             Reason = "PAGE_SIZE"              // `first` out of range
	ReasonCursorExpired        Reason = "CURSOR_EXPIRED"         // events after the cursor were deleted already
	ReasonCursorAhead          Reason = "CURSOR_AHEAD"           // a cursor newer than any event
	ReasonKeyFormat            Reason = "KEY_FORMAT"             // a purpose or list key of the wrong format
	ReasonKeyTaken             Reason = "KEY_TAKEN"              // a purpose or list with this key exists
	ReasonPurposeUnknown       Reason = "PURPOSE_UNKNOWN"        // no purpose with this key
	ReasonListUnknown          Reason = "LIST_UNKNOWN"           // no distribution list with this key
	ReasonLegalBasisUnknown    Reason = "LEGAL_BASIS_UNKNOWN"    // not CONSENT, CONTRACT or LEGITIMATE_INTEREST
	ReasonNotInFuture          Reason = "NOT_IN_FUTURE"          // a date that must lie ahead does not
	ReasonBootstrapToken       Reason = "BOOTSTRAP_TOKEN"        // the bootstrap admin token cannot be changed here
	ReasonBadRole              Reason = "BAD_ROLE"               // not STAFF, INTEGRATOR or ADMIN
	ReasonPurposesMissing      Reason = "PURPOSES_MISSING"       // an INTEGRATOR token without purposes
	ReasonPurposesRefused      Reason = "PURPOSES_REFUSED"       // purposes given for a STAFF or ADMIN token
	ReasonBadURL               Reason = "BAD_URL"                // not an absolute http(s) URL, or with a #fragment
	ReasonBadEventKind         Reason = "BAD_EVENT_KIND"         // not a RevocationKind
	ReasonSecretTooShort       Reason = "SECRET_TOO_SHORT"       // a webhook secret below the minimum length
	ReasonWebhookPrivateTarget Reason = "WEBHOOK_PRIVATE_TARGET" // a webhook URL on loopback, link-local or a private network
	ReasonKindNotForBound      Reason = "KIND_NOT_FOR_BOUND"     // an event kind of every purpose (REQUEST_DUE) for a webhook bound to purposes
)

// Notices on a successful answer (Consent.noticeCode): the write happened, with this remark.
const (
	NoticeNeverGranted   Reason = "NEVER_GRANTED"   // a revocation of a consent that was never granted
	NoticeAlreadyRevoked Reason = "ALREADY_REVOKED" // a revocation of a consent revoked before
	// a grant dated (givenAt) before, or at the instant of, the revocation in force: recorded, the revocation stays
	NoticeOlderThanRevocation Reason = "OLDER_THAN_REVOCATION"
)

// Contact values (screening.NormalizeContact: createContact, updateContact, screen, import).
const (
	ReasonTextNotUTF8                Reason = "TEXT_NOT_UTF8"                 // a value is not valid UTF-8 text
	ReasonEmailEmpty                 Reason = "EMAIL_EMPTY"                   // an e-mail is empty
	ReasonEmailTooLong               Reason = "EMAIL_TOO_LONG"                // an e-mail is longer than 254 characters
	ReasonEmailDisplayName           Reason = "EMAIL_DISPLAY_NAME"            // "Anna <anna@example.org>" instead of a bare address
	ReasonEmailHasSpace              Reason = "EMAIL_HAS_SPACE"               // an e-mail contains a space
	ReasonEmailControlCharacter      Reason = "EMAIL_CONTROL_CHARACTER"       // an e-mail contains an invisible control character
	ReasonEmailNoAt                  Reason = "EMAIL_NO_AT"                   // an e-mail has no @
	ReasonEmailNoDomain              Reason = "EMAIL_NO_DOMAIN"               // nothing after the @
	ReasonEmailNoLocalPart           Reason = "EMAIL_NO_LOCAL_PART"           // nothing before the @
	ReasonEmailSeveralAt             Reason = "EMAIL_SEVERAL_AT"              // more than one @
	ReasonEmailLocalPartTooLong      Reason = "EMAIL_LOCAL_PART_TOO_LONG"     // more than 64 characters before the @
	ReasonEmailIPDomain              Reason = "EMAIL_IP_DOMAIN"               // an IP address as the domain
	ReasonEmailInvalid               Reason = "EMAIL_INVALID"                 // not an e-mail address (quotes, comments, …)
	ReasonEmailDomainInvalid         Reason = "EMAIL_DOMAIN_INVALID"          // the domain is no valid domain name
	ReasonEmailDomainNoDot           Reason = "EMAIL_DOMAIN_NO_DOT"           // the domain has no dot
	ReasonPhoneEmpty                 Reason = "PHONE_EMPTY"                   // a phone number is empty
	ReasonPhoneInvalid               Reason = "PHONE_INVALID"                 // not a phone number of the numbering plan
	ReasonPhoneCountryCodeUnknown    Reason = "PHONE_COUNTRY_CODE_UNKNOWN"    // +999 …
	ReasonPhoneCountryCodeMissing    Reason = "PHONE_COUNTRY_CODE_MISSING"    // a national number that cannot be read in the region
	ReasonPhoneTooShort              Reason = "PHONE_TOO_SHORT"               // too few digits
	ReasonPhoneTooLong               Reason = "PHONE_TOO_LONG"                // too many digits
	ReasonPhoneAreaCodeMissing       Reason = "PHONE_AREA_CODE_MISSING"       // a local number without area code
	ReasonPhoneWrongLength           Reason = "PHONE_WRONG_LENGTH"            // the digits do not fit the numbering plan
	ReasonPhoneHasExtension          Reason = "PHONE_HAS_EXTENSION"           // "… ext. 12"
	ReasonCountryUnknown             Reason = "COUNTRY_UNKNOWN"               // not a country this server knows
	ReasonPostalCodeEmpty            Reason = "POSTAL_CODE_EMPTY"             // an address without postal code
	ReasonPostalCodeInvalid          Reason = "POSTAL_CODE_INVALID"           // a postal code of the wrong form for its country
	ReasonStreetRequired             Reason = "STREET_REQUIRED"               // an address without street
	ReasonCityRequired               Reason = "CITY_REQUIRED"                 // an address without city
	ReasonNameOrOrganizationRequired Reason = "NAME_OR_ORGANIZATION_REQUIRED" // neither a family name nor an organisation
	ReasonTooManyIdentifiers         Reason = "TOO_MANY_IDENTIFIERS"          // more than 50 e-mails or phones at once
	ReasonRowUnreadable              Reason = "ROW_UNREADABLE"                // an import row that cannot be parsed as CSV
)

// Import problems (ImportRowProblem.code) besides the contact values above.
const (
	ReasonImportNameAddressMatch  Reason = "NAME_AND_ADDRESS_MATCH"   // of jobs before such rows were held: imported, but name and address match a blacklist entry
	ReasonConsentDateInvalid      Reason = "CONSENT_DATE_INVALID"     // the consent date column holds no date
	ReasonImportConsentNoList     Reason = "CONSENT_WITHOUT_LIST"     // the consent column says yes, but the import names no list
	ReasonImportConsentRevoked    Reason = "CONSENT_REVOKED_LATER"    // a duplicate's consent not recorded: the person revoked at the same time as or after the stated date
	ReasonImportFileEmpty         Reason = "IMPORT_FILE_EMPTY"        // an uploaded file without a header line
	ReasonImportHeaderUnknown     Reason = "IMPORT_HEADER_UNKNOWN"    // the header names no column that identifies a contact
	ReasonImportHeaderUnreadable  Reason = "IMPORT_HEADER_UNREADABLE" // the header line cannot be parsed
	ReasonImportRowInvalid        Reason = "ROW_INVALID"              // a problem recorded before problems had codes
	ReasonImportProblemsNotListed Reason = "MORE_PROBLEMS_NOT_LISTED" // the last entry: how many more problems were not kept
)

// Merging duplicate records (mergeContacts).
const (
	ReasonMergeSameRecord Reason = "MERGE_SAME_RECORD" // a record named twice, or merged into itself
)

// Person-wide erasure, blocking and the blacklist's reasons (issue 14).
const (
	ReasonKeepErased     Reason = "KEEP_IS_ERASED"      // keep names the contact being erased
	ReasonKeepUnrelated  Reason = "KEEP_SHARES_NOTHING" // keep names a record that shares no identifier with it
	ReasonChannelFormat  Reason = "CHANNEL_FORMAT"      // a revocation channel is not a short token [a-z0-9-]{1,40}
	ReasonNothingToBlock Reason = "NOTHING_TO_BLOCK"    // blacklistAdd got nothing to recognise a person by
	ReasonPersonTooLarge Reason = "PERSON_TOO_LARGE"    // too many records share identifiers: name the others in keep
	ReasonEntryRemoved   Reason = "ENTRY_REMOVED"       // blacklistRemove of an entry removed before
	ReasonContactBlocked Reason = "CONTACT_BLOCKED"     // a consent (recordConsent, an import row) for a contact a blacklist entry blocks: not recorded
)

// An override of the blacklist given for other matches than there are now.
const (
	ReasonNewBlacklistMatch Reason = "NEW_BLACKLIST_MATCH" // a held import row accepted while it matches an entry the decision was not shown: nothing written, the row shows the new match
)

// A consent after the person's "no".
const (
	ReasonEvidenceAfterRevocation Reason = "EVIDENCE_AFTER_REVOCATION" // recordConsent after the person's revocation of the purpose without evidence
)

// A list the person left.
const (
	ReasonListLeft Reason = "LIST_LEFT" // addToList of a person who left the list through its unsubscribe link, without a reason saying she asked to be put back
)

// A mutation sent again with its Idempotency-Key (graph/idempotency).
const (
	ReasonIdempotencyKeyFormat Reason = "IDEMPOTENCY_KEY_FORMAT" // the header is empty, too long, or not visible ASCII
	ReasonIdempotencyKeyReused Reason = "IDEMPOTENCY_KEY_REUSED" // the key was used for another request within a day
	ReasonAlreadyCarriedOut    Reason = "ALREADY_CARRIED_OUT"    // the request with this key was carried out before; its answer is not kept
)
