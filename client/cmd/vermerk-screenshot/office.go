package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"fyne.io/fyne/v2"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/ui"
)

// showOffice brings the admin's Setup tab (purposes and lists, tokens, webhooks) and the
// list of earlier imports into a state worth a picture.
func showOffice(s *ui.Shell, name, csvPath string) {
	onUI := func(f func()) { fyne.DoAndWait(f) }
	if name == "importjobs" {
		onUI(func() {
			if o := s.Office; o != nil && o.Secret != nil {
				o.Secret.Dialog.Hide()
			}
			s.Tabs.SelectIndex(1)
			if s.Import.Jobs != nil {
				s.Import.ShowJobs()
			}
		})
		until("the import jobs", func() bool { return s.Import.JobsDialog == nil || len(s.Import.JobsDialog.Jobs) > 0 })
		return
	}
	var office *ui.OfficeScreen
	onUI(func() { office = s.Office })
	if office == nil {
		return // not an admin, or no server: the picture shows why
	}
	onUI(func() {
		for _, item := range s.Tabs.Items {
			if item.Content == office.Object() {
				s.Tabs.Select(item)
			}
		}
	})
	switch name {
	case "setup":
		onUI(func() { office.Tabs.SelectIndex(0) })
		until("the purposes", func() bool { return office.Purposes.Length() > 0 })
		onUI(func() {
			office.PurposeKey.SetText("spenden")
			office.PurposeName.SetText("Spendenaufrufe")
			office.PurposeDesc.SetText("Zweimal im Jahr per Post")
		})
	case "tokens":
		onUI(func() {
			office.Tabs.SelectIndex(1)
			office.TokenName.SetText("Hans Beispiel")
			office.TokenRole.SetSelectedIndex(0)
		})
		until("the tokens", func() bool { return len(office.TokenList()) > 0 })
		onUI(func() { office.AddToken.OnTapped() })
		until("the new token's secret", func() bool { return office.Secret != nil })
	case "webhooks":
		onUI(func() {
			if office.Secret != nil {
				office.Secret.Dialog.Hide()
			}
			office.Tabs.SelectIndex(2)
		})
		if err := webhookDemo(); err != nil {
			log.Printf("screenshot: webhooks: %v", err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			onUI(func() { office.Reload() })
			time.Sleep(time.Second)
			delivered := false
			onUI(func() {
				for _, d := range office.ShownDeliveries() {
					delivered = delivered || d.Status == api.DeliveryStatusDelivered
				}
			})
			if delivered {
				break
			}
		}
		onUI(func() {
			if len(office.HookList()) > 0 {
				office.Webhooks.Select(0)
			}
		})
	}
}

// webhookDemo registers a webhook to a receiver in this process and one to an address where
// nothing listens, then revokes a consent: the first delivery succeeds, the other fails.
func webhookDemo() error {
	c, err := api.New(os.Getenv("VERMERK_SERVER_URL"), os.Getenv("VERMERK_TOKEN"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if hooks, err := c.Webhooks(ctx); err != nil || len(hooks) > 0 {
		return err // already there (a second run against the same server)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	kinds := []api.RevocationKind{api.RevocationKindConsentRevoked, api.RevocationKindContactErased}
	if _, err := c.CreateWebhook(ctx, api.WebhookInput{Url: "http://" + l.Addr().String() + "/newsletter/vermerk", Kinds: kinds,
		Secret: "demo-geheimnis-0123456789"}); err != nil {
		return err
	}
	if _, err := c.CreateWebhook(ctx, api.WebhookInput{Url: "http://127.0.0.1:9/webshop/abmeldungen", Kinds: kinds[:1],
		Secret: "demo-geheimnis-9876543210"}); err != nil {
		return err
	}
	page, err := c.SearchContacts(ctx, "Schmidt", 1, "")
	if err != nil || len(page.Edges) == 0 {
		return err
	}
	_, err = c.RevokeConsent(ctx, api.RevocationInput{ContactId: page.Edges[0].Node.Id, PurposeKey: "newsletter", Channel: "unsubscribe-link"})
	return err
}
