package app

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/vermerk/vermerk/client/internal/api"
)

// Submission is one thing the user sends (a contact, a consent, a blacklisting) under one
// Idempotency-Key, from the first click until the server's answer is known: when the answer
// is lost ("unclear whether it was saved") and the user sends it again, the server carries
// it out once and answers with the first answer. Any answer of the server (saved, refused,
// a blacklist match to decide) ends the submission; the next send is a new one.
type Submission struct {
	mu       sync.Mutex
	key      string
	replayed atomic.Bool // the last send was answered with an earlier send's answer
}

// Context returns ctx carrying the submission's key (a new one when the last send was
// answered), for one send.
func (s *Submission) Context(ctx context.Context) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == "" {
		s.key = api.NewIdempotencyKey()
	}
	s.replayed.Store(false)
	return api.WithIdempotencyKey(ctx, s.key, &s.replayed)
}

// Replayed reports whether the last send was answered with the answer of an earlier send of
// the submission (the server's Idempotent-Replayed): that earlier send, whose answer was
// lost, is what was carried out, and this one did nothing more.
func (s *Submission) Replayed() bool {
	return s.replayed.Load()
}

// Answered ends the submission unless err says its answer did not come (an outage: the
// request may have been carried out, and sending it again must use the same key).
func (s *Submission) Answered(err error) {
	if err != nil && api.Outage(err) {
		return
	}
	s.Forget()
}

// Pending reports whether the submission was sent and its answer did not come: sent again, it
// goes under the same key, and what the first send did is what the server answers with.
func (s *Submission) Pending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key != ""
}

// Submit sends one write of the submission s: send gets a context carrying s's key, and the
// answer ends s unless it did not come (then the user's next send goes under the same key and
// is carried out once). Every write a screen sends goes through it, with the screen's error
// texts from SubmissionErrorText.
func Submit[T any](s *Submission, send func(ctx context.Context) (T, error)) (T, error) {
	r, err := send(s.Context(context.Background()))
	s.Answered(err)
	return r, err
}

// Forget ends the submission: the next send is a new one (the user cleared the form, or
// chose to send what the server refused as another request).
func (s *Submission) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key = ""
}

// AlreadyCarriedOut says the server carried the request out before and kept no answer for
// it (the person it named was erased since, or it held a secret): nothing was done twice.
// (IDEMPOTENCY_KEY_REUSED, changed while the answer was unclear, is worded per screen by
// SubmissionErrorText.)
func AlreadyCarriedOut(err error) bool {
	return api.HasReason(err, "ALREADY_CARRIED_OUT")
}
