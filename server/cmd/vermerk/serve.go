package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/config"
)

// shutdownGrace is how long running requests may take to finish after SIGTERM.
const shutdownGrace = 20 * time.Second

func runServe(ctx context.Context, cfg config.Config, log *slog.Logger, _ []string) error {
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close(context.Background())

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (VERMERK_ADDR): %w", cfg.Addr, err)
	}
	// Subscriptions live on baseCtx: cancelling it on shutdown ends them with a close frame.
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	srv.RegisterOnShutdown(cancelBase)

	base := "http://" + ln.Addr().String()
	log.Info("vermerk is serving", "graphiql", base+"/", "graphql", base+"/graphql", "public_url", cfg.PublicURL)
	if cfg.AdminToken == "" {
		log.Info("admin token (kept in the data directory; set VERMERK_ADMIN_TOKEN to choose one)",
			"file", cfg.DataDir+"/admin-token", "token", a.AdminToken)
	} else {
		log.Info("admin token from VERMERK_ADMIN_TOKEN")
	}
	fmt.Printf("\nVermerk is running.\n  GraphiQL:    %s/\n  GraphQL:     %s/graphql\n  Admin token: %s\n  (send it as the header  Authorization: Bearer <token>)\n\n",
		base, base, a.AdminToken)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: no new connections, waiting for running requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Error("shutdown", "err", err)
	}
	return nil
}
