package api_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/seed"
)

const e2eAdminToken = "e2e-admin-token-0123456789"

// startServer builds the real server binary from the workspace and runs it with its embedded,
// throwaway PostgreSQL. VERMERK_E2E_URL and VERMERK_E2E_TOKEN use a running server instead.
func startServer(t *testing.T) (url, token string) {
	t.Helper()
	if u := os.Getenv("VERMERK_E2E_URL"); u != "" {
		return u, os.Getenv("VERMERK_E2E_TOKEN")
	}
	if testing.Short() {
		t.Skip("end-to-end test: needs the server binary and PostgreSQL (skipped with -short)")
	}
	if _, err := exec.LookPath("initdb"); err != nil {
		t.Skip("end-to-end test: PostgreSQL's initdb is not installed")
	}
	// As root the embedded database runs as user postgres: it must search every directory
	// down to its data dir (t.TempDir's parent is private), or its cluster is relocated to
	// /var/lib/vermerk and outlives the test.
	dir, err := os.MkdirTemp("", "vermerk-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "vermerk")
	build := exec.Command("go", "build", "-o", bin, "github.com/vermerk/vermerk/server/cmd/vermerk")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the server: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "VERMERK_ADDR="+addr, "VERMERK_DATA_DIR="+filepath.Join(dir, "data"),
		"VERMERK_ADMIN_TOKEN="+e2eAdminToken, "DATABASE_URL=")
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
		}
		cancel()
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 90 s:\n%s", log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	return "http://" + addr, e2eAdminToken
}

func TestEndToEndAgainstTheServer(t *testing.T) {
	url, token := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := api.New(url, token)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Me(ctx)
	if err != nil || v.Role != api.RoleAdmin {
		t.Fatalf("Me = %+v, %v", v, err)
	}
	bad, _ := api.New(url, "not-a-token-at-all")
	if _, err := bad.Me(ctx); !errors.Is(err, api.ErrUnauthenticated) {
		t.Fatalf("wrong token: %v", err)
	}

	// Watch the blacklist and the revocations while an admin erases a contact.
	changed := make(chan api.BlacklistEntryFields, 4)
	erased := make(chan api.RevocationFields, 4)
	connected := make(chan bool, 4)
	go c.WatchBlacklist(ctx, func(e api.BlacklistEntryFields) { changed <- e }, func(s api.LinkState) { connected <- s.Connected })
	go c.WatchRevocations(ctx, "", func(e api.RevocationFields) { erased <- e }, func(s api.LinkState) { connected <- s.Connected })
	for range 2 {
		select {
		case ok := <-connected:
			if !ok {
				t.Fatal("a subscription could not connect")
			}
		case <-ctx.Done():
			t.Fatal("subscriptions did not connect")
		}
	}

	email := fmt.Sprintf("e2e.%d@example.org", time.Now().UnixNano())
	family := "Endtoend"
	p, err := c.CreateContact(ctx, api.ContactInput{FamilyName: &family, Emails: []string{email}}, nil)
	if err != nil || p.Contact == nil {
		t.Fatalf("create: %+v, %v", p, err)
	}
	if _, err := c.EraseContact(ctx, p.Contact.Id, "at their request"); err != nil {
		t.Fatalf("erase: %v", err)
	}
	select {
	case e := <-changed:
		if e.Source != api.BlacklistSourceErasure {
			t.Errorf("blacklistChanged = %+v", e)
		}
	case <-ctx.Done():
		t.Fatal("no blacklistChanged after an erasure")
	}
	select {
	case e := <-erased:
		if e.Kind != api.RevocationKindContactErased || e.ContactId != p.Contact.Id {
			t.Errorf("revocation = %+v", e)
		}
	case <-ctx.Done():
		t.Fatal("no revocation event after an erasure")
	}

	// The erased e-mail is now screened, refused without a reason, written with one.
	s, err := c.Screen(ctx, api.ContactInput{Emails: []string{strings.ToUpper(email)}})
	if err != nil || !s.Blocked || len(s.Matches) == 0 || s.Matches[0].Field != api.MatchFieldEmail {
		t.Fatalf("screen = %+v, %v", s, err)
	}
	p, err = c.CreateContact(ctx, api.ContactInput{FamilyName: &family, Emails: []string{email}}, nil)
	if err != nil || p.Contact != nil || !p.Screening.Blocked {
		t.Fatalf("create without override: %+v, %v", p, err)
	}
	p, err = c.CreateContact(ctx, api.ContactInput{FamilyName: &family, Emails: []string{email}}, &api.OverrideInput{Reason: "new written consent"})
	if err != nil || p.Contact == nil {
		t.Fatalf("create with override: %+v, %v", p, err)
	}
	page, err := c.SearchContacts(ctx, family, 10, "")
	if err != nil || page.TotalCount < 1 {
		t.Fatalf("search = %+v, %v", page, err)
	}

	preview, err := c.PreviewImport(ctx, api.Upload{FileName: "a.csv", Body: strings.NewReader("Vorname;Nachname;E-Mail\nAnna;Muster;anna@example.org\n")})
	if err != nil || preview.Separator != ";" || len(preview.Rows) != 1 {
		t.Fatalf("preview = %+v, %v", preview, err)
	}
}

