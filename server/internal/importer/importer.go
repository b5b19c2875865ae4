// Package importer imports CSV address lists (graph.Imports and `vermerk import`): the upload
// is spooled to the data directory, then streamed through package csvfile in batches, in a
// pipeline of three stages. Each batch is validated, normalised and hashed in Go (on every
// core; duplicates within the batches not yet committed are dropped here); its keys are then
// looked up at once on a connection of the job's own — normalised e-mails and phones of
// existing contacts and held rows (dedupe), one index probe per key, and the blacklist hashes
// (screening) that a Bloom filter of the blacklist lets through — while earlier batches are
// written; finally its new contacts, e-mails,
// phones and list memberships (ids made in Go) and its held rows are copied straight into
// their tables with COPY, in one transaction together with the job's counters and checkpoint,
// so a crash never leaves half a batch. Two batches are written at once on two connections;
// their transactions commit in file order, each under the blacklist lock and after checking
// that the blacklist did not change since its lookup (else the batch is screened again). A
// job left RUNNING by a crash is resumed from its checkpoint by an instance that adopts it
// (adopt.go), or marked FAILED when its spooled file is gone.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/csvfile"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Options tune the importer; zero values take the defaults.
type Options struct {
	// SpoolDir keeps uploaded files while their job runs. It must survive a restart (the
	// data directory, not /tmp), or crashed jobs cannot be resumed.
	SpoolDir string
	Log      *slog.Logger
	// BatchRows is how many rows one transaction writes (default 5,000).
	BatchRows int
	// Retention (VERMERK_HELD_RETENTION) is how long what a job quotes of its file is kept:
	// the problems of a finished job, and the held rows and problems of a job left waiting
	// for a decision (its held rows are dropped then); default 30 days.
	Retention time.Duration
	// FilterMinRows: a file of about this many rows or more is screened through a Bloom
	// filter of the blacklist, loaded once per job beside the first lookups, which screen in
	// the database meanwhile; a smaller one in the database (default 10,000; a negative value:
	// always through the filter, loaded before the first lookup, as tests need).
	FilterMinRows int
	// Counted, when set, is told the outcome counts of every committed batch (for metrics).
	Counted func(inserted, duplicates, held, invalid int)
}

// Service implements graph.Imports.
type Service struct {
	db      *store.DB
	keyring *screening.Keyring
	opts    Options

	ctx    context.Context // ends when Stop is called; jobs then stop at a batch boundary
	cancel context.CancelFunc
	wg     sync.WaitGroup
	slot   chan struct{} // one job runs at a time per instance; others wait their turn

	mu       sync.Mutex
	launched map[string]struct{} // the jobs this instance runs or waits to run (adopt.go)

	waitForFilter bool // Options.FilterMinRows < 0
}

// New returns the importer. Call Recover once at start and Stop at shutdown.
func New(db *store.DB, keyring *screening.Keyring, opts Options) *Service {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	waitForFilter := opts.FilterMinRows < 0
	switch {
	case opts.FilterMinRows == 0:
		opts.FilterMinRows = 10_000
	case opts.FilterMinRows < 0:
		opts.FilterMinRows = 0
	}
	if opts.Retention <= 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{db: db, keyring: keyring, opts: opts, ctx: ctx, cancel: cancel, slot: make(chan struct{}, 1),
		launched: map[string]struct{}{}, waitForFilter: waitForFilter}
}

// Stop lets running jobs finish their current batch and waits for them. They stay RUNNING
// and are resumed by whichever instance adopts them (adopt.go).
func (s *Service) Stop(ctx context.Context) {
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Preview reads the format and the first rows of a file without importing anything.
func (s *Service) Preview(ctx context.Context, file graphql.Upload) (*model.ImportPreview, error) {
	if _, err := file.File.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("importer.Preview: %w", err)
	}
	f, rows, err := csvfile.Preview(file.File, 10)
	if err != nil {
		if uerr := fileError(err); uerr != nil {
			return nil, uerr
		}
		return nil, fmt.Errorf("importer.Preview: %w", err)
	}
	p := &model.ImportPreview{
		Encoding: f.Encoding, Separator: string(f.Separator),
		Headers: f.Headers, Columns: f.Columns, UnknownColumns: nonNil(f.UnknownColumns),
		Rows: []*model.ImportRow{},
	}
	for _, r := range rows {
		if r.Err == nil {
			p.Rows = append(p.Rows, asEntered(r))
		}
	}
	return p, nil
}

func asEntered(r csvfile.Row) *model.ImportRow {
	return &model.ImportRow{GivenName: r.GivenName, FamilyName: r.FamilyName, Organization: r.Organization,
		Email: r.Email, Phone: r.Phone, Street: r.Street, PostalCode: r.PostalCode, City: r.City, Country: r.Country}
}

