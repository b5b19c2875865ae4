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
	ReasonImportNameAddressMatch  Reason = "NAME_AND_ADDRESS_MATCH"   // imported, but name and address match a blacklist entry
	ReasonImportFileEmpty         Reason = "IMPORT_FILE_EMPTY"        // an uploaded file without a header line
	ReasonImportHeaderUnknown     Reason = "IMPORT_HEADER_UNKNOWN"    // the header names no column that identifies a contact
	ReasonImportHeaderUnreadable  Reason = "IMPORT_HEADER_UNREADABLE" // the header line cannot be parsed
	ReasonImportListUnknown       Reason = "LIST_UNKNOWN"             // startImport names a list that does not exist
	ReasonImportRowInvalid        Reason = "ROW_INVALID"              // a problem recorded before problems had codes
	ReasonImportProblemsNotListed Reason = "MORE_PROBLEMS_NOT_LISTED" // the last entry: how many more problems were not kept
)

// Merging duplicate records (mergeContacts).
const (
	ReasonMergeSameRecord      Reason = "MERGE_SAME_RECORD"        // a record named twice, or merged into itself
	ReasonMergeHasPersonalData Reason = "REASON_HAS_PERSONAL_DATA" // the reason quotes an e-mail, phone or name of the records
)

// Event streams (revocations(after:)).
const (
	ReasonCursorExpired Reason = "CURSOR_EXPIRED" // events after the cursor were deleted by the retention
)
