package unsubscribe

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

const (
	contactA = "0b7e9c1e-5d2a-4c1b-9f3e-2a6d8e4f1c01"
	listA    = "7f3a2b1c-9e8d-4f6a-b5c4-d3e2f1a0b902"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestTokenRoundTripsAndRefusesEveryAlteredCharacter(t *testing.T) {
	s, err := NewSigner(key(1))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Sign(contactA, listA)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != TokenLen || strings.ContainsAny(tok, "+/=") {
		t.Fatalf("token %q: want %d URL-safe characters without padding", tok, TokenLen)
	}
	if strings.Contains(tok, strings.ReplaceAll(contactA, "-", "")) {
		t.Fatal("token shows the contact id in clear text")
	}
	c, l, err := s.Parse(tok)
	if err != nil || c != contactA || l != listA {
		t.Fatalf("Parse = %q, %q, %v; want %q, %q", c, l, err, contactA, listA)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range tok {
		for _, r := range alphabet {
			if byte(r) == tok[i] {
				continue
			}
			alt := tok[:i] + string(r) + tok[i+1:]
			if _, _, err := s.Parse(alt); err == nil {
				t.Fatalf("altered token %q (position %d) was accepted", alt, i)
			}
		}
	}
	for _, bad := range []string{"", tok[:len(tok)-1], tok + "A", tok + "=", strings.ToUpper(tok), "not-a-token"} {
		if _, _, err := s.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestTokenOfAnotherKeyIsRefusedButOldKeysStillVerify(t *testing.T) {
	old, _ := NewSigner(key(1))
	tok, _ := old.Sign(contactA, listA)
	other, _ := NewSigner(key(2))
	if _, _, err := other.Parse(tok); err == nil {
		t.Fatal("a token signed with another key was accepted")
	}
	rotated, _ := NewSigner(key(2), key(1))
	if c, l, err := rotated.Parse(tok); err != nil || c != contactA || l != listA {
		t.Fatalf("after rotation, a link from an old mail: %q %q %v", c, l, err)
	}
	fresh, _ := rotated.Sign(contactA, listA)
	if _, _, err := other.Parse(fresh); err != nil {
		t.Fatalf("new tokens must be signed with the current key: %v", err)
	}
}

func TestTokenWithSwappedIDsIsRefused(t *testing.T) {
	s, _ := NewSigner(key(1))
	tok, _ := s.Sign(contactA, listA)
	b, _ := base64.RawURLEncoding.DecodeString(tok)
	swapped := append([]byte{b[0]}, b[17:33]...)
	swapped = append(swapped, b[1:17]...)
	swapped = append(swapped, b[33:]...)
	if _, _, err := s.Parse(base64.RawURLEncoding.EncodeToString(swapped)); err == nil {
		t.Fatal("token with contact and list swapped was accepted")
	}
}

func FuzzParseToken(f *testing.F) {
	s, _ := NewSigner(key(1), key(2))
	good, _ := s.Sign(contactA, listA)
	f.Add(good)
	f.Add("")
	f.Add(strings.Repeat("A", TokenLen))
	f.Add(good[:10] + "!" + good[11:])
	f.Fuzz(func(t *testing.T, tok string) {
		c, l, err := s.Parse(tok)
		if err != nil {
			return
		}
		again, err := s.Sign(c, l)
		if err != nil {
			t.Fatalf("verified token %q gives ids %q %q that do not sign: %v", tok, c, l, err)
		}
		if again != tok {
			t.Fatalf("verified token %q does not round-trip: %q", tok, again)
		}
	})
}

func BenchmarkSignAndParse(b *testing.B) {
	s, _ := NewSigner(key(1), key(2))
	for b.Loop() {
		tok, _ := s.Sign(contactA, listA)
		if _, _, err := s.Parse(tok); err != nil {
			b.Fatal(err)
		}
	}
}
