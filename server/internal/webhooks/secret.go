package webhooks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
)

// seal encrypts an endpoint's shared secret with AES-256-GCM; the webhook id is authenticated
// with it, so a sealed secret cannot be moved to another row.
func seal(k Key, webhookID, secret string) ([]byte, error) {
	aead, err := newAEAD(k)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, []byte(secret), []byte(webhookID)), nil
}

func open(k Key, webhookID string, sealed []byte) ([]byte, error) {
	aead, err := newAEAD(k)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed secret too short")
	}
	n := aead.NonceSize()
	return aead.Open(nil, sealed[:n], sealed[n:], []byte(webhookID))
}

func newAEAD(k Key) (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.Secret)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// errUnreadable: a sealed secret does not decrypt under the key it names.
var errUnreadable = errors.New("the webhook's stored secret cannot be decrypted; give the webhook a new secret (setWebhookSecret)")

// missingKeyError: a secret is sealed under a key the service does not have.
type missingKeyError struct{ keyID string }

func (e *missingKeyError) Error() string {
	return fmt.Sprintf("the server key %s that encrypted this webhook's secret is not configured on this instance; "+
		"an instance that has it sends the delivery. If no instance has it any more, put the key back into "+
		"VERMERK_OLD_SECRET_KEYS, or give the webhook a new secret (setWebhookSecret)", e.keyID)
}

func cursorOf(id int64) string { return strconv.FormatInt(id, 10) }