// fileError turns what csvfile reports about a file as a whole into BAD_USER_INPUT on the
// file argument; nil for other errors.
func fileError(err error) error {
	var he *csvfile.HeaderError
	var re *csvfile.RowError
	switch {
	case errors.Is(err, csvfile.ErrEmpty):
		return apperr.BadInput("file", apperr.ReasonImportFileEmpty, "the file is empty; export the list as CSV with a header line (Vorname;Nachname;E-Mail;…)")
	case errors.As(err, &he):
		return apperr.BadInput("file", apperr.ReasonImportHeaderUnknown, "%s", he.Error())
	case errors.As(err, &re):
		return apperr.BadInput("file", apperr.ReasonImportHeaderUnreadable, "the header cannot be read: %s", re.Error())
	}
	return nil
}

// Start spools the file, checks its header and starts the job in the background. The job is
// returned RUNNING; follow it with Job or the importProgress subscription.
func (s *Service) Start(ctx context.Context, file graphql.Upload, listKey *string) (*model.ImportJob, error) {
	var listID *string
	if listKey != nil && *listKey != "" {
		var id string
		err := s.db.Pool.QueryRow(ctx, `SELECT id FROM distribution_lists WHERE key = $1`, *listKey).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, apperr.BadInput("listKey", apperr.ReasonListUnknown, "there is no distribution list %q; create it first or import without a list", *listKey)
		}
		if err != nil {
			return nil, fmt.Errorf("importer.Start: list: %w", err)
		}
		listID = &id
	} else {
		listKey = nil
	}
	id := uuid.NewString()
	spoolName := id + ".csv"
	size, err := s.spool(file.File, spoolName)
	if err != nil {
		return nil, fmt.Errorf("importer.Start: spool: %w", err)
	}
	format, err := s.sniff(spoolName)
	if err != nil {
		s.removeSpool(spoolName)
		if uerr := fileError(err); uerr != nil {
			return nil, uerr
		}
		return nil, fmt.Errorf("importer.Start: %w", err)
	}
	actorID, actorName := viewer.Actor(ctx)
	fileName := filepath.Base(file.Filename)
	if fileName == "." || fileName == "/" {
		fileName = "upload.csv"
	}
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO import_jobs (id, status, file_name, file_size, spool_file, list_id, list_key,
				encoding, separator, unknown_columns, created_by_id, created_by_name)
			VALUES ($1, 'RUNNING', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			id, fileName, size, spoolName, listID, listKey, format.Encoding, string(format.Separator),
			nonNil(format.UnknownColumns), actorID, actorName); err != nil {
			return err
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "startImport", TargetID: id, Outcome: "ok"}); err != nil {
			return err
		}
		_, err := store.Emit(ctx, tx, store.Event{Kind: store.EventImportProgress, Ref: id})
		return err
	})
	if err != nil {
		s.removeSpool(spoolName)
		return nil, fmt.Errorf("importer.Start: %w", err)
	}
	s.launch(id)
	return s.Job(ctx, id)
}

// spooled is what the GraphQL multipart transport's uploads offer besides reading: the path
// of the copy it spooled (graph.SpooledFile).
type spooled interface {
	SpooledPath() string
}

// spool puts the upload into the spool directory and syncs it to disk before the job that
// names it is committed. An upload the transport spooled on the same filesystem is
// hard-linked (a large file is not written a second time); anything else is copied.
func (s *Service) spool(r io.ReadSeeker, name string) (int64, error) {
	if err := os.MkdirAll(s.opts.SpoolDir, 0o700); err != nil {
		return 0, err
	}
	path := filepath.Join(s.opts.SpoolDir, name)
	if sp, ok := r.(spooled); ok {
		if n, err := linkSpool(sp.SpooledPath(), path); err == nil {
			return n, nil
		}
		// another filesystem, or one without hard links: copy
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.removeSpool(name)
		return 0, err
	}
	return n, nil
}

// linkSpool hard-links the spooled upload from to to and syncs it; on an error nothing is
// left at to.
func linkSpool(from, to string) (int64, error) {
	if err := os.Link(from, to); err != nil {
		return 0, err
	}
	f, err := os.Open(to)
	if err != nil {
		_ = os.Remove(to)
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		_ = os.Remove(to)
		return 0, err
	}
	return st.Size(), nil
}

func (s *Service) sniff(spoolName string) (csvfile.Format, error) {
	f, err := os.Open(filepath.Join(s.opts.SpoolDir, spoolName))
	if err != nil {
		return csvfile.Format{}, err
	}
	defer f.Close()
	rd, err := csvfile.NewReader(f)
	if err != nil {
		return csvfile.Format{}, err
	}
	return rd.Format(), nil
}

func (s *Service) removeSpool(name string) {
	if err := os.Remove(filepath.Join(s.opts.SpoolDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.opts.Log.Error("importer: removing spooled upload", "file", name, "err", err)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
