package importer

// LookupQueries are the dedupe queries of lookup.
var LookupQueries = []string{existingEmails, existingPhones}
