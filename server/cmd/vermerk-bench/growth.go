package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// growAndMeasure grows the bench database to scale.grow times its contacts (with their list
// memberships and consents) and blacklist entries, measures the request and import figures
// again and records how each grew.
func (b *bench) growAndMeasure(ctx context.Context, only map[string]bool) error {
	sc := b.scale
	want := func(g string) bool { return only == nil || only[g] }
	bigContacts, bigBlacklist := sc.contacts*sc.grow, sc.blacklist*sc.grow
	t0 := time.Now()
	b.progress("growing the database to %s contacts and %s blacklist entries (load average %s)",
		count(bigContacts), count(bigBlacklist), loadAverage())
	// Contacts, their memberships and the blacklist grow at once: in replica mode nothing
	// checks the memberships' foreign keys, so they need not wait for the contacts, and the
	// three keep both cores busy to the end.
	var wg sync.WaitGroup
	var contactsErr, membersErr, blacklistErr error
	if want("contact") || want("import") || want("retention") {
		from := b.contacts + 1
		wg.Go(func() { contactsErr = b.seedContacts(ctx, from, bigContacts) })
		if b.listID != "" && b.members < bigContacts {
			from := b.members + 1
			wg.Go(func() {
				if membersErr = b.seedRecipients(ctx, from, bigContacts, b.listID, b.purposeID); membersErr == nil {
					b.members = bigContacts
				}
			})
		}
	}
	if want("screen") || want("recipients") || want("import") { // the import screens every row against it
		from := b.blacklist + 1
		wg.Go(func() { blacklistErr = b.seedBlacklist(ctx, from, bigBlacklist) })
	}
	wg.Wait()
	if err := errors.Join(contactsErr, membersErr, blacklistErr); err != nil {
		return err
	}
	// Each seed vacuumed its tables while the others' transactions still ran, so VACUUM could
	// not mark their new pages all visible (in a run of 2026-12-01 at 10M, 17,442 of
	// consent_state's 117,539 pages): the planner then costs index-only scans as reading the
	// table, and the recipients page took another plan. A database in use is vacuumed
	// (autovacuum); the figures at 10M are measured on one that is.
	if err := b.settle(ctx, "contacts", "contact_emails", "list_members", "consent_events", "consent_state",
		"blacklist_entries", "blacklist_hashes", "contact_blocks"); err != nil {
		return err
	}
	b.progress("grown in %s; %s", time.Since(t0).Round(time.Second), b.planStatistics(ctx, "list_members", "consent_state"))
	b.phase = count(bigContacts)
	groups := []group{{"contact", b.contactFigures}, {"recipients", b.recipientsFigures}, {"screen", b.screenFigures},
		{"import", b.importFigures}, {"retention", b.retentionFigures}}
	if err := b.measure(ctx, groups, only); err != nil {
		return err
	}
	b.grew("screen_p99", "ms", atMost(1.3), "at the same offered rate")
	b.grew("contact_rps", "req/s", atLeast(0.9), "")
	indexOnly := true // at every size (recipientsIndexOnly)
	for _, v := range b.indexOnly {
		indexOnly = indexOnly && strings.HasSuffix(v, ": yes")
	}
	b.grew("recipients_page_ms", "ms", atMost(1.3).requires(indexOnly), "index-only "+strings.Join(b.indexOnly, ", "))
	b.grew("contacts_total_count_ms", "ms", atMost(1.3), "a first page of 50 with totalCount")
	b.grew("import_rps", "rows/s", atLeast(0.8), "the same file into the large database vs into an empty one")
	b.grew("retention_examined", "contacts/s", goal{}, "a dry run over every contact")
	b.grew("retention_heap", "MB", goal{}, fmt.Sprintf("bounded: ≤ %d MB at each size", retentionHeapMB))
	b.grew("record_s", "s", goal{}, "the record of processing activities over every purpose")
	return nil
}
