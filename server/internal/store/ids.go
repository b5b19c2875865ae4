package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vermerk/vermerk/graph/apperr"
)

// BeforeAllIDs starts a keyset scan over uuids at the beginning: no uuid sorts below it. A
// constant instead of "$1 IS NULL OR id > $1" keeps the bound an index condition in a generic
// plan (with the OR, a prepared scan reads the table from its start, or sorts all of it, for
// every batch).
const BeforeAllIDs = "00000000-0000-0000-0000-000000000000"

// CheckID refuses an id that cannot be one of ours before it reaches SQL.
func CheckID(field, id string) error {
	if !isUUID(id) {
		return apperr.BadInput(field, apperr.ReasonBadID, "%q is not a valid id", apperr.Clip(id))
	}
	return nil
}

// CheckIDs checks each id of a list argument (keep, checked); a bad one is named by its
// index ("keep[1]").
func CheckIDs(field string, ids []string) error {
	for i, id := range ids {
		if err := CheckID(fmt.Sprintf("%s[%d]", field, i), id); err != nil {
			return err
		}
	}
	return nil
}

// EncodeCursor makes an opaque keyset cursor from the sort values of the last row of a page.
func EncodeCursor(parts ...string) string {
	b, _ := json.Marshal(parts)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor with n parts.
func DecodeCursor(field, cursor string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	var parts []string
	if err == nil {
		err = json.Unmarshal(b, &parts)
	}
	if err != nil || len(parts) != n {
		return nil, BadCursor(field, cursor)
	}
	return parts, nil
}

// BadCursor is the error for a cursor this server did not issue: BAD_USER_INPUT with reason
// BAD_CURSOR, never an INTERNAL error from SQL that could not read it.
func BadCursor(field, cursor string) *apperr.Error {
	return apperr.BadInput(field, apperr.ReasonBadCursor, "%q is not a cursor of this list; pass an endCursor you received", apperr.Clip(cursor))
}

// genericPlanKeys is how many keys GenericPlanKeys passes at least: more than the 10 that
// PostgreSQL's generic plan assumes for `= ANY($1)`.
const genericPlanKeys = 16

// GenericPlanKeys pads keys for a prepared `WHERE x = ANY($1)` lookup to at least 16 entries,
// repeating its first key. PostgreSQL plans a prepared statement afresh for its first five
// runs, then keeps the generic plan only if it is not dearer than those custom plans were; the
// generic plan of `= ANY($1)` assumes 10 keys, so a lookup of fewer keys would be planned
// afresh on every run (0.1 ms, several times the lookup itself). The index scan drops the
// repeated keys, so they cost nothing to look up and return no extra rows.
func GenericPlanKeys[K any](keys []K) []K {
	if len(keys) == 0 || len(keys) >= genericPlanKeys {
		return keys
	}
	padded := make([]K, genericPlanKeys)
	n := copy(padded, keys)
	for i := n; i < len(padded); i++ {
		padded[i] = keys[0]
	}
	return padded
}

// UUIDArray writes ids as one PostgreSQL array literal for a `$1::uuid[]` argument. pgx sends
// a string argument as text, which PostgreSQL parses; a []string it would parse and encode
// element by element, which costs the server more CPU than the lookup it is for. An id that
// is not a UUID is refused here, so no literal can hold anything but UUIDs.
func UUIDArray(ids []string) (string, error) {
	var b strings.Builder
	b.Grow(2 + 37*len(ids))
	b.WriteByte('{')
	for i, id := range ids {
		if (i == 0 || id != ids[0]) && !isUUID(id) { // GenericPlanKeys repeats the first id
			return "", fmt.Errorf("store.UUIDArray: %q is not a UUID", apperr.Clip(id))
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id)
	}
	b.WriteByte('}')
	return b.String(), nil
}

// isUUID reports whether s is a UUID in its text form (8-4-4-4-12 hexadecimal digits, either
// case): every id a request names passes here, so no regular expression.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
