// Package screening turns what a person enters — e-mail addresses, phone
// numbers, name and postal address — into normalised identifiers and keyed
// hashes of them, so that the blacklist of erased people (DESIGN rules 5 and 6)
// holds no clear-text personal data yet recognises the person again.
//
// # Matching rules
//
// E-mail (NormalizeEmail): trimmed, Unicode NFC, checked by net/mail (a bare
// address, no display name, no quoted local part) with a domain that has a dot;
// the domain in lower-case ASCII (IDNA lookup profile: "müller.de" is
// "xn--mller-kva.de"); the local part lower-cased and its sub-address
// ("+news") removed; for gmail.com and googlemail.com (mapped to gmail.com) also
// its dots. Contacts store CanonicalEmail, which keeps the local part as entered.
//
// Phone (NormalizePhone): E.164 by github.com/nyaruka/phonenumbers, region DE
// unless the address names another country; letters and extensions are refused.
//
// Name and address (NameAddressKeys): each part is lower-cased, decomposed
// (NFKD) and stripped of diacritics ("é" → "e"), "ß" → "ss", and stripped of
// everything but letters and digits — spaces included, so "Meyer-Schmidt",
// "Meyer Schmidt" and "MeyerSchmidt" are one name and "12a", "12 a", "12-A" one
// house number. Umlauts are written both "ae" and "a": every combination per
// part (family, given, street) is returned, at most eight keys, so "Müller"
// matches "Mueller" and "Muller" — but a part that mixes the two spellings
// ("Müller-Lüdenscheid" typed "Mueller-Ludenscheid") does not. In the street
// every "strasse" becomes "str", so "Lindenstraße 12", "Lindenstrasse 12",
// "Lindenstr. 12" and "Linden Straße 12" are one street. The key is
// family|given|postal code|street with number; it needs family name, postal
// code and street.
//
// A match on e-mail or phone blocks a write; a match on name and address only
// warns (the server decides, not this package).
//
// # Keys
//
// A hash is HMAC-SHA-256(secret, kind + ":" + normalised value) with a 32-byte
// server secret. A key's id is derived from its secret (KeyID) and stored with
// every hash, so keys can be rotated: a Keyring makes new hashes with its
// current key and looks up with every key (HashAll, Identifiers.Lookups).
// Other packages derive their own secrets with DeriveKey and never use the
// server secret directly.
//
// Errors about user input are *ValueError: they quote the value (shortened)
// and say what is wrong with it. Their Field and Problem carry no personal
// data; log those, never the message.
package screening
