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
	"github.com/vermerk/vermerk/server/internal/periodic"
	"github.com/vermerk/vermerk/server/internal/ratelimit"
	"github.com/vermerk/vermerk/server/internal/record"
	"github.com/vermerk/vermerk/server/internal/requests"
	"github.com/vermerk/vermerk/server/internal/retention"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/signup"
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
	Events     *events.Bus        // the outbox listener; graph.Services.Events
	Imports    *importer.Service  // graph.Services.Imports; also `vermerk import`
	Requests   *requests.Service  // graph.Services.Requests
	Retention  *retention.Service // graph.Services.Retention; also `vermerk retention`
	Keys       *store.Idempotency // graph.Services.Keys: the Idempotency-Keys of mutations
	SignUps    *signup.Service    // graph.Services.SignUps and the confirm pages
	AdminToken string             // "" when VERMERK_ADMIN_TOKEN=off
	// KeyStale receives an error once the database's current secret key is one this instance
	// lacks (another instance rotated the key): `vermerk serve` stops then.
	KeyStale <-chan error
	// AdminTokenCreated: the admin token was generated into the data directory by this start.
	AdminTokenCreated bool
	Handler           http.Handler
	// Metrics is the registry services register their collectors on (served at /metrics).
	Metrics *prometheus.Registry

	// DataDir is Config.DataDir made absolute; NewDataDir says Open created it, and with it a
	// new secret key file (and a new embedded database) unless the configuration names them.
	DataDir    string
	NewDataDir bool

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
	if a.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	if _, err := os.Stat(a.DataDir); errors.Is(err, os.ErrNotExist) {
		a.NewDataDir = true
		log.Warn("the data directory does not exist: creating it, with a new secret key and an empty embedded database "+
			"unless VERMERK_SECRET_KEY and DATABASE_URL are set; if this installation has data elsewhere, stop and set VERMERK_DATA_DIR",
			"data_dir", a.DataDir)
	}
	removeStaleUploads(filepath.Join(a.DataDir, "uploads"), log)
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		// embeddedpg creates the data directory itself, searchable by the database user.
		opts := embeddedpg.Options{DataDir: a.DataDir, Logger: log}
		if cfg.ShareEmbedded {
			a.cluster, _, err = embeddedpg.StartOrAttach(ctx, opts)
		} else {
			a.cluster, err = embeddedpg.Start(ctx, opts)
		}
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
	if err := os.MkdirAll(a.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory %s: %w", a.DataDir, err)
	}
	// Migrations take a session lock and the readiness probe prepares statements: both go
	// the direct way when DATABASE_URL goes through a transaction pooler.
	directURL := cfg.ListenDatabaseURL
	if directURL == "" {
		directURL = dbURL
	}
	if err := migrations.Apply(ctx, directURL); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	a.DB, err = store.OpenPooled(ctx, dbURL, cfg.ListenDatabaseURL)
	if err != nil {
		return err
	}
	a.stops = append(a.stops, func(context.Context) { a.DB.Close() })
	if a.Keyring, err = loadKeyring(cfg); err != nil {
		return err
	}
	a.DB.UseDigestKeys(a.subKeys(store.DigestPurpose))
	if err := blacklist.OpenKeys(ctx, a.DB, a.Keyring, cfg.LostKeyIDs, log); err != nil {
		return err
	}
	if a.AdminToken, a.AdminTokenCreated, err = adminToken(cfg); err != nil {
		return err
	}
	return a.build(ctx, directURL)
}

