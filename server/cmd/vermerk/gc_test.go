package main

import (
	"runtime/debug"
	"testing"
)

func TestMemoryBudgetFollowsOpenWebSockets(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	m := &memoryBudget{}
	steps := []struct {
		move func()
		want int64
	}{
		{m.socketOpened, defaultMemoryLimit + perSocketMemory},
		{m.socketOpened, defaultMemoryLimit + 2*perSocketMemory},
		{m.socketClosed, defaultMemoryLimit + perSocketMemory},
		{m.socketClosed, defaultMemoryLimit},
	}
	for i, s := range steps {
		s.move()
		if got := debug.SetMemoryLimit(-1); got != s.want {
			t.Errorf("step %d: limit %d, want %d", i, got, s.want)
		}
	}
	debug.SetMemoryLimit(12345678)
	var fixed *memoryBudget // GOMEMLIMIT set: the operator's limit stays
	fixed.socketOpened()
	if got := debug.SetMemoryLimit(-1); got != 12345678 {
		t.Errorf("with GOMEMLIMIT set the limit moved to %d", got)
	}
}
