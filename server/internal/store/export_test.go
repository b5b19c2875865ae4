package store

// Neighbours is the query SamePerson asks each step, for tests of its plan.
const Neighbours = neighbours

// LookAlikeCandidates is the statement LookAlikes reads the candidates of one record with, for
// tests of its plan.
func LookAlikeCandidates(id, given, family, postal, street string) (string, []any) {
	return lookAlikeCandidates([]keyed{{id: id, given: given, family: family, postal: postal, street: street}})
}

// Holders is the query People asks for the records of identifiers and entries, for tests of its plan.
const Holders = holders

// HerEntries is the query ScrubEntryReasons finds the person's entries with, for tests of its plan.
const HerEntries = herEntries

// HerRecordReasons is the query ScrubRecordReasons reads the reasons audited for the
// person's records with, for tests of its plan.
const HerRecordReasons = herRecordReasons