// ClusterDir is where the embedded database lives ("" with DATABASE_URL): inside DataDir, or
// its relocation when root's database user cannot reach DataDir.
func (a *App) ClusterDir() string {
	if a.cluster == nil {
		return ""
	}
	return a.cluster.DataDir()
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
	unsubscribeKeys := a.subKeys("unsubscribe")
	links, err := unsubscribe.New(cs, cfg.PublicURL, unsubscribeKeys...)
	if err != nil {
		return err
	}
	webhookKeys := a.subKeys("webhook-secret")
	hooks, err := webhooks.New(a.DB, webhookKeys...)
	if err != nil {
		return err
	}
	// Sealed under the current key, webhook secrets no longer need an old key after a rotation.
	if err := hooks.ResealSecrets(ctx, a.Log); err != nil {
		return err
	}
	signupKeys := a.subKeys("signup")
	secrets := make([][]byte, len(signupKeys))
	for i, k := range signupKeys {
		secrets[i] = k.Secret
	}
	signUps, err := signup.New(a.DB, bl, cfg.PublicURL, secrets, signup.Options{PerTokenRate: cfg.SignUpRate, Metrics: a.Metrics})
	if err != nil {
		return err
	}
	a.SignUps = signUps
	hooks.AllowPrivate = cfg.WebhookAllowPrivate
	tokens := auth.New(a.DB, a.AdminToken, a.Log)
	// One screening budget per token for screen and for writes refused by a match, shared by
	// every instance on the database.
	screenBudget := ratelimit.Screen(screens.Blacklist(bl), cfg.ScreenRate, a.Metrics)
	shareCtx, stopSharing := context.WithCancel(context.Background())
	shared := screenBudget.Share(shareCtx, a.DB, a.Log)
	a.stops = append(a.stops, func(context.Context) { stopSharing(); <-shared })
	svc := graph.Services{
		Contacts:    ratelimit.Writes(contacts.New(a.DB, screens.Screener(bl)), screenBudget),
		Blacklist:   screenBudget,
		Tokens:      tokens,
		Audit:       audit.New(a.DB),
		Consents:    cs,
		Unsubscribe: links,
		Webhooks:    hooks,
		SignUps:     signUps,
	}
	// A completed ERASURE request erases every record of the person, an OBJECTION or
	// RESTRICTION request blocks them, an ACCESS request exports them; keep sets apart the
	// records that are someone else, for all.
	a.Requests = requests.New(a.DB, bl.EraseUnless, bl.BlockPerson, cs.SubjectAccessExport)
	a.Requests.Blacklisted = func(ctx context.Context, c screening.Candidate) (bool, error) {
		scr, err := bl.ScreenTx(ctx, a.DB.Pool, c)
		if err != nil {
			return false, err
		}
		return scr.Blocked, nil
	}
	a.Retention = retention.New(a.DB, a.Keyring)
	svc.Requests, svc.Retention, svc.Record = a.Requests, a.Retention, record.New(a.DB)
	metrics.WatchRequests(a.Metrics, a.Requests.Counts)
	importRows := metrics.ImportRows(a.Metrics)
	a.Imports = importer.New(a.DB, a.Keyring, importer.Options{
		SpoolDir: filepath.Join(cfg.DataDir, "imports"), Log: a.Log, Retention: cfg.HeldRetention,
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
	// Idempotency-Keys of mutations live a day; every instance prunes the older ones hourly.
	// Answers holding a token's secret or a signed link (a capability) are not kept.
	keys := store.NewIdempotency(a.DB, auth.SecretPrefix, signup.ConfirmPath, unsubscribe.Path)
	a.Keys, svc.Keys = keys, keys
	pruneCtx, stopPrune := context.WithCancel(context.WithoutCancel(ctx))
	pruned := make(chan struct{})
	go func() {
		defer close(pruned)
		periodic.Run(pruneCtx, time.Hour, func(ctx context.Context) {
			if _, err := keys.PruneKeys(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("pruning idempotency keys", "err", err)
			}
		})
	}()
	a.stops = append(a.stops, func(context.Context) { stopPrune(); <-pruned })
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		blacklist.SweepUnhashed(sweepCtx, a.DB, a.Keyring, unhashedSweep, a.Log)
	}()
	stale := make(chan error, 1)
	a.KeyStale = stale
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		every := cfg.KeyCheckInterval
		if every <= 0 {
			every = unhashedSweep
		}
		blacklist.WatchCurrentKey(sweepCtx, a.DB.Pool, a.Keyring, cfg.LostKeyIDs, every, a.Log, stale)
	}()
	a.stops = append(a.stops, func(context.Context) { stopSweep(); <-swept; <-watched })
	gaveUp := metrics.WatchWebhooks(a.Metrics, hooks.Backlog)
	hookWorker := webhooks.NewWorker(hooks, webhooks.WorkerOptions{Log: a.Log, Retention: cfg.EventRetention, Events: a.Events,
		GaveUp: gaveUp.Inc})
	hookWorker.Start(ctx)
	a.stops = append(a.stops, hookWorker.Stop)
	metrics.WatchEvents(a.Metrics, a.Events, a.DB.Pool)
	sockets := a.watchTokens(tokens)
	gql := graph.NewHandler(svc, graph.Options{
		Logger:                a.Log,
		MaxUploadSize:         cfg.MaxUploadSize,
		UploadDir:             filepath.Join(cfg.DataDir, "uploads"),
		MaxUploadsPerToken:    cfg.UploadsPerToken,
		MaxOperationsPerToken: cfg.OperationsPerToken,
		OriginPatterns:        cfg.AllowedOrigins,
		Sockets:               sockets,
		Extensions:            []graphql.HandlerExtension{metrics.GraphQL(a.Metrics), web.OperationLogger{}},
	})
	a.Handler = web.Handler(web.Routes{
		GraphQL:        gql,
		Unsubscribe:    unsubscribe.NewHandler(links, unsubscribe.HandlerOptions{Log: a.Log, KeyStillCurrent: bl.KeyStillCurrent}),
		Confirm:        signup.NewHandler(signUps, signup.HandlerOptions{Log: a.Log, KeyStillCurrent: bl.KeyStillCurrent}),
		Ready:          a.ready(dbURL),
		Metrics:        metrics.Handler(a.Metrics, svc.Tokens, a.Log),
		MaxUploadBytes: cfg.MaxUploadSize,
		TrustedProxies: cfg.TrustedProxies,
	}, a.Log)
	return nil
}

