package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// readMeter counts, over a load run's window, the blocks the database read into its shared
// buffers (from the kernel's page cache or from the disk: pg_stat_database.blks_read of the
// bench database) and the KiB the machine read from its disks (/proc/vmstat pgpgin). They tell
// a run that found its tables in memory from one that read them: at 10,000,000 contacts the
// tables outgrow the shared buffers, and a virtual machine whose host reclaims the page cache
// of pages left unread for a while (DAMON's pageout on this kind of machine) reads them from
// the disk again.
type readMeter struct {
	b                 *bench
	blocks0, diskKiB0 int64
}

func (b *bench) readMeter(ctx context.Context) *readMeter {
	return &readMeter{b: b, blocks0: b.blocksRead(ctx), diskKiB0: diskReadKiB()}
}

// read is what was read since the meter started; -1 where it cannot be told.
func (m *readMeter) read(ctx context.Context) (blocks, diskKiB int64) {
	blocks, diskKiB = -1, -1
	if now := m.b.blocksRead(ctx); now >= 0 && m.blocks0 >= 0 {
		blocks = now - m.blocks0
	}
	if now := diskReadKiB(); now >= 0 && m.diskKiB0 >= 0 {
		diskKiB = now - m.diskKiB0
	}
	return blocks, diskKiB
}

// blocksRead is pg_stat_database.blks_read of all the cluster's databases so far (the
// imports run in databases of their own; -1 on failure). Backends report it when they go
// idle, at most once a second, so a window's count is late by up to a second at each end.
func (b *bench) blocksRead(ctx context.Context) int64 {
	var n int64
	if err := b.pool.QueryRow(ctx, `SELECT coalesce(sum(blks_read), 0)::bigint FROM pg_stat_database`).Scan(&n); err != nil {
		return -1
	}
	return n
}

// diskReadKiB is /proc/vmstat's pgpgin: KiB read from block devices since boot (-1 where
// there is none).
func diskReadKiB() int64 {
	b, err := os.ReadFile("/proc/vmstat")
	if err != nil {
		return -1
	}
	return parseVMStat(string(b), "pgpgin")
}

func parseVMStat(vmstat, name string) int64 {
	for line := range strings.Lines(vmstat) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok && k == name {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// readsNote says what a run read per operation, "" when it cannot be told.
func readsNote(r loadResult) string { return readsPer(r.blocksRead, r.diskKiB, r.ops) }

// readsPer says what was read per one of n operations, "" when it cannot be told.
func readsPer(blocks, diskKiB int64, n int) string {
	if n <= 0 || blocks < 0 || diskKiB < 0 {
		return ""
	}
	return fmt.Sprintf("%.2f blocks outside shared buffers, %.2f KiB from disk", float64(blocks)/float64(n), float64(diskKiB)/float64(n))
}
