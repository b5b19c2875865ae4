package events

import (
	"context"

	"github.com/vermerk/vermerk/server/internal/store"
)

// WatchTokenRevocations calls revoked with the id of every API token revoked on any instance
// (TOKEN_REVOKED events), from now until ctx ends. A watcher that falls behind subscribes
// again; what it missed is caught by the callers' periodic re-check of open sockets.
func (b *Bus) WatchTokenRevocations(ctx context.Context, revoked func(tokenID string)) {
	isTokenRevoked := func(e *event) bool { return e.Kind == store.EventTokenRevoked }
	b.done.Add(1)
	go func() {
		defer b.done.Done()
		for ctx.Err() == nil {
			sub, _, err := b.subscribe(isTokenRevoked, b.opts.Buffer, false)
			if err != nil {
				return // stopped
			}
			b.mu.Lock()
			sub.internal = true
			b.mu.Unlock()
			b.drain(ctx, sub, revoked)
			b.unsubscribe(sub)
		}
	}()
}

func (b *Bus) drain(ctx context.Context, sub *subscriber, revoked func(string)) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-sub.ch:
			if !ok {
				return
			}
			revoked(e.Ref)
		}
	}
}
