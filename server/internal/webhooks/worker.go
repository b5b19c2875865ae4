package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// WorkerOptions tune delivery; zero values take the defaults.
type WorkerOptions struct {
	Poll        time.Duration // how often to look for new events and due retries without a notification (1 s)
	BaseBackoff time.Duration // wait after the first failed attempt, doubled after each (1 s)
	MaxBackoff  time.Duration // longest wait between attempts (1 h)
	MaxAttempts int           // attempts before a delivery is FAILED (12)
	Timeout     time.Duration // per HTTP request (10 s)
	PerWebhook  int           // deliveries in flight per endpoint (4)
	Retention   time.Duration // finished deliveries older than this are deleted (90 days)
	Log         *slog.Logger
	Client      *http.Client // default: Timeout, no redirects, no internal addresses (Service.AllowPrivate)
	// Events wakes the worker when events are committed (the instance's events.Bus, which
	// LISTENs for the whole instance); without it the worker polls.
	Events Notifier
	// GaveUp, when set, is called for each delivery marked FAILED after its last attempt.
	GaveUp func()
}

// Notifier signals that new outbox events were committed (events.Bus.Committed).
type Notifier interface {
	Committed(ctx context.Context) (<-chan struct{}, error)
}

// Worker turns outbox events into deliveries and sends them. Several instances may run
// against one database: fan-out and claims skip rows another instance holds.
type Worker struct {
	svc  *Service
	opts WorkerOptions

	cancel context.CancelFunc
	done   chan struct{}
}

// Payload is the JSON body of a delivery. It names the person only by the contact id.
type Payload struct {
	ID         string  `json:"id"` // the event cursor (as in the revocations subscription)
	Kind       string  `json:"kind"`
	At         string  `json:"at"` // RFC 3339, UTC
	ContactID  *string `json:"contactId"`
	PurposeKey *string `json:"purposeKey"` // null but for CONSENT_REVOKED and CONTACT_REENTERED
	Channel    string  `json:"channel"`
	RequestID  *string `json:"requestId,omitempty"` // REQUEST_DUE: the data-subject request
	MergedID   *string `json:"mergedId,omitempty"`  // CONTACT_MERGED: the record merged into ContactID
}

// NewWorker returns a worker for the endpoints of svc.
func NewWorker(svc *Service, opts WorkerOptions) *Worker {
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Hour
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 12
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.PerWebhook <= 0 {
		opts.PerWebhook = 4
	}
	if opts.Retention <= 0 {
		opts.Retention = 90 * 24 * time.Hour
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Client == nil {
		opts.Client = deliveryClient(opts.Timeout, svc.AllowPrivate)
	}
	return &Worker{svc: svc, opts: opts}
}

// Start runs the worker in the background until Stop.
func (w *Worker) Start(ctx context.Context) {
	ctx, w.cancel = context.WithCancel(context.WithoutCancel(ctx))
	w.done = make(chan struct{})
	var wake <-chan struct{}
	if w.opts.Events != nil {
		var err error
		if wake, err = w.opts.Events.Committed(ctx); err != nil {
			w.opts.Log.Warn("webhooks: no event notifications; polling", "err", err)
		}
	}
	go func() {
		defer close(w.done)
		w.run(ctx, wake)
	}()
}

// Stop ends the worker and waits for requests in flight (or ctx).
func (w *Worker) Stop(ctx context.Context) {
	if w.cancel == nil {
		return
	}
	w.cancel()
	select {
	case <-w.done:
	case <-ctx.Done():
	}
}

// backoff is the wait after the n-th failed attempt (n ≥ 1).
func (w *Worker) backoff(n int) time.Duration {
	d := w.opts.BaseBackoff
	for i := 1; i < n && d < w.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.opts.MaxBackoff)
}

