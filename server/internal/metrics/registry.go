// Package metrics defines Vermerk's Prometheus metrics (served at /metrics): GraphQL request
// durations and errors per operation, screenings and their matches, rate-limit refusals, live
// subscriptions, event lag, import rows and database pool statistics.
//
// Every metric is defined once, here, and registered with register-or-reuse: a package that
// needs a counter calls its constructor (ImportRows(reg), Screenings(reg), …) with the
// registerer it was given and gets the one instance on that registry, however often it asks.
package metrics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// namespace prefixes every metric of Vermerk's own.
const namespace = "vermerk"

// NewRegistry returns a registry with the Go runtime and process collectors and every Vermerk
// metric that needs no running service (so /metrics names them before their first use).
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	Screenings(reg)
	ScreeningMatches(reg)
	ImportRows(reg)
	graphQLDuration(reg)
	graphQLErrors(reg)
	return reg
}

// register registers c on reg, or returns the identical collector registered before. A
// different collector under the same name is a programming error and panics. A nil reg
// leaves c unregistered (for tests of packages that take an optional registerer).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(fmt.Sprintf("metrics: register: %v", err))
	}
	return c
}
