package events_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/auth"
	"github.com/vermerk/vermerk/server/internal/events"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// startBus serves a Bus with the given options on /graphql of a fresh database, with socket
// buffers of 16 KiB so a client that stops reading blocks the server's writes quickly.
func startBus(t *testing.T, opts events.Options, jobs events.ImportJobLoader) (wsURL, dbURL string) {
	t.Helper()
	dbURL = pgtest.NewDB(t)
	db, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	bus := events.New(db, opts)
	bus.Jobs = jobs
	if err := bus.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Stop(context.Background()) })
	h := graph.NewHandler(graph.Services{Events: bus, Tokens: adminOnly{b: auth.Bootstrap{AdminToken: apptest.AdminToken}}}, graph.Options{})
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return "ws" + srv.URL[len("http"):] + "/graphql", dbURL
}

// adminOnly authenticates the bootstrap admin token; the token store is not needed here.
type adminOnly struct {
	graph.Tokens
	b auth.Bootstrap
}

func (a adminOnly) Authenticate(ctx context.Context, header string) (*viewer.Viewer, error) {
	return a.b.Authenticate(ctx, header)
}

type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// slowClient reads through a 16 KiB socket buffer.
var slowClient = &http.Client{Transport: &http.Transport{
	DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(16 << 10)
		}
		return c, err
	},
}}

// A subscriber that stops reading is closed with an error telling it where to resume; the
// others get every event, and resuming delivers exactly the rest.
func TestSlowSubscriberIsClosedAlone(t *testing.T) {
	wsURL, dbURL := startBus(t, events.Options{Buffer: 16}, nil)
	// Both subscribe after an anchor event, so each gets every later event whenever its
	// stream registers (a subscription without a cursor starts at "now", which on a loaded
	// machine can be after the first event below).
	anchor := emit(t, dbURL, 1, "web")[0]
	fast := subscribeRevocations(t, wsURL, apptest.AdminToken, anchor)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	slow, err := gqlws.Dial(ctx, wsURL, apptest.AdminToken, slowClient)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.CloseNow()
	if err := slow.Subscribe(ctx, "1", revocationsSub, map[string]any{"after": anchor}); err != nil {
		t.Fatal(err)
	}
	// Both streams are live once each has its first event (a sleep instead was too short on a
	// loaded machine: the slow stream then began behind and was closed before its first event).
	first := emit(t, dbURL, 1, "web")
	for _, c := range []*gqlws.Conn{fast, slow} {
		if m := read(t, c); m.Type != "next" || decodeCursor(t, m) != first[0] {
			t.Fatalf("first event: %s %s, want %s", m.Type, m.Payload, first[0])
		}
	}

	const batches, perBatch = 40, 5
	var fastGot []string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range batches * perBatch {
			m, err := fast.Read(ctx)
			if err != nil || m.Type != "next" {
				t.Errorf("fast subscriber: %v %s %s", err, m.Type, m.Payload)
				return
			}
			fastGot = append(fastGot, decodeCursor(t, m))
		}
	}()
	// Large events (a 4 KiB channel each) fill the slow client's socket after a few.
	var emitted []string
	for range batches {
		emitted = append(emitted, emit(t, dbURL, perBatch, bigChannel())...)
		time.Sleep(20 * time.Millisecond)
	}
	wg.Wait()
	if !equal(fastGot, emitted) {
		t.Fatalf("the fast subscriber got %d events, want all %d in order", len(fastGot), len(emitted))
	}

	var slowGot []string
	var end gqlws.Message
	for {
		m := read(t, slow)
		if m.Type != "next" {
			end = m
			break
		}
		slowGot = append(slowGot, decodeCursor(t, m))
	}
	errs := end.Errors()
	if end.Type != "error" || len(errs) != 1 || errs[0].Code() != events.CodeResumeRequired {
		t.Fatalf("slow subscriber ended with %s %s, want an error with code %s", end.Type, end.Payload, events.CodeResumeRequired)
	}
	if len(slowGot) >= len(emitted) || !equal(slowGot, emitted[:len(slowGot)]) {
		t.Fatalf("slow subscriber got %d of %d events before it was closed, want a prefix", len(slowGot), len(emitted))
	}
	last := first[0]
	if len(slowGot) > 0 {
		last = slowGot[len(slowGot)-1]
	}
	resume, _ := errs[0].Extensions["resumeAfter"].(string)
	if resume != last {
		t.Fatalf("resumeAfter = %q, want the last cursor it received, %s", resume, last)
	}
	t.Logf("slow subscriber closed after %d of %d events: %s", len(slowGot), len(emitted), errs[0].Message)

	again := subscribeRevocations(t, wsURL, apptest.AdminToken, resume)
	rest := emitted[len(slowGot):]
	if got := nextRevocations(t, again, len(rest)); !equal(got, rest) {
		t.Fatalf("resumed: got %d events, want the %d missed", len(got), len(rest))
	}
	quiet(t, fast, 200*time.Millisecond) // the fast subscriber's stream is still open, and quiet
}

