// Package config reads Vermerk's configuration from the environment.
package config

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vermerk/vermerk/server/internal/screening"
)

// Config is the whole runtime configuration; see the README's environment reference.
type Config struct {
	Addr        string // VERMERK_ADDR
	DatabaseURL string // DATABASE_URL; empty → embedded PostgreSQL
	// ListenDatabaseURL (VERMERK_LISTEN_DATABASE_URL) reaches the same database without a
	// transaction pooler, for LISTEN, migrations and import runners; set it when DATABASE_URL
	// goes through PgBouncer in transaction pooling mode. Empty → DATABASE_URL.
	ListenDatabaseURL string
	DataDir           string   // VERMERK_DATA_DIR
	AdminToken        string   // VERMERK_ADMIN_TOKEN; empty → generated into DataDir
	SecretKey         string   // VERMERK_SECRET_KEY (base64, 32 bytes); empty → key file in DataDir
	OldSecretKeys     []string // VERMERK_OLD_SECRET_KEYS: comma-separated, kept for matching after rotation
	// LostKeyIDs (VERMERK_LOST_KEY_IDS) are ids of secret keys that are gone for good: contact
	// e-mails and phones hashed under them are hashed again under the current key at start,
	// and the current key replaces a lost one the database recorded as current. Without it a
	// server refuses to start on either (blacklist.CheckCurrentKey, HashAllIdentifiers).
	LostKeyIDs     []string
	PublicURL      string         // VERMERK_PUBLIC_URL
	MaxUploadSize  int64          // VERMERK_MAX_UPLOAD_BYTES
	EventRetention time.Duration  // VERMERK_EVENT_RETENTION
	HeldRetention  time.Duration  // VERMERK_HELD_RETENTION: held import rows and problem lists
	AllowedOrigins []string       // VERMERK_ALLOWED_ORIGINS: WebSocket origins (host patterns)
	ScreenRate     float64        // VERMERK_SCREEN_RATE: screens per second per token
	SignUpRate     float64        // VERMERK_SIGNUP_RATE: sign-ups per second per token
	LogFormat      string         // VERMERK_LOG_FORMAT: text or json
	DebugAddr      string         // VERMERK_DEBUG_ADDR: where to serve net/http/pprof (off when empty)
	TrustedProxies []netip.Prefix // VERMERK_TRUSTED_PROXIES: reverse proxies whose X-Forwarded-For is believed
	// RetentionSchedule is VERMERK_RETENTION_SCHEDULE: "HH:MM", the daily time the retention
	// run deletes what is due (server time zone); empty: no scheduled run.
	RetentionSchedule string

	// Limits per token (hardening, issue 15).
	SocketsPerToken     int  // VERMERK_WS_PER_TOKEN: open WebSockets per token and instance
	UploadsPerToken     int  // VERMERK_UPLOADS_PER_TOKEN: uploads read at once per token and instance
	OperationsPerToken  int  // VERMERK_OPS_PER_TOKEN: GraphQL operations running at once per token and instance
	WebhookAllowPrivate bool // VERMERK_WEBHOOK_ALLOW_PRIVATE: webhook targets on loopback and private networks

	// KeyCheckInterval is how often a serving instance checks that the database's current
	// secret key is still one of its own (zero: every 30 seconds); set by tests, not the
	// environment.
	KeyCheckInterval time.Duration

	// ShareEmbedded is set by the command-line tools, not the environment: they use the
	// embedded PostgreSQL a running `vermerk serve` of the same data directory started.
	ShareEmbedded bool
}

// AdminTokenOff as VERMERK_ADMIN_TOKEN turns the bootstrap admin token off (once a real
// ADMIN API token exists).
const AdminTokenOff = "off"