// run fans out new events and keeps one sender per endpoint.
func (w *Worker) run(ctx context.Context, wake <-chan struct{}) {
	type sender struct {
		poke   chan struct{}
		cancel context.CancelFunc
	}
	senders := map[string]*sender{}
	var wg sync.WaitGroup
	defer func() {
		for _, s := range senders {
			s.cancel()
		}
		wg.Wait()
	}()
	lastPrune := time.Time{}
	failing := false // log a failure once, not every poll while the database is down
	resealTried := map[string]string{}
	for {
		if err := w.fanOut(ctx); err != nil && ctx.Err() == nil && !failing {
			failing = true
			w.opts.Log.Warn("webhooks: fan-out failed; retrying until it works", "err", err)
		} else if err == nil && failing {
			failing = false
			w.opts.Log.Info("webhooks: fan-out works again")
		}
		if ids, err := w.webhookIDs(ctx); err == nil {
			w.resealOld(ctx, ids, resealTried)
			for id, s := range senders {
				if _, ok := ids[id]; !ok {
					s.cancel()
					delete(senders, id)
				}
			}
			for id := range ids {
				if _, ok := senders[id]; !ok {
					sctx, cancel := context.WithCancel(ctx)
					s := &sender{poke: make(chan struct{}, 1), cancel: cancel}
					senders[id] = s
					wg.Add(1)
					go func() {
						defer wg.Done()
						w.send(sctx, id, s.poke)
					}()
				}
			}
		}
		for _, s := range senders {
			select {
			case s.poke <- struct{}{}:
			default:
			}
		}
		if time.Since(lastPrune) > time.Hour {
			if _, err := w.svc.db.Pool.Exec(ctx, `DELETE FROM webhook_deliveries
				WHERE status <> 'PENDING' AND created_at < now() - make_interval(secs => $1)`, w.opts.Retention.Seconds()); err == nil {
				lastPrune = time.Now()
			}
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-wake:
			if !ok {
				wake = nil // the Bus stopped: poll
			}
		case <-time.After(w.opts.Poll):
		}
	}
}

// webhookIDs returns the endpoints' ids, each with the id of the key its secret is sealed under.
func (w *Worker) webhookIDs(ctx context.Context) (map[string]string, error) {
	rows, err := w.svc.db.Pool.Query(ctx, `SELECT id, secret_key_id FROM webhooks`)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var id, keyID string
	_, err = pgx.ForEachRow(rows, []any{&id, &keyID}, func() error {
		out[id] = keyID
		return nil
	})
	return out, err
}

// resealOld reseals the secrets among hooks (id → key id) that are sealed under one of this
// instance's old keys: in a rolling rotation an instance still on the old key can create a
// webhook after the start that resealed the others (ResealSecrets), and the old key must not be
// needed once the instances on it have stopped. tried (id → key id) keeps a secret that cannot
// be resealed from being tried again every round.
func (w *Worker) resealOld(ctx context.Context, hooks map[string]string, tried map[string]string) {
	for id := range tried {
		if _, ok := hooks[id]; !ok {
			delete(tried, id)
		}
	}
	for id, keyID := range hooks {
		if _, ok := w.svc.keyByID(keyID); !ok || keyID == w.svc.keys[0].ID || tried[id] == keyID {
			continue
		}
		tried[id] = keyID
		sealed := sealedSecret{webhookID: id, keyID: keyID}
		err := w.svc.db.Pool.QueryRow(ctx, `SELECT secret_enc FROM webhooks WHERE id = $1 AND secret_key_id = $2`, id, keyID).Scan(&sealed.enc)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // deleted or resealed meanwhile
		}
		var resealed bool
		if err == nil {
			resealed, err = w.svc.reseal(ctx, sealed)
		}
		switch {
		case errors.Is(err, errUnreadable): // its deliveries say so
		case err != nil:
			delete(tried, id) // try again next round
			if ctx.Err() == nil {
				w.opts.Log.Warn("webhooks: resealing a shared secret under the current key failed; retrying", "webhook", id, "err", err)
			}
		case resealed:
			w.opts.Log.Info("webhooks: resealed a shared secret under the current secret key", "webhook", id, "key_id", w.svc.keys[0].ID)
		}
	}
}

// fanBatch bounds the events one endpoint's fan-out reads per transaction.
const fanBatch = 1000

