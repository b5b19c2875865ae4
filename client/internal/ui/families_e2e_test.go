package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// TestE2EGermanErrorOfEveryFamily: one input error of each server code family that the other
// end-to-end tests do not reach (tokens, webhooks, cursors, merging, requests, imports), asked
// of a real server and worded by the app in German from extensions.reason alone.
func TestE2EGermanErrorOfEveryFamily(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	someone := e.person(t, "Erika", "Mustermann", []string{"erika.familien@example.org"}, nil)
	for _, tc := range []struct {
		family, reason string
		call           func() error
	}{
		{"tokens", "PURPOSES_MISSING", func() error {
			_, err := e.c.CreateApiToken(ctx, "Newsletter-Versand", api.RoleIntegrator, nil, time.Time{})
			return err
		}},
		{"webhooks", "BAD_URL", func() error {
			_, err := e.c.CreateWebhook(ctx, api.WebhookInput{Url: "ftp://hooks.example.org/vermerk",
				Kinds: []api.RevocationKind{api.RevocationKindConsentRevoked}, Secret: "0123456789abcdef0123"})
			return err
		}},
		{"cursors", "BAD_CURSOR", func() error {
			_, err := e.c.Blacklist(ctx, 10, "not-a-cursor")
			return err
		}},
		{"merging", "MERGE_SAME_RECORD", func() error {
			_, err := e.c.MergeContacts(ctx, someone, []string{someone}, "zweimal erfasst")
			return err
		}},
		{"requests", "RECEIVED_IN_FUTURE", func() error {
			_, err := e.c.FileRequest(ctx, api.RequestKindAccess, someone, "letter", "", time.Now().AddDate(0, 0, 3))
			return err
		}},
		{"imports", "IMPORT_FILE_EMPTY", func() error {
			_, err := e.c.PreviewImport(ctx, api.Upload{FileName: "leer.csv", Body: strings.NewReader("")})
			return err
		}},
	} {
		t.Run(tc.family, func(t *testing.T) {
			err := tc.call()
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || apiErr.Reason != tc.reason {
				t.Fatalf("error %v (%+v), want reason %s", err, apiErr, tc.reason)
			}
			got := app.ErrorText(err, e.loc)
			want := e.loc.T("reason."+tc.reason, nil)
			if want == "reason."+tc.reason || !strings.Contains(got, want) {
				t.Errorf("worded %q, want the catalogue's German text %q", got, want)
			}
			englishLeak(t, tc.family, got)
			if strings.Contains(got, apiErr.Message) {
				t.Errorf("the server's English message reached the German window: %q", got)
			}
		})
	}
}
