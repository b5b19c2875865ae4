package screening

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// Kind names the kind of identifier a hash was made from. The values are the
// GraphQL MatchField names and are part of every hash: changing one orphans
// every blacklist entry of that kind.
type Kind string

const (
	KindEmail       Kind = "EMAIL"
	KindPhone       Kind = "PHONE"
	KindNameAddress Kind = "NAME_AND_ADDRESS"
)

// Valid reports whether k is one of the Kind constants.
func (k Kind) Valid() bool {
	return k == KindEmail || k == KindPhone || k == KindNameAddress
}

// SecretSize is the size of a server secret in bytes.
const SecretSize = 32

// A Key is a server secret and its id. The id is derived from the secret
// (KeyID), so the id stored beside a hash tells which secret made it.
type Key struct {
	ID     string
	Secret []byte
}

// KeyID returns the id of a secret: the first 8 hex digits of its SHA-256.
func KeyID(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:4])
}

// IsKeyID reports whether id has the form KeyID gives: 8 lower-case hex digits.
func IsKeyID(id string) bool {
	if len(id) != 8 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// NewKey returns the Key for a 32-byte secret.
func NewKey(secret []byte) (Key, error) {
	if len(secret) != SecretSize {
		return Key{}, fmt.Errorf("secret key has %d bytes; it must be %d random bytes (generate one with: openssl rand -base64 32)", len(secret), SecretSize)
	}
	return Key{ID: KeyID(secret), Secret: append([]byte(nil), secret...)}, nil
}

// ParseKey decodes a secret given in standard base64, as in VERMERK_SECRET_KEY.
func ParseKey(base64Std string) (Key, error) {
	s := strings.TrimSpace(base64Std)
	if s == "" {
		return Key{}, errors.New("secret key is empty; it must be 32 random bytes in standard base64 (generate one with: openssl rand -base64 32)")
	}
	secret, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		// The error text would quote the secret's bytes: leave it out.
		return Key{}, errors.New("secret key is not valid standard base64; it must be 32 random bytes in standard base64 (generate one with: openssl rand -base64 32)")
	}
	return NewKey(secret)
}

// DeriveKey returns a 32-byte sub-key of k for one purpose (HKDF-SHA-256 with
// info "vermerk/" + purpose), so that unsubscribe tokens, webhook signatures and the
// like never use the server secret itself. Use a fixed, versioned purpose such
// as "unsubscribe-token/v1".
func DeriveKey(k Key, purpose string) []byte {
	sub, err := hkdf.Key(sha256.New, k.Secret, nil, "vermerk/"+purpose, SecretSize)
	if err != nil {
		panic("screening.DeriveKey: " + err.Error()) // only for lengths > 255*32
	}
	return sub
}

// A KeyedHash is the keyed hash of one normalised identifier under one key.
type KeyedHash struct {
	KeyID string
	Kind  Kind
	Hash  []byte
}

// A Keyring holds the current key, which makes new hashes, and rotated-out
// keys, whose hashes are still looked up. It is safe for concurrent use.
type Keyring struct {
	keys []ringKey // current first
}

type ringKey struct {
	key  Key
	macs *sync.Pool // of *keyedMAC, keyed with key.Secret
}

// keyedMAC is an HMAC with the buffer its message is put together in, so that a hash costs
// one Write and no allocation but its result's.
type keyedMAC struct {
	mac hash.Hash
	msg []byte
}

// NewKeyring returns a keyring with current as the key for new hashes and old
// as keys still matched. Every secret must have 32 bytes; an empty ID is
// derived from the secret, a given one must match it. Repeated keys count once.
func NewKeyring(current Key, old ...Key) (*Keyring, error) {
	r := &Keyring{}
	for i, k := range append([]Key{current}, old...) {
		nk, err := NewKey(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("screening.NewKeyring: key %d: %w", i, err)
		}
		if k.ID != "" && k.ID != nk.ID {
			return nil, fmt.Errorf("screening.NewKeyring: key %d: id %q does not belong to its secret (want %q)", i, k.ID, nk.ID)
		}
		if r.find(nk.ID) != nil {
			continue
		}
		secret := nk.Secret
		r.keys = append(r.keys, ringKey{key: nk, macs: &sync.Pool{
			New: func() any { return &keyedMAC{mac: hmac.New(sha256.New, secret)} },
		}})
	}
	return r, nil
}

// Current returns the key new hashes are made with.
func (r *Keyring) Current() Key {
	k := r.keys[0].key
	k.Secret = append([]byte(nil), k.Secret...)
	return k
}

// Keys returns copies of all keys, current first.
func (r *Keyring) Keys() []Key {
	keys := make([]Key, len(r.keys))
	for i, k := range r.keys {
		keys[i] = Key{ID: k.key.ID, Secret: append([]byte(nil), k.key.Secret...)}
	}
	return keys
}

// KeyIDs returns the ids of all keys, current first.
func (r *Keyring) KeyIDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.key.ID
	}
	return ids
}

// Has reports whether the keyring holds the key with id (current or old).
func (r *Keyring) Has(id string) bool { return r.find(id) != nil }

// ErrUnknownKey is returned for a key id that is not in the keyring.
var ErrUnknownKey = errors.New("unknown key id")

// Hash returns HMAC-SHA-256(secret, kind + ":" + normalized) with the key
// keyID. normalized must come from the matching Normalize function.
func (r *Keyring) Hash(keyID string, kind Kind, normalized string) ([]byte, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("screening.Hash: invalid kind %q", kind)
	}
	k := r.find(keyID)
	if k == nil {
		return nil, fmt.Errorf("screening.Hash(%s): %w", keyID, ErrUnknownKey)
	}
	return k.hash(kind, normalized), nil
}

// CurrentHash is the hash an identifier is written with: under the current key, whose id it
// returns with it. Every writer of contact e-mails and phones calls it.
func (r *Keyring) CurrentHash(kind Kind, normalized string) (keyID string, hash []byte, err error) {
	k := &r.keys[0]
	if !kind.Valid() {
		return "", nil, fmt.Errorf("screening.CurrentHash: invalid kind %q", kind)
	}
	return k.key.ID, k.hash(kind, normalized), nil
}

// HashAll returns the hash of normalized under every key, current first, for
// looking up entries made before a key rotation. kind must be one of the Kind
// constants; HashAll panics otherwise, as that is a programming error.
func (r *Keyring) HashAll(kind Kind, normalized string) []KeyedHash {
	if !kind.Valid() {
		panic(fmt.Sprintf("screening.HashAll: invalid kind %q", kind))
	}
	out := make([]KeyedHash, len(r.keys))
	for i := range r.keys {
		k := &r.keys[i]
		out[i] = KeyedHash{KeyID: k.key.ID, Kind: kind, Hash: k.hash(kind, normalized)}
	}
	return out
}

func (r *Keyring) find(id string) *ringKey {
	for i := range r.keys {
		if r.keys[i].key.ID == id {
			return &r.keys[i]
		}
	}
	return nil
}

func (k *ringKey) hash(kind Kind, normalized string) []byte {
	m := k.macs.Get().(*keyedMAC)
	defer k.macs.Put(m)
	m.msg = append(append(append(m.msg[:0], kind...), ':'), normalized...)
	m.mac.Reset()
	m.mac.Write(m.msg)
	return m.mac.Sum(make([]byte, 0, sha256.Size))
}