// StartSchedules starts the timed work of a serving instance (only `serve` calls it; the CLI
// commands and the tests do the work when they ask for it): REQUEST_DUE events as data-subject
// requests fall due, checked every 5 minutes on every instance (each request is announced
// once, by whichever instance claims it), the deletion of sign-ups nobody confirmed in time
// (every 5 minutes), and the daily retention run when
// VERMERK_RETENTION_SCHEDULE is set (one instance runs it each day).
func (a *App) StartSchedules(ctx context.Context) error {
	var at *retention.Schedule
	if a.Config.RetentionSchedule != "" {
		s, err := retention.ParseSchedule(a.Config.RetentionSchedule)
		if err != nil {
			return fmt.Errorf("VERMERK_RETENTION_SCHEDULE: %w", err)
		}
		at = &s
	}
	a.goBackground(ctx, func(ctx context.Context) { a.Requests.WatchDue(ctx, 5*time.Minute, a.Log) })
	a.goBackground(ctx, func(ctx context.Context) { a.SignUps.WatchExpired(ctx, 5*time.Minute, a.Log) })
	if at != nil {
		a.Log.Info("retention: deleting what is due daily", "at", a.Config.RetentionSchedule, "time_zone", time.Local.String())
		a.goBackground(ctx, func(ctx context.Context) { a.Retention.RunDaily(ctx, *at, 5*time.Minute, a.Log) })
	}
	return nil
}

// goBackground runs fn until Close, which cancels it and waits for it to return.
func (a *App) goBackground(ctx context.Context, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	a.stops = append(a.stops, func(context.Context) { cancel(); <-done })
}

// watchTokens keeps the open WebSockets per token: a token revoked on any instance (the
// TOKEN_REVOKED event) leaves this instance's cache and closes its sockets at once; every
// open socket's token is checked again every two seconds (expiry, a missed event).
func (a *App) watchTokens(tokens *auth.Store) *graph.Sockets {
	sockets := graph.NewSockets(tokens, graph.SocketOptions{MaxPerToken: a.Config.SocketsPerToken, Logger: a.Log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sockets.Run(ctx) }()
	a.Events.WatchTokenRevocations(ctx, func(id string) {
		tokens.Forget(id)
		sockets.CloseToken(id, "bearer token refused: the token was revoked; ask an admin for a new one")
	})
	a.stops = append(a.stops, func(context.Context) { cancel(); <-done })
	return sockets
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

// adminToken: VERMERK_ADMIN_TOKEN ("off": none), else one generated on first start and kept
// (mode 0600); created says it was generated just now.
func adminToken(cfg config.Config) (token string, created bool, err error) {
	switch cfg.AdminToken {
	case config.AdminTokenOff:
		return "", false, nil
	case "":
	default:
		return cfg.AdminToken, false, nil
	}
	path := AdminTokenFile(cfg)
	if b, err := os.ReadFile(path); err == nil {
		if t := strings.TrimSpace(string(b)); len(t) >= 16 {
			return t, false, nil
		}
		return "", false, fmt.Errorf("%s holds no token of at least 16 characters; delete it to generate a new one", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("admin token file: %w", err)
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", false, err
	}
	t := "vmk_admin_" + base64.RawURLEncoding.EncodeToString(b[:])
	if err := os.WriteFile(path, []byte(t+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("admin token file: %w", err)
	}
	return t, true, nil
}

// removeStaleUploads deletes upload spool files a crash left behind: a request removes its own
// file when it ends, and none reads for longer than an hour (the upload read timeout is 10 min).
func removeStaleUploads(dir string, log *slog.Logger) {
	names, _ := filepath.Glob(filepath.Join(dir, "upload-*"))
	for _, name := range names {
		if fi, err := os.Stat(name); err == nil && time.Since(fi.ModTime()) > time.Hour {
			if err := os.Remove(name); err != nil {
				log.Warn("removing a stale upload spool file", "file", name, "err", err)
			}
		}
	}
}

// AdminTokenFile is where the generated admin token is kept.
func AdminTokenFile(cfg config.Config) string { return filepath.Join(cfg.DataDir, "admin-token") }

// subKeys derives the secrets for one purpose from the keyring's keys, current first, so what
// was signed or sealed before a key rotation still verifies.
func (a *App) subKeys(purpose string) []screening.Key {
	keys := a.Keyring.Keys()
	for i, k := range keys {
		keys[i].Secret = screening.DeriveKey(k, purpose)
	}
	return keys
}
