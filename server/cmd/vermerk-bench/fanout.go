package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest/fanout"
)

// fanoutFigures: revocations committed into the database reach subscribers spread over
// several instances (fanout.Measure); commit-to-receipt p99 and lost deliveries.
func (b *bench) fanoutFigures(ctx context.Context) error {
	sc := b.scale
	var urls []string
	for range sc.instances {
		s, err := b.startServer(ctx)
		if err != nil {
			return err
		}
		defer s.stop()
		urls = append(urls, s.wsURL())
	}
	b.progress("fan-out: %d subscribers over %d instances, %d revocations", sc.subscribers, sc.instances, sc.revocations)
	res, err := fanout.Measure(ctx, fanout.Config{
		URLs: urls, Token: adminToken, DBURL: b.dbURL,
		Subscribers: sc.subscribers, Events: sc.revocations, Wait: 10 * time.Second,
	})
	if err != nil {
		b.notBuilt(fmt.Sprintf("fan-out failed: %v", err),
			figure{name: "fanout_p99", unit: "ms", baseline: na, target: "≤ 250 ms"},
			figure{name: "fanout_lost", unit: "events", baseline: na, target: "0"})
		return nil
	}
	b.progress("%s", res)
	note := fmt.Sprintf("%d subscribers on %d instances, %d events; no baseline", res.Subscribers, sc.instances, res.Events)
	if res.Failed > 0 || res.Duplicates > 0 {
		note += fmt.Sprintf("; %d failed subscriptions, %d duplicates", res.Failed, res.Duplicates)
	}
	b.add(figure{name: "fanout_p99", value: float64(res.P99) / float64(time.Millisecond), unit: "ms", baseline: na, target: "≤ 250 ms", note: note})
	b.add(figure{name: "fanout_lost", value: float64(res.Lost), unit: "events", baseline: na, target: "0", note: "subscriber-event pairs not received"})
	return nil
}
