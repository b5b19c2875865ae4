package migrations

// SortFoldUp runs migration 00034's Up in tx, for tests of a database migrated already.
var SortFoldUp = sortFoldUp
