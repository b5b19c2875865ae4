package pgtest

// LockTable is lockTable, for the test of what a failed wait says.
var LockTable = lockTable
