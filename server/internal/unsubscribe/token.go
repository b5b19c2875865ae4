package unsubscribe

import (
	"errors"

	"github.com/google/uuid"

	"github.com/vermerk/vermerk/server/internal/linkpage"
)

// A token is base64url (no padding) of: version (1 byte) ‖ contact uuid (16) ‖ list uuid (16) ‖
// HMAC-SHA-256 of the first 33 bytes, truncated to 16 bytes (linkpage.Signer). It names no
// person, only ids, and cannot be made or altered without the server's key.
const (
	tokenVersion = 1
	payloadSize  = 1 + 16 + 16
)

// TokenLen is the length of a token in characters.
var TokenLen = linkpage.TokenLen(payloadSize)

// errInvalidToken is deliberately the only parse error: callers learn nothing about which
// part of a forged token failed.
var errInvalidToken = errors.New("unsubscribe: invalid token")

// Signer makes and checks unsubscribe tokens.
type Signer struct {
	s *linkpage.Signer
}

// NewSigner returns a signer; keys are sub-keys of the server secrets, current first.
func NewSigner(keys ...[]byte) (*Signer, error) {
	s, err := linkpage.NewSigner(keys...)
	if err != nil {
		return nil, err
	}
	return &Signer{s}, nil
}

// Sign returns the token for (contact, list); both must be uuids.
func (s *Signer) Sign(contactID, listID string) (string, error) {
	c, err := uuid.Parse(contactID)
	if err != nil {
		return "", err
	}
	l, err := uuid.Parse(listID)
	if err != nil {
		return "", err
	}
	b := make([]byte, payloadSize)
	b[0] = tokenVersion
	copy(b[1:17], c[:])
	copy(b[17:33], l[:])
	return s.s.Seal(b), nil
}

// Parse verifies a token and returns the contact and list ids in their canonical form.
func (s *Signer) Parse(token string) (contactID, listID string, err error) {
	b, err := s.s.Open(token, payloadSize)
	if err != nil || b[0] != tokenVersion {
		return "", "", errInvalidToken
	}
	return uuid.UUID(b[1:17]).String(), uuid.UUID(b[17:33]).String(), nil
}
