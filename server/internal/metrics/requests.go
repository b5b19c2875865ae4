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
	register(reg, &dbGauges{
		descs: []*prometheus.Desc{
			prometheus.NewDesc(namespace+"_requests_overdue",
				"Open data-subject requests past their deadline (Art. 12(3) GDPR).", nil, nil),
			prometheus.NewDesc(namespace+"_requests_due_soon",
				"Open data-subject requests whose deadline is within the next 7 days.", nil, nil),
		},
		read: func(ctx context.Context) ([]float64, error) {
			overdue, dueSoon, err := count(ctx)
			return []float64{float64(overdue), float64(dueSoon)}, err
		},
	})
}
