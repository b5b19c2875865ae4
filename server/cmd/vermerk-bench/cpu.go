package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTimes reads a process's CPU time from /proc: its own user and system time, and with
// children its reaped children's too. ppid is its parent.
func cpuTimes(pid int, children bool) (cpu time.Duration, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// the command may hold spaces and parentheses: the fields start after the last ")"
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 15 {
		return 0, 0, false
	}
	num := func(k int) time.Duration { n, _ := strconv.ParseInt(f[k], 10, 64); return time.Duration(n) * clockTick }
	ppid, _ = strconv.Atoi(f[1])
	cpu = num(11) + num(12) // utime, stime (fields 14 and 15 of stat)
	if children {
		cpu += num(13) + num(14) // cutime, cstime
	}
	return cpu, ppid, true
}

// databaseCPU is the CPU time the bench cluster has used so far: the postmaster with its
// exited backends, plus every live backend and worker.
func (b *bench) databaseCPU() time.Duration {
	pidData, err := os.ReadFile(filepath.Join(b.cluster.DataDir(), "pg", "postmaster.pid"))
	if err != nil {
		return 0
	}
	master, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidData), "\n", 2)[0]))
	if err != nil {
		return 0
	}
	total, _, _ := cpuTimes(master, true)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cpu, ppid, ok := cpuTimes(pid, false); ok && ppid == master {
			total += cpu
		}
	}
	return total
}

// machineIdle is the idle time of all the machine's CPUs together so far (from /proc/stat).
func machineIdle() time.Duration { idle, _ := machineTimes(); return idle }

// machineSteal is the time the hypervisor gave the machine's CPUs to other guests so far
// (from /proc/stat): on a virtual machine whose host is busy, a share of every figure's
// window in which neither Vermerk nor its baseline ran.
func machineSteal() time.Duration { _, steal := machineTimes(); return steal }

func machineTimes() (idle, steal time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	return parseMachineTimes(string(b))
}

// parseMachineTimes reads the idle and steal times of /proc/stat's first line ("cpu user
// nice system idle iowait irq softirq steal …"; no steal column on old kernels: 0).
func parseMachineTimes(stat string) (idle, steal time.Duration) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	at := func(k int) time.Duration {
		if k >= len(f) {
			return 0
		}
		n, _ := strconv.ParseInt(f[k], 10, 64)
		return time.Duration(n) * clockTick
	}
	return at(4), at(8)
}

// stolenShare is the share of all CPUs' time that steal was, over elapsed.
func stolenShare(steal, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(steal) / float64(elapsed) / float64(runtime.NumCPU())
}

// cpuMeter measures the CPU the server, the database and the bench itself (the load
// generator) use between start and used, and the machine's idle time.
type cpuMeter struct {
	b                       *bench
	server                  *server
	srv0, db0, self0, idle0 time.Duration
	steal0                  time.Duration
}

func (b *bench) meter(s *server) *cpuMeter {
	idle, steal := machineTimes()
	m := &cpuMeter{b: b, server: s, db0: b.databaseCPU(), idle0: idle, steal0: steal}
	m.self0, _, _ = cpuTimes(os.Getpid(), false)
	if s != nil {
		m.srv0, _, _ = cpuTimes(s.cmd.Process.Pid, false)
	}
	return m
}

// used is the server's and the database's CPU time since the meter started.
func (m *cpuMeter) used() (server, db time.Duration) {
	if m.server != nil {
		if now, _, ok := cpuTimes(m.server.cmd.Process.Pid, false); ok {
			server = now - m.srv0
		}
	}
	return server, m.b.databaseCPU() - m.db0
}

// bench is the bench process's own CPU time since the meter started (the load generator,
// pgx included when the baseline runs in it), idle the machine's idle CPU time.
func (m *cpuMeter) bench() (self, idle, steal time.Duration) {
	now, _, _ := cpuTimes(os.Getpid(), false)
	idleNow, stealNow := machineTimes()
	return now - m.self0, idleNow - m.idle0, stealNow - m.steal0
}

// perOp is a CPU time per one of n operations in microseconds.
func perOp(d time.Duration, n int) float64 {
	if n <= 0 {
		return na
	}
	return float64(d) / float64(time.Microsecond) / float64(n)
}
