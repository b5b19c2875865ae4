package main

import (
	"context"
	"log/slog"

	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/config"
)

// runMigrate applies the migrations (app.Open does) and exits.
func runMigrate(ctx context.Context, cfg config.Config, log *slog.Logger, _ []string) error {
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	a.Close(ctx)
	log.Info("database migrated")
	return nil
}
