package store

import (
	"encoding/base64"
	"encoding/json"
	"regexp"

	"github.com/vermerk/vermerk/graph/apperr"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// CheckID refuses an id that cannot be one of ours before it reaches SQL.
func CheckID(field, id string) error {
	if !uuidPattern.MatchString(id) {
		return apperr.BadInput(field, apperr.ReasonBadID, "%q is not a valid id", apperr.Clip(id))
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
