package consent

// Exported for tests in consent_test.
const (
	RecipientsQuery           = recipientsQuery
	UnfilteredRecipientsQuery = unfilteredRecipientsQuery
	RecipientsCount           = recipientsCounted
)
