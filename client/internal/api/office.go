package api

import (
	"context"
	"time"
)

// The admin's office work: tokens, webhooks, import jobs (see office.graphql).

func (c *Client) ApiTokens(ctx context.Context) ([]ApiTokenFields, error) {
	r, err := ApiTokens(ctx, c.gql)
	if err != nil {
		return nil, c.classify("apiTokens", err)
	}
	return r.ApiTokens, nil
}

// CreateApiToken creates a token; purposeKeys only for INTEGRATOR, expiresAt zero for none.
func (c *Client) CreateApiToken(ctx context.Context, name string, role Role, purposeKeys []string, expiresAt time.Time) (CreatedApiToken, error) {
	var exp *time.Time
	if !expiresAt.IsZero() {
		exp = &expiresAt
	}
	r, err := CreateApiToken(ctx, c.gql, name, role, purposeKeys, exp)
	if err != nil {
		return CreatedApiToken{}, c.classify("createApiToken", err)
	}
	return r.CreateApiToken, nil
}

func (c *Client) RevokeApiToken(ctx context.Context, id string) (ApiTokenFields, error) {
	r, err := RevokeApiToken(ctx, c.gql, id)
	if err != nil {
		return ApiTokenFields{}, c.classify("revokeApiToken", err)
	}
	return r.RevokeApiToken, nil
}

func (c *Client) Webhooks(ctx context.Context) ([]WebhookFields, error) {
	r, err := Webhooks(ctx, c.gql)
	if err != nil {
		return nil, c.classify("webhooks", err)
	}
	return r.Webhooks, nil
}

// SetWebhookSecret replaces the shared secret of webhook id.
func (c *Client) SetWebhookSecret(ctx context.Context, id, secret string) (WebhookFields, error) {
	r, err := SetWebhookSecret(ctx, c.gql, id, secret)
	if err != nil {
		return WebhookFields{}, c.classify("setWebhookSecret", err)
	}
	return r.SetWebhookSecret, nil
}

// WebhookDeliveries are the newest deliveries of one webhook ("" = of all).
func (c *Client) WebhookDeliveries(ctx context.Context, webhookID string, first int) ([]WebhookDeliveryFields, error) {
	r, err := WebhookDeliveries(ctx, c.gql, optString(webhookID), optInt(first))
	if err != nil {
		return nil, c.classify("webhookDeliveries", err)
	}
	return r.WebhookDeliveries, nil
}

func (c *Client) CreateWebhook(ctx context.Context, in WebhookInput) (WebhookFields, error) {
	r, err := CreateWebhook(ctx, c.gql, in)
	if err != nil {
		return WebhookFields{}, c.classify("createWebhook", err)
	}
	return r.CreateWebhook, nil
}

func (c *Client) DeleteWebhook(ctx context.Context, id string) (WebhookFields, error) {
	r, err := DeleteWebhook(ctx, c.gql, id)
	if err != nil {
		return WebhookFields{}, c.classify("deleteWebhook", err)
	}
	return r.DeleteWebhook, nil
}

// ImportJobs are the caller's import jobs, newest first (ADMIN: everyone's).
func (c *Client) ImportJobs(ctx context.Context, first int, after string) ([]ImportJobSummary, error) {
	r, err := ImportJobs(ctx, c.gql, optInt(first), optString(after))
	if err != nil {
		return nil, c.classify("importJobs", err)
	}
	return r.ImportJobs, nil
}
