package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestBehindProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	var got string
	h := behindProxies(trusted, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy in between", "192.0.2.7:5000", nil, "192.0.2.7:5000"},
		{"an untrusted peer cannot claim an address", "192.0.2.7:5000", []string{"198.51.100.1"}, "192.0.2.7:5000"},
		{"one trusted proxy", "10.1.2.3:4000", []string{"198.51.100.1"}, "198.51.100.1:0"},
		{"the client's own entries are ignored", "10.1.2.3:4000", []string{"203.0.113.9, 198.51.100.1"}, "198.51.100.1:0"},
		{"a chain of trusted proxies", "10.1.2.3:4000", []string{"198.51.100.1, 10.9.9.9", "10.8.8.8"}, "198.51.100.1:0"},
		{"IPv6 proxy, IPv4-mapped client", "[::1]:4000", []string{"::ffff:198.51.100.1"}, "198.51.100.1:0"},
		{"IPv6 client", "[::1]:4000", []string{"2001:db8::5"}, "[2001:db8::5]:0"},
		{"garbage stops the walk at the last good hop", "10.1.2.3:4000", []string{"198.51.100.1, not-an-ip, 10.9.9.9"}, "10.9.9.9:0"},
		{"no header: the proxy itself", "10.1.2.3:4000", nil, "10.1.2.3:4000"},
		{"only proxies: the leftmost", "10.1.2.3:4000", []string{"10.7.7.7, 10.9.9.9"}, "10.7.7.7:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/unsubscribe/x", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("RemoteAddr = %q, want %q", got, tc.want)
			}
		})
	}
}

// Without trusted proxies nothing changes, whatever the header says.
func TestBehindNoProxies(t *testing.T) {
	var got string
	h := behindProxies(nil, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:4000"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "10.1.2.3:4000" {
		t.Errorf("RemoteAddr = %q, want the peer", got)
	}
}
