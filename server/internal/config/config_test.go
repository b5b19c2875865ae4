package config

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTrustedProxies(t *testing.T) {
	t.Setenv("VERMERK_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1,192.168.1.7/16")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.168.0.0/16")}
	if !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %v, want %v", c.TrustedProxies, want)
	}

	t.Setenv("VERMERK_TRUSTED_PROXIES", "10.0.0.0/8,proxy.example.org")
	_, err = FromEnv()
	if err == nil || !strings.Contains(err.Error(), `VERMERK_TRUSTED_PROXIES: "proxy.example.org"`) {
		t.Errorf("err = %v, want one naming the bad entry", err)
	}
}

func TestRetentionSchedule(t *testing.T) {
	for _, tc := range []struct {
		value string
		ok    bool
	}{{"03:30", true}, {"23:59", true}, {"", true}, {"3:30am", false}, {"25:00", false}, {"daily", false}} {
		t.Setenv("VERMERK_RETENTION_SCHEDULE", tc.value)
		c, err := FromEnv()
		switch {
		case tc.ok && (err != nil || c.RetentionSchedule != tc.value):
			t.Errorf("%q: %v, %q", tc.value, err, c.RetentionSchedule)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), "VERMERK_RETENTION_SCHEDULE")):
			t.Errorf("%q accepted (err %v)", tc.value, err)
		}
	}
}

func TestHeldRetention(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want time.Duration
		bad  bool
	}{
		{"", 30 * 24 * time.Hour, false},
		{"7d", 7 * 24 * time.Hour, false},
		{"720h", 720 * time.Hour, false},
		{"soon", 0, true},
	} {
		t.Setenv("VERMERK_HELD_RETENTION", tt.env)
		c, err := FromEnv()
		if tt.bad {
			if err == nil || !strings.Contains(err.Error(), "VERMERK_HELD_RETENTION") {
				t.Errorf("%q: err = %v, want one naming VERMERK_HELD_RETENTION", tt.env, err)
			}
			continue
		}
		if err != nil || c.HeldRetention != tt.want {
			t.Errorf("%q: HeldRetention = %v, %v; want %v", tt.env, c.HeldRetention, err, tt.want)
		}
	}
}

func TestListenDatabaseURL(t *testing.T) {
	for _, tc := range []struct {
		name, db, listen, wantErr string
	}{
		{"embedded", "", "", ""},
		{"direct only", "postgres://db/vermerk", "", ""},
		{"behind a pooler", "postgres://pgbouncer:6432/vermerk", "postgres://db:5432/vermerk", ""},
		{"listen without a database", "", "postgres://db:5432/vermerk", "VERMERK_LISTEN_DATABASE_URL needs DATABASE_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DATABASE_URL", tc.db)
			t.Setenv("VERMERK_LISTEN_DATABASE_URL", tc.listen)
			t.Setenv("VERMERK_SECRET_KEY", "c2VjcmV0LWtleS1vZi10aGlydHktdHdvLWJ5dGVzIQ==")
			c, err := FromEnv()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ListenDatabaseURL != tc.listen {
				t.Errorf("ListenDatabaseURL = %q, want %q", c.ListenDatabaseURL, tc.listen)
			}
		})
	}
}

func TestLostKeyIDs(t *testing.T) {
	t.Setenv("VERMERK_LOST_KEY_IDS", "e2ea09c5, 0badc0de")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.LostKeyIDs, []string{"e2ea09c5", "0badc0de"}) {
		t.Errorf("LostKeyIDs = %q", c.LostKeyIDs)
	}
	t.Setenv("VERMERK_LOST_KEY_IDS", "e2ea09c5,E2EA09C5")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), `VERMERK_LOST_KEY_IDS: entry 2 is not a key id`) {
		t.Errorf("upper-case id: err = %v", err)
	}
	// a secret key where an id belongs is refused and not quoted back
	secret := "q0Jx2m9V7bYc1kz3Wm5t8Rr4Lp6Hn0Ds2Fg7Ja9Ke1U="
	t.Setenv("VERMERK_LOST_KEY_IDS", secret)
	if _, err := FromEnv(); err == nil || strings.Contains(err.Error(), secret[:8]) {
		t.Errorf("a secret key as the id: err = %v", err)
	}
}

// VERMERK_LOG_FORMAT is text or json; anything else (a typo, "JSON") is refused at start like
// every other bad value instead of quietly logging text.
func TestLogFormat(t *testing.T) {
	for _, tc := range []struct {
		value, want string
		ok          bool
	}{{"", "text", true}, {"text", "text", true}, {"json", "json", true}, {"JSON", "", false}, {"xml", "", false}} {
		t.Setenv("VERMERK_LOG_FORMAT", tc.value)
		c, err := FromEnv()
		switch {
		case tc.ok && (err != nil || c.LogFormat != tc.want):
			t.Errorf("%q: %v, %q; want %q", tc.value, err, c.LogFormat, tc.want)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), "VERMERK_LOG_FORMAT")):
			t.Errorf("%q accepted (err %v)", tc.value, err)
		}
	}
}
