package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vermerk/vermerk/server/internal/store"
)

// EventSource is this instance's event bus as the event metrics read it.
type EventSource interface {
	// Subscribers is the number of open subscriptions on this instance.
	Subscribers() int
	// Last is the id of the last event handed to this instance's subscribers.
	Last() int64
}

// lagQueryTimeout bounds the scrape-time lag query, so a slow database cannot hang /metrics.
const lagQueryTimeout = 2 * time.Second

// WatchEvents exports vermerk_subscriptions_active (open subscriptions on this instance) and
// vermerk_event_lag_seconds: the age of the oldest committed event this instance has not yet
// handed to its subscribers, read from the outbox with q at scrape time (0 when caught up).
func WatchEvents(reg prometheus.Registerer, bus EventSource, q store.Querier) {
	register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace, Name: "subscriptions_active",
		Help: "Open GraphQL subscriptions on this instance.",
	}, func() float64 { return float64(bus.Subscribers()) }))
	register(reg, &lagCollector{bus: bus, q: q, desc: prometheus.NewDesc(namespace+"_event_lag_seconds",
		"Age of the oldest committed event this instance has not yet handed to its subscribers (0 when caught up).", nil, nil)})
}

type lagCollector struct {
	bus  EventSource
	q    store.Querier
	desc *prometheus.Desc
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect leaves the metric out when the database does not answer: a scrape without it says
// more than a made-up value.
func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), lagQueryTimeout)
	defer cancel()
	var lag float64
	err := c.q.QueryRow(ctx, `SELECT coalesce(extract(epoch FROM clock_timestamp() - min(at)), 0)::float8
		FROM events WHERE id > $1`, c.bus.Last()).Scan(&lag)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, max(lag, 0))
}
