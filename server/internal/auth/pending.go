package auth

// TEMPORARY until the token store lands (issue 8): the token helper replaces this file.

import (
	"context"
	"time"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
)

func (Bootstrap) Create(context.Context, string, model.Role, []string, *time.Time) (*model.CreatedAPIToken, error) {
	return nil, apperr.Forbiddenf("API tokens are not available yet")
}
func (Bootstrap) List(context.Context) ([]*model.APIToken, error) { return []*model.APIToken{}, nil }
func (Bootstrap) Revoke(context.Context, string) (*model.APIToken, error) {
	return nil, apperr.Forbiddenf("API tokens are not available yet")
}
