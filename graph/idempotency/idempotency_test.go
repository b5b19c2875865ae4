package idempotency

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph/apperr"
)

func TestCheckKey(t *testing.T) {
	for _, ok := range []string{"3f0b7c1e-9d7a-4b1e-8c55-2f4e7a9d0c11", "a", strings.Repeat("k", MaxKeyLength), "~!#$%"} {
		if err := CheckKey(ok); err != nil {
			t.Errorf("CheckKey(%q): %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "with space", strings.Repeat("k", MaxKeyLength+1), "schlüssel", "tab\there", "nul\x00"} {
		e, ok := apperr.As(CheckKey(bad))
		if !ok || e.Reason != apperr.ReasonIdempotencyKeyFormat || e.Field != Header {
			t.Errorf("CheckKey(%q): %v, want %s at %s", bad, CheckKey(bad), apperr.ReasonIdempotencyKeyFormat, Header)
		}
	}
}

// The same request is the same digest whatever the order its variables were sent in; any
// other operation name, query or value is another.
func TestDigestTellsRequestsApart(t *testing.T) {
	d := func(op, q string, vars map[string]any) [32]byte {
		t.Helper()
		got, err := Digest(op, q, vars)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	base := d("Create", "mutation Create($in: ContactInput!) { createContact(input: $in) { contact { id } } }",
		map[string]any{"in": map[string]any{"familyName": "Mustermann", "givenName": "Erika"}})
	same := d("Create", "mutation Create($in: ContactInput!) { createContact(input: $in) { contact { id } } }",
		map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": "Mustermann"}})
	if base != same {
		t.Error("the same variables in another order give another digest")
	}
	for name, other := range map[string][32]byte{
		"operation name": d("Create2", "mutation Create($in: ContactInput!) { createContact(input: $in) { contact { id } } }",
			map[string]any{"in": map[string]any{"familyName": "Mustermann", "givenName": "Erika"}}),
		"query": d("Create", "mutation Create($in: ContactInput!) { createContact(input: $in) { contact { id familyName } } }",
			map[string]any{"in": map[string]any{"familyName": "Mustermann", "givenName": "Erika"}}),
		"a value": d("Create", "mutation Create($in: ContactInput!) { createContact(input: $in) { contact { id } } }",
			map[string]any{"in": map[string]any{"familyName": "Musterfrau", "givenName": "Erika"}}),
		"parts shifted": d("CreateX", "mutation Create($in: ContactInput!) { createContact(input: $in) { contact { id } } }"[1:],
			map[string]any{"in": map[string]any{"familyName": "Mustermann", "givenName": "Erika"}}),
	} {
		if other == base {
			t.Errorf("another %s gives the same digest", name)
		}
	}
}
