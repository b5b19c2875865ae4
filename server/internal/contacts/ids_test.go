package contacts_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A contact created over the API gets a time-ordered id (UUIDv7), as an imported one does:
// later contacts sort after earlier ones, and the id's first 48 bits are its creation time.
func TestCreatedContactsGetTimeOrderedIDs(t *testing.T) {
	s := apptest.Start(t)
	var ids []string
	for i, name := range []string{"Testperson-Eins", "Testperson-Zwei", "Testperson-Drei"} {
		before := time.Now()
		var p payload
		s.MustAdmin(t, &p, createContact, map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": name}})
		id := p.CreateContact.Contact.ID
		if len(id) != 36 || id[14] != '7' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("contact %d: id %s is not a version 7 uuid of the RFC 9562 variant", i, id)
		}
		ms, err := hex.DecodeString(strings.ReplaceAll(id[:13], "-", ""))
		if err != nil {
			t.Fatal(err)
		}
		var at int64
		for _, b := range ms {
			at = at<<8 | int64(b)
		}
		if d := time.UnixMilli(at).Sub(before); d < -time.Second || d > time.Minute {
			t.Errorf("contact %d: id %s says it was made %v after the request began", i, id, d)
		}
		if len(ids) > 0 && id <= ids[len(ids)-1] {
			t.Errorf("contact %d: id %s sorts before the earlier %s", i, id, ids[len(ids)-1])
		}
		ids = append(ids, id)
		time.Sleep(2 * time.Millisecond) // ids of one millisecond are ordered only by chance
	}
}
