package auth_test

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const me = `{ me { name role purposeKeys } }`

type meResult struct {
	Me struct {
		Name, Role  string
		PurposeKeys []string
	}
}

func TestTokenLifecycle(t *testing.T) {
	s := apptest.Start(t)
	id, secret := newToken(t, s, "front desk laptop", "STAFF")
	if !strings.HasPrefix(secret, "vmk_") || len(secret) != len("vmk_")+43 {
		t.Fatalf("secret %q: want vmk_ and 32 random bytes in base64url", secret)
	}

	var m meResult
	s.Do(t, secret, me, nil).Decode(t, &m)
	if m.Me.Name != "front desk laptop" || m.Me.Role != "STAFF" {
		t.Errorf("me = %+v, want the token's name and role", m.Me)
	}

	// Only the hash is stored: no column of the row holds the secret.
	var row string
	var hashMatches bool
	if err := s.App.DB.Pool.QueryRow(t.Context(), `SELECT t::text, secret_hash = $2 FROM api_tokens t WHERE id = $1`,
		id, sha256Of(secret)).Scan(&row, &hashMatches); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row, secret) || strings.Contains(row, secret[4:]) || !hashMatches {
		t.Errorf("api_tokens row %s: want only the SHA-256 of the secret", row)
	}

	var list struct {
		APITokens []apiToken `json:"apiTokens"`
	}
	s.MustAdmin(t, &list, `{ apiTokens { id name role purposeKeys createdAt expiresAt revokedAt lastUsedAt } }`, nil)
	if len(list.APITokens) != 1 || list.APITokens[0].ID != id || list.APITokens[0].LastUsedAt == nil {
		t.Fatalf("apiTokens = %+v, want the one token with lastUsedAt set after its use", list.APITokens)
	}

	var rev struct {
		RevokeAPIToken apiToken `json:"revokeApiToken"`
	}
	s.MustAdmin(t, &rev, `mutation($id: ID!) { revokeApiToken(id: $id) { id name role purposeKeys createdAt revokedAt } }`, map[string]any{"id": id})
	if rev.RevokeAPIToken.RevokedAt == nil {
		t.Fatalf("revokeApiToken = %+v, want revokedAt", rev.RevokeAPIToken)
	}
	res := s.Do(t, secret, me, nil)
	if res.Status != 401 || len(res.Errors) != 1 || res.Errors[0].Code() != "UNAUTHENTICATED" ||
		!strings.Contains(res.Errors[0].Message, "bearer token refused: ") || !strings.Contains(res.Errors[0].Message, "revoked") {
		t.Errorf("revoked token: status %d, errors %+v; want 401 UNAUTHENTICATED saying it was revoked", res.Status, res.Errors)
	}

	// Revoking again is harmless; the audit trail has both calls, and never the secret.
	s.MustAdmin(t, &rev, `mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }`, map[string]any{"id": id})
	rows, err := s.App.DB.Pool.Query(t.Context(), `SELECT operation, actor_id, target_id, a::text FROM audit_log a ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for rows.Next() {
		var op, actor, target, text string
		if err := rows.Scan(&op, &actor, &target, &text); err != nil {
			t.Fatal(err)
		}
		if actor != "bootstrap-admin" || target != id || strings.Contains(text, secret[4:]) {
			t.Errorf("audit row %s: want actor bootstrap-admin, target %s and no secret", text, id)
		}
		ops = append(ops, op)
	}
	if strings.Join(ops, ",") != "createApiToken,revokeApiToken,revokeApiToken" {
		t.Errorf("audit operations = %v", ops)
	}
}

func sha256Of(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func TestIntegratorTokenIsBoundToPurposes(t *testing.T) {
	s := apptest.Start(t)
	newPurpose(t, s, "newsletter")
	newPurpose(t, s, "postal")
	_, secret := newToken(t, s, "newsletter tool", "INTEGRATOR", "newsletter", "postal", "newsletter")
	var m meResult
	s.Do(t, secret, me, nil).Decode(t, &m)
	if m.Me.Role != "INTEGRATOR" || strings.Join(m.Me.PurposeKeys, ",") != "newsletter,postal" {
		t.Errorf("me = %+v, want INTEGRATOR bound to newsletter and postal", m.Me)
	}
}

func TestCreateTokenRefusesBadInput(t *testing.T) {
	s := apptest.Start(t)
	newPurpose(t, s, "newsletter")
	cases := []struct {
		name, role string
		keys       []string
		exp        any
		field      string
		reason     string
		mentions   string
	}{
		{"  ", "STAFF", nil, nil, "name", "REQUIRED", "empty"},
		{strings.Repeat("x", 101), "STAFF", nil, nil, "name", "TOO_LONG", "limit is 100"},
		{"shop", "INTEGRATOR", nil, nil, "purposeKeys", "PURPOSES_MISSING", "at least one purpose"},
		{"shop", "INTEGRATOR", []string{"newsletter", "sales-calls"}, nil, "purposeKeys[1]", "PURPOSE_UNKNOWN", `"sales-calls"`},
		{"desk", "STAFF", []string{"newsletter"}, nil, "purposeKeys", "PURPOSES_REFUSED", "leave purposeKeys empty"},
		{"desk", "STAFF", nil, "2020-01-01T00:00:00Z", "expiresAt", "NOT_IN_FUTURE", "not in the future"},
	}
	for _, c := range cases {
		t.Run(c.field+"/"+c.mentions, func(t *testing.T) {
			res := s.Admin(t, createToken, map[string]any{"name": c.name, "role": c.role, "keys": c.keys, "exp": c.exp})
			if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != c.field ||
				res.Errors[0].Extensions["reason"] != c.reason || !strings.Contains(res.Errors[0].Message, c.mentions) {
				t.Errorf("errors = %+v; want BAD_USER_INPUT %s at %s mentioning %s", res.Errors, c.reason, c.field, c.mentions)
			}
		})
	}
	var n int
	_ = s.App.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM api_tokens`).Scan(&n)
	if n != 0 {
		t.Errorf("%d tokens stored after refused creations", n)
	}
}

