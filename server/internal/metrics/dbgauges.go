package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// dbGauges exports gauges read from the database at scrape time, so that every instance
// reports the same figures; read returns one value per desc, in order. When the database does
// not answer within lagQueryTimeout, the scrape leaves them out rather than report a stale or
// zero value.
type dbGauges struct {
	descs []*prometheus.Desc
	read  func(ctx context.Context) ([]float64, error)
}

func (g *dbGauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range g.descs {
		ch <- d
	}
}

func (g *dbGauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), lagQueryTimeout)
	defer cancel()
	values, err := g.read(ctx)
	if err != nil {
		return
	}
	for i, d := range g.descs {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, values[i])
	}
}
