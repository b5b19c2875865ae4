package consent

// Exported for tests in consent_test.
const (
	RecipientsQuery = recipientsQuery
	RecipientsCount = recipientsCounted
	BeforeAllIDs    = beforeAllIDs
)
