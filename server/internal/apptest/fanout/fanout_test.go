package fanout_test

import (
	"os"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/fanout"
)

// The fan-out measurement over two instances sharing one database, small by default;
// VERMERK_FANOUT_FULL=1 runs the benchmark's scale (1,000 subscribers, 100 revocations);
// VERMERK_FANOUT_INTERVAL sets the pause between commits (default 10ms).
func TestFanoutAcrossTwoInstances(t *testing.T) {
	subscribers, n := 40, 20
	if os.Getenv("VERMERK_FANOUT_FULL") != "" {
		subscribers, n = 1000, 100
	}
	var interval time.Duration
	if v := os.Getenv("VERMERK_FANOUT_INTERVAL"); v != "" {
		interval, _ = time.ParseDuration(v)
	}
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	res, err := fanout.Measure(t.Context(), fanout.Config{
		URLs:        []string{a.WSURL(), b.WSURL()},
		Token:       apptest.AdminToken,
		DBURL:       a.DBURL,
		Subscribers: subscribers,
		Events:      n,
		Interval:    interval,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Lost != 0 || res.Duplicates != 0 || res.Failed != 0 || res.Delivered != subscribers*n {
		t.Errorf("every subscriber must get every revocation exactly once: %v", res)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 || res.Max > 10*time.Second {
		t.Errorf("implausible latencies: %v", res)
	}
}
