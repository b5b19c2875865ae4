package main

import "testing"

func TestParseVMStatReadsTheNamedCounter(t *testing.T) {
	vmstat := "nr_free_pages 5767721\npgpgin 725753\npgpgout 8811002\npgpgin_extra 1\n"
	if got := parseVMStat(vmstat, "pgpgin"); got != 725753 {
		t.Errorf("pgpgin = %d, want 725753", got)
	}
	if got := parseVMStat(vmstat, "pgmajfault"); got != -1 {
		t.Errorf("a counter the kernel does not have = %d, want -1", got)
	}
}

func TestReadsNoteIsPerOperationAndSilentWhenUnknown(t *testing.T) {
	r := loadResult{ops: 1000, blocksRead: 2500, diskKiB: 8000}
	if got, want := readsNote(r), "2.50 blocks outside shared buffers, 8.00 KiB from disk"; got != want {
		t.Errorf("readsNote = %q, want %q", got, want)
	}
	r.diskKiB = -1
	if got := readsNote(r); got != "" {
		t.Errorf("readsNote without the disk's count = %q, want none", got)
	}
}
