package metrics

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vermerk/vermerk/graph/viewer"
)

// Authenticator checks a bearer token (graph.Tokens does).
type Authenticator interface {
	Authenticate(ctx context.Context, bearer string) (*viewer.Viewer, error)
}

// Handler serves reg in the Prometheus text format to callers with a valid bearer token of any
// role (as everything but /healthz, /readyz and /unsubscribe/, /metrics needs a token; give the
// scraper its own token, see docs/production.md).
func Handler(reg *prometheus.Registry, tokens Authenticator, log *slog.Logger) http.Handler {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelError),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer := r.Header.Get("Authorization")
		if bearer == "" {
			unauthorized(w, "/metrics needs a bearer token: send the header Authorization: Bearer <token>")
			return
		}
		if _, err := tokens.Authenticate(r.Context(), bearer); err != nil {
			unauthorized(w, "the bearer token was refused; create a token with `vermerk token create`")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("WWW-Authenticate", `Bearer realm="vermerk"`)
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(msg + "\n"))
}