// FromEnv reads the configuration, applying defaults, and reports every bad value.
func FromEnv() (Config, error) {
	c := Config{
		Addr:              env("VERMERK_ADDR", "127.0.0.1:8080"),
		DatabaseURL:       os.Getenv("DATABASE_URL"),
		ListenDatabaseURL: os.Getenv("VERMERK_LISTEN_DATABASE_URL"),
		DataDir:           env("VERMERK_DATA_DIR", ".vermerk"),
		AdminToken:        os.Getenv("VERMERK_ADMIN_TOKEN"),
		SecretKey:         os.Getenv("VERMERK_SECRET_KEY"),
		PublicURL:         os.Getenv("VERMERK_PUBLIC_URL"),
		LogFormat:         env("VERMERK_LOG_FORMAT", "text"),
		DebugAddr:         os.Getenv("VERMERK_DEBUG_ADDR"),
		RetentionSchedule: os.Getenv("VERMERK_RETENTION_SCHEDULE"),
		MaxUploadSize:     200 << 20,
		EventRetention:    90 * 24 * time.Hour,
		ScreenRate:        50,
		SignUpRate:        10,
		HeldRetention:     30 * 24 * time.Hour,

		SocketsPerToken:    100,
		UploadsPerToken:    2,
		OperationsPerToken: 64,
	}
	var errs []string
	if v := os.Getenv("VERMERK_OLD_SECRET_KEYS"); v != "" {
		c.OldSecretKeys = strings.Split(v, ",")
	}
	if v := os.Getenv("VERMERK_LOST_KEY_IDS"); v != "" {
		for i, id := range strings.Split(v, ",") {
			id = strings.TrimSpace(id)
			if !screening.IsKeyID(id) {
				// not quoted: a secret key put here by mistake must not reach the log
				errs = append(errs, fmt.Sprintf("VERMERK_LOST_KEY_IDS: entry %d is not a key id "+
					"(8 lower-case hex digits, as the start-up error names them; never the key itself)", i+1))
				continue
			}
			c.LostKeyIDs = append(c.LostKeyIDs, id)
		}
	}
	if v := os.Getenv("VERMERK_ALLOWED_ORIGINS"); v != "" {
		c.AllowedOrigins = strings.Split(v, ",")
	}
	if v := os.Getenv("VERMERK_TRUSTED_PROXIES"); v != "" {
		for _, item := range strings.Split(v, ",") {
			p, err := parsePrefix(strings.TrimSpace(item))
			if err != nil {
				errs = append(errs, fmt.Sprintf("VERMERK_TRUSTED_PROXIES: %q is neither an address nor a network such as 10.0.0.0/8", item))
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if v := os.Getenv("VERMERK_MAX_UPLOAD_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Sprintf("VERMERK_MAX_UPLOAD_BYTES=%q is not a positive number of bytes", v))
		}
		c.MaxUploadSize = n
	}
	if v := os.Getenv("VERMERK_EVENT_RETENTION"); v != "" {
		d, err := parseDays(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("VERMERK_EVENT_RETENTION=%q: %v", v, err))
		}
		c.EventRetention = d
	}
	if v := os.Getenv("VERMERK_HELD_RETENTION"); v != "" {
		d, err := parseDays(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("VERMERK_HELD_RETENTION=%q: %v", v, err))
		}
		c.HeldRetention = d
	}
	if v := os.Getenv("VERMERK_SCREEN_RATE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			errs = append(errs, fmt.Sprintf("VERMERK_SCREEN_RATE=%q is not a positive number", v))
		}
		c.ScreenRate = f
	}
	if v := os.Getenv("VERMERK_SIGNUP_RATE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			errs = append(errs, fmt.Sprintf("VERMERK_SIGNUP_RATE=%q is not a positive number", v))
		}
		c.SignUpRate = f
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Sprintf("VERMERK_LOG_FORMAT=%q is neither text nor json", c.LogFormat))
	}
	if v := c.RetentionSchedule; v != "" {
		if _, err := time.Parse("15:04", v); err != nil {
			errs = append(errs, fmt.Sprintf("VERMERK_RETENTION_SCHEDULE=%q is not a time of day such as 03:30 (the retention runs daily then)", v))
		}
	}
	for _, n := range []struct {
		name string
		to   *int
	}{{"VERMERK_WS_PER_TOKEN", &c.SocketsPerToken}, {"VERMERK_UPLOADS_PER_TOKEN", &c.UploadsPerToken},
		{"VERMERK_OPS_PER_TOKEN", &c.OperationsPerToken}} {
		if v := os.Getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i <= 0 {
				errs = append(errs, fmt.Sprintf("%s=%q is not a positive whole number", n.name, v))
			}
			*n.to = i
		}
	}
	if v := os.Getenv("VERMERK_WEBHOOK_ALLOW_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("VERMERK_WEBHOOK_ALLOW_PRIVATE=%q is neither true nor false", v))
		}
		c.WebhookAllowPrivate = b
	}
	if c.AdminToken != "" && c.AdminToken != AdminTokenOff && len(c.AdminToken) < 16 {
		errs = append(errs, "VERMERK_ADMIN_TOKEN must be at least 16 characters")
	}
	if c.DatabaseURL != "" && c.SecretKey == "" {
		errs = append(errs, "VERMERK_SECRET_KEY is required with DATABASE_URL (32 random bytes, standard base64: openssl rand -base64 32)")
	}
	if c.ListenDatabaseURL != "" && c.DatabaseURL == "" {
		errs = append(errs, "VERMERK_LISTEN_DATABASE_URL needs DATABASE_URL: it is the direct way to the database DATABASE_URL reaches through a pooler")
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// parsePrefix accepts a network (10.0.0.0/8) or one address (127.0.0.1, ::1).
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parseDays accepts Go durations ("720h") and days ("90d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("not a positive number of days")
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("not a positive duration such as 90d or 720h")
	}
	return d, nil
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
