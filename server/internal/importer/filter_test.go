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

// A filter for more hashes than filterMaxBytes holds at 10 bits each is no larger than that,
// and still never misses a hash it was given.
func TestBlacklistFilterCapped(t *testing.T) {
	f := newBlacklistFilter(50_000_000, 0)
	if size := len(f.bits) * 8; size > filterMaxBytes {
		t.Fatalf("filter of %d bytes, want at most %d", size, filterMaxBytes)
	}
	h := make([]byte, 32)
	in := make([][]byte, 0, 200_000)
	for range cap(in) {
		_, _ = rand.Read(h)
		f.add(h)
		in = append(in, append([]byte(nil), h...))
	}
	for _, h := range in {
		if !f.mayContain(h) {
			t.Fatalf("capped filter misses hash %x it was given", h)
		}
	}
}
