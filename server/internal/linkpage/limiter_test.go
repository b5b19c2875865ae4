package linkpage

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

func TestLimitsCountValidPostsPerLinkAndTheRestPerAddress(t *testing.T) {
	l := HandlerOptions{MaxLinks: 10}.WithDefaults(10, 50).Limits()
	r := httptest.NewRequest("POST", "/unsubscribe/x", nil)
	r.RemoteAddr = "198.51.100.1:4711"
	for i := range 50 {
		if ok, _ := l.Allow(r, ""); !ok {
			t.Fatalf("request %d of the address's burst refused", i)
		}
	}
	if ok, wait := l.Allow(r, ""); ok || wait <= 0 {
		t.Fatalf("request 51 from the address: ok=%v wait=%s, want refused with a wait", ok, wait)
	}
	for i := range 5 {
		if ok, _ := l.Allow(r, "link-replayed"); !ok {
			t.Fatalf("replay %d within the link's burst refused", i)
		}
	}
	if ok, _ := l.Allow(r, "link-replayed"); ok {
		t.Fatal("the sixth replay of one link at once was not refused")
	}
	// 1,000 people's links from the same address: none waits for the others, nor for the
	// address, also when there are more than MaxLinks of them (those go unlimited; Work
	// still bounds their database work).
	for i := range 1000 {
		if ok, _ := l.Allow(r, fmt.Sprint("link-", i)); !ok {
			t.Fatalf("valid link %d from a used-up address refused", i)
		}
	}
}

func TestWorkTakesTurnsAndRefusesBeyondTheWaitingBound(t *testing.T) {
	l := HandlerOptions{MaxInFlight: 1, MaxWaiting: 1}.WithDefaults(10, 50).Limits()
	release, err := l.Work(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		rel, err := l.Work(t.Context())
		if err == nil {
			rel()
		}
		got <- err
	}()
	// wait until the second POST waits for its turn
	for deadline := time.Now().Add(5 * time.Second); l.waiting.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second POST does not wait")
		}
	}
	if _, err := l.Work(t.Context()); !errors.Is(err, ErrBusy) {
		t.Fatalf("a third POST while one works and one waits: %v, want ErrBusy", err)
	}
	select {
	case err := <-got:
		t.Fatalf("the waiting POST went on before the turn was released: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if err := <-got; err != nil {
		t.Fatalf("the waiting POST after the release: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	release, _ = l.Work(t.Context())
	defer release()
	if _, err := l.Work(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a POST whose time runs out waiting: %v, want its deadline", err)
	}
}
