package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// WebhookBacklog reads the deliveries not yet sent: how many, and how long the oldest has
// waited (0 without any) (webhooks.Service.Backlog).
type WebhookBacklog func(ctx context.Context) (pending int, oldest time.Duration, err error)

// WatchWebhooks exports vermerk_webhook_deliveries_pending and
// vermerk_webhook_oldest_pending_seconds, read from the database at scrape time (every instance
// reports the same), and returns the counter vermerk_webhook_deliveries_failed_total, which the
// instance's worker adds to when it gives a delivery up. A webhook tells another system (a
// newsletter tool, a CRM) of revocations and erasures; one that waits long means that system
// still acts on consent that was revoked.
func WatchWebhooks(reg prometheus.Registerer, backlog WebhookBacklog) prometheus.Counter {
	register(reg, &dbGauges{
		descs: []*prometheus.Desc{
			prometheus.NewDesc(namespace+"_webhook_deliveries_pending",
				"Webhook deliveries not sent yet (new, being retried, or waiting for an instance with their key).", nil, nil),
			prometheus.NewDesc(namespace+"_webhook_oldest_pending_seconds",
				"How long the oldest webhook delivery not sent yet has waited (0 when none waits).", nil, nil),
		},
		read: func(ctx context.Context) ([]float64, error) {
			pending, oldest, err := backlog(ctx)
			return []float64{float64(pending), oldest.Seconds()}, err
		},
	})
	return register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "webhook_deliveries_failed_total",
		Help: "Webhook deliveries this instance gave up after their last attempt.",
	}))
}
