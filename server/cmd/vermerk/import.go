package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/schollz/progressbar/v3"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/config"
)

// runImport imports a CSV file with the same importer as startImport, showing a progress bar,
// then prints the counts and the problems. Held rows are decided in the desktop app.
func runImport(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	listKey := fs.String("list", "", "add the imported contacts to this distribution list (by key)")
	var files []string
	for len(args) > 0 { // FILE may stand before or after the flags
		if err := fs.Parse(args); err != nil {
			return err
		}
		if args = fs.Args(); len(args) > 0 {
			files, args = append(files, args[0]), args[1:]
		}
	}
	if len(files) != 1 {
		return errors.New("usage: vermerk import FILE [--list KEY]")
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}

	tuneGC(log)
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	ctx = viewer.With(ctx, &viewer.Viewer{TokenID: "cli", Name: "cli (" + osUser() + ")", Role: model.RoleAdmin})
	var list *string
	if *listKey != "" {
		list = listKey
	}
	job, err := a.Imports.Start(ctx, graphql.Upload{File: f, Filename: filepath.Base(files[0]), Size: st.Size(), ContentType: "text/csv"}, list)
	if e, ok := apperr.As(err); ok {
		return errors.New(e.Message)
	}
	if err != nil {
		return err
	}
	return follow(ctx, a, job, os.Stderr, os.Stdout)
}

// follow shows the job's progress until it ends, then prints its outcome.
func follow(ctx context.Context, a *app.App, job *model.ImportJob, progress, out io.Writer) error {
	bar := progressbar.NewOptions(max(job.Total, 1),
		progressbar.OptionSetWriter(progress),
		progressbar.OptionSetDescription("importing "+job.FileName),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for job.Status == model.ImportStatusRunning {
		select {
		case <-ctx.Done():
			_ = bar.Exit()
			return fmt.Errorf("interrupted after %d rows; import job %s resumes where it stopped when vermerk starts next", job.Processed, job.ID)
		case <-tick.C:
		}
		var err error
		if job, err = a.Imports.Job(ctx, job.ID); err != nil {
			if ctx.Err() != nil {
				continue
			}
			return err
		}
		bar.ChangeMax(max(job.Total, job.Processed, 1))
		_ = bar.Set(job.Processed)
	}
	_ = bar.Finish()

	fmt.Fprintf(out, "import job %s: %s\n", job.ID, job.Status)
	fmt.Fprintf(out, "rows %d, inserted %d, duplicates %d, held %d, invalid %d\n",
		job.Processed, job.Inserted, job.Duplicates, job.Held, job.Invalid)
	if len(job.UnknownColumns) > 0 {
		fmt.Fprintf(out, "columns not recognised, ignored: %s\n", strings.Join(job.UnknownColumns, ", "))
	}
	problems, err := a.Imports.Problems(ctx, job.ID)
	if err != nil {
		return err
	}
	for _, p := range problems {
		if p.Line > 0 {
			fmt.Fprintf(out, "line %d: %s\n", p.Line, p.Message)
		} else {
			fmt.Fprintln(out, p.Message)
		}
	}
	if job.Held > 0 {
		fmt.Fprintf(out, "%d rows match the blacklist and wait for a decision (accept with a reason, or drop) in the desktop app: Import → Frühere Importe\n", job.Held)
	}
	if job.Status == model.ImportStatusFailed {
		msg := "the import failed"
		if job.Message != nil {
			msg = *job.Message
		}
		return errors.New(msg)
	}
	return nil
}
