package apptest

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/config"
)

// ListenerLine is a TCP proxy to the test database, for an instance's listener connection
// (VERMERK_LISTEN_DATABASE_URL, set to URL): Cut closes every connection through it and
// refuses new ones, as a network between the instance and the database that went down.
type ListenerLine struct {
	URL string
	mu  sync.Mutex
	cut bool
	cs  []net.Conn
}

// StartOnLine starts an instance on dbURL (StartOn) whose listener connection runs through a
// ListenerLine of its own, for a test to cut.
func StartOnLine(t testing.TB, dbURL string, opts ...Option) (*Server, *ListenerLine) {
	t.Helper()
	line := NewListenerLine(t, dbURL)
	s := StartOn(t, dbURL, append(opts, func(c *config.Config) { c.ListenDatabaseURL = line.URL })...)
	return s, line
}

// NewListenerLine opens the line; it is cut when the test ends.
func NewListenerLine(t testing.TB, dbURL string) *ListenerLine {
	t.Helper()
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	network, target := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, target = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &ListenerLine{URL: (&url.URL{Scheme: "postgres", User: url.UserPassword(cfg.User, cfg.Password),
		Host: ln.Addr().String(), Path: "/" + cfg.Database, RawQuery: "sslmode=disable"}).String()}
	t.Cleanup(func() { ln.Close(); l.Cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.mu.Lock()
			if l.cut {
				l.mu.Unlock()
				c.Close()
				continue
			}
			d, err := net.Dial(network, target)
			if err != nil {
				l.mu.Unlock()
				c.Close()
				continue
			}
			l.cs = append(l.cs, c, d)
			l.mu.Unlock()
			go func() { _, _ = io.Copy(d, c); d.Close() }()
			go func() { _, _ = io.Copy(c, d); c.Close() }()
		}
	}()
	return l
}

// Cut closes every connection through the line and refuses new ones.
func (l *ListenerLine) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = true
	for _, c := range l.cs {
		c.Close()
	}
	l.cs = nil
}
