// Package embeddedpg runs a private PostgreSQL server from the machine's
// PostgreSQL binaries, for `vermerk serve` without DATABASE_URL and for tests.
//
// Layout of a cluster directory (Options.DataDir, or a relocated directory
// when running as root, see below):
//
//	pg/            PGDATA, created by initdb on first start
//	run/           unix socket and its lock file (mode 0700)
//	password       password of the superuser "vermerk" (mode 0600)
//	postgres.log   postgres' stderr
//
// Authentication: the unix socket uses trust, because only the owner of the
// private run/ directory (and root) can reach it. TCP listens on 127.0.0.1
// only and needs the generated password (SCRAM), so other local users of the
// machine cannot read the registry. ConnString embeds that password: never
// log it.
//
// Root: initdb refuses to run as root, so as root initdb and postgres run as
// the system user "postgres". The directories Start creates for DataDir are
// searchable by that user (mode 0711). When it still cannot traverse DataDir
// (for example a checkout under /root, mode 0700), the cluster lives in
// /var/lib/vermerk/<hash of the absolute DataDir>/ instead, with a file
// data-dir naming DataDir, and Start warns where. Remove deletes a cluster
// wherever it lives; tests and benchmarks call it.
//
// The server logs at level LOG with terse errors and no statements, so that
// values from failed statements (personal data) never reach postgres.log.
//
// Each server process gets a parent-death signal (SIGINT, a fast shutdown),
// so the database stops when the process that started it dies.
package embeddedpg
