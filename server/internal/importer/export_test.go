package importer

import "context"

// LookupQueries are the dedupe queries of lookup.
var LookupQueries = []string{existingEmails, existingPhones}

// Orphans are the jobs the instance would take over at its next look (adoptOrphans).
func (s *Service) Orphans(ctx context.Context) ([]string, error) { return s.orphans(ctx) }

// LockClass is the first key of the advisory lock a job's runner holds.
const LockClass = lockClass
