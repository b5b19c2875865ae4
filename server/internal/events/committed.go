package events

import "context"

// Committed returns a channel that receives a signal after new outbox events of any kind
// were read, several coalesced into one, until ctx ends or the Bus stops (then it is
// closed). It is for workers that read the outbox themselves, such as webhook delivery, so
// that an instance LISTENs only once.
func (b *Bus) Committed(ctx context.Context) (<-chan struct{}, error) {
	s, _, err := b.subscribe(func(*event) bool { return true }, 1, true)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	s.internal = true
	b.mu.Unlock()
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		defer b.unsubscribe(s)
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-s.ch:
				if !ok {
					return
				}
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out, nil
}
