package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// consentTexts are the newsletter's consent text versions, oldest first, so the grant dialog
// offers a choice. The client has no operation for them (admins store them with curl, see
// docs/integrators.md), so they go to the server as plain GraphQL.
var consentTexts = []string{
	"Ich möchte den Newsletter der Muster GmbH per E-Mail erhalten.",
	"Ja, ich möchte den monatlichen Newsletter der Muster GmbH per E-Mail erhalten. Ich kann meine Einwilligung jederzeit widerrufen.",
}

func addConsentTexts(ctx context.Context, url, token string) error {
	for _, text := range consentTexts {
		body, err := json.Marshal(map[string]any{
			"query":     `mutation($text: String!) { addConsentText(purposeKey: "newsletter", text: $text) { version } }`,
			"variables": map[string]any{"text": text},
		})
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(url, "/")+"/graphql", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		var answer struct {
			Errors []struct{ Message string } `json:"errors"`
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("addConsentText: %s: %w", resp.Status, err)
		}
		if len(answer.Errors) > 0 {
			return fmt.Errorf("addConsentText: %s", answer.Errors[0].Message)
		}
	}
	return nil
}
