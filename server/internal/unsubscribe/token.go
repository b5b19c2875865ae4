package unsubscribe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"github.com/google/uuid"
)

// A token is base64url (no padding) of: version (1 byte) ‖ contact uuid (16) ‖ list uuid (16) ‖
// HMAC-SHA-256 of the first 33 bytes, truncated to 16 bytes. It names no person, only ids,
// and cannot be made or altered without the server's key.
const (
	tokenVersion = 1
	macSize      = 16
	payloadSize  = 1 + 16 + 16
	tokenSize    = payloadSize + macSize
)

// TokenLen is the length of a token in characters.
var TokenLen = base64.RawURLEncoding.EncodedLen(tokenSize)

// errInvalidToken is deliberately the only parse error: callers learn nothing about which
// part of a forged token failed.
var errInvalidToken = errors.New("unsubscribe: invalid token")

// Signer makes and checks tokens. keys[0] signs; all keys verify, so links in mails sent
// before a key rotation keep working while the old key is configured.
type Signer struct {
	keys [][]byte
}

// NewSigner returns a signer; keys are sub-keys of the server secrets, current first.
func NewSigner(keys ...[]byte) (*Signer, error) {
	if len(keys) == 0 {
		return nil, errors.New("unsubscribe.NewSigner: no key")
	}
	for _, k := range keys {
		if len(k) < 32 {
			return nil, errors.New("unsubscribe.NewSigner: key shorter than 32 bytes")
		}
	}
	return &Signer{keys: keys}, nil
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
	b := make([]byte, payloadSize, tokenSize)
	b[0] = tokenVersion
	copy(b[1:17], c[:])
	copy(b[17:33], l[:])
	b = append(b, mac(s.keys[0], b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Parse verifies a token and returns the contact and list ids in their canonical form.
func (s *Signer) Parse(token string) (contactID, listID string, err error) {
	if len(token) != TokenLen {
		return "", "", errInvalidToken
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != tokenSize || b[0] != tokenVersion {
		return "", "", errInvalidToken
	}
	ok := false
	for _, k := range s.keys {
		// Every key is tried, so the time taken does not tell which one matched.
		if hmac.Equal(mac(k, b[:payloadSize]), b[payloadSize:]) {
			ok = true
		}
	}
	if !ok {
		return "", "", errInvalidToken
	}
	return uuid.UUID(b[1:17]).String(), uuid.UUID(b[17:33]).String(), nil
}

func mac(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return m.Sum(nil)[:macSize]
}
