// Package linkpage holds what the pages people open from a mail share — unsubscribe links
// and double opt-in confirmation links: tokens signed with the server's key, one
// self-contained page layout under a strict Content-Security-Policy, and a limit per client
// address.
package linkpage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// MacSize is the length of a token's HMAC-SHA-256, truncated: 128 bits cannot be guessed.
const MacSize = 16

// ErrInvalidToken is deliberately the only error of Open: callers learn nothing about which
// part of a forged token failed.
var ErrInvalidToken = errors.New("linkpage: invalid token")

// Signer seals payloads into URL-safe tokens (base64url without padding of payload ‖ MAC) and
// opens them. keys[0] signs; all keys verify, so links in mails sent before a key rotation
// keep working while the old key is configured.
type Signer struct {
	keys [][]byte
}

// NewSigner returns a signer; keys are sub-keys of the server secrets, current first.
func NewSigner(keys ...[]byte) (*Signer, error) {
	if len(keys) == 0 {
		return nil, errors.New("linkpage.NewSigner: no key")
	}
	for _, k := range keys {
		if len(k) < 32 {
			return nil, errors.New("linkpage.NewSigner: key shorter than 32 bytes")
		}
	}
	return &Signer{keys: keys}, nil
}

// TokenLen is the length in characters of the token of a payload of n bytes.
func TokenLen(n int) int { return base64.RawURLEncoding.EncodedLen(n + MacSize) }

// Seal returns the token of payload.
func (s *Signer) Seal(payload []byte) string {
	b := make([]byte, 0, len(payload)+MacSize)
	b = append(b, payload...)
	b = append(b, mac(s.keys[0], payload)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Open verifies a token of a payload of n bytes and returns the payload.
func (s *Signer) Open(token string, n int) ([]byte, error) {
	if len(token) != TokenLen(n) {
		return nil, ErrInvalidToken
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != n+MacSize {
		return nil, ErrInvalidToken
	}
	ok := false
	for _, k := range s.keys {
		// Every key is tried, so the time taken does not tell which one matched.
		if hmac.Equal(mac(k, b[:n]), b[n:]) {
			ok = true
		}
	}
	if !ok {
		return nil, ErrInvalidToken
	}
	return b[:n], nil
}

func mac(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return m.Sum(nil)[:MacSize]
}
