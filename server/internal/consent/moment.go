package consent

import "time"

// GrantMoment is when a grant counts from: when the person gave it (givenAt; nil: when it was
// recorded), but never after recordedAt — a givenAt a little ahead of the server's clock (the
// caller's clock differs, see clockSkew) would otherwise outlast a revocation recorded after
// it. SQL: vermerk_consent_moment (migration 00056).
func GrantMoment(givenAt *time.Time, recordedAt time.Time) time.Time {
	if givenAt != nil && givenAt.Before(recordedAt) {
		return *givenAt
	}
	return recordedAt
}

// GrantUndoes is the ledger's one rule between a grant and a revocation of one purpose: the
// grant, counting from grantAt (GrantMoment), undoes the revocation the person said at
// revokedAt only when it is strictly later. A revocation at the same instant as a grant wins:
// a "no" is not outweighed by a "yes" no one can show came after it. Every path that weighs a
// grant against a revocation asks this (recordConsent's evidence check, the inheritance of her
// revocation across her records, a re-entry's objected grants, the import of a duplicate's
// consent); the derived state in SQL (vermerk_consent_rederive) orders the ledger the same way.
func GrantUndoes(grantAt, revokedAt time.Time) bool {
	return grantAt.After(revokedAt)
}
