package periodic

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCallsAtOnceThenEveryIntervalUntilTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, 10*time.Millisecond, func(context.Context) {
			if calls.Add(1) == 3 {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the context ended")
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("f ran %d times, want 3 (once at once, then twice by the ticker, then the context ended)", n)
	}

	calls.Store(0)
	Run(ctx, time.Hour, func(context.Context) { calls.Add(1) })
	if n := calls.Load(); n != 0 {
		t.Errorf("with the context ended already, f ran %d times", n)
	}
}
