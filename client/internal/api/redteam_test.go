package api

// Red-team tests of issue 15 (hardening), item 8: the desktop app's token stays off plain
// http:// to other machines and off redirects to other origins. Run against the code before
// the fix, both failed.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestRedTeamPlainHTTPOnlyOnThisMachine(t *testing.T) {
	for _, c := range []struct {
		in, http string
		refused  bool
	}{
		{"http://vermerk.example.com", "", true},
		{"http://192.168.1.20:8080/graphql", "", true},
		{"http://[2001:db8::1]:8080", "", true},
		{"vermerk.example.com", "https://vermerk.example.com/graphql", false},
		{"https://vermerk.example.com", "https://vermerk.example.com/graphql", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql", false},
		{"http://127.0.0.2:8080", "http://127.0.0.2:8080/graphql", false},
		{"http://localhost:8080", "http://localhost:8080/graphql", false},
		{"http://[::1]:8080", "http://[::1]:8080/graphql", false},
		{"127.0.0.1:8080", "http://127.0.0.1:8080/graphql", false},
	} {
		h, _, err := Endpoints(c.in)
		switch {
		case c.refused && !errors.Is(err, ErrInsecureURL):
			t.Errorf("Endpoints(%q) = %q, %v; want ErrInsecureURL", c.in, h, err)
		case !c.refused && (err != nil || h != c.http):
			t.Errorf("Endpoints(%q) = %q, %v; want %q", c.in, h, err, c.http)
		}
	}
	if _, err := New("http://vermerk.example.com", "vmk_secret"); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("New with a plain http:// URL of another machine: %v", err)
	}
}

func TestRedTeamTokenNotCarriedAcrossOrigins(t *testing.T) {
	var mu sync.Mutex
	var elsewhere []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere = append(elsewhere, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"me":{"name":"x","role":"STAFF","purposeKeys":[]}}}`))
	}))
	defer other.Close()
	var own []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		own = append(own, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Redirect(w, r, other.URL+"/graphql", http.StatusTemporaryRedirect) // another port: another origin
	}))
	defer server.Close()

	c, err := New(server.URL, "vmk_secret")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = c.Me(ctx)
	mu.Lock()
	defer mu.Unlock()
	if len(own) == 0 || own[0] != "Bearer vmk_secret" {
		t.Fatalf("the server itself got %q", own)
	}
	if len(elsewhere) == 0 {
		t.Fatal("the redirect was not followed; the test needs it")
	}
	for _, h := range elsewhere {
		if h != "" {
			t.Errorf("the token went to another origin after a redirect: %q", h)
		}
	}
}
