package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	osexec "os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PgBouncerPoolSize is how many server connections the test PgBouncer keeps per database and
// user: fewer than two instances' pools have clients, so transactions of different clients
// share server connections, as in production.
const PgBouncerPoolSize = 3

// PgBouncer starts Debian's pgbouncer in transaction pooling mode in front of the database
// dbURL names (from NewDB) and returns the URL that goes through it; it stops when the test
// ends. Without a pgbouncer binary the test is skipped, or fails when VERMERK_REQUIRE_PGBOUNCER
// is set (make test installs the package and sets it).
func PgBouncer(t testing.TB, dbURL string) string {
	t.Helper()
	bin := findPgBouncer()
	if bin == "" {
		if os.Getenv("VERMERK_REQUIRE_PGBOUNCER") != "" {
			t.Fatal("pgtest: no pgbouncer binary: apt-get install pgbouncer (make test does)")
		}
		t.Skip("pgtest: no pgbouncer binary (apt-get install pgbouncer)")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	password, _ := u.User.Password()
	dir, err := os.MkdirTemp("", "vermerk-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = scram-sha-256
auth_file = %[4]s/userlist.txt
admin_users = %[5]s
pool_mode = transaction
default_pool_size = %[6]d
max_client_conn = 1000
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = %[4]s/pgbouncer.log
`, u.Hostname(), u.Port(), port, dir, u.User.Username(), PgBouncerPoolSize)
	files := map[string]string{
		"pgbouncer.ini": ini,
		"userlist.txt":  fmt.Sprintf("%q %q\n", u.User.Username(), password),
	}
	cmd := osexec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if os.Geteuid() == 0 { // pgbouncer refuses to run as root
		cred, err := postgresUser()
		if err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr.Credential = cred
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if cred := cmd.SysProcAttr.Credential; cred != nil {
			if err := os.Chown(path, int(cred.Uid), int(cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("pgtest: start pgbouncer: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); out.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // immediate shutdown
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	through := *u
	through.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, through.String())
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return through.String()
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			stderr, _ := os.ReadFile(filepath.Join(dir, "stderr"))
			t.Fatalf("pgtest: pgbouncer exited at start:\n%s%s", stderr, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("pgtest: pgbouncer not reachable after 20 s: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PgBouncerAdmin runs a command of the PgBouncer admin console (SHOW POOLS, SHOW CLIENTS …)
// that bouncerURL (from PgBouncer) reaches and returns its rows as strings.
func PgBouncerAdmin(t testing.TB, bouncerURL, command string) []map[string]string {
	t.Helper()
	u, err := url.Parse(bouncerURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/pgbouncer"
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol // the console knows no other
	conn, err := pgx.ConnectConfig(t.Context(), cfg)
	if err != nil {
		t.Fatalf("pgtest: pgbouncer admin console: %v", err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), command)
	if err != nil {
		t.Fatalf("pgtest: pgbouncer %s: %v", command, err)
	}
	defer rows.Close()
	var out []map[string]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, f := range rows.FieldDescriptions() {
			row[f.Name] = fmt.Sprint(vals[i])
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("pgtest: pgbouncer %s: %v", command, err)
	}
	return out
}

func findPgBouncer() string {
	if p, err := osexec.LookPath("pgbouncer"); err == nil {
		return p
	}
	if fi, err := os.Stat("/usr/sbin/pgbouncer"); err == nil && fi.Mode()&0o111 != 0 {
		return "/usr/sbin/pgbouncer"
	}
	return ""
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: pgbouncer refuses root and there is no user postgres: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