func bigChannel() string {
	b := make([]byte, 2048)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) // random, so WebSocket compression cannot shrink it
}

func decodeCursor(t *testing.T, m gqlws.Message) string {
	t.Helper()
	var p struct {
		Data struct{ Revocations revocation }
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Errorf("decode %s: %v", m.Payload, err)
	}
	return p.Data.Revocations.Cursor
}

// jobs is an import job store the test drives.
type jobs struct {
	mu   sync.Mutex
	byID map[string]model.ImportJob
}

func (j *jobs) Job(_ context.Context, id string) (*model.ImportJob, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, ok := j.byID[id]
	if !ok {
		return nil, apperr.NotFoundf("no import job %s", id)
	}
	return &job, nil
}

func (j *jobs) set(job model.ImportJob) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.byID[job.ID] = job
}

// importProgress sends the current state, then the state after each progress event of its
// job (and no other), and completes after DONE.
func TestImportProgress(t *testing.T) {
	js := &jobs{byID: map[string]model.ImportJob{}}
	wsURL, dbURL := startBus(t, events.Options{}, js)
	const jobID, otherJob = "6f1d2c3b-0000-4000-8000-000000000001", "6f1d2c3b-0000-4000-8000-000000000002"
	js.set(model.ImportJob{ID: jobID, Status: model.ImportStatusRunning, Total: 3})
	progress := func(id string) {
		execSQL(t, dbURL, `SELECT vermerk_emit('IMPORT_PROGRESS', NULL, NULL, '', $1)`, id)
	}

	c := dial(t, wsURL, apptest.AdminToken)
	if err := c.Subscribe(t.Context(), "1", `subscription($id: ID!) { importProgress(jobId: $id) { id status processed total } }`,
		map[string]any{"id": jobID}); err != nil {
		t.Fatal(err)
	}
	type state struct {
		ID, Status       string
		Processed, Total int
	}
	if s := next[state](t, c, "importProgress"); s.Status != "RUNNING" || s.Processed != 0 || s.Total != 3 {
		t.Fatalf("first message = %+v, want the current state RUNNING 0/3", s)
	}
	js.set(model.ImportJob{ID: jobID, Status: model.ImportStatusRunning, Total: 3, Processed: 2})
	progress(jobID)
	if s := next[state](t, c, "importProgress"); s.Processed != 2 {
		t.Fatalf("after progress = %+v, want 2/3", s)
	}
	progress(otherJob)
	quiet(t, c, 300*time.Millisecond)
	js.set(model.ImportJob{ID: jobID, Status: model.ImportStatusDone, Total: 3, Processed: 3})
	progress(jobID)
	if s := next[state](t, c, "importProgress"); s.Status != "DONE" || s.Processed != 3 {
		t.Fatalf("last message = %+v, want DONE 3/3", s)
	}
	if m := read(t, c); m.Type != "complete" {
		t.Fatalf("after DONE got %s %s, want complete", m.Type, m.Payload)
	}

	if err := c.Subscribe(t.Context(), "2", `subscription { importProgress(jobId: "6f1d2c3b-0000-4000-8000-00000000ffff") { id } }`, nil); err != nil {
		t.Fatal(err)
	}
	if errs := read(t, c).Errors(); len(errs) != 1 || errs[0].Code() != "NOT_FOUND" {
		t.Fatalf("unknown job: errors %+v, want NOT_FOUND", errs)
	}
}
