package importer

import (
	"crypto/rand"
	"testing"
)

// The filter never misses a hash it was given, and lets through about 1 % of others.
func TestBlacklistFilter(t *testing.T) {
	const n = 100_000
	f := newBlacklistFilter(n, 0)
	in := make([][]byte, n)
	for i := range in {
		in[i] = make([]byte, 32)
		_, _ = rand.Read(in[i])
		f.add(in[i])
	}
	for _, h := range in {
		if !f.mayContain(h) {
			t.Fatalf("filter misses hash %x it was given", h)
		}
	}
	false_ := 0
	h := make([]byte, 32)
	for range n {
		_, _ = rand.Read(h)
		if f.mayContain(h) {
			false_++
		}
	}
	if rate := float64(false_) / n; rate > 0.02 {
		t.Errorf("false positive rate %.3f, want about 0.01", rate)
	}
	if !f.mayContain([]byte{1, 2, 3}) {
		t.Error("a short hash must always be looked up")
	}
}
