package unsubscribe_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/unsubscribe"
)

// postStatus sends RFC 8058's one-click POST and returns the status; safe in goroutines.
func postStatus(link string) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader(oneClick.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirects.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// burst POSTs every link at once from this one address (a mail provider's server after a big
// send) and returns the statuses, in the order of links.
func burst(t *testing.T, links []string) []int {
	t.Helper()
	statuses := make([]int, len(links))
	errs := make([]error, len(links))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i, l := range links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			statuses[i], errs[i] = postStatus(l)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("POST %d: %v", i, err)
		}
	}
	return statuses
}

// A mail provider sends the one-click POSTs of many people from one address: every one with
// a valid link takes effect at once, however many the others are (the limit counts links,
// not the provider); a flood of forged links from one address is still refused, and does not
// use up what the valid ones may do.
func TestOneClickPostsOfManyPeopleFromOneAddressAllTakeEffect(t *testing.T) {
	f := newFixture(t)
	const people = 120 // well past the per-address burst of 50 at 10/s
	ids := make([]string, people)
	for i := range ids {
		ids[i] = f.subscriber(t, "Erika", fmt.Sprintf("Musterfrau%03d", i))
	}
	links := make([]string, people)
	for i, id := range ids {
		links[i] = f.link(t, id)
	}

	// Forged links first, as an attacker would send them from the same address.
	forged := make([]string, 300)
	for i := range forged {
		forged[i] = strings.TrimSuffix(links[0], links[0][len(links[0])-unsubscribe.TokenLen:]) +
			strings.Repeat(string(rune('A'+i%26)), unsubscribe.TokenLen)
	}
	refused := 0
	for _, s := range burst(t, forged) {
		switch s {
		case http.StatusTooManyRequests:
			refused++
		case http.StatusNotFound:
		default:
			t.Fatalf("forged link: %d, want 404 or 429", s)
		}
	}
	if refused == 0 {
		t.Error("300 forged links from one address in a burst were never refused")
	}

	for i, s := range burst(t, links) {
		if s != http.StatusOK {
			t.Errorf("one-click POST of person %d: %d, want 200", i, s)
		}
	}
	if left := f.recipients(t); len(left) > 0 {
		t.Errorf("%d people are still recipients after their one-click POSTs", len(left))
	}

	// A replayed link changes nothing; replayed in a flood it is limited by itself.
	limited := false
	for i := 0; i < 50 && !limited; i++ {
		s, err := postStatus(links[0])
		if err != nil {
			t.Fatal(err)
		}
		limited = s == http.StatusTooManyRequests
	}
	if !limited {
		t.Error("50 replays of one link in a row were never refused")
	}
	if s, _ := postStatus(links[1]); s != http.StatusOK {
		t.Errorf("another person's link after one link's flood: %d, want 200", s)
	}
}

// Valid links of one's own, POSTed with bodies sent slowly, hold up no one else's "no": the
// body is read before the POST takes its turn of database work.
func TestSlowBodiesOfValidLinksHoldUpNoOneElse(t *testing.T) {
	f := newFixture(t)
	var slow []string
	for i := range 8 { // twice the default turns
		slow = append(slow, f.link(t, f.subscriber(t, "Max", fmt.Sprintf("Testmann%d", i))))
	}
	for _, l := range slow {
		u, _ := url.Parse(l)
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		// the headers and the first bytes of the body, the rest never comes
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nList-Unsub", u.Path, u.Host)
	}
	time.Sleep(300 * time.Millisecond)
	erika := f.subscriber(t, "Erika", "Musterfrau")
	start := time.Now()
	s, err := postStatus(f.link(t, erika))
	if err != nil {
		t.Fatal(err)
	}
	if s != http.StatusOK || time.Since(start) > 5*time.Second {
		t.Fatalf("her one-click POST while slow bodies are open: %d after %s, want 200 at once", s, time.Since(start))
	}
	if _, ok := f.recipients(t)[erika]; ok {
		t.Fatal("still a recipient after her POST")
	}
}
