package main

import (
	"context"
	"strings"
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
	if want("contact") || want("import") {
		if err := b.seedContacts(ctx, b.contacts+1, bigContacts); err != nil {
			return err
		}
	}
	if b.listID != "" && b.members < b.contacts {
		if err := b.seedRecipients(ctx, b.members+1, b.contacts, b.listID, b.purposeID); err != nil {
			return err
		}
		b.members = b.contacts
	}
	if want("screen") {
		if err := b.seedBlacklist(ctx, b.blacklist+1, bigBlacklist); err != nil {
			return err
		}
	}
	b.progress("grown in %s", time.Since(t0).Round(time.Second))
	b.phase = count(bigContacts)
	groups := []group{{"contact", b.contactFigures}, {"recipients", b.recipientsFigures}, {"screen", b.screenFigures},
		{"import", b.importFigures}}
	if err := b.measure(ctx, groups, only); err != nil {
		return err
	}
	b.grew("screen_p99", "ms", atMost(1.3), "at the same offered rate")
	b.grew("contact_rps", "req/s", atLeast(0.9), "")
	b.grew("recipients_page_ms", "ms", atMost(1.3), "index-only "+strings.Join(b.indexOnly, ", "))
	b.grew("contacts_total_count_ms", "ms", atMost(1.3), "a first page of 50 with totalCount")
	b.grew("import_rps", "rows/s", atLeast(0.8), "the same file into the large database vs into an empty one")
	return nil
}