// fanOut creates a delivery for every endpoint and every new event of a kind it wants, and
// advances the endpoint's fan-out cursor in the same transaction (so each event is turned
// into one delivery per endpoint, even with several instances running).
func (w *Worker) fanOut(ctx context.Context) error {
	for {
		more := false
		err := w.svc.db.Transact(ctx, func(tx pgx.Tx) error {
			more = false
			rows, err := tx.Query(ctx, `SELECT id, kinds, fanned_out_id, purpose_ids::text[] FROM webhooks ORDER BY id FOR UPDATE SKIP LOCKED`)
			if err != nil {
				return err
			}
			type hook struct {
				id       string
				kinds    []string
				after    int64
				purposes []string // nil: every purpose
			}
			var hooks []hook
			for rows.Next() {
				var h hook
				if err := rows.Scan(&h.id, &h.kinds, &h.after, &h.purposes); err != nil {
					rows.Close()
					return err
				}
				hooks = append(hooks, h)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for _, h := range hooks {
				var hi int64
				var n int
				if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), $1), count(*) FROM
					(SELECT id FROM events WHERE id > $1 ORDER BY id LIMIT $2) b`, h.after, fanBatch).Scan(&hi, &n); err != nil {
					return err
				}
				if n == 0 {
					continue
				}
				more = more || n == fanBatch
				if err := w.createDeliveries(ctx, tx, h.id, h.kinds, h.purposes, h.after, hi); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE webhooks SET fanned_out_id = $2 WHERE id = $1`, h.id, hi); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("webhooks fan-out: %w", err)
		}
		if !more {
			return nil
		}
	}
}

