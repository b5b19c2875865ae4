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

// runExport prints the subject access export (Art. 15 GDPR) of one contact and the person's
// other records (--keep ID leaves out a record that is someone else, as eraseContact's keep),
// audited as the operator of the machine.
func runExport(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	return exportCommand(ctx, cfg, log, args, os.Stdout)
}

func exportCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	const usage = "usage: vermerk export CONTACT_ID [--keep ID]..."
	if len(args) == 0 || len(args)%2 == 0 {
		return errors.New(usage)
	}
	var keep []string
	for i := 1; i < len(args); i += 2 {
		if args[i] != "--keep" {
			return fmt.Errorf("%s (unknown argument %q)", usage, args[i])
		}
		keep = append(keep, args[i+1])
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
	doc, err := consent.New(a.DB).SubjectAccessExport(ctx, args[0], keep)
	if e, ok := apperr.As(err); ok {
		return errors.New(e.Error())
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, doc)
	return err
}
