package events

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// EntryLoader loads the blacklist entry a BLACKLIST_CHANGED event names (event ref = entry
// id); a missing entry is apperr NOT_FOUND.
type EntryLoader interface {
	Entry(ctx context.Context, id string) (*model.BlacklistEntry, error)
}

// EntryFunc adapts a function to EntryLoader.
type EntryFunc func(ctx context.Context, id string) (*model.BlacklistEntry, error)

// Entry calls f.
func (f EntryFunc) Entry(ctx context.Context, id string) (*model.BlacklistEntry, error) {
	return f(ctx, id)
}

func isBlacklistChange(e *event) bool { return e.Kind == store.EventBlacklistChanged }

// BlacklistChanged streams every blacklist entry that is added, or removed (removedAt set),
// from now on. A client that is closed for falling behind should subscribe again and
// re-screen what it shows.
func (b *Bus) BlacklistChanged(ctx context.Context) (<-chan *model.BlacklistEntry, error) {
	if b.Entries == nil {
		return nil, errors.New("events.BlacklistChanged: no blacklist entry loader configured")
	}
	sub, _, err := b.subscribe(isBlacklistChange, b.opts.Buffer, false)
	if err != nil {
		return nil, fmt.Errorf("events.BlacklistChanged: %w", err)
	}
	out := make(chan *model.BlacklistEntry)
	go func() {
		defer close(out)
		defer b.unsubscribe(sub)
		for {
			var e *event
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-sub.ch:
				if !ok {
					endStream(ctx, sub.err, "blacklistChanged", "subscribe again and screen open forms anew", nil)
					return
				}
				e = ev
			}
			entry, err := b.entries.load(ctx, b.Entries, e)
			if errors.Is(err, apperr.ErrNotFound) {
				continue // written and rolled back, or deleted since: nothing to show
			}
			if err != nil {
				if ctx.Err() == nil {
					b.opts.Log.Error("events: loading a changed blacklist entry", "event_id", e.ID, "err", err)
					endWithError(ctx, "blacklistChanged", "could not load a changed blacklist entry just now; subscribe again and screen open forms anew", nil)
				}
				return
			}
			select {
			case out <- entry:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// entryMemo loads each changed entry once per instance, however many desktops subscribe.
type entryMemo struct {
	mu    sync.Mutex
	byID  map[int64]*memoized
	order []int64
}

type memoized struct {
	once  sync.Once
	entry *model.BlacklistEntry
	err   error
}

const memoSize = 256

func (m *entryMemo) load(ctx context.Context, l EntryLoader, e *event) (*model.BlacklistEntry, error) {
	m.mu.Lock()
	if m.byID == nil {
		m.byID = make(map[int64]*memoized)
	}
	r, ok := m.byID[e.ID]
	if !ok {
		r = &memoized{}
		m.byID[e.ID] = r
		m.order = append(m.order, e.ID)
		if len(m.order) > memoSize {
			delete(m.byID, m.order[0])
			m.order = m.order[1:]
		}
	}
	m.mu.Unlock()
	r.once.Do(func() {
		// Shared by every subscriber: one leaving must not cancel the load for the others.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		r.entry, r.err = l.Entry(lctx, e.Ref)
	})
	if r.err != nil && !errors.Is(r.err, apperr.ErrNotFound) {
		m.mu.Lock()
		if m.byID[e.ID] == r {
			delete(m.byID, e.ID) // let the next subscriber try again
		}
		m.mu.Unlock()
	}
	return r.entry, r.err
}
