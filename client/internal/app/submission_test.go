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

// Submit sends under the submission's key: sent again after an outage, the write goes with
// the same key; after an answer, with a new one.
func TestSubmitSendsAgainUnderTheSameKeyOnlyAfterAnOutage(t *testing.T) {
	var s Submission
	var keys []string
	send := func(err error) func(ctx context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			keys = append(keys, api.IdempotencyKeyOf(ctx))
			return len(keys), err
		}
	}
	Submit(&s, send(fmt.Errorf("recordConsent: %w", api.ErrUnreachable)))
	if !s.Pending() {
		t.Fatal("after an outage the submission is not pending")
	}
	if n, err := Submit(&s, send(nil)); n != 2 || err != nil {
		t.Fatalf("Submit = %d, %v; want what send returned", n, err)
	}
	if s.Pending() {
		t.Fatal("after an answer the submission is still pending")
	}
	Submit(&s, send(nil))
	if len(keys[0]) != 36 || keys[1] != keys[0] || keys[2] == keys[1] {
		t.Fatalf("keys sent %q: want a UUID, the same after the outage, a new one after the answer", keys)
	}
}