func TestRefusedBearerTokens(t *testing.T) {
	s := apptest.Start(t)
	id, expiring := newToken(t, s, "temp", "STAFF")
	if _, err := s.App.DB.Pool.Exec(t.Context(),
		`UPDATE api_tokens SET expires_at = created_at + interval '1 millisecond' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, token, mentions string }{
		{"none", "", "Authorization: Bearer"},
		{"unknown", "vmk_" + strings.Repeat("A", 43), "bearer token refused: unknown token"},
		{"wrong admin", apptest.AdminToken + "x", "bearer token refused"},
		{"expired", expiring, `bearer token refused: token "temp" expired`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.Do(t, c.token, me, nil)
			if res.Status != 401 || len(res.Errors) != 1 || res.Errors[0].Code() != "UNAUTHENTICATED" ||
				!strings.Contains(res.Errors[0].Message, c.mentions) {
				t.Errorf("status %d, errors %+v; want 401 UNAUTHENTICATED mentioning %q", res.Status, res.Errors, c.mentions)
			}
		})
	}
	t.Run("expired over WebSocket", func(t *testing.T) {
		_, err := wsConnect(t.Context(), s, expiring)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4403 || !strings.Contains(ce.Reason, "expired") {
			t.Errorf("connection_init with an expired token: %v; want close 4403 saying it expired", err)
		}
	})
}

// A token revoked through one instance stops working on another within the cache time.
func TestRevocationReachesOtherInstances(t *testing.T) {
	s1 := apptest.Start(t)
	s2 := apptest.StartOn(t, s1.DBURL)
	id, secret := newToken(t, s1, "shared", "STAFF")
	var m meResult
	s2.Do(t, secret, me, nil).Decode(t, &m) // now cached on s2
	s1.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, map[string]any{"id": id})
	if res := s1.Do(t, secret, me, nil); res.Status != 401 {
		t.Errorf("revoking instance: status %d, want 401 at once", res.Status)
	}
	start := time.Now()
	for s2.Do(t, secret, me, nil).Status != 401 {
		if time.Since(start) > 7*time.Second {
			t.Fatal("the other instance still accepts the revoked token after 7 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("other instance refused the revoked token after %v", time.Since(start).Round(100*time.Millisecond))
}
