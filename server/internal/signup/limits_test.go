package signup_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/vermerk/vermerk/server/internal/config"
)

// After a campaign many people behind one company or carrier NAT confirm at once: every
// confirmation of a valid link takes effect (the limit counts the link, not the address), while
// forged links from that address are still refused.
func TestConfirmationsOfManyPeopleFromOneAddressAllTakeEffect(t *testing.T) {
	f := newFixture(t, func(c *config.Config) { c.SignUpRate = 1000 })
	const people = 45 // past the per-address burst of 20 at 5/s
	links := make([]string, people)
	for i := range links {
		links[i] = f.mustSignUp(t, fmt.Sprintf("erika.%d@example.com", i)).ConfirmURL
	}
	forged := 0
	for i := range 100 {
		bad := links[0][:strings.LastIndex(links[0], "/")+1] + strings.Repeat(string(rune('a'+i%26)), 40)
		if s, _ := page(t, http.MethodGet, bad, "de", nil); s == http.StatusTooManyRequests {
			forged++
		}
	}
	if forged == 0 {
		t.Error("100 forged links from one address were never refused")
	}

	statuses := make([]int, people)
	var wg sync.WaitGroup
	for i, l := range links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.PostForm(l, confirmForm)
			if err != nil {
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("confirmation %d: %d, want 200", i, s)
		}
	}
	if got := len(f.recipients(t)); got != people {
		t.Errorf("%d recipients after %d confirmations, want all", got, people)
	}
}
