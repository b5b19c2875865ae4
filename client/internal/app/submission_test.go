package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/vermerk/vermerk/client/internal/api"
)

// A submission keeps its Idempotency-Key while its answer is unknown (an outage) and takes a
// new one once the server answered, whatever it answered.
func TestASubmissionKeepsItsKeyUntilItIsAnswered(t *testing.T) {
	var s Submission
	first := api.IdempotencyKeyOf(s.Context(context.Background()))
	if len(first) != 36 {
		t.Fatalf("key %q, want a UUID", first)
	}
	s.Answered(fmt.Errorf("createContact: %w", api.ErrUnreachable))
	if again := api.IdempotencyKeyOf(s.Context(context.Background())); again != first {
		t.Fatalf("after an outage the key is %q, want the same %q", again, first)
	}
	for _, answer := range []error{nil, &api.Error{Code: "BAD_USER_INPUT", Reason: "EMAIL_NO_AT"}, errors.New("decode")} {
		s.Answered(answer)
		next := api.IdempotencyKeyOf(s.Context(context.Background()))
		if next == first {
			t.Fatalf("after the answer %v the key stays %q, want a new one", answer, first)
		}
		first = next
	}
}
