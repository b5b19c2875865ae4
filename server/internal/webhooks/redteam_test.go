package webhooks_test

// Red-team tests of issue 15 (hardening), item 9: webhooks as a probe of internal networks.
// Run against the code before the fix, each failed.

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/internal/webhooks"
)

func TestRedTeamInternalWebhookTargetsAreRefused(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config) { c.WebhookAllowPrivate = false })
	create := `mutation($u: String!) { createWebhook(input: {url: $u, kinds: [CONSENT_REVOKED], secret: "whsec-0123456789abcdef"}) { id } }`
	for _, u := range []string{
		"http://127.0.0.1:5432/hook", "http://localhost:8080/hook", "http://[::1]/hook", "http://10.1.2.3/hook",
		"http://192.168.0.10/hook", "http://172.16.0.1/hook", "http://169.254.169.254/latest/meta-data", "http://[fd00::1]/hook",
		"http://100.64.0.1/hook", "http://0.0.0.0:6060/hook",
	} {
		res := s.Admin(t, create, map[string]any{"u": u})
		if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, "VERMERK_WEBHOOK_ALLOW_PRIVATE") {
			t.Errorf("%s: %+v, want BAD_USER_INPUT naming VERMERK_WEBHOOK_ALLOW_PRIVATE", u, res.Errors)
		}
	}
	if res := s.Admin(t, create, map[string]any{"u": "https://mailer.example.org/hooks/vermerk"}); len(res.Errors) > 0 {
		t.Errorf("a public target: %+v", res.Errors)
	}
}

// A target that only turns out internal when dialled (a name resolving to one, or an endpoint
// made while they were allowed) gets nothing.
func TestRedTeamDeliveriesDoNotReachInternalAddresses(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, ok) // on 127.0.0.1
	w := e.create(t, r.URL, model.RevocationKindConsentRevoked)
	e.svc.AllowPrivate = false
	e.worker(t, webhooks.WorkerOptions{MaxAttempts: 1})
	e.emit(t, store.EventConsentRevoked, 1)
	eventually(t, "the delivery is given up", func() bool {
		ds := e.deliveries(t, w)
		return len(ds) == 1 && ds[0].Status == model.DeliveryStatusFailed
	})
	if n := len(r.ids()); n != 0 {
		t.Errorf("the internal endpoint got %d deliveries", n)
	}
	if d := e.deliveries(t, w)[0]; d.LastError == nil || !strings.Contains(*d.LastError, "VERMERK_WEBHOOK_ALLOW_PRIVATE") {
		t.Errorf("lastError %v; want it to name VERMERK_WEBHOOK_ALLOW_PRIVATE", d.LastError)
	}
}

// lastError tells that the endpoint could not be reached, not how (address, port, refused or
// timed out): an ADMIN token cannot scan ports through it.
func TestRedTeamLastErrorHasNoDialDetails(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing listens there now: "connection refused"
	lastError := e.givenUpWith(t, "http://"+closed+"/hook")
	_, port, _ := net.SplitHostPort(closed)
	for _, leak := range []string{"127.0.0.1", port, "refused", "dial", "connect"} {
		if strings.Contains(lastError, leak) {
			t.Errorf("lastError %q shows %q", lastError, leak)
		}
	}
}

// lastError keeps the endpoint's status code, not its words: the reason phrase of the status
// line is the endpoint's text, and one that echoes what it got ("500 no subscriber
// erika.testfrau@example.org") put a person's e-mail into lastError, which her erasure does not
// reach. Before, lastError was "HTTP 500 no subscriber zyxqa.marker@example.org".
func TestRedTeamLastErrorKeepsNoTextOfTheEndpoint(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = bufio.NewReader(c).ReadString('\n') // the request line; the rest is never read
				_, _ = c.Write([]byte("HTTP/1.1 500 no subscriber zyxqa.marker@example.org\r\nContent-Length: 27\r\nConnection: close\r\n\r\nzyxqa.marker@example.org is"))
			}()
		}
	}()
	lastError := e.givenUpWith(t, "http://"+ln.Addr().String()+"/hook")
	if !strings.Contains(lastError, "500") || strings.Contains(lastError, "zyxqa") {
		t.Errorf("lastError %q; want the status 500 and none of the endpoint's text", lastError)
	}
}

// givenUpWith makes a webhook to url, lets its one delivery fail once (one attempt allowed)
// and returns the delivery's lastError.
func (e env) givenUpWith(t *testing.T, url string) string {
	t.Helper()
	w := e.create(t, url, model.RevocationKindConsentRevoked)
	e.worker(t, webhooks.WorkerOptions{MaxAttempts: 1})
	e.emit(t, store.EventConsentRevoked, 1)
	eventually(t, "the delivery is given up", func() bool {
		ds := e.deliveries(t, w)
		return len(ds) == 1 && ds[0].Status == model.DeliveryStatusFailed
	})
	d := e.deliveries(t, w)[0]
	if d.LastError == nil {
		t.Fatal("no lastError")
	}
	return *d.LastError
}
