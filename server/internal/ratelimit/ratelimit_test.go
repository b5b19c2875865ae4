package ratelimit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const screen = `{ screen(candidate: {familyName: "Mustermann", emails: ["erika.mustermann@example.org"]}) { blocked } }`

func staffToken(t *testing.T, s *apptest.Server, name string) string {
	t.Helper()
	var out struct {
		CreateAPIToken struct{ Secret string } `json:"createApiToken"`
	}
	s.MustAdmin(t, &out, `mutation($n: String!) { createApiToken(name: $n, role: STAFF) { secret } }`, map[string]any{"n": name})
	return out.CreateAPIToken.Secret
}

func TestScreenIsRateLimitedPerToken(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config) { c.ScreenRate = 3 })
	desk, shop := staffToken(t, s, "front desk"), staffToken(t, s, "sales")

	var refused *apptest.Result
	allowed := 0
	start := time.Now()
	for range 10 {
		res := s.Do(t, desk, screen, nil)
		if len(res.Errors) == 0 {
			allowed++
			continue
		}
		refused = res
		break
	}
	if time.Since(start) < 900*time.Millisecond && allowed != 3 {
		t.Errorf("%d screens passed before the first refusal; want the burst of 3", allowed)
	}
	if refused == nil {
		t.Fatal("10 screens in a row were all allowed at 3 per second")
	}
	e := refused.Errors[0]
	if e.Code() != "RATE_LIMITED" || !strings.Contains(e.Message, "3 requests per second") || !strings.Contains(e.Message, "retry in") {
		t.Errorf("refusal %+v: want RATE_LIMITED saying the limit and when to retry", e)
	}

	// Another token has its own budget.
	if res := s.Do(t, shop, screen, nil); len(res.Errors) > 0 {
		t.Errorf("a second token was refused: %+v", res.Errors)
	}
	// The budget refills: after a third of a second one more screen passes.
	time.Sleep(400 * time.Millisecond)
	if res := s.Do(t, desk, screen, nil); len(res.Errors) > 0 {
		t.Errorf("after waiting: %+v", res.Errors)
	}

	families, err := s.App.Metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range families {
		if f.GetName() == "vermerk_ratelimit_refusals_total" {
			for _, m := range f.GetMetric() {
				if m.GetLabel()[0].GetValue() == "screen" && m.GetCounter().GetValue() >= 1 {
					found = true
				}
			}
		}
	}
	if !found {
		t.Error(`vermerk_ratelimit_refusals_total{operation="screen"} did not count the refusal`)
	}
}
