// Command vermerk-bench measures Vermerk against baselines on a throwaway PostgreSQL (`make
// bench`). It prints one line per figure,
//
//	bench NAME VALUE UNIT baseline VALUE UNIT ratio X target T PASS|MISS
//
// then a table for people. Targets are ratios against baselines measured in the same run on
// the same database, so that they hold on any machine: the same hash lookups straight through
// pgx for screen, COPY of the same file into a bare table for import, the raw pgx query for
// contact and recipients (and that page without the blacklist exclusion for what the exclusion
// costs), recordConsent for confirmed sign-ups, one SQL count for the retention dry run, the
// embedded superuser's import for the import of an ordinary role.
// Vermerk itself runs as the real binary (built first), so its memory and CPU are its own. A
// figure whose feature is not built yet prints n/a with the reason.
//
// BENCH_SCALE=small runs in a minute or two; full (the default) has 1,000,000 contacts and
// blacklist entries and 10,000 subscribers; large measures full, then grows the same database
// to 10,000,000 contacts and blacklist entries and measures again, and prints how each figure
// grew. BENCH_ONLY=screen,import runs only those groups of figures; BENCH_DURATION=30s
// measures each load run that long (for profiling); BENCH_MARKDOWN=file writes the tables
// there as Markdown as well.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
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
	grow              int // large: grow contacts and blacklist to grow× and measure again (0: not)
	subscribers       int // over instances server instances
	instances         int
	revocations       int           // fan-out events sent
	eventInterval     time.Duration // between two of them
	importBudget      time.Duration // an import still running then is measured by the rows it processed
	retentionContacts int           // contacts the retention dry run examines besides the others seeded
	workers           int
	warmup, duration  time.Duration
}

var scales = map[string]scale{
	"full": {name: "full", blacklist: 1_000_000, importRows: 1_000_000, contacts: 1_000_000, subscribers: 10_000, instances: 2, revocations: 60, eventInterval: 500 * time.Millisecond, importBudget: 10 * time.Minute, retentionContacts: 1_000_000, workers: 32, warmup: 2 * time.Second, duration: 10 * time.Second},
	// large fits 30 minutes on 2 cores: shorter load runs, each import once, no PostGraphile
	"large": {name: "large", blacklist: 1_000_000, importRows: 1_000_000, contacts: 1_000_000, grow: 10, subscribers: 10_000, instances: 2, revocations: 60, eventInterval: 500 * time.Millisecond, importBudget: 10 * time.Minute, retentionContacts: 1_000_000, workers: 32, warmup: time.Second, duration: 6 * time.Second},
	"small": {name: "small", blacklist: 10_000, importRows: 10_000, contacts: 5_000, subscribers: 200, instances: 2, revocations: 20, eventInterval: 10 * time.Millisecond, importBudget: 30 * time.Second, retentionContacts: 10_000, workers: 32, warmup: 500 * time.Millisecond, duration: 2 * time.Second},
	// medium: figures in a few minutes, for work on one of them
	"medium": {name: "medium", blacklist: 100_000, importRows: 200_000, contacts: 100_000, subscribers: 2000, instances: 2, revocations: 100, eventInterval: 50 * time.Millisecond, importBudget: 5 * time.Minute, retentionContacts: 100_000, workers: 32, warmup: time.Second, duration: 5 * time.Second},
	// small-large tries the growth steps of large at the size of small (for development)
	"small-large": {name: "small-large", blacklist: 10_000, importRows: 10_000, contacts: 5_000, grow: 10, subscribers: 200, instances: 2, revocations: 20, eventInterval: 10 * time.Millisecond, importBudget: 30 * time.Second, retentionContacts: 10_000, workers: 32, warmup: 500 * time.Millisecond, duration: 2 * time.Second},
}

// bench is one run: the database, the secret the servers hash with, and the figures so far.
type bench struct {
	scale   scale
	stolen  float64 // the share of the CPUs' time the hypervisor gave to others over the whole run
	dir     string
	cluster *embeddedpg.Cluster
	dbURL   string
	pool    *pgxpool.Pool // the baselines' pool, sized like the server's
	secret  string        // VERMERK_SECRET_KEY of every server
	keyring *screening.Keyring
	binary  string // the built vermerk
	log     *slog.Logger
	figures []figure
	main    *server  // the instance of the request figures
	metered *server  // the server whose CPU the load runs meter when not main (the floor)
	stops   []func() // servers to stop at the end
	// what the database holds now: contacts 1..contacts, blacklist entries 1..blacklist
	contacts, blacklist int
	file                importFile
	listID, purposeID   string   // the newsletter list of the recipients figures
	members             int      // contacts 1..members are on it
	indexOnly           []string // whether recipients pages read indexes only, at each size
	retentionSeeded     bool     // the retention contacts and their purpose are there
	// phase is "" while measuring at the scale's size, then "10M" (or so) after growing
	phase  string
	values map[string]float64 // figure name (with phase) → Vermerk's value, for the growth table
	grown  []growth
}

func main() {
	if addr := os.Getenv(floorAddrEnv); addr != "" { // started by the bench as its floor server
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := serveFloor(ctx, addr); err != nil {
			fmt.Fprintln(os.Stderr, "vermerk-bench floor:", err)
			os.Exit(1)
		}
		return
	}
	name := os.Getenv("BENCH_SCALE")
	if name == "" {
		name = "full"
	}
	sc, ok := scales[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "vermerk-bench: BENCH_SCALE=%q: use small, medium, full (default), large or small-large\n", name)
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
	if err := run(ctx, sc, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vermerk-bench:", err)
		os.Exit(1)
	}
}

// run measures the groups BENCH_ONLY selects and writes the report to out.
func run(ctx context.Context, sc scale, out io.Writer) error {
	start := time.Now()
	b := &bench{scale: sc, log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
		values: map[string]float64{}}
	// Durable settings (fsync on): the numbers are what a real installation gets.
	tw, err := embeddedpg.StartThrowaway(ctx, "vermerk-bench-", embeddedpg.Options{})
	if err != nil {
		return err
	}
	defer tw.Remove(context.WithoutCancel(ctx))
	for _, dir := range tw.Orphans {
		b.progress("removed %s, left behind by a run that was killed", dir)
	}
	b.dir, b.cluster = tw.Dir, tw.Cluster
	b.progress("scale %s on %d CPUs (load average %s); building vermerk", sc.name, runtime.NumCPU(), loadAverage())
	steal0 := machineSteal()
	if err := b.build(ctx); err != nil {
		return err
	}
	b.dbURL = b.cluster.ConnString("postgres")
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
	groups := []group{{"contact", b.contactFigures}, {"recipients", b.recipientsFigures}, {"screen", b.screenFigures},
		{"signup", b.signUpFigures}, {"import", b.importFigures}, {"fanout", b.fanoutFigures}, {"retention", b.retentionFigures}}
	if err := b.measure(ctx, groups, only); err != nil {
		return err
	}
	if sc.grow > 0 {
		if err := b.growAndMeasure(ctx, only); err != nil {
			return err
		}
	}
	b.stolen = stolenShare(machineSteal()-steal0, time.Since(start))
	b.report(out, time.Since(start))
	if path := os.Getenv("BENCH_MARKDOWN"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		b.markdown(f, time.Since(start))
	}
	return nil
}

// group is a set of figures measured together.
type group struct {
	name string
	run  func(context.Context) error
}

// measure runs the groups only selects (all for nil).
func (b *bench) measure(ctx context.Context, groups []group, only map[string]bool) error {
	for _, g := range groups {
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
