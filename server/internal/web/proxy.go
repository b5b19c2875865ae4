package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// behindProxies takes the client's address from X-Forwarded-For when the request comes from
// one of the trusted proxies (VERMERK_TRUSTED_PROXIES), so that per-client limits (the public
// unsubscribe pages) count clients, not the proxy. The header is read from the right: each
// trusted proxy appends the address it got the request from, and the first address that is
// not a trusted proxy is the client; whatever a client wrote further left is ignored, so it
// cannot choose its own address. Requests from elsewhere keep their peer address.
func behindProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, ok := remoteAddr(r.RemoteAddr)
		if !ok || !isTrusted(peer) {
			next.ServeHTTP(w, r)
			return
		}
		client := peer
		hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(hops[i])
			if err != nil {
				break // a garbled hop: trust nothing left of it
			}
			client = a.Unmap()
			if !isTrusted(client) {
				break
			}
		}
		if client != peer {
			r2 := *r
			r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
			r = &r2
		}
		next.ServeHTTP(w, r)
	})
}

func remoteAddr(s string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// forwardedFor splits X-Forwarded-For headers (several headers count as one list).
func forwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}
