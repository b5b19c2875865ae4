package importer

// SetAfterLookup makes every job run f after it looked up a batch, until restore is called.
func SetAfterLookup(f func()) (restore func()) {
	testAfterLookup.Store(&f)
	return func() { testAfterLookup.Store(nil) }
}

// LookupQueries are the dedupe queries of lookup.
var LookupQueries = []string{existingEmails, existingPhones}

// ScreenWithFilter makes every job use a blacklist filter whatever its size, until restore
// is called.
func ScreenWithFilter() (restore func()) {
	prev := filterMinRows.Swap(0)
	return func() { filterMinRows.Store(prev) }
}
