package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// sealedSecret is an endpoint's shared secret as stored.
type sealedSecret struct {
	webhookID, keyID string
	enc              []byte
}

// ResealSecrets seals every endpoint secret sealed under one of the service's old keys under
// its current key, so that after a key rotation the old key is no longer needed for them; the
// server runs it at start, before the worker. Secrets under a key the service does not have
// at all are left as they are and logged as a warning (key ids and counts, no URLs): their
// deliveries wait until an instance with the key sends them (Worker) or the webhooks are
// created again. A secret that does not decrypt under its key is logged likewise.
func (s *Service) ResealSecrets(ctx context.Context, log *slog.Logger) error {
	rows, err := s.db.Pool.Query(ctx, `SELECT id, secret_key_id, secret_enc FROM webhooks
		WHERE secret_key_id <> $1 ORDER BY id`, s.keys[0].ID)
	if err != nil {
		return fmt.Errorf("webhooks.ResealSecrets: %w", err)
	}
	stale, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sealedSecret, error) {
		var w sealedSecret
		return w, r.Scan(&w.webhookID, &w.keyID, &w.enc)
	})
	if err != nil {
		return fmt.Errorf("webhooks.ResealSecrets: %w", err)
	}
	var (
		resealed   int
		missing    = map[string]int{} // key id → webhooks sealed under it
		unreadable []string
	)
	for _, w := range stale {
		ok, err := s.reseal(ctx, w)
		switch {
		case errMissingKey(err):
			missing[w.keyID]++
		case errors.Is(err, errUnreadable):
			unreadable = append(unreadable, w.webhookID)
		case err != nil:
			return fmt.Errorf("webhooks.ResealSecrets: %w", err)
		case ok:
			resealed++
		}
	}
	if resealed > 0 {
		log.Info("webhooks: resealed shared secrets under the current secret key", "webhooks", resealed, "key_id", s.keys[0].ID)
	}
	if len(missing) > 0 {
		named := make([]string, 0, len(missing))
		for id, n := range missing {
			named = append(named, fmt.Sprintf("%s (webhooks: %d)", id, n))
		}
		slices.Sort(named)
		log.Warn("webhooks: shared secrets are sealed under secret keys this server does not have; "+
			"those webhooks deliver nothing (their deliveries stay PENDING) until an instance has the key: "+
			"put it back into VERMERK_OLD_SECRET_KEYS, or give each webhook a new secret (setWebhookSecret; its waiting deliveries then go out)",
			"key_ids", strings.Join(named, ", "), "configured_key_ids", strings.Join(s.keyIDs(), ", "))
	}
	if len(unreadable) > 0 {
		log.Warn("webhooks: shared secrets do not decrypt under their key; give these webhooks a new secret (setWebhookSecret)",
			"webhook_ids", strings.Join(unreadable, ", "))
	}
	return nil
}

func errMissingKey(err error) bool {
	var m *missingKeyError
	return errors.As(err, &m)
}

// reseal seals w's secret under the current key, and reports whether it did. The update is
// guarded by the key it read, so a concurrent start or worker that resealed first is left
// alone, and it does nothing while the database records another current key
// (current_secret_key): two instances that both have both keys but disagree on the current one
// must not reseal back and forth.
func (s *Service) reseal(ctx context.Context, w sealedSecret) (bool, error) {
	cur := s.keys[0]
	if w.keyID == cur.ID {
		return false, nil
	}
	k, ok := s.keyByID(w.keyID)
	if !ok {
		return false, &missingKeyError{w.keyID}
	}
	secret, err := open(k, w.webhookID, w.enc)
	if err != nil {
		return false, errUnreadable
	}
	enc, err := seal(cur, w.webhookID, string(secret))
	if err != nil {
		return false, err
	}
	tag, err := s.db.Pool.Exec(ctx, `UPDATE webhooks SET secret_enc = $2, secret_key_id = $3
		WHERE id = $1 AND secret_key_id = $4
		  AND NOT EXISTS (SELECT 1 FROM current_secret_key WHERE key_id <> $3)`, w.webhookID, enc, cur.ID, w.keyID)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

func (s *Service) keyIDs() []string {
	ids := make([]string, len(s.keys))
	for i, k := range s.keys {
		ids[i] = k.ID
	}
	return ids
}
