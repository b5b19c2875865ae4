package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/auth"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/web"
)

// shutdownGrace is how long running requests may take to finish after SIGTERM.
const shutdownGrace = 20 * time.Second

// runServe serves until SIGTERM or SIGINT, then shuts down in order: stop accepting, close
// WebSockets with a close frame (1000) and let running requests finish (up to shutdownGrace),
// stop background workers, close the pool, stop the embedded database last (app.Close).
func runServe(ctx context.Context, cfg config.Config, log *slog.Logger, _ []string) error {
	budget := tuneGC(log)
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	if err := checkAdminTokenOff(ctx, cfg, a); err != nil {
		return err
	}
	if err := a.StartSchedules(ctx); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (VERMERK_ADDR): %w", cfg.Addr, err)
	}
	if cfg.DebugAddr != "" {
		if err := serveDebug(cfg.DebugAddr, log); err != nil {
			return err
		}
	}
	sockets := newWebSockets(budget)
	defer sockets.close()
	srv := &http.Server{Handler: sockets.track(a.Handler)}
	web.ConfigureServer(srv)
	// Only WebSockets are ended at once; plain requests keep their context and may finish.
	srv.RegisterOnShutdown(sockets.close)

	base := "http://" + ln.Addr().String()
	log.Info("vermerk is serving", "graphiql", base+"/", "graphql", base+"/graphql", "public_url", cfg.PublicURL)
	fmt.Printf("\nVermerk is running.\n  GraphiQL:    %s/\n  GraphQL:     %s/graphql\n  Admin token: %s\n  (send it as the header  Authorization: Bearer <token>)\n%s\n",
		base, base, adminTokenNote(cfg, a), dataLocation(a))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var stopped error
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	case stopped = <-a.KeyStale: // rotated away: this instance would not recognise new entries
	}
	// A second signal stops at once (the embedded database dies with this process).
	signal.Reset(os.Interrupt, syscall.SIGTERM)
	log.Info("shutting down: no new connections, waiting for running requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown: requests still running after the grace period; closing their connections", "err", err)
		_ = srv.Close()
	}
	// Shutdown neither waits for nor closes hijacked connections: the WebSockets end when their
	// context is cancelled, each with a close handshake; wait for those before stopping the rest.
	if !sockets.wait(sctx) {
		log.Warn("shutdown: WebSockets still open after the grace period")
	}
	log.Info("stopped serving; stopping background workers and the database")
	return stopped
}

// dataLocation says where the data lives, loudly when this start created it: started from
// another directory, the default data directory .vermerk would be a new, empty one.
func dataLocation(a *app.App) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  Data dir:    %s (VERMERK_DATA_DIR)\n", a.DataDir)
	if a.ClusterDir() != "" {
		fmt.Fprintf(&b, "  Database:    embedded PostgreSQL in %s\n", a.ClusterDir())
	} else {
		b.WriteString("  Database:    DATABASE_URL\n")
	}
	if a.Config.SecretKey != "" {
		b.WriteString("  Secret key:  VERMERK_SECRET_KEY\n")
	} else {
		fmt.Fprintf(&b, "  Secret key:  %s\n", filepath.Join(a.DataDir, "secret.key"))
	}
	if a.NewDataDir {
		b.WriteString("\n  NOTE: this data directory was created just now")
		if a.ClusterDir() != "" {
			b.WriteString(", with an empty database")
		}
		if a.Config.SecretKey == "" {
			b.WriteString(" and a new secret key")
		}
		b.WriteString(".\n  If you have an installation with data, stop (Ctrl-C) and start again with\n" +
			"  VERMERK_DATA_DIR set to its directory (an absolute path), or from the directory you started it in before.\n")
	}
	return b.String()
}

// webSockets ends the WebSocket connections on shutdown and counts them until they are gone,
// as http.Server.Shutdown neither closes nor waits for hijacked connections. gqlgen closes a
// WebSocket whose request context ends with close code 1000, after which clients reconnect
// (to another instance, or to this one once restarted) and resume from their cursor.
type webSockets struct {
	budget  *memoryBudget
	wg      sync.WaitGroup
	closing context.Context
	close   context.CancelFunc
}

func newWebSockets(budget *memoryBudget) *webSockets {
	s := &webSockets{budget: budget}
	s.closing, s.close = context.WithCancel(context.Background())
	return s
}

func (s *webSockets) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		s.wg.Add(1)
		defer s.wg.Done()
		s.budget.socketOpened()
		defer s.budget.socketClosed()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		defer context.AfterFunc(s.closing, cancel)()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// wait reports whether every WebSocket ended before ctx.
func (s *webSockets) wait(ctx context.Context) bool {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// adminTokenNote says where the bootstrap admin token is, never the token itself, except on the
// first start of the embedded default, which prints the token it has just generated once.
func adminTokenNote(cfg config.Config, a *app.App) string {
	switch {
	case cfg.AdminToken == config.AdminTokenOff:
		return "off (VERMERK_ADMIN_TOKEN=off); use an ADMIN API token"
	case cfg.AdminToken != "":
		return "the one in VERMERK_ADMIN_TOKEN"
	case a.AdminTokenCreated && cfg.DatabaseURL == "":
		return a.AdminToken + "\n               (generated now; kept in " + app.AdminTokenFile(cfg) + ", shown only this once)"
	default:
		return "kept in " + app.AdminTokenFile(cfg) + " (readable only by this user)"
	}
}

// checkAdminTokenOff refuses VERMERK_ADMIN_TOKEN=off while no ADMIN API token could take over:
// nobody could manage tokens, purposes or the blacklist any more.
func checkAdminTokenOff(ctx context.Context, cfg config.Config, a *app.App) error {
	if cfg.AdminToken != config.AdminTokenOff {
		return nil
	}
	n, err := auth.New(a.DB, "", a.Log).LiveAdmins(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return errors.New("VERMERK_ADMIN_TOKEN=off turns the bootstrap admin token off, but no ADMIN API token exists " +
			"(none that is neither revoked nor expired): create one first (vermerk token create --name NAME --role ADMIN, " +
			"or createApiToken), then restart with VERMERK_ADMIN_TOKEN=off")
	}
	return nil
}
