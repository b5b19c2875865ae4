// Package app builds a running Vermerk from its configuration: database (embedded or given),
// migrations, secret keys, the services behind the GraphQL layer and the HTTP handler. The
// `serve` command and the end-to-end tests both use it, so tests run what users run.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/audit"
	"github.com/vermerk/vermerk/server/internal/auth"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/contacts"
	"github.com/vermerk/vermerk/server/internal/embeddedpg"
	"github.com/vermerk/vermerk/server/internal/events"
	"github.com/vermerk/vermerk/server/internal/importer"
	"github.com/vermerk/vermerk/server/internal/metrics"
	"github.com/vermerk/vermerk/server/internal/ratelimit"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/internal/unsubscribe"
	"github.com/vermerk/vermerk/server/internal/web"
	"github.com/vermerk/vermerk/server/internal/webhooks"
	"github.com/vermerk/vermerk/server/migrations"
)

// App is a configured, migrated Vermerk ready to serve.
type App struct {
	Config     config.Config
	Log        *slog.Logger
	DB         *store.DB
	Keyring    *screening.Keyring
	Events     *events.Bus       // the outbox listener; graph.Services.Events
	Imports    *importer.Service // graph.Services.Imports; also `vermerk import`
	AdminToken string
	Handler    http.Handler
	// Metrics is the registry services register their collectors on (served at /metrics).
	Metrics *prometheus.Registry

	cluster *embeddedpg.Cluster
	stops   []func(context.Context) // run in reverse order by Close
}

// Open starts what cfg asks for. On error everything already started is stopped again.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Log: log, Metrics: metrics.NewRegistry()}
	if err := a.open(ctx); err != nil {
		a.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return a, nil
}

func (a *App) open(ctx context.Context) (err error) {
	cfg, log := a.Config, a.Log
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		a.cluster, err = embeddedpg.Start(ctx, embeddedpg.Options{DataDir: cfg.DataDir, Logger: log})
		if err != nil {
			return fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		a.stops = append(a.stops, func(ctx context.Context) {
			if err := a.cluster.Stop(ctx); err != nil {
				log.Error("stopping embedded PostgreSQL", "err", err)
			}
		})
		dbURL = a.cluster.ConnString("postgres")
	}
	if err := migrations.Apply(ctx, dbURL); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	a.DB, err = store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	a.stops = append(a.stops, func(context.Context) { a.DB.Close() })
	if a.Keyring, err = loadKeyring(cfg); err != nil {
		return err
	}
	// Before serving: recipients leaves out a contact whose identifiers lack a current-key
	// hash (rows written before migration 00011, or before a key rotation).
	start := time.Now()
	if n, err := blacklist.HashAllIdentifiers(ctx, a.DB, a.Keyring); err != nil {
		return err
	} else if n > 0 {
		log.Info("hashed contact identifiers under the current key", "rows", n, "took", time.Since(start).Round(time.Millisecond))
	}
	if a.AdminToken, err = adminToken(cfg); err != nil {
		return err
	}
	return a.build(ctx, dbURL)
}

// unhashedSweep is how often identifiers some writer left without their keyed hash are hashed
// (recipients leaves their contacts out until then).
const unhashedSweep = 30 * time.Second

