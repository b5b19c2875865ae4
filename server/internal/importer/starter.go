package importer

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/store"
)

// errStarterRevoked stops a job whose API token was revoked: nothing is written on the say of
// a token nobody may use any more (a leaked one, say), as no request of it is served.
var errStarterRevoked = errors.New("the API token that started the import was revoked")

// checkStarter refuses to commit a batch once the API token that started the job is revoked.
// The token's row is locked (shared) up to the batch's commit, so a revocation either comes
// before the batch, which is then not written, or waits for it. A job started without an API
// token (the CLI, the bootstrap admin token) has none to lose.
func checkStarter(ctx context.Context, tx pgx.Tx, st *runState) error {
	if store.CheckID("", st.starter) != nil {
		return nil
	}
	var revoked bool
	err := tx.QueryRow(ctx, `SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = $1 FOR SHARE`, st.starter).Scan(&revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("the token that started the import: %w", err)
	}
	if revoked {
		return errStarterRevoked
	}
	return nil
}