// createDeliveries turns the events (after, hi] of the webhook's kinds into its deliveries; a
// webhook bound to purposes gets no event that names another purpose, and no REQUEST_DUE (a
// request of any contact; Create refuses the kind for it, and one made before is not told).
func (w *Worker) createDeliveries(ctx context.Context, tx pgx.Tx, webhookID string, kinds, purposes []string, after, hi int64) error {
	rows, err := tx.Query(ctx, `SELECT e.id, e.kind, e.at, e.contact_id::text, p.key, e.channel,
			CASE WHEN e.kind = 'REQUEST_DUE' THEN nullif(e.ref, '') END,
			CASE WHEN e.kind = 'CONTACT_MERGED' THEN nullif(e.ref, '') END
		FROM events e LEFT JOIN purposes p ON p.id = e.purpose_id
		WHERE e.id > $1 AND e.id <= $2 AND e.kind = ANY($3)
			AND ($4::uuid[] IS NULL OR (e.purpose_id IS NULL AND e.kind <> 'REQUEST_DUE') OR e.purpose_id = ANY($4::uuid[])) ORDER BY e.id`, after, hi, kinds, purposes)
	if err != nil {
		return err
	}
	var (
		ids      []int64
		kindsOut []string
		bodies   []string
	)
	for rows.Next() {
		var (
			id int64
			at time.Time
			p  Payload
		)
		if err := rows.Scan(&id, &p.Kind, &at, &p.ContactID, &p.PurposeKey, &p.Channel, &p.RequestID, &p.MergedID); err != nil {
			rows.Close()
			return err
		}
		p.ID = cursorOf(id)
		p.At = at.UTC().Format(time.RFC3339Nano)
		body, err := json.Marshal(p)
		if err != nil {
			rows.Close()
			return err
		}
		ids, kindsOut, bodies = append(ids, id), append(kindsOut, p.Kind), append(bodies, string(body))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, kind, payload)
		SELECT $1, e, k, b FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u(e, k, b)
		ON CONFLICT (webhook_id, event_id) DO NOTHING`, webhookID, ids, kindsOut, bodies)
	return err
}

// send delivers one endpoint's due deliveries until ctx ends.
func (w *Worker) send(ctx context.Context, webhookID string, poke <-chan struct{}) {
	failing := false
	warnedKey := "" // the missing key last warned of, to warn once and not every poll
	for {
		n, err := w.deliverDue(ctx, webhookID)
		if ctx.Err() != nil {
			return
		}
		var missing *missingKeyError
		if errors.As(err, &missing) {
			if missing.keyID != warnedKey {
				warnedKey = missing.keyID
				w.opts.Log.Warn("webhooks: this instance lacks the secret key this webhook's secret is sealed under; "+
					"it leaves the webhook's deliveries to an instance that has it. If none has (the key was dropped "+
					"from VERMERK_OLD_SECRET_KEYS too early), put it back, or give the webhook a new secret (setWebhookSecret)",
					"webhook", webhookID, "key_id", missing.keyID)
			}
		} else {
			warnedKey = ""
			if err != nil && !failing {
				w.opts.Log.Warn("webhooks: delivery round failed; retrying until it works", "webhook", webhookID, "err", err)
			}
			failing = err != nil
		}
		if n > 0 && err == nil {
			continue
		}
		wait := w.opts.Poll
		if d, ok := w.nextDue(ctx, webhookID); ok && d < wait && missing == nil {
			wait = max(d, 5*time.Millisecond)
		}
		select {
		case <-ctx.Done():
			return
		case <-poke:
		case <-time.After(wait):
		}
	}
}

func (w *Worker) nextDue(ctx context.Context, webhookID string) (time.Duration, bool) {
	var secs *float64
	err := w.svc.db.Pool.QueryRow(ctx, `SELECT extract(epoch FROM min(next_attempt_at) - clock_timestamp())::float8
		FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'PENDING'`, webhookID).Scan(&secs)
	if err != nil || secs == nil {
		return 0, false
	}
	return time.Duration(*secs * float64(time.Second)), true
}

type claimed struct {
	id, url, payload string
	attempts         int
	secret           []byte
}

// deliverDue claims up to PerWebhook due deliveries of the endpoint, sends them at once and
// records the outcomes. A claim is a lease: next_attempt_at moves past the request timeout,
// so if this instance dies mid-request another one retries (at least once).
//
// An instance that lacks the key the endpoint's secret is sealed under claims nothing and
// counts no attempt (it fails with a *missingKeyError): in a rolling rotation the instance
// still on the old key runs for up to 30 s next to one that has resealed the secret under the
// new key, and the deliveries are that one's to send. This instance cannot tell that case from
// a key that is gone everywhere, so it never gives a delivery up for it; it writes why it does
// not send into the due deliveries' last_error (and its sender logs it once), where an admin
// sees it. A key put back, or a new secret (SetSecret), delivers them; deleting the webhook drops them.
func (w *Worker) deliverDue(ctx context.Context, webhookID string) (int, error) {
	lease := w.opts.Timeout + 30*time.Second
	var (
		batch    []claimed
		sealed   []byte
		keyID    string
		endpoint string
		missing  *missingKeyError
	)
	err := w.svc.db.Transact(ctx, func(tx pgx.Tx) error {
		batch, missing = batch[:0], nil
		if err := tx.QueryRow(ctx, `SELECT url, secret_enc, secret_key_id FROM webhooks WHERE id = $1`, webhookID).
			Scan(&endpoint, &sealed, &keyID); err != nil {
			return err
		}
		if _, ok := w.svc.keyByID(keyID); !ok {
			missing = &missingKeyError{keyID}
			// SKIP LOCKED: rows an instance with the key is claiming are its own to record.
			_, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET last_error = $2 WHERE id IN (SELECT id FROM webhook_deliveries
					WHERE webhook_id = $1 AND status = 'PENDING' AND next_attempt_at <= clock_timestamp()
					  AND last_error IS DISTINCT FROM $2 FOR UPDATE SKIP LOCKED)`, webhookID, errText(missing))
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE webhook_deliveries d SET next_attempt_at = clock_timestamp() + make_interval(secs => $3)
			WHERE d.id IN (SELECT id FROM webhook_deliveries
				WHERE webhook_id = $1 AND status = 'PENDING' AND next_attempt_at <= clock_timestamp()
				ORDER BY next_attempt_at, event_id LIMIT $2 FOR UPDATE SKIP LOCKED)
			RETURNING d.id, d.payload, d.attempts`, webhookID, w.opts.PerWebhook, lease.Seconds())
		if err != nil {
			return err
		}
		for rows.Next() {
			c := claimed{url: endpoint}
			if err := rows.Scan(&c.id, &c.payload, &c.attempts); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, c)
		}
		return rows.Err()
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil // deleted meanwhile
	}
	if err == nil && missing != nil {
		return 0, missing
	}
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	var secret []byte
	var secretErr error
	k, _ := w.svc.keyByID(keyID)
	if secret, err = open(k, webhookID, sealed); err != nil {
		secretErr = errUnreadable
	}
	var wg sync.WaitGroup
	results := make([]error, len(batch))
	delivered := make([]error, len(batch)) // the recording of a delivery the endpoint took
	for i := range batch {
		if secretErr != nil {
			results[i] = secretErr
			continue
		}
		batch[i].secret = secret
		wg.Go(func() {
			if results[i] = w.post(ctx, batch[i]); results[i] != nil {
				return
			}
			// The endpoint took it: recorded at once, also when the worker is stopping (else
			// a rolling deploy would send it again when its lease ends).
			rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			delivered[i] = w.record(rec, batch[i], nil)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return 0, ctx.Err() // stopping: a request cut short is left to its lease, no attempt counted
	}
	for i, c := range batch {
		err := delivered[i]
		if results[i] != nil {
			err = w.record(ctx, c, results[i])
		}
		if err != nil {
			return i, err
		}
	}
	return len(batch), nil
}

// post sends one delivery; nil means the endpoint answered 2xx.
func (w *Worker) post(ctx context.Context, c claimed) error {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader([]byte(c.payload)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Vermerk-Webhooks/1")
	req.Header.Set("X-Vermerk-Timestamp", ts)
	req.Header.Set("X-Vermerk-Signature", Sign(c.secret, ts, []byte(c.payload)))
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The code and its standard text, not resp.Status: its reason phrase is the endpoint's
		// own words, which may echo what it got (a person's e-mail) into lastError.
		return fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return nil
}

// Sign returns the X-Vermerk-Signature value: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body).
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (w *Worker) record(ctx context.Context, c claimed, sendErr error) error {
	attempts := c.attempts + 1
	var err error
	switch {
	case sendErr == nil:
		// A last error without an attempt is an instance lacking the key saying why it left the
		// delivery (deliverDue); delivered, it no longer applies. One of an attempt stays.
		_, err = w.svc.db.Pool.Exec(ctx, `UPDATE webhook_deliveries SET status = 'DELIVERED', attempts = $2,
			last_attempt_at = now(), delivered_at = now(), next_attempt_at = NULL,
			last_error = CASE WHEN attempts = 0 THEN NULL ELSE last_error END
			WHERE id = $1 AND status = 'PENDING'`, c.id, attempts)
	case attempts >= w.opts.MaxAttempts:
		var tag pgconn.CommandTag
		tag, err = w.svc.db.Pool.Exec(ctx, `UPDATE webhook_deliveries SET status = 'FAILED', attempts = $2,
			last_attempt_at = now(), last_error = $3, next_attempt_at = NULL WHERE id = $1 AND status = 'PENDING'`, c.id, attempts, errText(sendErr))
		if err == nil && tag.RowsAffected() == 1 && w.opts.GaveUp != nil {
			w.opts.GaveUp()
		}
	default:
		_, err = w.svc.db.Pool.Exec(ctx, `UPDATE webhook_deliveries SET attempts = $2, last_attempt_at = now(),
			last_error = $3, next_attempt_at = clock_timestamp() + make_interval(secs => $4) WHERE id = $1 AND status = 'PENDING'`,
			c.id, attempts, errText(sendErr), w.backoff(attempts).Seconds())
	}
	if err != nil {
		return fmt.Errorf("record delivery %s: %w", c.id, err)
	}
	return nil
}

func errText(err error) string {
	s := describe(err)
	if r := []rune(s); len(r) > 500 {
		s = string(r[:500]) + "…"
	}
	return s
}