// build creates the services and the HTTP handler.
func (a *App) build(ctx context.Context, dbURL string) error {
	cfg := a.Config
	bl := blacklist.New(a.DB, a.Keyring)
	screens := metrics.NewScreens(a.Metrics) // counts screenings; refused (rate-limited) ones are not screenings
	metrics.RegisterPool(a.Metrics, a.DB.Pool)
	cs := consent.New(a.DB)
	unsubscribeKeys, err := a.subKeys("unsubscribe")
	if err != nil {
		return err
	}
	links, err := unsubscribe.New(cs, cfg.PublicURL, unsubscribeKeys...)
	if err != nil {
		return err
	}
	webhookKeys, err := a.subKeys("webhook-secret")
	if err != nil {
		return err
	}
	hooks, err := webhooks.New(a.DB, webhookKeys...)
	if err != nil {
		return err
	}
	svc := graph.Services{
		Contacts:    contacts.New(a.DB, screens.Screener(bl)),
		Blacklist:   ratelimit.Screen(screens.Blacklist(bl), cfg.ScreenRate, a.Metrics),
		Tokens:      auth.New(a.DB, a.AdminToken, a.Log),
		Audit:       audit.New(a.DB),
		Consents:    cs,
		Unsubscribe: links,
		Webhooks:    hooks,
	}
	importRows := metrics.ImportRows(a.Metrics)
	a.Imports = importer.New(a.DB, a.Keyring, importer.Options{
		SpoolDir: filepath.Join(cfg.DataDir, "imports"), Log: a.Log,
		Counted: func(inserted, duplicates, held, invalid int) {
			importRows.WithLabelValues(metrics.ImportInserted).Add(float64(inserted))
			importRows.WithLabelValues(metrics.ImportDuplicate).Add(float64(duplicates))
			importRows.WithLabelValues(metrics.ImportHeld).Add(float64(held))
			importRows.WithLabelValues(metrics.ImportInvalid).Add(float64(invalid))
		},
	})
	svc.Imports = a.Imports
	a.Events = events.New(a.DB, events.Options{Log: a.Log, Retention: cfg.EventRetention})
	a.Events.Entries = events.EntryFunc(func(ctx context.Context, id string) (*model.BlacklistEntry, error) {
		return blacklist.Entry(ctx, a.DB.Pool, id)
	})
	a.Events.Jobs = svc.Imports
	if err := a.Events.Start(ctx); err != nil {
		return err
	}
	a.stops = append(a.stops, a.Events.Stop)
	svc.Events = a.Events
	a.stops = append(a.stops, a.Imports.Stop)
	if err := a.Imports.Recover(ctx); err != nil { // jobs a crash left RUNNING
		return err
	}
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		blacklist.SweepUnhashed(sweepCtx, a.DB, a.Keyring, unhashedSweep, a.Log)
	}()
	a.stops = append(a.stops, func(context.Context) { stopSweep(); <-swept })
	hookWorker := webhooks.NewWorker(hooks, webhooks.WorkerOptions{Log: a.Log, Retention: cfg.EventRetention})
	hookWorker.Start(ctx)
	a.stops = append(a.stops, hookWorker.Stop)
	metrics.WatchEvents(a.Metrics, a.Events, a.DB.Pool)
	gql := graph.NewHandler(svc, graph.Options{
		Logger:         a.Log,
		MaxUploadSize:  cfg.MaxUploadSize,
		OriginPatterns: cfg.AllowedOrigins,
		Extensions:     []graphql.HandlerExtension{metrics.GraphQL(a.Metrics), web.OperationLogger{}},
	})
	a.Handler = web.Handler(web.Routes{
		GraphQL:        gql,
		Unsubscribe:    unsubscribe.NewHandler(links, unsubscribe.HandlerOptions{Log: a.Log}),
		Ready:          a.ready(dbURL),
		Metrics:        metrics.Handler(a.Metrics, svc.Tokens, a.Log),
		MaxUploadBytes: cfg.MaxUploadSize,
		TrustedProxies: cfg.TrustedProxies,
	}, a.Log)
	return nil
}

// ready: the database answers and is migrated to the version this binary expects.
func (a *App) ready(dbURL string) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := a.DB.Pool.Ping(ctx); err != nil {
			return errors.New("database unreachable")
		}
		cur, latest, err := migrations.Status(ctx, dbURL)
		if err != nil {
			return errors.New("migration status unknown")
		}
		if cur != latest {
			return fmt.Errorf("database at migration %d, this binary needs %d", cur, latest)
		}
		return nil
	}
}

// Close stops everything Open started, the database last.
func (a *App) Close(ctx context.Context) {
	for i := len(a.stops) - 1; i >= 0; i-- {
		a.stops[i](ctx)
	}
	a.stops = nil
}

// loadKeyring: VERMERK_SECRET_KEY, else a generated key file in the data directory; old keys
// stay for matching blacklist entries made before a rotation.
func loadKeyring(cfg config.Config) (*screening.Keyring, error) {
	var (
		current screening.Key
		err     error
	)
	if cfg.SecretKey != "" {
		current, err = screening.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("VERMERK_SECRET_KEY: %w", err)
		}
	} else {
		current, err = screening.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "secret.key"))
		if err != nil {
			return nil, fmt.Errorf("secret key file: %w", err)
		}
	}
	var old []screening.Key
	for i, s := range cfg.OldSecretKeys {
		k, err := screening.ParseKey(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("VERMERK_OLD_SECRET_KEYS[%d]: %w", i, err)
		}
		old = append(old, k)
	}
	return screening.NewKeyring(current, old...)
}

// adminToken: VERMERK_ADMIN_TOKEN, else one generated on first start and kept (mode 0600).
func adminToken(cfg config.Config) (string, error) {
	if cfg.AdminToken != "" {
		return cfg.AdminToken, nil
	}
	path := filepath.Join(cfg.DataDir, "admin-token")
	if b, err := os.ReadFile(path); err == nil {
		if t := strings.TrimSpace(string(b)); len(t) >= 16 {
			return t, nil
		}
		return "", fmt.Errorf("%s holds no token of at least 16 characters; delete it to generate a new one", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("admin token file: %w", err)
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	t := "vmk_admin_" + base64.RawURLEncoding.EncodeToString(b[:])
	if err := os.WriteFile(path, []byte(t+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("admin token file: %w", err)
	}
	return t, nil
}

// subKeys derives the secrets for one purpose from the current and the old server keys,
// current first, so what was signed or sealed before a key rotation still verifies.
func (a *App) subKeys(purpose string) ([]screening.Key, error) {
	cur := a.Keyring.Current()
	keys := []screening.Key{{ID: cur.ID, Secret: screening.DeriveKey(cur, purpose)}}
	for i, s := range a.Config.OldSecretKeys {
		k, err := screening.ParseKey(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("VERMERK_OLD_SECRET_KEYS[%d]: %w", i, err)
		}
		keys = append(keys, screening.Key{ID: k.ID, Secret: screening.DeriveKey(k, purpose)})
	}
	return keys, nil
}
