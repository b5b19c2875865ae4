package api

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync/atomic"
)

// IdempotencyHeader carries a submission's key to the server, which carries out a mutation
// sent again with the key once and answers it with the first answer, marked with
// ReplayedHeader (README, "Sending a mutation again").
const (
	IdempotencyHeader = "Idempotency-Key"
	ReplayedHeader    = "Idempotent-Replayed"
)

type keyCtx struct{}

// keyed is what a context carries for its requests' Idempotency-Key.
type keyed struct {
	key      string
	replayed *atomic.Bool
}

// WithIdempotencyKey returns a context whose requests carry key as their Idempotency-Key: the
// mutation sent under it, sent again after its answer was lost, is carried out once. When
// the server answers one of them with the first request's answer (ReplayedHeader), replayed
// is set (nil: nobody asks).
func WithIdempotencyKey(ctx context.Context, key string, replayed *atomic.Bool) context.Context {
	return context.WithValue(ctx, keyCtx{}, keyed{key: key, replayed: replayed})
}

// NewIdempotencyKey returns a fresh key: a random UUID (version 4).
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on the systems the app runs on
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// IdempotencyKeyOf is the key ctx carries ("" without one).
func IdempotencyKeyOf(ctx context.Context) string {
	k, _ := ctx.Value(keyCtx{}).(keyed)
	return k.key
}

// noteReplayed tells whoever sent ctx's key that the server answered with the first answer.
func noteReplayed(ctx context.Context) {
	if k, _ := ctx.Value(keyCtx{}).(keyed); k.replayed != nil {
		k.replayed.Store(true)
	}
}
