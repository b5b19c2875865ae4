package metrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// RegisterPool exports pool's statistics as vermerk_db_pool_* metrics on reg.
func RegisterPool(reg prometheus.Registerer, pool *pgxpool.Pool) {
	register(reg, newPoolCollector(pool))
}

type poolCollector struct {
	pool *pgxpool.Pool

	acquired, idle, total, constructing, max          *prometheus.Desc
	acquires, acquireSeconds, emptyAcquires, canceled *prometheus.Desc
	emptyWaitSeconds, newConns, lifetimeDestroyed     *prometheus.Desc
	idleDestroyed                                     *prometheus.Desc
}

func newPoolCollector(pool *pgxpool.Pool) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(namespace+"_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{
		pool:              pool,
		acquired:          d("acquired_conns", "Connections currently in use."),
		idle:              d("idle_conns", "Idle connections in the pool."),
		total:             d("total_conns", "Connections in the pool (in use, idle and being opened)."),
		constructing:      d("constructing_conns", "Connections being opened."),
		max:               d("max_conns", "Largest size the pool may grow to."),
		acquires:          d("acquires_total", "Successful connection acquisitions."),
		acquireSeconds:    d("acquire_seconds_total", "Total time spent acquiring connections."),
		emptyAcquires:     d("empty_acquires_total", "Acquisitions that had to wait because no connection was idle."),
		canceled:          d("canceled_acquires_total", "Acquisitions cancelled by their context."),
		emptyWaitSeconds:  d("empty_acquire_wait_seconds_total", "Total time acquisitions waited for a connection to become free."),
		newConns:          d("new_conns_total", "Connections opened."),
		lifetimeDestroyed: d("max_lifetime_destroyed_total", "Connections closed for reaching their maximum lifetime."),
		idleDestroyed:     d("max_idle_destroyed_total", "Connections closed for idling too long."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.constructing, c.max, c.acquires,
		c.acquireSeconds, c.emptyAcquires, c.canceled, c.emptyWaitSeconds, c.newConns, c.lifetimeDestroyed, c.idleDestroyed} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(c.acquired, float64(s.AcquiredConns()))
	gauge(c.idle, float64(s.IdleConns()))
	gauge(c.total, float64(s.TotalConns()))
	gauge(c.constructing, float64(s.ConstructingConns()))
	gauge(c.max, float64(s.MaxConns()))
	counter(c.acquires, float64(s.AcquireCount()))
	counter(c.acquireSeconds, s.AcquireDuration().Seconds())
	counter(c.emptyAcquires, float64(s.EmptyAcquireCount()))
	counter(c.canceled, float64(s.CanceledAcquireCount()))
	counter(c.emptyWaitSeconds, s.EmptyAcquireWaitTime().Seconds())
	counter(c.newConns, float64(s.NewConnsCount()))
	counter(c.lifetimeDestroyed, float64(s.MaxLifetimeDestroyCount()))
	counter(c.idleDestroyed, float64(s.MaxIdleDestroyCount()))
}
