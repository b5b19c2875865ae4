package linkpage

import (
	"bytes"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealOpenRoundTripsAndRefusesOtherSizesAndKeys(t *testing.T) {
	s, err := NewSigner(key(1))
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
	tok := s.Seal(payload)
	if len(tok) != TokenLen(len(payload)) {
		t.Fatalf("token length %d, want %d", len(tok), TokenLen(len(payload)))
	}
	got, err := s.Open(tok, len(payload))
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("Open = %v, %v", got, err)
	}
	if _, err := s.Open(tok, len(payload)+1); err == nil {
		t.Error("a token opened as another payload size")
	}
	other, _ := NewSigner(key(2))
	if _, err := other.Open(tok, len(payload)); err == nil {
		t.Error("a token of another key opened")
	}
	rotated, _ := NewSigner(key(2), key(1))
	if _, err := rotated.Open(tok, len(payload)); err != nil {
		t.Errorf("an old key no longer verifies: %v", err)
	}
	if _, err := NewSigner(make([]byte, 31)); err == nil {
		t.Error("a short key was accepted")
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := NewSigner(key(1))
	f.Add(s.Seal(make([]byte, 17)))
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := s.Open(tok, 17)
		if err != nil {
			return
		}
		if s.Seal(p) != tok {
			t.Fatalf("opened token %q does not round-trip", tok)
		}
	})
}
