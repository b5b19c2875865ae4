package graph

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/idempotency"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/requestid"
	"github.com/vermerk/vermerk/graph/viewer"
)

// Keys keeps the Idempotency-Keys of mutations and the answers given under them (the server's
// store; graph/idempotency says what a key promises).
type Keys interface {
	// First returns the request that holds c's key within its day, nil when none does; a key
	// sent with another request is refused (IDEMPOTENCY_KEY_REUSED).
	First(ctx context.Context, c *idempotency.Claim) (*idempotency.First, error)
	// Keep stores the answer of the request that claimed c's key.
	Keep(ctx context.Context, c *idempotency.Claim, response []byte) error
}

// firstAnswerWait bounds how long a mutation sent again waits for the first one's answer to
// be kept, when it met the first one still running; it then hears that it was carried out.
const firstAnswerWait = 2 * time.Second

// keyedRequests carries out a mutation sent with an Idempotency-Key once. Both transports
// that run mutations over HTTP go through it: JSON POST (post.go) and multipart uploads
// (upload.go, startImport and previewImport).
type keyedRequests struct {
	keys Keys // nil: the header is refused (a handler without the keys' store)
	log  *slog.Logger
}

// mutationKey is the Idempotency-Key of a mutation ("" without one, or for a query, which
// ignores the header).
func mutationKey(r *http.Request, rc *graphql.OperationContext) string {
	if rc.Operation == nil || rc.Operation.Operation != ast.Mutation {
		return ""
	}
	return r.Header.Get(idempotency.Header)
}

// once carries out a mutation sent with an Idempotency-Key: the first request with the key
// writes (store.Transact claims the key with its writes) and its answer is kept; a request
// sent again with the key, before or while the first commits, writes nothing and gets the
// first one's answer, marked with the Idempotent-Replayed header. variables are what tells
// the request from another beside its operation and query (idempotency.Digest): rc's own, or
// for an upload the variables with each file standing for its content (uploadsByContent).
// A mutation that writes nothing (previewImport) claims no key: sent again, it runs again.
func (t keyedRequests) once(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, rc *graphql.OperationContext, key string, variables map[string]any) {
	v := viewer.From(ctx)
	if err := idempotency.CheckKey(key); err != nil || t.keys == nil || v == nil {
		if err == nil {
			err = apperr.BadInput(idempotency.Header, apperr.ReasonIdempotencyKeyFormat, "this endpoint does not keep Idempotency-Keys")
		}
		t.writeError(ctx, w, exec, rc, err)
		return
	}
	digest, err := idempotency.Digest(rc.OperationName, rc.RawQuery, variables)
	if err != nil {
		t.writeError(ctx, w, exec, rc, apperr.BadInput(idempotency.Header, apperr.ReasonInvalidValue, "the variables cannot be read back"))
		return
	}
	claim := &idempotency.Claim{Caller: v.TokenID, Key: key, Digest: digest}
	first, err := t.keys.First(ctx, claim)
	if err != nil {
		t.writeError(ctx, w, exec, rc, err)
		return
	}
	if first != nil {
		// Carried out: its answer, or, when none is kept (it named a person erased since, held
		// a token's secret, or was too large), that it was carried out. Not run again: what it did may refuse it
		// now (an erasure sent again would hear that the contact is not found).
		t.answerFirst(ctx, w, exec, rc, claim, first)
		return
	}
	// Not carried out yet: the transaction that writes claims the key, or finds it taken by a
	// request sent at the same time and writes nothing.
	ctx = idempotency.With(ctx, claim)
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	b := responseBytes(resp)
	switch {
	case claim.Held():
		if err := t.keys.Keep(ctx, claim, b); err != nil && t.log != nil {
			// The answer goes out all the same; a request sent again hears ALREADY_CARRIED_OUT.
			t.log.ErrorContext(ctx, "keeping the answer of an idempotent request", "request_id", requestid.From(ctx), "err", err)
		}
	case claim.Lost() != nil:
		// Sent again while the first one ran: its answer, once kept.
		t.answerFirst(ctx, w, exec, rc, claim, claim.Lost())
		return
	case resp != nil && len(resp.Errors) > 0:
		// Refused before its transaction reached the key: the same request sent at the same
		// moment (to another instance) may have committed first, and be why this one was
		// refused (the contact it erased, the webhook it deleted is gone). Its answer is this one's.
		if first, err := t.keys.First(ctx, claim); err == nil && first != nil {
			t.answerFirst(ctx, w, exec, rc, claim, first)
			return
		}
	}
	writeBody(w, b)
}

// answerFirst answers a request sent again after the first one with its key committed: with
// the first one's answer once it is kept (waiting while the first may still be answering, up
// to firstAnswerWait after its commit), else with ErrCarriedOut.
func (t keyedRequests) answerFirst(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, rc *graphql.OperationContext, claim *idempotency.Claim, first *idempotency.First) {
	deadline := first.At.Add(firstAnswerWait)
	if now := time.Now(); now.Before(first.At) { // the database's clock ahead of ours
		deadline = now.Add(firstAnswerWait)
	}
	for first.Response == nil && !first.Answered && time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
		if again, err := t.keys.First(ctx, claim); err == nil && again != nil {
			first = again
		}
	}
	if first.Response != nil {
		replay(w, first.Response)
		return
	}
	t.writeError(ctx, w, exec, rc, idempotency.ErrCarriedOut(first.At))
}

// namesShown records on a keyed mutation's claim the contacts a field resolved into its
// answer, which may show them without their ids (a name, an e-mail): the answer is kept only
// while they exist and goes with them (idempotency.Claim.Names). Without a key it records
// nothing; a field of another type costs a type switch.
func namesShown(ctx context.Context, res any) {
	switch v := res.(type) {
	case *model.Contact:
		if v != nil {
			idempotency.From(ctx).Names(v.ID)
		}
	case []*model.Contact:
		if len(v) == 0 {
			return
		}
		claim := idempotency.From(ctx)
		for _, c := range v {
			if c != nil {
				claim.Names(c.ID)
			}
		}
	}
}

// replay answers with the first request's answer.
func replay(w http.ResponseWriter, answer []byte) {
	w.Header()[idempotency.Replayed] = []string{"true"}
	writeBody(w, answer)
}

// writeError answers with err alone: a caller error worded as the error presenter words it;
// any other (the database failed) logged and answered UNAVAILABLE, nothing written.
func (t keyedRequests) writeError(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, rc *graphql.OperationContext, err error) {
	e, ok := apperr.As(err)
	if !ok {
		if t.log != nil {
			t.log.ErrorContext(ctx, "reading an Idempotency-Key", "request_id", requestid.From(ctx), "err", err)
		}
		e = &apperr.Error{Code: apperr.Unavailable, Message: "the Idempotency-Key cannot be checked now; nothing was written: send the request again in a few seconds"}
	}
	gqlErr := &gqlerror.Error{}
	presentCallerError(gqlErr, e)
	writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), gqlerror.List{gqlErr}))
}
