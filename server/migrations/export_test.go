package migrations

// SortFoldUp runs migration 00034's Up in tx, for tests of a database migrated already.
var SortFoldUp = sortFoldUp

// SortFoldBatch is migration 00034's query of a batch of contacts after the id $1.
const SortFoldBatch = sortFoldBatch

// HeldNameAddressKeysUp runs migration 00042's Up in tx, for tests of a database migrated
// already (with the column dropped first).
var HeldNameAddressKeysUp = heldNameAddressKeysUp

// SearchJoinedNamesUp runs migration 00058's Up in tx, for tests of a database migrated already
// (with its index dropped first).
var SearchJoinedNamesUp = searchJoinedNamesUp
