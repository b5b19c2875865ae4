package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// revocationKinds are the events of the revocations feed (and of the desktop app's admin feed):
// what takes a contact out of recipients (a revocation, an erasure, a blacklist entry newly
// covering it), deletions by retention, re-entries by the person's own confirmation, merges
// of records, and data-subject requests falling due.
var revocationKinds = []store.EventKind{store.EventConsentRevoked, store.EventContactErased, store.EventContactBlocked,
	store.EventRequestDue, store.EventContactDeleted, store.EventContactReentered, store.EventContactMerged}

func isRevocation(e *event) bool {
	return slices.Contains(revocationKinds, e.Kind)
}

// A cursor is the event id in decimal. Clients should treat it as opaque; ids grow with commit
// order, so "after cursor" is exactly "what I have not seen yet".
func cursorOf(id int64) string { return strconv.FormatInt(id, 10) }

func parseCursor(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0, apperr.BadInput("after", apperr.ReasonBadCursor, "cursor %q is not one this server issued: pass the cursor of the last revocation you received, or omit `after` to start from now", apperr.Clip(s))
	}
	return id, nil
}

// Revocations streams revocations and erasures: first those after the cursor (from the
// table), then live ones, with no gap and no duplicate at the switch-over. Without a cursor
// it starts with the first event committed after the subscription.
func (b *Bus) Revocations(ctx context.Context, after string) (<-chan *model.RevocationEvent, error) {
	var from int64
	if after != "" {
		var err error
		if from, err = parseCursor(after); err != nil {
			return nil, err
		}
	}
	// Subscribe before reading the backlog: every event after `through` reaches sub, every
	// event up to it is already committed and is read from the table.
	sub, through, err := b.subscribe(isRevocation, b.opts.Buffer, false)
	if err != nil {
		return nil, fmt.Errorf("events.Revocations: %w", err)
	}
	if after == "" {
		// From now: after what is committed now, even if not yet fanned out here.
		if err = b.db.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&from); err != nil {
			err = fmt.Errorf("events.Revocations: %w", err)
		}
		from = max(from, through)
	} else {
		err = b.checkCursor(ctx, from)
	}
	if err != nil {
		b.unsubscribe(sub)
		return nil, err
	}
	out := make(chan *model.RevocationEvent, b.opts.Buffer)
	go b.streamRevocations(ctx, sub, from, through, out)
	return out, nil
}

// checkCursor refuses a cursor whose successors were pruned, or that no event ever had.
func (b *Bus) checkCursor(ctx context.Context, from int64) error {
	var pruned, newest int64
	err := b.db.Pool.QueryRow(ctx, `
		SELECT through_id, (SELECT coalesce(max(id), 0) FROM events) FROM events_pruned`).Scan(&pruned, &newest)
	if err != nil {
		return fmt.Errorf("events.Revocations(after %d): %w", from, err)
	}
	if from < pruned {
		return apperr.BadInput("after", apperr.ReasonCursorExpired, "cursor %q has expired: events older than %s are deleted, among them some after this cursor. "+
			"Start from the current state (query the consents you need) and subscribe without `after`",
			cursorOf(from), days(b.opts.Retention))
	}
	if from > max(newest, pruned) {
		return apperr.BadInput("after", apperr.ReasonCursorAhead, "cursor %q is newer than any event on this server: pass the cursor of the last revocation you received, or omit `after` to start from now", cursorOf(from))
	}
	return nil
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// streamRevocations replays what the subscriber missed (from the table), then what queued on
// sub during the replay, then hands sub over to fanOut, which from then on puts each event
// straight into out (buffered like sub) and ends the stream itself: a live event costs no
// goroutine of its own per subscriber.
func (b *Bus) streamRevocations(ctx context.Context, sub *subscriber, from, through int64, out chan *model.RevocationEvent) {
	sent := from
	send := func(e *event) bool {
		if e.ID <= sent {
			return true // replayed already
		}
		r := e.revocation
		if r == nil {
			r = toRevocation(e)
		}
		select {
		case out <- r:
			sent = e.ID
			return true
		case <-ctx.Done():
			return false
		}
	}
	end := func(why error) {
		endStream(ctx, why, "revocations", "subscribe again with `after` set to extensions.resumeAfter to get the rest",
			map[string]any{"resumeAfter": cursorOf(sent)})
		close(out)
	}
	for sent < through {
		evs, err := readEvents(ctx, b.db.Pool, sent, through, revocationKinds, readBatch)
		if err != nil {
			b.unsubscribe(sub)
			if ctx.Err() == nil {
				b.opts.Log.Error("events: replaying revocations", "after_id", sent, "err", err)
				endWithError(ctx, "revocations", "could not read the missed revocations just now; subscribe again with `after` set to extensions.resumeAfter",
					map[string]any{"resumeAfter": cursorOf(sent)})
			}
			close(out)
			return
		}
		for _, e := range evs {
			if !send(e) {
				b.unsubscribe(sub)
				close(out)
				return
			}
		}
		if len(evs) < readBatch {
			break
		}
	}
	for {
		b.mu.Lock()
		select {
		case e, ok := <-sub.ch:
			b.mu.Unlock()
			if !ok {
				end(sub.err)
				return
			}
			if !send(e) {
				b.unsubscribe(sub)
				close(out)
				return
			}
			continue
		default:
		}
		// Nothing queued, and fanOut waits for the lock: from its next event on, it delivers.
		sub.direct = func(e *event) bool {
			if e.ID <= sent {
				return true
			}
			select {
			case out <- e.revocation:
				sent = e.ID
				return true
			default:
				return false
			}
		}
		sub.ended = end
		sub.ch = nil // empty and no longer used: its buffer goes back to the heap
		b.mu.Unlock()
		context.AfterFunc(ctx, func() { b.unsubscribe(sub) })
		return
	}
}

func resumeMessage(why error, what string) string {
	switch {
	case errors.Is(why, errOverflow):
		return "this subscription fell behind (" + why.Error() + ") and was closed; " + what
	case why != nil:
		return why.Error() + "; " + what
	default:
		return "the subscription ended; " + what
	}
}

func toRevocation(e *event) *model.RevocationEvent {
	return &model.RevocationEvent{
		Cursor:    cursorOf(e.ID),
		Kind:      model.RevocationKind(e.Kind),
		At:        e.At,
		ContactID: e.ContactID,
		PurposeID: e.PurposeID,
		Channel:   e.Channel,
		RequestID: refOf(e, store.EventRequestDue),
		MergedID:  refOf(e, store.EventContactMerged),
	}
}

// refOf is the ref of e when e is of kind: the data-subject request a REQUEST_DUE event is
// about, the merged-away record of a CONTACT_MERGED event.
func refOf(e *event, kind store.EventKind) *string {
	if e.Kind != kind || e.Ref == "" {
		return nil
	}
	id := e.Ref
	return &id
}
