// Package idempotency carries a mutation's Idempotency-Key from the GraphQL transport to the
// transaction that writes. A client that sends a mutation again because its answer was lost
// (a timeout, a dropped connection: "was it saved?") sends it with the same key, and the
// server carries it out once: the first transaction that commits under the key claims it
// (server/internal/store: in the same transaction, so the key is spent exactly when the
// mutation's writes are in), and every later request with the key gets the first one's
// answer instead of writing again.
//
// A key belongs to the caller's token and lives for TTL; the same key with another request
// (another query, operation or variables) is refused. A mutation refused with an error (bad
// input: its transaction rolled back) spends no key: corrected, it may go with the same key.
// One that answered without an error spends it, also when its answer was "the blacklist
// matches, decide": sent again, it gets that answer (a decision is another request, with a
// key of its own).
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/vermerk/vermerk/graph/apperr"
)

// Header is the HTTP request header that carries the key (IETF httpapi draft
// "The Idempotency-Key HTTP Header Field"); Replayed is the answer's header when the answer
// is the first request's, sent again.
const (
	Header   = "Idempotency-Key"
	Replayed = "Idempotent-Replayed"
)

// TTL is how long a key is kept: a request sent again within it is answered from the first;
// after it the key may be used afresh.
const TTL = 24 * time.Hour

// MaxKeyLength bounds a key; a UUID (36 characters) is the usual one.
const MaxKeyLength = 255

// CheckKey refuses a key that is empty, longer than MaxKeyLength, or holds anything but
// visible ASCII characters.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyLength {
		return apperr.BadInput(Header, apperr.ReasonIdempotencyKeyFormat,
			"the %s header holds 1 to %d visible ASCII characters (a UUID, say); this one has %d bytes", Header, MaxKeyLength, len(key))
	}
	for i := range len(key) {
		if c := key[i]; c < 0x21 || c > 0x7e {
			return apperr.BadInput(Header, apperr.ReasonIdempotencyKeyFormat,
				"the %s header holds 1 to %d visible ASCII characters (a UUID, say); byte %d is not one", Header, MaxKeyLength, i+1)
		}
	}
	return nil
}

// Digest is what tells one request from another under the same key: the SHA-256 of its
// operation name, query and variables (variables as encoding/json writes them: keys sorted,
// so the same values sent in another order are the same request).
func Digest(operationName, query string, variables map[string]any) ([32]byte, error) {
	vars, err := json.Marshal(variables)
	if err != nil {
		return [32]byte{}, fmt.Errorf("idempotency.Digest: %w", err)
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(operationName), []byte(query), vars} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d, nil
}

// Claim is one request's key on its way to the transaction that writes.
type Claim struct {
	Caller string // the token's id: keys of different tokens never meet
	Key    string
	Digest [32]byte

	mu     sync.Mutex
	held   bool            // a transaction of this request committed with the key: its writes are the key's
	first  *First          // another request holds the key: this one writes nothing more
	named  []string        // contacts the answer shows or concerns (Names)
	quotes map[Quote]int64 // rows whose text the answer may quote, with what each had dropped when read
}

// First is the request that holds a key: when it committed and, once its answer is kept,
// that answer.
type First struct {
	At       time.Time
	Response []byte // nil while it is still being answered, or when its answer was not kept
	Answered bool   // its answer was sent (and kept, unless Response is nil)
}

// Held reports whether a transaction of this request has claimed the key (later
// transactions of the request write under it without claiming again).
func (c *Claim) Held() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held
}

// Hold records that a transaction of this request committed with the key.
func (c *Claim) Hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = true
}

// Names records contacts the answer shows or concerns (a contact resolved into it, the person
// a write was audited for), also where the answer holds no id of theirs: the answer is kept
// only while they all exist, and is forgotten with any of them (store.Idempotency.Keep). A
// nil claim (no key) records nothing.
func (c *Claim) Names(contactIDs ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range contactIDs {
		if id != "" && !slices.Contains(c.named, id) {
			c.named = append(c.named, id)
		}
	}
}

// Named returns the contacts Names recorded.
func (c *Claim) Named() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.named)
}

// Quote is a row whose text an answer may quote though the text names no contact, so that
// forgetting answers with a deleted contact does not reach it: an import job's file (its held
// rows, problems, file name, unknown columns) or a data-subject request's note and channel.
// Such text is deleted or replaced on its own (a held row decided, an erasure taking what
// quotes the person); each time the row counts one more dropped quote (migration 00045).
type Quote struct {
	Of QuoteOf
	ID string
}

// QuoteOf is the kind of row a Quote is.
type QuoteOf int

const (
	ImportFile  QuoteOf = iota // import_jobs
	RequestNote                // data_subject_requests
)

// Quotes records that the answer may quote q's text as it stood when q had dropped quotes:
// the answer is kept only while q has dropped no more, and is forgotten when it does, so no
// kept answer outlives text it quotes. A nil claim records nothing.
func (c *Claim) Quotes(q Quote, dropped int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.quotes == nil {
		c.quotes = map[Quote]int64{}
	}
	c.quotes[q] = dropped
}

// Quoted returns what Quotes recorded: each row, with what it had dropped when read.
func (c *Claim) Quoted() map[Quote]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.quotes)
}

// Lose records that another request holds the key (found when this one tried to claim it).
func (c *Claim) Lose(f *First) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.first = f
}

// Lost returns the request that holds the key, or nil while no other request was found
// holding it.
func (c *Claim) Lost() *First {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.first
}

// ErrCarriedOut is what a transaction returns when another request holds its key: nothing
// of this one is written. The transport answers with the first request's answer instead;
// when that answer is not kept, the caller sees this error.
func ErrCarriedOut(at time.Time) error {
	return apperr.BadInput(Header, apperr.ReasonAlreadyCarriedOut,
		"a request with this %s was carried out at %s; nothing was done twice (its answer is not kept: look the result up)",
		Header, at.UTC().Format(time.RFC3339))
}

// ErrReused is the answer to a key sent again with another request.
func ErrReused(at time.Time) error {
	return apperr.BadInput(Header, apperr.ReasonIdempotencyKeyReused,
		"this %s was used at %s for another request (another query or other variables); send a new key with each new request",
		Header, at.UTC().Format(time.RFC3339))
}

type ctxKey struct{}

// With returns a context carrying c.
func With(ctx context.Context, c *Claim) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// From returns the request's claim, or nil when it came without a key (or is no mutation).
func From(ctx context.Context) *Claim {
	c, _ := ctx.Value(ctxKey{}).(*Claim)
	return c
}