// TestSeededServer seeds a fresh server the way `make screenshot` does, then checks what the
// admin view and the edit form rely on: the consent proof, update semantics (a value sets,
// "" and [] clear), the blacklist with its erasure, and lifting an entry.
func TestSeededServer(t *testing.T) {
	url, token := startServer(t)
	if os.Getenv("VERMERK_E2E_URL") != "" {
		t.Skip("seeding needs a fresh server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := api.New(url, token)
	if err != nil {
		t.Fatal(err)
	}
	res, err := seed.Run(ctx, c, filepath.Join(t.TempDir(), "adressen.csv"))
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	page, err := c.SearchContacts(ctx, "", 50, "")
	if err != nil || page.TotalCount != res.Contacts || page.Edges[0].Node.FamilyName != "Becker" {
		t.Fatalf("contacts = %d (want %d), first %+v, %v", page.TotalCount, res.Contacts, page.Edges, err)
	}
	s, err := c.Screen(ctx, api.ContactInput{Emails: []string{res.ErasedEmail}})
	if err != nil || !s.Blocked {
		t.Fatalf("the erased e-mail is not blocked: %+v, %v", s, err)
	}

	// The consent proof: the whole ledger, oldest first, the revocation last.
	proof, err := c.ConsentProof(ctx, page.Edges[0].Node.Id)
	if err != nil || len(proof) != 4 {
		t.Fatalf("proof = %+v, %v", proof, err)
	}
	last := proof[len(proof)-1]
	if last.Status != api.ConsentStatusRevoked || last.Purpose.Key != "sales-calls" || last.Source != "Brief" {
		t.Errorf("last proof event = %+v", last)
	}
	for i := 1; i < len(proof); i++ {
		if proof[i].At.Before(proof[i-1].At) {
			t.Errorf("proof not oldest first: %v before %v", proof[i-1].At, proof[i].At)
		}
	}

	// Update semantics: null keeps, a value sets, "" and [] clear.
	fischer, err := c.SearchContacts(ctx, "Fischer", 1, "")
	if err != nil || len(fischer.Edges) != 1 || fischer.Edges[0].Node.Organization == nil {
		t.Fatalf("Fischer = %+v, %v", fischer, err)
	}
	id := fischer.Edges[0].Node.Id
	empty := ""
	p, err := c.UpdateContact(ctx, id, api.ContactInput{Organization: &empty, Phones: []string{}}, nil)
	if err != nil || p.Contact == nil {
		t.Fatalf("update: %+v, %v", p, err)
	}
	got := p.Contact
	if got.Organization != nil || len(got.Phones) != 0 {
		t.Errorf("after clearing: organization %v, phones %v", got.Organization, got.Phones)
	}
	if got.GivenName != "Lena" || len(got.Emails) != 1 || got.Address == nil {
		t.Errorf("null fields changed: %+v", got)
	}

	// The blacklist holds the erasure; lifting it (with a reason) ends the block.
	bl, err := c.Blacklist(ctx, 10, "")
	if err != nil || bl.TotalCount != 1 || bl.Edges[0].Node.Source != api.BlacklistSourceErasure || len(bl.Edges[0].Node.IdentifierKinds) == 0 {
		t.Fatalf("blacklist = %+v, %v", bl, err)
	}
	removed, err := c.BlacklistRemove(ctx, bl.Edges[0].Node.Id, "Eintrag irrtümlich")
	if err != nil || removed.RemovedAt == nil {
		t.Fatalf("blacklistRemove = %+v, %v", removed, err)
	}
	if s, err := c.Screen(ctx, api.ContactInput{Emails: []string{res.ErasedEmail}}); err != nil || s.Blocked {
		t.Errorf("still blocked after removal: %+v, %v", s, err)
	}
}
