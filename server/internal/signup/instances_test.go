package signup_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A web form behind a load balancer that alternates between two instances must not get twice
// the sign-ups of one address: the limit of 5 an hour holds for the address, not per instance.
func TestSignUpsPerAddressAreLimitedAcrossInstances(t *testing.T) {
	a := newFixture(t)
	b := fixture{Server: apptest.StartOn(t, a.DBURL), shop: a.shop}
	refused := -1
	for i := range 10 {
		f := a
		if i%2 == 1 {
			f = b
		}
		_, res := f.signUp(t, map[string]any{"email": "erika.testfrau@example.org", "purposeKey": "newsletter", "source": "web-form"})
		if codes := res.ErrorCodes(); len(codes) == 1 && codes[0] == "RATE_LIMITED" {
			refused = i
			break
		} else if len(res.Errors) > 0 {
			t.Fatalf("sign-up #%d: %+v", i, res.Errors)
		}
	}
	if refused != 5 {
		t.Fatalf("first refused sign-up of one address, alternating between two instances: #%d, want #5 (5 an hour in all)", refused)
	}
}
