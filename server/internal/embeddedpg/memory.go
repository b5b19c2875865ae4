package embeddedpg

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Memory settings of a serving cluster. PostgreSQL's defaults (128 MB of shared buffers,
// 1 GB of WAL between checkpoints) are sized for a server that shares a small machine: at
// 10,000,000 contacts the indexes an import writes into are several GB, and with 128 MB of
// buffers nearly every random index insert reads its page back from the kernel's cache.
const (
	minSharedBuffers = 128 << 20
	maxSharedBuffers = 4 << 30
	maxWALSize       = "2GB" // fewer checkpoints during a large import, so fewer full-page images
)

// sharedBuffers is a quarter of the machine's memory (PostgreSQL's own advice for a server
// with the machine to itself; Linux allocates the pages only as they are used), between 128 MB
// and 4 GB, in the "NNNkB" form postgres takes; memTotal 0 (unknown) gives the minimum.
func sharedBuffers(memTotal uint64) string {
	b := min(max(memTotal/4, minSharedBuffers), maxSharedBuffers)
	return strconv.FormatUint(b>>10, 10) + "kB"
}

// memTotal is the machine's memory in bytes from /proc/meminfo, 0 where there is none.
func memTotal() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) == 3 && fields[0] == "MemTotal:" && fields[2] == "kB" {
			kb, err := strconv.ParseUint(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
