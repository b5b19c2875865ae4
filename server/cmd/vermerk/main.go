// Command vermerk is the Vermerk server and its admin tools.
//
//	vermerk [serve]            start the server (default)
//	vermerk migrate            apply database migrations and exit
//	vermerk retention [--apply] count (or delete) the contacts no purpose holds any more
//	vermerk record             print the record of processing activities as Markdown
//
// Configuration comes from the environment; see the README.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/vermerk/vermerk/server/internal/config"
)

// command is one subcommand: it gets the configuration, a logger and its own arguments.
type command struct {
	summary string
	run     func(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error
}

var commands = map[string]command{
	"serve":     {"start the server (default)", runServe},
	"migrate":   {"apply database migrations and exit", runMigrate},
	"export":    {"print everything stored about a contact as JSON (export CONTACT_ID)", runExport},
	"token":     {"create, list or revoke API tokens (token create|list|revoke)", runToken},
	"import":    {"import a CSV address list (import FILE [--list KEY])", runImport},
	"retention": {"list how many contacts no purpose holds any more; --apply deletes them (retention [--apply])", runRetention},
	"record":    {"print the record of processing activities (Art. 30 GDPR) as Markdown", runRecord},
}

func main() {
	args := os.Args[1:]
	name := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok || name == "help" {
		usage()
		os.Exit(2)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vermerk:", err)
		os.Exit(2)
	}
	// The tools (token, import, export, migrate) work beside a running server of the same data directory.
	cfg.ShareEmbedded = name != "serve"
	log, flush := newLogger(cfg, name == "serve")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = cmd.run(ctx, cfg, log, args)
	flush()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vermerk "+name+":", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: vermerk [command] [arguments]\n\ncommands:")
	for _, name := range sortedNames() {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", name, commands[name].summary)
	}
}

// newLogger logs to stderr; batched (the server) holds informational lines for up to
// logFlushDelay and writes them together. flush writes out what is held.
func newLogger(cfg config.Config, batched bool) (log *slog.Logger, flush func()) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	var out io.Writer = os.Stderr
	var bw *batchedWriter
	if batched {
		bw = &batchedWriter{out: os.Stderr, delay: logFlushDelay}
		out = bw
	}
	var h slog.Handler = slog.NewTextHandler(out, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(out, opts)
	}
	if bw == nil {
		return slog.New(h), func() {}
	}
	return slog.New(flushingHandler{h, bw}), bw.Flush
}
