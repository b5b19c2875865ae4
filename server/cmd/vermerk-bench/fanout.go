package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest/fanout"
)

// fanoutFigures: revocations committed into the database reach subscribers spread over
// several instances (fanout.Measure); commit-to-receipt p99, lost deliveries, and what
// a subscriber costs an instance in memory (resident set once all are subscribed, less before).
func (b *bench) fanoutFigures(ctx context.Context) error {
	sc := b.scale
	var servers []*server
	var urls []string
	for range sc.instances {
		s, err := b.startServer(ctx, b.dbURL)
		if err != nil {
			return err
		}
		defer s.stop()
		servers = append(servers, s)
		urls = append(urls, s.wsURL())
	}
	idle := make([]int64, len(servers))
	for i, s := range servers {
		idle[i], _ = s.rss()
	}
	var perSub float64 = na
	// CPU used from all subscribed to all received: the instances', the bench's own (its
	// readers decode every message), the database's.
	var srv0, own0, db0, srvUsed, ownUsed, dbUsed time.Duration
	var cpuSeen bool
	instancesCPU := func() (total time.Duration) {
		for _, s := range servers {
			cpu, _, _ := cpuTimes(s.cmd.Process.Pid, false)
			total += cpu
		}
		return total
	}
	ownCPU := func() time.Duration { cpu, _, _ := cpuTimes(os.Getpid(), false); return cpu }
	waitProfile, stopOwnProfile := func() {}, func() {}
	b.progress("fan-out: %d subscribers over %d instances, %d revocations", sc.subscribers, sc.instances, sc.revocations)
	res, err := fanout.Measure(ctx, fanout.Config{
		URLs: urls, Token: adminToken, DBURL: b.dbURL,
		Subscribers: sc.subscribers, Events: sc.revocations, Interval: sc.eventInterval, Wait: 10 * time.Second,
		Subscribed: func() {
			var grown int64
			for i, s := range servers {
				now, err := s.rss()
				if err != nil {
					return
				}
				grown += now - idle[i]
			}
			perSub = float64(grown) / float64(sc.subscribers) / 1024
			if profileDir != "" {
				b.saveProfile(ctx, servers[0], "/debug/pprof/heap", "fanout-heap.pprof")
				b.saveProfile(ctx, servers[0], "/debug/pprof/goroutine?debug=1", "fanout-goroutines.txt")
				waitProfile = b.fanoutCPUProfile(ctx, servers[0], time.Duration(sc.revocations)*sc.eventInterval)
				stopOwnProfile = b.ownCPUProfile("fanout-bench-cpu.pprof")
			}
			srv0, own0, db0 = instancesCPU(), ownCPU(), b.databaseCPU()
		},
		Received: func() {
			srvUsed, ownUsed, dbUsed = instancesCPU()-srv0, ownCPU()-own0, b.databaseCPU()-db0
			cpuSeen = true
			stopOwnProfile()
		},
	})
	if err != nil {
		stopOwnProfile()
		waitProfile()
		b.notBuilt(fmt.Sprintf("fan-out failed: %v", err),
			figure{name: "fanout_p99", unit: "ms", baseline: na, goal: valueAtMost(250)},
			figure{name: "fanout_lost", unit: "events", baseline: na, goal: valueAtMost(0)})
		return nil
	}
	stopOwnProfile()
	waitProfile()
	b.progress("%s", res)
	note := fmt.Sprintf("%d subscribers on %d instances, %d events %s apart; no baseline", res.Subscribers, sc.instances, res.Events, sc.eventInterval)
	if cpuSeen && res.Delivered > 0 {
		note += fmt.Sprintf("; CPU per delivered message: instances %.3g µs, bench readers %.3g µs, database %.3g µs",
			perOp(srvUsed, res.Delivered), perOp(ownUsed, res.Delivered), perOp(dbUsed, res.Delivered))
		b.progress("fan-out CPU from subscribed to received: instances %v, bench %v, database %v for %d delivered messages",
			srvUsed, ownUsed, dbUsed, res.Delivered)
	}
	if res.Failed > 0 || res.Duplicates > 0 {
		note += fmt.Sprintf("; %d failed subscriptions, %d duplicates", res.Failed, res.Duplicates)
	}
	b.add(figure{name: "fanout_p99", value: float64(res.P99) / float64(time.Millisecond), unit: "ms", baseline: na, goal: valueAtMost(250), note: note})
	b.add(figure{name: "fanout_lost", value: float64(res.Lost), unit: "events", baseline: na, goal: valueAtMost(0), note: "subscriber-event pairs not received"})
	b.add(figure{name: "fanout_memory_per_subscriber", value: perSub, unit: "KiB", baseline: na,
		note: "growth of the instances' resident memory from idle to all subscribed, per subscriber"})
	return nil
}
