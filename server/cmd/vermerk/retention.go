package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/record"
	"github.com/vermerk/vermerk/server/internal/retention"
)

// runRetention reports (and with --apply deletes) the contacts no purpose holds any more,
// audited as the operator of the machine.
func runRetention(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	return retentionCommand(ctx, cfg, log, args, os.Stdout, os.Stderr)
}

func retentionCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("retention", flag.ContinueOnError)
	fs.SetOutput(progress)
	apply := fs.Bool("apply", false, "delete the due contacts (without it: a dry run that only counts them)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: vermerk retention [--apply]")
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	ctx = viewer.With(ctx, &viewer.Viewer{TokenID: "cli", Name: "cli (" + osUser() + ")", Role: model.RoleAdmin})
	rep, err := a.Retention.Run(ctx, !*apply, func(r retention.Report) {
		fmt.Fprintf(progress, "\rexamined %d contacts, %d due, %d deleted", r.Examined, r.Due, r.Deleted)
	})
	fmt.Fprintln(progress)
	if err != nil {
		return explain(err)
	}
	if *apply {
		_, err = fmt.Fprintf(out, "deleted %d of %d contacts (no purpose held them; no blacklist entry was made)\n", rep.Deleted, rep.Examined)
	} else {
		_, err = fmt.Fprintf(out, "dry run: %d of %d contacts are due; nothing was deleted (run `vermerk retention --apply` to delete them)\n", rep.Due, rep.Examined)
	}
	return err
}

// runRecord prints the record of processing activities (Art. 30 GDPR) as Markdown.
func runRecord(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	return recordCommand(ctx, cfg, log, args, os.Stdout)
}

func recordCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 0 {
		return errors.New("usage: vermerk record > record.md")
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	md, err := record.New(a.DB).Markdown(ctx)
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, md)
	return err
}
