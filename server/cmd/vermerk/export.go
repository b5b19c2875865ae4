package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/consent"
)

// runExport prints the subject access export (Art. 15 GDPR) of one contact, audited as the
// operator of the machine.
func runExport(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	return exportCommand(ctx, cfg, log, args, os.Stdout)
}

func exportCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: vermerk export CONTACT_ID")
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	name := "unknown user"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	ctx = viewer.With(ctx, &viewer.Viewer{TokenID: "cli", Name: "cli (" + name + ")", Role: model.RoleAdmin})
	doc, err := consent.New(a.DB).SubjectAccessExport(ctx, args[0])
	if e, ok := apperr.As(err); ok {
		return errors.New(e.Error())
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, doc)
	return err
}
