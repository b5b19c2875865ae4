package webhooks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Webhook targets on this machine or an internal network are refused unless the operator
// allows them (VERMERK_WEBHOOK_ALLOW_PRIVATE): an ADMIN token must not turn the server into a
// probe of the networks behind it. Names are checked where they are dialled, after
// resolution, so a name that resolves to an internal address (or changes to one) is refused too.

var errPrivateTarget = errors.New("the endpoint's address is on a loopback, link-local or private network; " +
	"Vermerk does not deliver there unless VERMERK_WEBHOOK_ALLOW_PRIVATE is set")

// sharedSpace is 100.64.0.0/10 (carrier-grade NAT), internal like the private ranges.
var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

func isPrivate(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || sharedSpace.Contains(a)
}

// privateHost reports a host that is an internal address as written (an IP literal or
// localhost); other names are checked when dialled.
func privateHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil && isPrivate(a)
}

// deliveryClient posts deliveries: no redirects, a timeout, and (unless allowPrivate) no
// connection to an internal address.
func deliveryClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: timeout}
	if !allowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || isPrivate(ap.Addr()) {
				return errPrivateTarget
			}
			return nil
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dialer.DialContext
	return &http.Client{
		Timeout:   timeout,
		Transport: tr,
		// A redirect is not a delivery: the endpoint should be registered with its final URL.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// describe is what lastError says about a failed attempt: what went wrong, not the dial
// details (addresses, ports, "connection refused" against "timeout") that would let an ADMIN
// token scan ports through the server.
func describe(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err.Error() // our own: an HTTP status, a secret that cannot be decrypted
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(err, errPrivateTarget):
		return errPrivateTarget.Error()
	case errors.As(err, &dnsErr):
		return "the endpoint's host name could not be resolved"
	case errors.As(err, &certErr), errors.As(err, &unknownAuthority), errors.As(err, &hostnameErr), errors.As(err, &recordErr):
		return "the TLS handshake with the endpoint failed (certificate or protocol)"
	case errors.Is(err, context.Canceled):
		return "the attempt was cancelled (server shutting down)"
	default:
		return "the endpoint could not be reached, or did not answer in time"
	}
}
