package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vermerk/vermerk/graph/model"
)

// Screenings counts blacklist screenings (the screen query and every screened write: create,
// update, import rows), whether or not they matched.
func Screenings(reg prometheus.Registerer) prometheus.Counter {
	return register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "screenings_total",
		Help: "Blacklist screenings (screen query, contact writes, import rows).",
	}))
}

// ScreeningMatches counts blacklist matches by the identifier that matched (field is EMAIL,
// PHONE or NAME_AND_ADDRESS).
func ScreeningMatches(reg prometheus.Registerer) *prometheus.CounterVec {
	v := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "screening_matches_total",
		Help: "Blacklist matches found by screenings, by the identifier that matched.",
	}, []string{"field"}))
	for _, f := range model.AllMatchField {
		v.WithLabelValues(string(f))
	}
	return v
}

// Import row outcomes, the label values of ImportRows.
const (
	ImportInserted  = "inserted"
	ImportDuplicate = "duplicate"
	ImportHeld      = "held"
	ImportInvalid   = "invalid"
)

// ImportRows counts processed import rows by outcome (ImportInserted, ImportDuplicate,
// ImportHeld, ImportInvalid); its rate is the import throughput.
func ImportRows(reg prometheus.Registerer) *prometheus.CounterVec {
	v := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "import_rows_total",
		Help: "Import rows processed, by outcome (inserted, duplicate, held, invalid).",
	}, []string{"outcome"}))
	for _, o := range []string{ImportInserted, ImportDuplicate, ImportHeld, ImportInvalid} {
		v.WithLabelValues(o)
	}
	return v
}
