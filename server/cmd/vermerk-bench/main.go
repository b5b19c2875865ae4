// Command vermerk-bench measures Vermerk against baselines on a throwaway PostgreSQL (`make
// bench`). It prints one line per figure,
//
//	bench NAME VALUE UNIT baseline VALUE UNIT ratio X
//
// then a table for people. Baselines run in the same process on the same database: the same
// hash lookups straight through pgx for screen, COPY of the same file into a bare table for
// import, the raw pgx query for contact and recipients. Vermerk itself runs as the real binary
// (built first), so its memory and CPU are its own. A figure whose feature is not built yet
// prints n/a with the reason.
//
// BENCH_SCALE=small runs in under a minute; the default is the scale of DESIGN.md. BENCH_ONLY=screen,import
// runs only those groups of figures; BENCH_DURATION=30s measures each load run that long (for profiling).
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vermerk/vermerk/server/internal/embeddedpg"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/migrations"
)

// scale is how big one run is.
type scale struct {
	name              string
	blacklist         int // entries, one e-mail hash each
	importRows        int
	contacts          int
	recipients        int // contacts of the blacklist-exclusion figure (with blacklist entries)
	subscribers       int // over instances server instances
	instances         int
	revocations       int           // fan-out events sent
	importBudget      time.Duration // an import still running then is measured by the rows it processed
	retentionContacts int           // contacts the retention dry run examines, besides the others seeded
	workers           int
	warmup, duration  time.Duration
}

var scales = map[string]scale{
	"full":  {name: "full", blacklist: 1_000_000, importRows: 1_000_000, contacts: 100_000, recipients: 1_000_000, subscribers: 1000, instances: 2, revocations: 200, importBudget: 10 * time.Minute, retentionContacts: 1_000_000, workers: 32, warmup: 2 * time.Second, duration: 10 * time.Second},
	"small": {name: "small", blacklist: 10_000, importRows: 10_000, contacts: 5_000, recipients: 10_000, subscribers: 50, instances: 2, revocations: 20, importBudget: 10 * time.Second, retentionContacts: 10_000, workers: 32, warmup: 500 * time.Millisecond, duration: 2 * time.Second},
}

// bench is one run: the database, the secret the servers hash with, and the figures so far.
type bench struct {
	scale   scale
	dir     string
	dbURL   string
	pool    *pgxpool.Pool // the baselines' pool, sized like the server's
	secret  string        // VERMERK_SECRET_KEY of every server
	keyring *screening.Keyring
	binary  string // the built vermerk
	log     *slog.Logger
	figures []figure
	main    *server // the instance of the request figures
	// blacklistSeeded: seedBlacklist ran (the recipients and the screen figures share it)
	blacklistSeeded bool
	stops           []func() // servers to stop at the end
}

func main() {
	name := os.Getenv("BENCH_SCALE")
	if name == "" {
		name = "full"
	}
	sc, ok := scales[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "vermerk-bench: BENCH_SCALE=%q: use small or full (default)\n", name)
		os.Exit(2)
	}
	if d := os.Getenv("BENCH_DURATION"); d != "" {
		var err error
		if sc.duration, err = time.ParseDuration(d); err != nil || sc.duration <= 0 {
			fmt.Fprintf(os.Stderr, "vermerk-bench: BENCH_DURATION=%q: want a duration such as 30s\n", d)
			os.Exit(2)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, sc); err != nil {
		fmt.Fprintln(os.Stderr, "vermerk-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, sc scale) error {
	start := time.Now()
	b := &bench{scale: sc, log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	var err error
	if b.dir, err = os.MkdirTemp("", "vermerk-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.dir)
	// As root the database runs as user postgres, which must traverse this directory.
	if err := os.Chmod(b.dir, 0o711); err != nil {
		return err
	}
	b.progress("scale %s on %d CPUs (load average %s); building vermerk", sc.name, runtime.NumCPU(), loadAverage())
	if err := b.build(ctx); err != nil {
		return err
	}
	// Durable settings (fsync on): the numbers are what a real installation gets.
	cluster, err := embeddedpg.Start(ctx, embeddedpg.Options{DataDir: filepath.Join(b.dir, "db")})
	if err != nil {
		return err
	}
	defer cluster.Stop(context.WithoutCancel(ctx))
	b.dbURL = cluster.ConnString("postgres")
	if err := migrations.Apply(ctx, b.dbURL); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if b.pool, err = pgxpool.New(ctx, b.dbURL); err != nil {
		return err
	}
	defer b.pool.Close()
	var key [screening.SecretSize]byte
	_, _ = rand.Read(key[:])
	b.secret = base64.StdEncoding.EncodeToString(key[:])
	k, err := screening.ParseKey(b.secret)
	if err != nil {
		return err
	}
	if b.keyring, err = screening.NewKeyring(k); err != nil {
		return err
	}

	defer func() {
		for _, stop := range b.stops {
			stop()
		}
	}()
	only, err := selected(os.Getenv("BENCH_ONLY"))
	if err != nil {
		return err
	}
	for _, g := range []struct {
		name string
		run  func(context.Context) error
	}{{"contact", b.contactFigures}, {"recipients", b.recipientsFigures}, {"screen", b.screenFigures},
		{"signup", b.signUpFigures}, {"import", b.importFigures}, {"fanout", b.fanoutFigures}, {"retention", b.retentionFigures}} {
		if only != nil && !only[g.name] {
			continue
		}
		if err := g.run(ctx); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	b.report(os.Stdout, time.Since(start))
	return nil
}

// selected parses BENCH_ONLY, a comma-separated list of figure groups (contact, recipients,
// screen, signup, import, fanout, retention); empty means all.
func selected(list string) (map[string]bool, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	known := map[string]bool{"contact": true, "recipients": true, "screen": true, "signup": true, "import": true, "fanout": true, "retention": true}
	only := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if !known[name] {
			return nil, fmt.Errorf("BENCH_ONLY=%q: unknown group %q; use contact, recipients, screen, signup, import, fanout or retention", list, name)
		}
		only[name] = true
	}
	if only["recipients"] || only["signup"] {
		only["contact"] = true // recipients and recordConsent use the contacts the contact figure seeds
	}
	return only, nil
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "· "+format+"\n", args...)
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(data) < 14 {
		return "unknown"
	}
	var one, five, fifteen string
	fmt.Sscan(string(data), &one, &five, &fifteen)
	return one + " " + five + " " + fifteen
}
