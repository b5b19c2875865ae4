package embeddedpg

import "testing"

func TestSharedBuffersIsAQuarterOfMemoryWithinBounds(t *testing.T) {
	for _, tc := range []struct {
		mem  uint64
		want string
	}{
		{0, "131072kB"},             // unknown: PostgreSQL's default
		{256 << 20, "131072kB"},     // a small machine keeps the default
		{8 << 30, "2097152kB"},      // a quarter
		{24 << 30, "4194304kB"},     // capped at 4 GB
		{(2 << 30) + 8, "524288kB"}, // rounded down to whole kB
	} {
		if got := sharedBuffers(tc.mem); got != tc.want {
			t.Errorf("sharedBuffers(%d) = %s, want %s", tc.mem, got, tc.want)
		}
	}
	if memTotal() == 0 {
		t.Error("memTotal found no MemTotal in /proc/meminfo")
	}
}
