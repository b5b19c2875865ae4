package app

import "strings"

// ShortID is the last eight hex digits of a UUID: enough to tell records and events apart where
// the whole id is too long to read (the feed, the consent proof's records, a request's contact).
// Not the first block: in the ids the importer gives (UUIDv7) it is the time, the same for every
// contact of a month's imports; the end is random in every kind of id the server makes. Anything
// that is not a UUID is given back whole.
func ShortID(id string) string {
	if len(id) == 36 && strings.Count(id, "-") == 4 {
		return id[len(id)-8:]
	}
	return id
}
