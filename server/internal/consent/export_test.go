package consent

// Exported for tests in consent_test.
const (
	RecipientsQuery = recipientsQuery
	RecipientsCount = recipientsCount
	BeforeAllIDs    = beforeAllIDs
)
