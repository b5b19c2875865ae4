package store

// The keys an import file's row is known by (import_held.dedupe_keys): a later row of the file
// with one of them is a duplicate, and an erasure or an access export finds the held rows of
// a person by them.
const (
	EmailKeyPrefix = "e:" // + the normalised e-mail
	PhoneKeyPrefix = "p:" // + the number in E.164
)

// HeldKeys returns the keys of normalised e-mails and E.164 phones.
func HeldKeys(emails, phones []string) []string {
	keys := make([]string, 0, len(emails)+len(phones))
	for _, e := range emails {
		keys = append(keys, EmailKeyPrefix+e)
	}
	for _, p := range phones {
		keys = append(keys, PhoneKeyPrefix+p)
	}
	return keys
}
