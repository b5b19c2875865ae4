package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// RequestCounter counts the open data-subject requests that are overdue and those due within
// seven days (requests.Service.Counts).
type RequestCounter func(ctx context.Context) (overdue, dueSoon int, err error)

// WatchRequests exports vermerk_requests_overdue and vermerk_requests_due_soon, read from the
// database at scrape time, so every instance reports the same figures.
func WatchRequests(reg prometheus.Registerer, count RequestCounter) {
	register(reg, &requestCollector{count: count,
		overdue: prometheus.NewDesc(namespace+"_requests_overdue",
			"Open data-subject requests past their deadline (Art. 12(3) GDPR).", nil, nil),
		dueSoon: prometheus.NewDesc(namespace+"_requests_due_soon",
			"Open data-subject requests whose deadline is within the next 7 days.", nil, nil)})
}

type requestCollector struct {
	count            RequestCounter
	overdue, dueSoon *prometheus.Desc
}

func (c *requestCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.overdue; ch <- c.dueSoon }

// Collect leaves both out when the database does not answer.
func (c *requestCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), lagQueryTimeout)
	defer cancel()
	overdue, dueSoon, err := c.count(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.overdue, prometheus.GaugeValue, float64(overdue))
	ch <- prometheus.MustNewConstMetric(c.dueSoon, prometheus.GaugeValue, float64(dueSoon))
}
