// Package store is the database handle every service shares: the pgx pool, transactions, and
// the two writes every change makes in its own transaction — an outbox event and an audit row.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vermerk/vermerk/graph/idempotency"
)

// DB wraps the connection pools.
type DB struct {
	// Pool serves requests and short transactions; behind PgBouncer in transaction pooling
	// mode it holds no session state.
	Pool *pgxpool.Pool
	// direct: see Direct; nil means Pool
	direct *pgxpool.Pool
	// digests: the keys an Idempotency-Key's request digest is kept under (UseDigestKeys)
	digests *digestKeys
}

// Direct is the pool for session state a transaction pooler cannot carry: the connections
// that LISTEN, and an import job's runner, which holds the job's lock for the whole run. It
// is Pool itself unless OpenPooled was given a direct URL.
func (db *DB) Direct() *pgxpool.Pool {
	if db.direct != nil {
		return db.direct
	}
	return db.Pool
}

// directConns bounds the direct pool: its connections run import jobs (one at a time per
// instance) and lend their configuration to the listeners.
const directConns = 4

// Open connects a pool and checks the database answers.
func Open(ctx context.Context, connString string) (*DB, error) {
	return OpenPooled(ctx, connString, "")
}

// OpenPooled connects the request pool to connString and, when directURL is not empty, the
// direct pool to directURL: connString then goes through a pooler such as PgBouncer in
// transaction pooling mode, which keeps no prepared statement from one transaction to the
// next, so the pool's queries use unnamed statements whose descriptions pgx caches
// (QueryExecModeCacheDescribe: one round trip, like the default), unless the URL names its
// own default_query_exec_mode.
func OpenPooled(ctx context.Context, connString, directURL string) (*DB, error) {
	if directURL == connString {
		directURL = "" // no pooler in between
	}
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("store.Open: parse connection string: %w", err)
	}
	if directURL != "" && !strings.Contains(connString, "default_query_exec_mode") {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	}
	pool, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db := &DB{Pool: pool}
	if directURL == "" {
		return db, nil
	}
	dcfg, err := pgxpool.ParseConfig(directURL)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store.Open: parse the direct connection string: %w", err)
	}
	dcfg.MaxConns = directConns
	if db.direct, err = connect(ctx, dcfg); err != nil {
		pool.Close()
		return nil, fmt.Errorf("direct connection: %w", err)
	}
	return db, nil
}

func connect(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store.Open: ping: %w", err)
	}
	return pool, nil
}

// Close closes the pools.
func (db *DB) Close() {
	if db.direct != nil {
		db.direct.Close()
	}
	db.Pool.Close()
}

// Transact runs fn in a transaction and commits when fn returns nil. A serialization failure
// or deadlock is retried a few times, so fn must not have effects outside the transaction.
//
// A mutation sent with an Idempotency-Key (idempotency.From(ctx)) claims its key in the
// first of its transactions that commits, after fn and in the same transaction: when another
// request holds the key, nothing of fn is written (idempotency.ErrCarriedOut), and no later
// transaction of the request runs.
func (db *DB) Transact(ctx context.Context, fn func(tx pgx.Tx) error) error {
	const attempts = 4
	claim := idempotency.From(ctx)
	var err error
	for range attempts {
		if claim == nil || claim.Held() {
			err = pgx.BeginFunc(ctx, db.Pool, fn)
		} else {
			if first := claim.Lost(); first != nil {
				return idempotency.ErrCarriedOut(first.At)
			}
			err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
				if err := fn(tx); err != nil {
					return err
				}
				return claimKey(ctx, tx, db.digests, claim)
			})
			if err == nil {
				claim.Hold()
			}
		}
		if !Retryable(err) {
			return err
		}
	}
	return err
}

// Retryable reports whether err ends a transaction only because of a concurrent one (a
// serialization failure or a deadlock PostgreSQL broke by aborting it): the same work in a
// new transaction may well succeed.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// IsUniqueViolation reports whether err is a unique-constraint violation, optionally of the
// named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" &&
		(constraint == "" || pgErr.ConstraintName == constraint)
}

// Querier is what pool, connection and transaction have in common.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}
